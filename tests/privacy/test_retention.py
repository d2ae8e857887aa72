"""Retention: old reports lose their personal details, closed ones their e-mail; residents can
download what they sent; staff looks at exact data are on record; logs hold no report text."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from audit.models import AuditEvent
from feedback.models import Report
from geo.projection import plane
from privacy.retention import anonymise_old, drop_contacts
from tests.helpers import VANERSBORG_TORGET, valid_form

LAT, LON = VANERSBORG_TORGET


def _age(session, report, days, **values):
    session.execute(
        update(Report)
        .where(Report.id == report.id)
        .values(created_at=datetime.now(UTC) - timedelta(days=days), **values)
    )
    session.commit()


def test_old_reports_are_anonymised_and_still_count(kommuner, session, create_report_at):
    vanersborg = kommuner["Vänersborg"]
    old = create_report_at(
        vanersborg,
        LAT,
        LON,
        description="Ring 070-1234567",
        email="a@b.se",
        age_band="25-34",
        gender="kvinna",
        place_description="Vid min port",
    )
    recent = create_report_at(vanersborg, LAT, LON, description="Mörkt", email="c@d.se")
    _age(session, old, 800)
    assert anonymise_old(session, timedelta(days=730)) == 1
    session.commit()
    session.expire_all()
    old, recent = session.get(Report, old.id), session.get(Report, recent.id)
    assert (old.description, old.place_description, old.contact_email) == ("", None, None)
    assert (old.age_band, old.gender) == (None, None) and old.anonymised_at is not None
    assert old.reason_codes == ["place.dark"] and old.kind == "otrygg"  # it still counts
    x, y = plane(3006).to_metres([old.lat], [old.lon])
    assert abs(x[0] % 250 - 125) < 0.5 and abs(y[0] % 250 - 125) < 0.5  # a cell's centre
    ex, ey = plane(3006).to_metres([LAT], [LON])
    assert abs(x[0] - ex[0]) <= 125 and abs(y[0] - ey[0]) <= 125
    assert recent.description == "Mörkt" and recent.contact_email == "c@d.se"
    assert anonymise_old(session, timedelta(days=730)) == 0  # once is enough


def test_contact_emails_go_once_the_follow_up_is_done(kommuners_and_session):
    kommuner, session, create = kommuners_and_session
    closed = create(kommuner["Vänersborg"], LAT, LON, email="a@b.se")
    open_ = create(kommuner["Vänersborg"], LAT, LON, email="c@d.se")
    session.execute(
        update(Report)
        .where(Report.id == closed.id)
        .values(status="avslutad", updated_at=datetime.now(UTC) - timedelta(days=100))
    )
    session.commit()
    assert drop_contacts(session, timedelta(days=90)) == 1
    session.commit()
    emails = dict(session.execute(select(Report.id, Report.contact_email)).all())
    assert emails == {closed.id: None, open_.id: "c@d.se"}


def test_retention_command(runner, kommuner, session, create_report_at):
    report = create_report_at(kommuner["Vänersborg"], LAT, LON, description="x")
    _age(session, report, 40)
    result = runner.invoke(args=["privacy", "retention", "--days", "30"])
    assert result.exit_code == 0 and "Anonymised 1 reports" in result.output
    refused = runner.invoke(args=["privacy", "retention", "--days", "3"])
    assert refused.exit_code == 2  # a few days would wipe what coordinators still review


def test_residents_download_what_they_sent(client, kommuner, session):
    client.post("/k/vanersborg/", data=valid_form(email="a@b.se", consent="y"))
    report = session.scalar(select(Report))
    client.post("/status", data={"code": report.receipt_code})
    response = client.get("/status/mitt-forslag.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = response.json
    assert data["epost"] == "a@b.se" and data["skal"] == ["people.youth_groups", "place.dark"]
    assert data["beskrivning"].startswith("Mörkt och stökigt")
    assert client.get("/status/AAAA-BBBB-CCCC-DDDD/mitt-forslag.json").status_code == 404
    client.post("/status", data={"code": "AAAA-BBBB-CCCC"})  # a wrong code forgets nothing
    assert client.get("/status/mitt-forslag.json").json["epost"] == "a@b.se"


def test_every_look_at_exact_data_is_on_record(
    client, kommuner, session, create_user, login, create_report_at
):
    report = create_report_at(kommuner["Vänersborg"], LAT, LON)
    user = create_user()
    login(user)
    client.get(f"/samordnare/rapport/{report.id}")
    client.get("/samordnare/vanersborg/karta")  # one report: drawn as a point
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.user_id == user.id).order_by(AuditEvent.id)
    ).all()
    assert "report.view" in actions and "map.view_points" in actions


def test_logs_hold_no_report_text(client, kommuner, caplog):
    secret = "Hemlig text som inte får loggas 4711"
    with caplog.at_level(logging.DEBUG):
        client.post("/k/vanersborg/", data=valid_form(description=secret))
        client.post("/k/vanersborg/", data=valid_form(description=secret, lat="x"))
    assert secret not in caplog.text


@pytest.fixture
def kommuners_and_session(kommuner, session, create_report_at):
    return kommuner, session, create_report_at

"""Retention reaches every copy of a report's place and text, and staff text is masked.

The outside review's case: a coordinator corrects a report's pin, writes a note and a status
comment with a name, a phone number and an e-mail address, and the felanmälan system answers
with a name of its own. Before retention the report page masks all of it (with the audited
"Visa original"); after `flask privacy retention` no table holds the exact pins or the text,
and the report page shows neither. The checks walk every table, so a new copy is caught too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import JSON, Float, String, Text, select, update

import db
from audit.models import AuditEvent
from feedback.models import Report
from hotspots.models import HotSpotRun
from kommun.models import Kommun
from open311.models import Forwarding, ForwardTarget
from review.models import ReportChange
from surveys.models import SheetResponse
from surveys.services import save_sheet
from tests.pages import parse_page

EXACT = (58.381234, 12.321987)  # where the resident set the pin
MOVED = (58.382468, 12.324135)  # where a coordinator moved it
SHEET_PLACE = (58.379876, 12.318765)  # a place answer on a paper sheet
NOTE = "Ringde Anna Svensson på 070-123 45 67, anna.svensson@exempel.se"
COMMENT = "Fastighetsägaren Kalle Berg (0521-27 10 00) ringer tillbaka"
REMOTE = "Åtgärdat, kontakt Per Persson per.persson@kommun.example"
SHEET_TEXT = "Grannen Lisa Ek på 070-555 12 34 vet mer"
# Fragments that must not survive anywhere: names, numbers, addresses.
SECRETS = ("Anna Svensson", "070-123 45 67", "anna.svensson@", "Kalle Berg", "0521-27 10 00")
SECRETS += ("Per Persson", "per.persson@", "Lisa Ek", "070-555 12 34")


def _floats(value: Any) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, list | tuple):
        return [f for v in value for f in _floats(v)]
    return []


def _stored(session) -> list[tuple[str, Any]]:
    """Every value of every float, text and JSON column: (table.column, value)."""
    session.expire_all()
    values = []
    for table in db.Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, Float | String | Text | JSON)]
        if not columns:
            continue
        for row in session.execute(select(*columns)):
            values += [(f"{table.name}.{c.name}", v) for c, v in zip(columns, row, strict=True)]
    return values


def exact_places(session) -> list[str]:
    wanted = [*EXACT, *MOVED, *SHEET_PLACE]
    return sorted(
        {
            where
            for where, value in _stored(session)
            for f in _floats(value)
            if any(abs(f - w) < 1e-7 for w in wanted)
        }
    )


def personal_text(session) -> list[str]:
    return sorted(
        {
            where
            for where, value in _stored(session)
            if any(secret in str(value) for secret in SECRETS)
        }
    )


@pytest.fixture
def corrected(client, kommuner, session, create_report_at, create_user, login, create_dialogue):
    """The review's case, through the coordinator's own pages."""
    vanersborg = kommuner["Vänersborg"]
    report = create_report_at(vanersborg, *EXACT, description="Mörkt vid porten")
    coordinator = create_user()
    login(coordinator)
    base = f"/samordnare/rapport/{report.id}"
    correction = {
        "correct-lat": str(MOVED[0]),
        "correct-lon": str(MOVED[1]),
        "correct-reasons": ["place.dark"],
    }
    assert client.post(f"{base}/rattelse", data=correction).status_code == 303
    assert client.post(f"{base}/anteckning", data={"note-text": NOTE}).status_code == 303
    status = {"status-status": "granskad", "status-comment": COMMENT}
    assert client.post(f"{base}/status", data=status).status_code == 303
    target = ForwardTarget(
        kommun_id=vanersborg.id, name="Felanmälan", endpoint="http://127.0.0.1:9", api_key="k"
    )
    session.add(target)
    session.flush()
    session.add(
        Forwarding(
            report_id=report.id,
            target_id=target.id,
            service_code="ljus",
            state="sent",
            remote_status="closed",
            remote_status_notes=REMOTE,
        )
    )
    dialogue = create_dialogue(vanersborg, double_entry="all")
    place = {"landmark_id": None, "name": "x", "lat": SHEET_PLACE[0], "lon": SHEET_PLACE[1]}
    answers = {"otrygg_plats": place, "gora": SHEET_TEXT}
    save_sheet(session, dialogue, 1, answers, coordinator.id)
    # The control entry is another person's (the first typist may not check their own).
    save_sheet(session, dialogue, 1, answers, create_user().id, entry_pass=2)
    session.commit()
    return report


def _age_everything(session, days: int = 800) -> None:
    then = datetime.now(UTC) - timedelta(days=days)
    session.execute(update(Report).values(created_at=then))
    session.commit()


def test_staff_text_is_masked_with_an_audited_look_at_the_original(client, corrected, session):
    url = f"/samordnare/rapport/{corrected.id}"
    page = parse_page(client.get(url).data)
    shown = page.get_text(" ")
    # Numbers and addresses are masked; names cannot be found reliably, so they are flagged.
    hidden = ("070-123 45 67", "anna.svensson@", "0521-27 10 00", "per.persson@")
    assert not [secret for secret in hidden if secret in shown]
    notes = [li.select_one(".report-text").get_text() for li in page.select(".notes li")]
    assert "Ringde Anna Svensson på [telefonnummer], [e-post]" in notes
    assert "Fastighetsägaren Kalle Berg ([telefonnummer]) ringer tillbaka" in notes
    assert "Åtgärdat, kontakt Per Persson [e-post]" in page.select_one(".forwarding").get_text()
    assert page.select_one(".tag.warn")  # the text may name a person
    assert page.select_one(f"form[action='{url}/original']")

    original = parse_page(client.post(f"{url}/original").data).get_text(" ")
    assert NOTE in original and COMMENT in original and REMOTE in original
    looks = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "report.view_original")
    ).all()
    assert len(looks) == 1 and looks[0].object_id == corrected.id and looks[0].details["notes"] == 2


def test_retention_leaves_no_exact_place_and_no_staff_text(client, runner, corrected, session):
    # Before: the history, the audit log, the notes, the forwarding and the sheets hold it all.
    before = exact_places(session)
    assert {"report_change.old", "report_change.new", "audit_event.details"} <= set(before)
    assert {"report.lat", "survey_response.answers"} <= set(before)
    assert {"report_note.text", "open311_forwarding.remote_status_notes"} <= set(
        personal_text(session)
    )
    _age_everything(session)

    result = runner.invoke(args=["privacy", "retention"])

    assert result.exit_code == 0 and "Anonymised 2 reports" in result.output  # and the sheet's
    assert exact_places(session) == []
    assert personal_text(session) == []
    change = session.scalar(select(ReportChange).where(ReportChange.field == "location"))
    assert len(change.old) == len(change.new) == 2  # coarse, but still a place
    sheet = session.scalar(select(SheetResponse).where(SheetResponse.entry_pass == 2))
    assert "gora" not in sheet.answers and sheet.answers["otrygg_plats"]["lat"] != SHEET_PLACE[0]

    html = client.get(f"/samordnare/rapport/{corrected.id}").get_data(as_text=True)
    for lat, lon in (EXACT, MOVED):
        for digits in (4, 5, 6):
            assert f"{lat:.{digits}f}" not in html and f"{lon:.{digits}f}" not in html
    page = parse_page(html)
    assert page.select_one("#anonymised")
    assert [li.select_one(".report-text").get_text() for li in page.select(".notes li")] == [
        "Gallrad.",
        "Gallrad.",
    ]


def test_old_hot_spot_runs_go_the_current_one_is_redrawn(runner, kommuners_old_run, session):
    old_run, current_run = kommuners_old_run
    runner.invoke(args=["privacy", "retention"])
    session.expire_all()
    assert session.get(HotSpotRun, old_run) is None
    assert session.get(HotSpotRun, current_run) is not None
    stale = select(Kommun.hotspots_stale_since).where(Kommun.name == "Vänersborg")
    assert session.scalar(stale) is not None  # the current run is drawn again, from coarse pins


@pytest.fixture
def kommuners_old_run(kommuner, session, create_report_at):
    from hotspots.services import compute_run

    vanersborg = kommuner["Vänersborg"]
    for i in range(6):
        create_report_at(vanersborg, EXACT[0] + i * 1e-5, EXACT[1])
    old = compute_run(session, vanersborg)
    session.commit()
    current = compute_run(session, vanersborg)
    session.commit()
    then = datetime.now(UTC) - timedelta(days=800)
    session.execute(update(HotSpotRun).where(HotSpotRun.id == old.id).values(created_at=then))
    session.execute(update(Report).values(created_at=then))
    session.commit()
    return old.id, current.id

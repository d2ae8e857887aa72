"""A coordinator triages a report: status, notes, corrections, hiding, and the original text."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from audit.models import AuditEvent
from feedback.models import Report
from review.models import ReportChange, ReportNote
from tests.helpers import VANERSBORG_TORGET
from tests.pages import error_for, parse_page

LAT, LON = VANERSBORG_TORGET


@pytest.fixture
def coordinator(client, create_user, login):
    user = create_user("coordinator", ("Vänersborg",))
    login(user)
    return user


@pytest.fixture
def report(kommuner, create_report_at):
    return create_report_at(
        kommuner["Vänersborg"], LAT, LON,
        reasons=["place.dark"],
        description="Ring mig på 070-123 45 67, bilen ABC 123 står där",
        email="boende@exempel.se",
    )  # fmt: skip


def reload(session, report):
    session.expire_all()
    return session.get(Report, report.id)


def test_report_page_shows_the_place_reasons_and_masked_text(client, coordinator, report):
    page = parse_page(client.get(f"/samordnare/rapport/{report.id}").data)
    assert page.select_one("h1").get_text(strip=True) == f"Förslag {report.registration_number}"
    mapped = page.select_one("#report-map")
    assert float(mapped["data-lat"]) == pytest.approx(LAT)
    assert float(mapped["data-lon"]) == pytest.approx(LON)
    assert page.select_one("#report-reasons").get_text(strip=True) == "Belysning saknas, mörk plats"
    text = page.select_one("#masked-text").get_text()
    assert "[telefonnummer]" in text and "[registreringsnummer]" in text
    assert "070-123" not in page.get_text() and "boende@exempel.se" not in page.get_text()
    assert page.select_one('script[src$="js/review.js"]')
    assert not page.select("script:not([src]):not([type='application/json'])")


def test_visa_original_is_a_logged_post(client, coordinator, report, session):
    assert client.get(f"/samordnare/rapport/{report.id}/original").status_code == 405
    response = client.post(f"/samordnare/rapport/{report.id}/original")
    assert response.status_code == 200
    original = parse_page(response.data).select_one("#original-text").get_text()
    assert "070-123 45 67" in original
    # The app writes to the resident itself: no staff page shows the address, not even here.
    assert "boende@exempel.se" not in response.get_data(as_text=True)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "report.view_original"))
    assert event.user_id == coordinator.id and event.object_id == report.id
    assert event.kommun_id == report.kommun_id


def test_triage_a_report(client, coordinator, report, session):
    response = client.post(
        f"/samordnare/rapport/{report.id}/status",
        data={"status-status": "granskad", "status-comment": "Kollat på plats."},
    )
    assert response.status_code == 303
    page = parse_page(client.get(response.headers["Location"]).data)
    assert page.select_one("#report-status").get_text(strip=True) == "Granskad"
    assert "Status ändrad till Granskad" in page.select_one(".flash").get_text()
    assert "Kollat på plats." in page.select_one(".notes").get_text()
    stored = reload(session, report)
    assert stored.status == "granskad" and stored.reviewed_at is not None
    change = session.scalar(select(ReportChange).where(ReportChange.report_id == report.id))
    assert change.old["status"] == "ny" and change.new["status"] == "granskad"
    assert change.user_id == coordinator.id
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "report.status"))


def test_closing_needs_a_reason_and_forwarding_a_receiver(client, coordinator, report, session):
    url = f"/samordnare/rapport/{report.id}/status"
    response = client.post(url, data={"status-status": "avslutad"})
    assert response.status_code == 400
    page = parse_page(response.data)
    assert "Välj varför" in error_for(page, "status-status_reason")
    assert page.select_one('#error-summary a[href="#status-status_reason"]')

    response = client.post(
        url, data={"status-status": "avslutad", "status-status_reason": "ingen_atgard_mojlig"}
    )
    assert "Skriv varför" in error_for(parse_page(response.data), "status-comment")

    response = client.post(url, data={"status-status": "vidarebefordrad"})
    assert "vidarebefordras" in error_for(parse_page(response.data), "status-forwarded_to")
    assert reload(session, report).status == "ny"

    client.post(url, data={"status-status": "vidarebefordrad", "status-forwarded_to": "felanmalan"})
    stored = reload(session, report)
    assert (stored.status, stored.forwarded_to) == ("vidarebefordrad", "felanmalan")
    client.post(
        url, data={"status-status": "avslutad", "status-status_reason": "inte_kommunens_ansvar"}
    )
    stored = reload(session, report)
    assert (stored.status, stored.status_reason, stored.forwarded_to) == (
        "avslutad", "inte_kommunens_ansvar", None,
    )  # fmt: skip
    # The resident's status page speaks the resident's language.
    client.post("/status", data={"code": report.receipt_code})
    resident = parse_page(client.get("/status/mitt-forslag").data)
    assert "Avslutad" in resident.select_one(".status").get_text()


def test_internal_notes(client, coordinator, report, session):
    url = f"/samordnare/rapport/{report.id}/anteckning"
    assert client.post(url, data={"note-text": ""}).status_code == 400
    assert client.post(url, data={"note-text": "Ringt fastighetsägaren."}).status_code == 303
    note = session.scalar(select(ReportNote))
    assert note.text == "Ringt fastighetsägaren." and note.author_id == coordinator.id
    # Residents never see notes: on their report's own status page (without a report found,
    # it sends them back to /status).
    assert client.post("/status", data={"code": report.receipt_code}).status_code == 303
    status = client.get("/status/mitt-forslag")
    assert status.status_code == 200
    assert "fastighetsägaren" not in status.get_data(True)


def test_correct_reasons_and_place_with_history(client, coordinator, report, session):
    url = f"/samordnare/rapport/{report.id}/rattelse"
    new_lat, new_lon = LAT + 0.001, LON + 0.001
    response = client.post(
        url,
        data={"correct-reasons": ["place.bushes", "people.youth_groups"],
              "correct-lat": str(new_lat), "correct-lon": str(new_lon)},
    )  # fmt: skip
    assert response.status_code == 303
    stored = reload(session, report)
    assert stored.reason_codes == ["people.youth_groups", "place.bushes"]
    assert (stored.lat, stored.lon) == pytest.approx((new_lat, new_lon))
    changes = {c.field: c for c in session.scalars(select(ReportChange))}
    assert changes["reasons"].old == ["place.dark"]
    assert changes["location"].old == pytest.approx([LAT, LON])
    page = parse_page(client.get(f"/samordnare/rapport/{report.id}").data)
    assert len(page.select("section[aria-labelledby=history-title] tbody tr")) == 2


def test_corrections_must_stay_in_the_kommun_and_the_taxonomy(client, coordinator, report, session):
    url = f"/samordnare/rapport/{report.id}/rattelse"
    outside = client.post(
        url, data={"correct-reasons": ["place.dark"], "correct-lat": "57.7", "correct-lon": "11.97"}
    )
    assert outside.status_code == 400
    assert "utanför Vänersborg" in error_for(parse_page(outside.data), "correct-lat")
    unknown = client.post(
        url, data={"correct-reasons": ["nope"], "correct-lat": str(LAT), "correct-lon": str(LON)}
    )
    assert unknown.status_code == 400
    assert reload(session, report).reason_codes == ["place.dark"]
    assert session.scalar(select(ReportChange)) is None


def test_hide_from_aggregates_and_back(client, coordinator, report, session):
    url = f"/samordnare/rapport/{report.id}/dolj"
    client.post(url)
    assert reload(session, report).hidden is True
    assert not reload(session, report).counts_in_aggregates
    page = parse_page(client.get(f"/samordnare/rapport/{report.id}").data)
    assert "räknas inte" in page.select_one(".notice").get_text()
    client.post(url)
    assert reload(session, report).hidden is False
    assert [c.new for c in session.scalars(select(ReportChange).order_by(ReportChange.id))] == [
        True,
        False,
    ]

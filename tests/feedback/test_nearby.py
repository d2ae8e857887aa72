"""Before submitting, a resident sees what others reported nearby and can agree."""

from __future__ import annotations

from sqlalchemy import select

from feedback.models import Report
from tests.conftest import VANERSBORG_TORGET
from tests.feedback.test_report_new import valid_form

LAT, LON = VANERSBORG_TORGET
# About 60 m north and 500 m north of the square.
NEAR = (LAT + 0.00054, LON)
FAR = (LAT + 0.0045, LON)


def test_nearby_counts_and_reasons_only(client, kommuner, create_report_at):
    vanersborg = kommuner["Vänersborg"]
    for _ in range(3):
        create_report_at(vanersborg, *NEAR, reasons=["place.dark"], description="Hemligt")
    create_report_at(vanersborg, *NEAR, reasons=["place.bushes", "place.dark"])
    create_report_at(vanersborg, *FAR, reasons=["disorder.drugs"])
    create_report_at(vanersborg, *NEAR, kind="trygg", reasons=["positive.lighting"])

    data = client.get(f"/api/k/vanersborg/nara?lat={LAT}&lon={LON}").get_json()
    assert data["count"] == 4
    assert data["message"].startswith("4 personer har rapporterat otrygghet inom 100 m")
    assert "oftast belysning saknas" in data["message"]
    assert data["reasons"][0] == {
        "code": "place.dark",
        "count": 4,
        "label": "Belysning saknas, mörk plats",
    }
    assert "Hemligt" not in str(data) and "lat" not in data["reasons"][0]


def test_nearby_nothing_and_bad_input(client, kommuner):
    assert client.get(f"/api/k/vanersborg/nara?lat={LAT}&lon={LON}").get_json()["count"] == 0
    assert client.get("/api/k/vanersborg/nara?lat=x&lon=1").status_code == 400
    assert client.get("/api/k/vanersborg/nara?lat=nan&lon=nan").status_code == 400
    response = client.get("/api/k/vanersborg/nara?lat=59.39&lon=15.84")
    assert response.status_code == 400
    assert "utanför Vänersborg" in response.get_json()["error"]


def test_jag_kanner_likadant(client, kommuner, session, create_report_at):
    original = create_report_at(kommuner["Vänersborg"], *NEAR, reasons=["place.bushes"])
    data = valid_form(reasons=[], description="", likadant="Jag känner likadant")
    response = client.post("/k/vanersborg/", data=data)
    assert response.status_code == 303
    support = session.scalar(select(Report).where(Report.id != original.id))
    assert support.source == "support"
    assert support.supports_id == original.id
    assert support.reason_codes == ["place.bushes"]  # agreeing means the same reasons
    client.post("/status", data={"code": original.receipt_code})
    page = client.get("/status/mitt-forslag").get_data(as_text=True)
    assert "1 person till" in page


def test_likadant_with_nobody_nearby_is_a_plain_report(client, kommuner, session):
    data = valid_form(likadant="Jag känner likadant")
    assert client.post("/k/vanersborg/", data=data).status_code == 303
    report = session.scalar(select(Report))
    assert report.source == "online" and report.supports_id is None


def test_likadant_without_reasons_where_nobody_reported(client, kommuner, session):
    data = valid_form(reasons=[], likadant="Jag känner likadant")
    response = client.post("/k/vanersborg/", data=data)
    assert response.status_code == 400
    assert "Ingen har rapporterat just här" in response.get_data(as_text=True)
    assert session.scalar(select(Report)) is None


def test_hidden_and_merged_reports_are_not_counted(client, kommuner, session, create_report_at):
    vanersborg = kommuner["Vänersborg"]
    kept = create_report_at(vanersborg, *NEAR)
    hidden = create_report_at(vanersborg, *NEAR)
    duplicate = create_report_at(vanersborg, *NEAR)
    hidden.hidden = True
    duplicate.merged_into_id = kept.id
    session.add_all([hidden, duplicate])
    session.commit()
    assert client.get(f"/api/k/vanersborg/nara?lat={LAT}&lon={LON}").get_json()["count"] == 1

"""EST rapportörer file observations for their own kommuner; they carry the organisation."""

from __future__ import annotations

from sqlalchemy import select

from audit.models import AuditEvent
from feedback.models import Report
from tests.helpers import GOTHENBURG, VANERSBORG_TORGET
from tests.pages import error_for, parse_page

LAT, LON = VANERSBORG_TORGET


def test_rapportor_files_an_observation(client, create_user, login, session):
    user = create_user("rapportor", ("Vänersborg",), organisation="AB Vänersborgsbostäder")
    response = login(user)
    assert response.headers["Location"] == "/falt/"
    form_url = client.get("/falt/").headers["Location"]
    assert form_url == "/falt/vanersborg/"
    page = parse_page(client.get(form_url).data)
    assert "AB Vänersborgsbostäder" in page.select_one("main").get_text()
    assert page.select_one("#field-map[data-lat-input=lat]")

    response = client.post(
        form_url,
        data={"kind": "otrygg", "lat": str(LAT), "lon": str(LON),
              "reasons": ["people.youth_groups"], "times": ["kvall"],
              "description": "Grupp vid entrén, stökigt."},
    )  # fmt: skip
    assert response.status_code == 303
    report = session.scalar(select(Report))
    assert (report.source, report.organisation) == ("staff", "AB Vänersborgsbostäder")
    assert report.reason_codes == ["people.youth_groups"] and report.at_evening
    page = parse_page(client.get(response.headers["Location"]).data)
    assert report.registration_number in page.select_one(".flash").get_text()
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "report.create"))
    assert event.user_id == user.id and event.object_id == report.id


def test_observation_by_landmark_and_errors(client, create_user, login, session, kommuner):
    login(create_user("rapportor", ("Vänersborg",)))
    outside = client.post(
        "/falt/vanersborg/",
        data={"kind": "otrygg", "lat": str(GOTHENBURG[0]), "lon": str(GOTHENBURG[1]),
              "reasons": ["place.dark"]},
    )  # fmt: skip
    assert outside.status_code == 400
    assert "utanför Vänersborg" in error_for(parse_page(outside.data), "lat")
    no_reason = client.post(
        "/falt/vanersborg/", data={"kind": "otrygg", "lat": str(LAT), "lon": str(LON)}
    )
    assert no_reason.status_code == 400
    torget = next(lm for lm in kommuner["Vänersborg"].landmarks if lm.name == "Torget")
    by_landmark = client.post(
        "/falt/vanersborg/",
        data={"kind": "otrygg", "landmark": str(torget.id), "reasons": ["place.dark"]},
    )
    assert by_landmark.status_code == 303
    assert session.scalar(select(Report)).landmark_id == torget.id


def test_rapportor_only_reports_for_their_own_kommuner(client, create_user, login, session):
    login(create_user("rapportor", ("Vänersborg",)))
    assert client.get("/falt/arboga/").status_code == 403
    response = client.post("/falt/arboga/", data={"kind": "otrygg", "reasons": ["place.dark"]})
    assert response.status_code == 403
    assert client.get("/samordnare/vanersborg/").status_code == 403
    assert session.scalar(select(Report)) is None


def test_coordinators_see_field_reports_in_the_queue(
    client, create_user, login, kommuner, session, app
):
    rapportor = create_user("rapportor", ("Vänersborg",), organisation="Securitas")
    field_client = app.test_client()
    login(rapportor, on=field_client)
    field_client.post(
        "/falt/vanersborg/",
        data={"kind": "otrygg", "lat": str(LAT), "lon": str(LON), "reasons": ["damage.glass"]},
    )
    login(create_user("coordinator", ("Vänersborg",)))
    page = parse_page(client.get("/samordnare/vanersborg/?source=staff").data)
    assert len(page.select("table.queue tbody tr")) == 1
    report = session.scalar(select(Report))
    detail = parse_page(client.get(f"/samordnare/rapport/{report.id}").data)
    assert "Securitas" in detail.select_one(".facts").get_text()

"""A resident who cannot use the map picks a named place, or describes one near it."""

from __future__ import annotations

from sqlalchemy import select

from feedback.models import Report
from tests.helpers import valid_form
from tests.pages import error_for, parse_page


def landmark_id(kommun, name):
    return str(next(lm.id for lm in kommun.landmarks if lm.name == name))


def test_report_at_a_landmark(client, kommuner, session):
    vanersborg = kommuner["Vänersborg"]
    data = valid_form(lat="", lon="", landmark=landmark_id(vanersborg, "Resecentrum"))
    response = client.post("/k/vanersborg/", data=data)
    assert response.status_code == 303
    report = session.scalar(select(Report))
    assert report.location_method == "landmark"
    assert report.landmark.name == "Resecentrum"
    assert (report.lat, report.lon) == (report.landmark.lat, report.landmark.lon)


def test_report_with_address_and_nearest_landmark(client, kommuner, session):
    vanersborg = kommuner["Vänersborg"]
    data = valid_form(
        lat="",
        lon="",
        landmark=landmark_id(vanersborg, "Torget"),
        place_description="Gränden bakom Edsgatan 5",
    )
    assert client.post("/k/vanersborg/", data=data).status_code == 303
    report = session.scalar(select(Report))
    assert report.location_method == "address"
    assert report.place_description == "Gränden bakom Edsgatan 5"
    assert report.landmark.name == "Torget"


def test_address_alone_asks_for_the_nearest_landmark(client, kommuner, session):
    data = valid_form(lat="", lon="", place_description="Gränden bakom Edsgatan 5")
    response = client.post("/k/vanersborg/", data=data)
    page = parse_page(response.data)
    assert response.status_code == 400
    assert "närmast" in error_for(page, "landmark")
    assert page.select_one("#place_description")["value"] == "Gränden bakom Edsgatan 5"
    assert session.scalar(select(Report)) is None


def test_landmark_of_another_kommun_is_refused(client, kommuner, session):
    arboga_torget = landmark_id(kommuner["Arboga"], "Stora torget")
    response = client.post(
        "/k/vanersborg/", data=valid_form(lat="", lon="", landmark=arboga_torget)
    )
    assert response.status_code == 400
    assert "ur listan" in error_for(parse_page(response.data), "landmark")
    assert session.scalar(select(Report)) is None


def test_pin_wins_over_landmark(client, kommuner, session):
    vanersborg = kommuner["Vänersborg"]
    data = valid_form(landmark=landmark_id(vanersborg, "Resecentrum"))
    assert client.post("/k/vanersborg/", data=data).status_code == 303
    report = session.scalar(select(Report))
    assert report.location_method == "map"
    assert report.landmark.name == "Resecentrum"
    assert report.lat != report.landmark.lat


def test_a_pin_tapped_on_a_landmark_is_the_landmark(client, kommuner, session):
    """The map sends a tap on a landmark's dot as location_method=landmark: the place is it."""
    vanersborg = kommuner["Vänersborg"]
    data = valid_form(landmark=landmark_id(vanersborg, "Resecentrum"), location_method="landmark")
    assert client.post("/k/vanersborg/", data=data).status_code == 303
    report = session.scalar(select(Report))
    assert report.location_method == "landmark" and report.landmark.name == "Resecentrum"
    assert (report.lat, report.lon) == (report.landmark.lat, report.landmark.lon)


def test_a_landmark_tap_without_the_landmark_is_a_pin(client, kommuner, session):
    data = valid_form(location_method="landmark")
    assert client.post("/k/vanersborg/", data=data).status_code == 303
    report = session.scalar(select(Report))
    assert report.location_method == "map" and report.landmark is None


def test_the_status_page_names_the_place_not_its_coordinates(client, kommuner, session):
    client.post("/k/vanersborg/", data=valid_form())
    report = session.scalar(select(Report))
    page = parse_page(client.get("/status/mitt-forslag").data)
    place = page.select_one("#place-name").get_text(strip=True)
    assert place.startswith("Vald på kartan, nära ")
    assert f"{report.lat:.5f}" not in page.get_text()
    tiles = page.select_one("#place-map")["data-tile-url"]
    assert tiles == client.application.config["TILE_URL"]

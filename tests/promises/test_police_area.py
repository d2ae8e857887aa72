"""A promise's lokalpolisområde is the area's name alone: pages add the word themselves."""

from __future__ import annotations

from sqlalchemy import select, text

import db
from promises.models import Promise, police_area_name
from tests.pages import parse_page


def test_the_prefix_is_dropped_however_it_is_written():
    assert police_area_name("Lokalpolisområde Trollhättan-Vänersborg") == "Trollhättan-Vänersborg"
    assert police_area_name("  LOKALPOLISOMRÅDET Värnamo ") == "Värnamo"
    assert police_area_name("LPO: Östra Fyrbodal") == "Östra Fyrbodal"
    assert police_area_name("Östra Fyrbodal") == "Östra Fyrbodal"
    assert police_area_name("Lpoxby") == "Lpoxby"  # a name that merely starts like it
    assert police_area_name("Lokalpolisområde") == "Lokalpolisområde"  # nothing else to keep


def test_a_typed_prefix_is_not_doubled_on_the_page(client, kommuner, session, create_user, login):
    login(create_user())
    response = client.post(
        "/samordnare/vanersborg/loften",
        data={
            "title": "Trygga Torpa",
            "lokalpolisomrade": "Lokalpolisområde Trollhättan-Vänersborg",
            "starts_on": "2026-01-01",
            "ends_on": "2027-12-31",
        },
    )
    assert response.status_code == 303
    promise = session.scalar(select(Promise))
    assert promise.lokalpolisomrade == "Trollhättan-Vänersborg"
    page = parse_page(client.get(response.headers["Location"]).data).get_text(" ", strip=True)
    assert "lokalpolisområde Trollhättan-Vänersborg" in page
    assert "lokalpolisområde lokalpolisområde" not in page.casefold()


def test_the_migration_cleans_stored_names(tmp_path):
    engine = db.make_engine("sqlite:///" + str(tmp_path / "lpo.sqlite"))
    db.upgrade(engine, "0019_report_occurred_at")
    now = "2026-01-01 00:00:00.000000"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO kommun (id, code, name, slug, boundary_geojson, min_lat, min_lon, "
                "max_lat, max_lon, active, created_at) VALUES (1, '1487', 'Vänersborg', "
                "'vanersborg', '{}', 58, 12, 59, 13, 1, :now)"
            ),
            {"now": now},
        )
        for promise_id, area in ((1, "Lokalpolisområde Trollhättan-Vänersborg"), (2, "Värnamo")):
            conn.execute(
                text(
                    "INSERT INTO promise (id, kommun_id, title, lokalpolisomrade, starts_on,"
                    " ends_on, status, signatories, summary, cadence_months, created_at,"
                    " evaluation_summary) VALUES (:id, 1, 'Löfte', :area, '2023-01-01',"
                    " '2024-12-31', 'undertecknat', '', '', 4, :now, '')"
                ),
                {"id": promise_id, "area": area, "now": now},
            )
    db.upgrade(engine)
    with engine.connect() as conn:
        areas = conn.execute(text("SELECT lokalpolisomrade FROM promise ORDER BY id")).scalars()
        assert list(areas) == ["Trollhättan-Vänersborg", "Värnamo"]
    engine.dispose()

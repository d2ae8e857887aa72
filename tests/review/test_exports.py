"""Exports: CSV and GeoJSON in WGS84 and SWEREF 99 TM, streamed, with fields by role."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import geojson
import pytest
from pyproj import Transformer
from sqlalchemy import select, update

from audit.models import AuditEvent
from core.clock import local_day, now
from feedback.models import Report
from hotspots.services import compute_run
from review import exports
from tests.helpers import VANERSBORG_TORGET
from tests.pages import parse_page

LAT, LON = VANERSBORG_TORGET
URL = "/samordnare/vanersborg/export/fil"
TO_SWEREF = Transformer.from_crs(4326, 3006, always_xy=True)


@pytest.fixture
def reports(kommuner, create_report_at, session):
    vanersborg = kommuner["Vänersborg"]
    made = [
        create_report_at(
            vanersborg, LAT, LON, description="Ring 070-123 45 67, mörkt", email="a@example.se"
        ),
        create_report_at(
            vanersborg,
            LAT + 0.001,
            LON + 0.002,
            reasons=["place.bushes", "place.dark"],
            times=["natt"],
            description='=HYPERLINK("http://x")',
        ),
        create_report_at(vanersborg, LAT - 0.002, LON, kind="trygg", reasons=["positive.lighting"]),
    ]
    erased = create_report_at(vanersborg, LAT, LON + 0.003)
    erased.erasure_requested_at = datetime.now(UTC)
    create_report_at(kommuner["Arboga"], 59.3937, 15.8389)  # another kommun's
    session.commit()
    return made


def _download(client, **args):
    response = client.get(URL, query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def test_coordinator_exports_geojson_that_reads_back(client, create_user, login, reports):
    login(create_user())
    response = _download(client, what="reports-geojson", crs="4326")
    assert response.mimetype == "application/geo+json"
    assert "attachment" in response.headers["Content-Disposition"]
    collection = geojson.loads(response.get_data(as_text=True))
    assert collection.is_valid and "crs" not in collection
    features = {f["id"]: f for f in collection["features"]}
    assert set(features) == {r.id for r in reports}  # not the erased, not Arboga's
    first = features[reports[0].id]
    assert first["geometry"]["coordinates"] == [round(LON, 6), round(LAT, 6)]
    assert first["properties"]["beskrivning"] == "Ring [telefonnummer], mörkt"
    assert "epost" not in first["properties"] and "aldersgrupp" not in first["properties"]
    assert features[reports[1].id]["properties"]["skal"] == "place.bushes|place.dark"


def test_sweref_export_carries_its_crs(client, create_user, login, reports):
    login(create_user())
    collection = geojson.loads(_download(client, what="reports-geojson", crs="3006").data)
    assert collection["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::3006"
    point = {f["id"]: f for f in collection["features"]}[reports[0].id]["geometry"]
    e, n = TO_SWEREF.transform(LON, LAT)
    assert point["coordinates"] == pytest.approx([e, n], abs=0.06)


def test_csv_is_for_swedish_spreadsheets_and_neutralises_formulas(
    client, create_user, login, reports
):
    login(create_user())
    text = _download(client, what="reports-csv", crs="3006").get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    assert [int(r["id"]) for r in rows] == [r.id for r in reports]
    assert {"e", "n"} <= set(rows[0]) and "lat" not in rows[0]
    assert rows[1]["beskrivning"] == '\'=HYPERLINK("http://x")'
    assert rows[1]["tider"] == "natt" and rows[2]["slag"] == "trygg"
    only_unsafe = _download(client, what="reports-csv", crs="4326", kind="otrygg")
    assert only_unsafe.get_data(as_text=True).count("\r\n") == 1 + 2


def test_personal_fields_are_opt_in_and_audited(client, create_user, login, reports, session):
    user = create_user()
    login(user)
    collection = geojson.loads(
        _download(client, what="reports-geojson", crs="4326", personal="y").data
    )
    first = {f["id"]: f for f in collection["features"]}[reports[0].id]["properties"]
    # The address is for the app's own mails only: not even a personal export carries it.
    assert "epost" not in first and "a@example.se" not in str(first)
    assert first["beskrivning_original"] == "Ring 070-123 45 67, mörkt"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "export.reports-geojson"))
    assert event.user_id == user.id and event.details["detail"] == "personal"


def test_dialogue_team_gets_coarse_places_and_no_text(client, create_user, login, reports):
    login(create_user("dialog"))
    collection = geojson.loads(_download(client, what="reports-geojson", crs="3006").data)
    exact = {r.id: TO_SWEREF.transform(r.lon, r.lat) for r in reports}
    for feature in collection["features"]:
        e, n = feature["geometry"]["coordinates"]
        assert e % 250 == pytest.approx(125) and n % 250 == pytest.approx(125)
        ex, ny = exact[feature["id"]]
        assert abs(e - ex) <= 125 and abs(n - ny) <= 125
        assert "beskrivning" not in feature["properties"]
        assert "platsbeskrivning" not in feature["properties"]
    refused = client.get(URL, query_string={"what": "reports-csv", "crs": "4326", "personal": "y"})
    assert refused.status_code == 400
    assert (
        "får inte exportera personuppgifter"
        in parse_page(refused.data).select_one("#error-summary").get_text()
    )


def test_date_range_and_bad_choices(client, create_user, login, reports, session):
    session.execute(
        update(Report)
        .where(Report.id == reports[0].id)
        .values(created_at=datetime.now(UTC) - timedelta(days=40))
    )
    session.commit()
    login(create_user())
    since = local_day(now() - timedelta(days=10)).isoformat()
    recent = geojson.loads(
        _download(client, what="reports-geojson", crs="4326", date_from=since).data
    )
    assert {f["id"] for f in recent["features"]} == {reports[1].id, reports[2].id}
    bad = client.get(
        URL, query_string={"what": "everything", "crs": "900913", "date_from": "2026-13-01"}
    )
    assert bad.status_code == 400
    assert len(parse_page(bad.data).select("#error-summary li")) == 3  # what, crs, date
    backwards = client.get(
        URL,
        query_string={
            "what": "reports-csv",
            "crs": "4326",
            "date_from": "2026-05-02",
            "date_to": "2026-05-01",
        },
    )
    assert backwards.status_code == 400 and "före startdatum" in backwards.get_data(as_text=True)


def test_hot_spots_export_in_both_systems(
    client, create_user, login, kommuner, create_report_at, session
):
    vanersborg = kommuner["Vänersborg"]
    for i in range(8):
        create_report_at(vanersborg, LAT + (i % 3) * 0.0001, LON + (i // 3) * 0.0002)
    run = compute_run(session, vanersborg)
    session.commit()
    login(create_user())
    wgs = geojson.loads(_download(client, what="hotspots-geojson", crs="4326").data)
    sweref = geojson.loads(_download(client, what="hotspots-geojson", crs="3006").data)
    assert wgs.is_valid and sweref.is_valid
    [spot] = wgs["features"]
    assert spot["id"] == run.hotspots[0].stable_id and spot["properties"]["forslag"] == 8
    assert spot["properties"]["namn"] == "Torget"
    lon, lat = spot["geometry"]["coordinates"][0][0]
    e, n = sweref["features"][0]["geometry"]["coordinates"][0][0]
    assert [e, n] == pytest.approx(list(TO_SWEREF.transform(lon, lat)), abs=0.06)


def test_exports_stream_in_batches(client, create_user, login, reports, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 1)
    login(create_user())
    response = client.get(URL, query_string={"what": "reports-csv", "crs": "4326"})
    assert response.is_streamed
    chunks = [chunk for chunk in response.response if chunk]
    assert len(chunks) == 1 + len(reports)  # the header, then a chunk per batch
    response.close()


def test_coded_columns_have_labels_beside_them(
    client, create_user, login, kommuner, session, create_report_at
):
    """People read the label, programs the code: both, side by side."""
    create_report_at(
        kommuner["Vänersborg"],
        LAT,
        LON,
        reasons=["people.intoxicated", "place.dark"],
        times=["kvall", "natt"],
        day_types=["helg"],
        unsafe_level=3,
    )
    login(create_user())
    text = _download(client, what="reports-csv", crs="4326").get_data(as_text=True)
    reader = csv.DictReader(io.StringIO(text[1:]), delimiter=";")
    header = reader.fieldnames
    assert header.index("skal_text") == header.index("skal") + 1
    row = next(reader)
    assert row["skal"] == "people.intoxicated|place.dark"
    assert row["skal_text"] == "Alkohol- eller drogpåverkade personer, Belysning saknas, mörk plats"
    assert (row["slag_text"], row["kalla_text"], row["status_text"]) == (
        "Otrygg plats",
        "Invånare online",
        "Ny",
    )
    assert (row["tider_text"], row["dagtyp_text"], row["otrygghet_text"]) == (
        "kväll, natt",
        "helg",
        "Mycket otrygg",
    )
    assert row["platsmetod_text"] == "Markerad på kartan"
    # The machine columns stay as they were: codes and a decimal point.
    assert float(row["lat"]) == pytest.approx(LAT)
    feature = geojson.loads(
        _download(client, what="reports-geojson", crs="4326").get_data(as_text=True)
    )["features"][0]
    assert feature["properties"]["skal_text"].startswith("Alkohol- eller drogpåverkade")


def test_csv_for_swedish_excel_writes_decimal_commas(client, create_user, login, reports):
    login(create_user())
    text = _download(client, what="reports-csv", crs="4326", decimals="comma").get_data(
        as_text=True
    )
    row = next(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    assert row["lat"] == "58,38065" and row["lon"] == "12,32265"
    assert row["id"] == str(reports[0].id) and row["skal"] == "place.dark"

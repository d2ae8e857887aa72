"""A focus area's place as a real polygon: drawn on the map or uploaded from the kommun's GIS."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import pytest
from shapely.geometry import shape
from sqlalchemy import select, update

import geo.areas
from audit.models import AuditEvent
from feedback.models import Report
from geo.projection import plane
from promises.models import FocusArea, Promise
from promises.services import count_in
from tests.helpers import VANERSBORG_TORGET
from tests.pages import parse_page

LAT, LON = VANERSBORG_TORGET
# Torpa-like: an L-shaped block. The point NE of the corner lies in its bounding box but not in it.
L_SHAPE = {
    "type": "Polygon",
    "coordinates": [
        [
            [LON, LAT],
            [LON + 0.004, LAT],
            [LON + 0.004, LAT + 0.001],
            [LON + 0.001, LAT + 0.001],
            [LON + 0.001, LAT + 0.003],
            [LON, LAT + 0.003],
            [LON, LAT],
        ]
    ],
}
INSIDE = (LAT + 0.0005, LON + 0.003)
IN_THE_BOX_ONLY = (LAT + 0.002, LON + 0.003)


@pytest.fixture
def promise(session, kommuner):
    promise = Promise(
        kommun_id=kommuner["Vänersborg"].id,
        title="Tryggare Torpa",
        lokalpolisomrade="Östra Fyrbodal",
        status="undertecknat",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
        signed_on=date(2025, 12, 20),
        signatories="Kommunstyrelsens ordförande",
    )
    session.add(promise)
    session.commit()
    return promise


def _add(client, promise, **fields):
    data = {"focus-theme": "bostadsomrade", "focus-title": "Torpa"} | fields
    return client.post(
        f"/samordnare/loften/{promise.id}/fokus", data=data, content_type="multipart/form-data"
    )


def _error(response):
    page = parse_page(response.data)
    return " ".join(p.get_text(" ", strip=True) for p in page.select(".field-error"))


def test_a_drawn_polygon_becomes_the_focus_place(client, session, promise, coordinator):
    page = parse_page(client.get(f"/samordnare/loften/{promise.id}").data)
    form = page.select_one("form[action$='/fokus']")
    assert form["enctype"] == "multipart/form-data"
    assert page.select_one("#focus-map[data-polygon-input=focus-shape]") is not None
    assert page.select_one("input[type=hidden]#focus-shape") is not None

    assert _add(client, promise, **{"focus-shape": json.dumps(L_SHAPE)}).status_code == 303
    focus = session.scalar(select(FocusArea).where(FocusArea.title == "Torpa"))
    assert shape(focus.polygon).symmetric_difference(shape(L_SHAPE)).area < 1e-10


def test_an_uploaded_gis_file_in_sweref_becomes_the_focus_place(
    client, session, promise, coordinator
):
    metres = plane(3006).geometry_to_metres(shape(L_SHAPE))
    export = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}},
        "features": [{"type": "Feature", "properties": {}, "geometry": metres.__geo_interface__}],
    }
    upload = (io.BytesIO(json.dumps(export).encode()), "torpa.geojson")
    assert _add(client, promise, **{"focus-shape_file": upload}).status_code == 303
    focus = session.scalar(select(FocusArea).where(FocusArea.title == "Torpa"))
    assert shape(focus.polygon).symmetric_difference(shape(L_SHAPE)).area < 1e-9


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7 not an area", "inte GeoJSON"),
        (json.dumps({"type": "Point", "coordinates": [LON, LAT]}).encode(), "polygon"),
        (
            json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [[[18.0, 59.3], [18.1, 59.3], [18.1, 59.4], [18.0, 59.3]]],
                }
            ).encode(),
            "utanför kommunen",
        ),
        (b"{" + b" " * 2_000 + b"}", "högst 1 MB"),  # the limit is lowered to 1 kB below
    ],
)
def test_a_bad_file_is_explained_and_what_was_typed_is_kept(
    client, session, promise, coordinator, content, message, monkeypatch
):
    # A small limit keeps the test's upload in memory (geo tests check the real one).
    monkeypatch.setattr(geo.areas, "AREA_MAX_BYTES", 1_000)
    response = _add(
        client,
        promise,
        **{
            "focus-shape_file": (io.BytesIO(content), "area.geojson"),
            "focus-description": "Gårdarna",
        },
    )
    assert response.status_code == 400
    assert message in _error(response)
    page = parse_page(response.data)
    assert page.select_one("#focus-title")["value"] == "Torpa"
    assert page.select_one("#focus-description").get_text().strip() == "Gårdarna"
    assert session.scalar(select(FocusArea)) is None


def test_a_bad_drawing_is_explained_and_kept(client, session, promise, coordinator):
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[LON, LAT], [LON + 0.01, LAT + 0.01], [LON + 0.01, LAT], [LON, LAT + 0.01], [LON, LAT]]
        ],
    }
    response = _add(client, promise, **{"focus-shape": json.dumps(bow_tie)})
    assert response.status_code == 400
    assert "korsar sig självt" in _error(response)
    # The drawing is kept, so the map shows it again to be corrected.
    assert json.loads(parse_page(response.data).select_one("#focus-shape")["value"]) == bow_tie


def test_only_one_way_to_give_a_place(client, session, promise, coordinator):
    response = _add(
        client,
        promise,
        **{"focus-shape": json.dumps(L_SHAPE), "focus-area": "58.37,12.31,58.375,12.32"},
    )
    assert response.status_code == 400
    assert "bara ett av dem" in _error(response)


def test_the_evaluation_counts_reports_inside_the_polygon_not_its_box(
    session, kommuner, promise, create_report_at
):
    vanersborg = kommuner["Vänersborg"]
    for point in (INSIDE, INSIDE, IN_THE_BOX_ONLY):
        report = create_report_at(vanersborg, *point)
        session.execute(
            update(Report)
            .where(Report.id == report.id)
            .values(created_at=datetime(2026, 3, 1, 12, tzinfo=UTC))
        )
    session.commit()
    otrygg, _trygg = count_in(session, vanersborg.id, L_SHAPE, date(2026, 1, 1), date(2026, 6, 30))
    assert otrygg == 2


def test_a_place_is_redrawn_or_removed_with_a_line_in_the_history(
    client, session, promise, coordinator
):
    _add(client, promise, **{"focus-shape": json.dumps(L_SHAPE)})
    focus = session.scalar(select(FocusArea))
    url = f"/samordnare/loften/{promise.id}/fokus/{focus.id}"
    page = parse_page(client.get(url).data)
    assert json.loads(page.select_one("#edit-shape")["value"]) == focus.polygon
    assert page.select_one("#edit-map[data-polygon-input=edit-shape]") is not None

    square = {
        "type": "Polygon",
        "coordinates": [[[LON, LAT], [LON + 0.002, LAT], [LON + 0.002, LAT + 0.002], [LON, LAT]]],
    }
    base = {"edit-title": "Torpa", "edit-theme": "bostadsomrade", "edit-description": ""}
    response = client.post(url, data=base | {"edit-shape": json.dumps(square)})
    assert response.status_code == 303
    session.expire_all()
    assert shape(session.get(FocusArea, focus.id).polygon).area == pytest.approx(
        shape(square).area, rel=1e-4
    )
    assert client.post(url, data=base | {"edit-clear_place": "y"}).status_code == 303
    session.expire_all()
    assert session.get(FocusArea, focus.id).polygon is None
    changes = [
        e.details["changes"]
        for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "promise.focus.update")
        )
    ]
    assert {"polygon": ["område", "nytt område"]} in changes
    assert {"polygon": ["område", ""]} in changes


def test_an_area_drawn_for_one_promise_is_chosen_again_for_the_next(
    client, session, promise, coordinator
):
    assert _add(client, promise, **{"focus-shape": json.dumps(L_SHAPE)}).status_code == 303
    next_year = Promise(
        kommun_id=promise.kommun_id,
        title="Tryggare Torpa, år två",
        lokalpolisomrade="Östra Fyrbodal",
        status="utkast",
        starts_on=date(2028, 1, 1),
        ends_on=date(2028, 12, 31),
    )
    session.add(next_year)
    session.commit()
    first = session.scalar(select(FocusArea).where(FocusArea.promise_id == promise.id))

    page = parse_page(client.get(f"/samordnare/loften/{next_year.id}").data)
    offered = {o["value"]: o.get_text(strip=True) for o in page.select("#focus-place option")}
    assert offered[f"area:{first.id}"].endswith("Torpa")
    response = client.post(
        f"/samordnare/loften/{next_year.id}/fokus",
        data={"focus-theme": "bostadsomrade", "focus-place": f"area:{first.id}"},
    )
    assert response.status_code == 303
    again = session.scalar(select(FocusArea).where(FocusArea.promise_id == next_year.id))
    assert again.title == "Torpa" and again.id != first.id
    assert shape(again.polygon).symmetric_difference(shape(L_SHAPE)).area < 1e-10
    # Once the promise has its own Torpa, the earlier one is not offered again.
    page = parse_page(client.get(f"/samordnare/loften/{next_year.id}").data)
    assert f"area:{first.id}" not in {o["value"] for o in page.select("#focus-place option")}

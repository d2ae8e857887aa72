"""Areas drawn or uploaded as GeoJSON: what is taken, and why the rest is refused."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import shape

from geo.areas import AREA_MAX_BYTES, AreaError, read_area
from geo.projection import plane
from tests.helpers import VANERSBORG_TORGET, square_around

LAT, LON = VANERSBORG_TORGET
# A generous box around Vänersborg as the kommun (the real boundary is in the demo data).
KOMMUN = square_around(58.38, 12.32, 0.2)
# An L-shaped block east and north of the square, in WGS84 (lon, lat).
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


def _code(text: str | bytes) -> str:
    with pytest.raises(AreaError) as caught:
        read_area(text, KOMMUN)
    return caught.value.code


def test_a_drawn_polygon_is_kept_as_drawn():
    area = read_area(json.dumps(L_SHAPE), KOMMUN)
    assert area["type"] == "Polygon"
    assert shape(area).symmetric_difference(shape(L_SHAPE)).area < 1e-10


def test_a_gis_export_in_sweref_99_tm_is_turned_into_wgs84():
    metres = plane(3006).geometry_to_metres(shape(L_SHAPE))
    feature = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}},
        "features": [{"type": "Feature", "properties": {}, "geometry": metres.__geo_interface__}],
    }
    area = read_area(json.dumps(feature).encode(), KOMMUN)
    assert shape(area).symmetric_difference(shape(L_SHAPE)).area < 1e-9
    # Without a crs member the metres are recognised by their size.
    del feature["crs"]
    assert shape(read_area(json.dumps(feature), KOMMUN)).equals(shape(area))


def test_several_features_become_one_multipolygon():
    far = square_around(LAT + 0.02, LON + 0.02, 0.001)
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": L_SHAPE, "properties": {}},
            {"type": "Feature", "geometry": far, "properties": {}},
        ],
    }
    assert read_area(json.dumps(collection), KOMMUN)["type"] == "MultiPolygon"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("not json at all", "not_json"),
        (b"\xff\xfe{", "not_json"),
        ("[1, 2]", "not_polygon"),
        (json.dumps({"type": "Point", "coordinates": [LON, LAT]}), "not_polygon"),
        (json.dumps({"type": "FeatureCollection", "features": []}), "not_polygon"),
        (json.dumps({"type": "Polygon", "coordinates": "x"}), "invalid"),
        (json.dumps({"type": "Polygon", "coordinates": [[[LON, LAT], [LON, LAT]]]}), "invalid"),
        # A bow tie crosses itself.
        (
            json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [
                        [[LON, LAT], [LON + 0.01, LAT + 0.01], [LON + 0.01, LAT], [LON, LAT + 0.01]]
                        + [[LON, LAT]]
                    ],
                }
            ),
            "invalid",
        ),
        (json.dumps(square_around(LAT, LON, 0.00001)), "too_small"),
        # Python's json reads NaN and Infinity; neither is a place.
        (
            '{"type":"Polygon","coordinates":[[[NaN,58.3],[12.3,58.31],[12.31,58.3],[NaN,58.3]]]}',
            "invalid",
        ),
        (
            '{"type":"Polygon","coordinates":[[[12.3,58.3],[Infinity,58.31],[12.31,58.3],[12.3,58.3]]]}',
            "invalid",
        ),
        (json.dumps(square_around(59.33, 18.06, 0.01)), "outside"),  # Stockholm
        (json.dumps(square_around(4000, 5000, 10)), "crs"),
        (
            json.dumps(L_SHAPE | {"crs": {"type": "name", "properties": {"name": "EPSG:3857"}}}),
            "crs",
        ),
        (json.dumps(L_SHAPE | {"crs": "EPSG:4326"}), "crs"),
        ("{" + " " * AREA_MAX_BYTES + "}", "too_large"),
    ],
)
def test_unusable_areas_are_refused_with_a_reason(text, code):
    assert _code(text) == code


def test_a_polygon_with_too_many_corners_is_refused():
    ring = [[LON + 0.01 * i / 20_000, LAT + (0.001 if i % 2 else 0)] for i in range(20_000)]
    ring += [[LON + 0.01, LAT - 0.01], [LON, LAT - 0.01], ring[0]]
    assert _code(json.dumps({"type": "Polygon", "coordinates": [ring]})) == "too_many_points"


def test_an_area_just_over_the_boundary_is_near_enough():
    edge = KOMMUN["coordinates"][0][1][0]  # the kommun's eastern edge (lon)
    just_over = square_around(58.38, edge + 0.005, 0.004)  # reaches about 500 m past it
    assert read_area(json.dumps(just_over), KOMMUN)["type"] == "Polygon"

"""Places as polygons: read a drawn or uploaded GeoJSON area and check it fits the kommun.

Input is GeoJSON text (a geometry, a Feature or a FeatureCollection of polygons) in WGS84
(lon, lat order) or SWEREF 99 TM metres (EPSG:3006, what Swedish kommuner's GIS exports).
Output is one GeoJSON Polygon or MultiPolygon in WGS84, rounded to about 1 cm.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import shapely
from shapely.errors import GEOSException
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from geo.projection import SWEREF99TM, plane

GeoJSON = dict[str, Any]

AREA_MAX_BYTES = 1_000_000  # a kommun's GIS export of one area is a few kilobytes
AREA_MAX_VERTICES = 10_000
AREA_MARGIN_M = 2_000.0  # how far outside the kommun boundary an area may reach
AREA_MIN_M2 = 100.0  # smaller is a slip of the mouse, not a place

# SWEREF 99 TM coordinates in Sweden: easting and northing in metres.
_SWEREF_X = (180_000.0, 1_000_000.0)
_SWEREF_Y = (6_100_000.0, 7_700_000.0)
_POLYGONS = frozenset({"Polygon", "MultiPolygon"})


class AreaError(ValueError):
    """An area that cannot be used; `code` says why (the caller words it for people)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def read_area(text: str | bytes, kommun_boundary: GeoJSON) -> GeoJSON:
    """The area in `text` as a WGS84 Polygon or MultiPolygon that lies in or near the kommun.

    Codes of AreaError: too_large, not_json, not_polygon, crs, invalid, too_many_points,
    too_small, outside.
    """
    if len(text) > AREA_MAX_BYTES:
        raise AreaError("too_large")
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise AreaError("not_json") from None
    geometries = _geometries(data)
    try:
        parts = [shapely.force_2d(shape(g)) for g in geometries]
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, GEOSException):
        raise AreaError("invalid") from None
    if sum(shapely.get_num_coordinates(p) for p in parts) > AREA_MAX_VERTICES:
        raise AreaError("too_many_points")
    if any(not np.isfinite(shapely.get_coordinates(p)).all() for p in parts):
        raise AreaError("invalid")
    if any(p.is_empty or not p.is_valid for p in parts):
        raise AreaError("invalid")
    area = unary_union(parts) if len(parts) > 1 else parts[0]
    metres = _in_sweref(area, _crs_of(data, area))
    if metres.area < AREA_MIN_M2:
        raise AreaError("too_small")
    sweref = plane(SWEREF99TM)
    kommun = sweref.geometry_to_metres(shape(kommun_boundary))
    if not kommun.buffer(AREA_MARGIN_M).contains(metres):
        raise AreaError("outside")
    wgs84 = shapely.set_precision(sweref.geometry_to_wgs84(metres), 1e-7)
    if wgs84.geom_type not in _POLYGONS or not wgs84.is_valid:
        raise AreaError("invalid")
    out: GeoJSON = json.loads(shapely.to_geojson(wgs84))
    return out


def _geometries(data: Any) -> list[GeoJSON]:
    """The polygon geometries of a geometry, a Feature or a FeatureCollection."""
    if not isinstance(data, dict):
        raise AreaError("not_polygon")
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or not features:
            raise AreaError("not_polygon")
        return [g for f in features for g in _geometries(f)]
    if kind == "Feature":
        return _geometries(data.get("geometry"))
    if kind in _POLYGONS:
        return [data]
    raise AreaError("not_polygon")


def _crs_of(data: Any, area: BaseGeometry) -> int:
    """EPSG code of the coordinates: a named crs member if any, else told by their size."""
    crs = data.get("crs")
    named: Any = ""
    if crs is not None:
        properties = crs.get("properties") if isinstance(crs, dict) else None
        named = properties.get("name") if isinstance(properties, dict) else None
        if not isinstance(named, str) or not named:
            raise AreaError("crs")
    if named:
        code = named.upper()
        if code.endswith(("EPSG::3006", "EPSG:3006")):
            return SWEREF99TM
        if code.endswith(("EPSG::4326", "EPSG:4326", "CRS84")):
            return 4326
        raise AreaError("crs")
    min_x, min_y, max_x, max_y = area.bounds
    if -180 <= min_x and max_x <= 180 and -90 <= min_y and max_y <= 90:
        return 4326
    if _SWEREF_X[0] <= min_x and max_x <= _SWEREF_X[1]:
        if _SWEREF_Y[0] <= min_y and max_y <= _SWEREF_Y[1]:
            return SWEREF99TM
    raise AreaError("crs")


def _in_sweref(area: BaseGeometry, epsg: int) -> BaseGeometry:
    if epsg == SWEREF99TM:
        return area
    return plane(SWEREF99TM).geometry_to_metres(area)

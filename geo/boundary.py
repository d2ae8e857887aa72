"""Municipal boundaries: point-in-polygon tests on WGS84 GeoJSON geometries."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

GeoJSON = dict[str, Any]


class BoundaryError(ValueError):
    """A geometry that cannot serve as a boundary."""


@dataclass(frozen=True)
class Boundary:
    """A prepared (Multi)Polygon for fast repeated `contains` checks."""

    geometry: BaseGeometry

    @classmethod
    def from_geojson(cls, geometry: GeoJSON) -> Boundary:
        """Build from a GeoJSON Polygon or MultiPolygon in WGS84 (lon, lat order)."""
        if geometry.get("type") not in {"Polygon", "MultiPolygon"}:
            raise BoundaryError(f"expected a Polygon or MultiPolygon, got {geometry.get('type')!r}")
        try:
            geom = shape(geometry)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise BoundaryError(f"unreadable geometry: {exc}") from exc
        if geom.is_empty:
            raise BoundaryError("empty geometry")
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        shapely.prepare(geom)
        return cls(geom)

    def contains(self, lat: float, lon: float) -> bool:
        """Whether the WGS84 point lies inside (or on the edge of) the boundary."""
        return bool(shapely.intersects_xy(self.geometry, lon, lat))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min_lat, min_lon, max_lat, max_lon) in degrees."""
        min_lon, min_lat, max_lon, max_lat = self.geometry.bounds
        return (min_lat, min_lon, max_lat, max_lon)

    @property
    def representative_point(self) -> tuple[float, float]:
        """A (lat, lon) guaranteed to lie inside the boundary."""
        point = self.geometry.representative_point()
        return (point.y, point.x)


@lru_cache(maxsize=512)
def _cached(geometry_json: str) -> Boundary:
    loaded: GeoJSON = json.loads(geometry_json)
    return Boundary.from_geojson(loaded)


def boundary(geometry: GeoJSON) -> Boundary:
    """A prepared boundary, cached by its content so each polygon is prepared once."""
    return _cached(json.dumps(geometry, sort_keys=True))

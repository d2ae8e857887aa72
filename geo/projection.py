"""Projections between WGS84 degrees and metres.

Distances and clustering are done in a metric plane, never on the sphere: SWEREF 99 TM
(EPSG:3006) for points in Sweden, the local UTM zone elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Proj, Transformer
from shapely.geometry.base import BaseGeometry

SWEREF99TM = 3006
WGS84 = 4326

# SWEREF 99 TM is defined for Sweden's extent; outside it the distortion grows quickly.
_SWEDEN_BOUNDS = (55.0, 10.0, 69.5, 24.5)  # min lat, min lon, max lat, max lon

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MetricPlane:
    """A projected plane in metres and the transformers to and from WGS84."""

    epsg: int
    forward: Transformer
    inverse: Transformer

    def to_metres(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Project WGS84 lat/lon (degrees) to x/y easting/northing in metres."""
        x, y = self.forward.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def to_wgs84(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Project x/y metres back to WGS84; returns (lat, lon) in degrees."""
        lon, lat = self.inverse.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)

    def scale_at(self, lat: float, lon: float) -> float:
        """The map's point scale factor at a place: plane metres per metre on the ground.

        Transverse Mercator planes stretch away from their central meridian (SWEREF 99 TM by
        up to 0.1 % in Sweden); a radius on the ground is multiplied by this in the plane.
        """
        factors = Proj(CRS.from_epsg(self.epsg)).get_factors(lon, lat)
        return float(factors.meridional_scale)

    def geometry_to_metres(self, geometry: BaseGeometry) -> BaseGeometry:
        """Project a WGS84 shapely geometry (lon, lat coordinates) into this plane."""
        return shapely.transform(
            geometry, lambda lon, lat: self.forward.transform(lon, lat), interleaved=False
        )

    def geometry_to_wgs84(self, geometry: BaseGeometry) -> BaseGeometry:
        """Project a geometry in this plane back to WGS84 (lon, lat coordinates)."""
        return shapely.transform(
            geometry, lambda x, y: self.inverse.transform(x, y), interleaved=False
        )


@lru_cache(maxsize=64)
def plane(epsg: int) -> MetricPlane:
    """The metric plane of an EPSG code, with cached transformers."""
    crs = CRS.from_epsg(epsg)
    return MetricPlane(
        epsg=epsg,
        forward=Transformer.from_crs(WGS84, crs, always_xy=True),
        inverse=Transformer.from_crs(crs, WGS84, always_xy=True),
    )


def utm_epsg(lat: float, lon: float) -> int:
    """The EPSG code of the WGS84 UTM zone that contains a point."""
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


def plane_for(lat: npt.ArrayLike, lon: npt.ArrayLike) -> MetricPlane:
    """Choose the metric plane for a set of points.

    SWEREF 99 TM when every point lies within Sweden's extent, else the UTM zone of the
    points' median: one plane for the whole set, so points straddling a zone edge are
    still measured in one consistent plane.
    """
    lat_a = np.asarray(lat, dtype=float)
    lon_a = np.asarray(lon, dtype=float)
    if lat_a.size == 0:
        return plane(SWEREF99TM)
    min_lat, min_lon, max_lat, max_lon = _SWEDEN_BOUNDS
    if (
        lat_a.min() >= min_lat
        and lat_a.max() <= max_lat
        and lon_a.min() >= min_lon
        and lon_a.max() <= max_lon
    ):
        return plane(SWEREF99TM)
    return plane(utm_epsg(float(np.median(lat_a)), float(np.median(lon_a))))


def distance_m(lat1: float, lon1: float, lat2: npt.ArrayLike, lon2: npt.ArrayLike) -> FloatArray:
    """Planar distance in metres from one point to many, in the plane chosen for them."""
    lat_all = np.append(np.asarray(lat2, dtype=float), lat1)
    lon_all = np.append(np.asarray(lon2, dtype=float), lon1)
    x, y = plane_for(lat_all, lon_all).to_metres(lat_all, lon_all)
    return np.asarray(np.hypot(x[:-1] - x[-1], y[:-1] - y[-1]), dtype=float)

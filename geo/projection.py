"""Projections between WGS84 degrees and metres.

Distances and clustering are done in a metric plane, never on the sphere: SWEREF 99 TM
(EPSG:3006) for points in Sweden, the local UTM zone elsewhere.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
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

# PROJ releases the GIL, so a million points project in about half the time on two cores.
# A Transformer must not be shared between threads: each thread builds its own.
_PARALLEL_FROM = 50_000
_local = threading.local()
_pool: list[ThreadPoolExecutor] = []


def _transformer(source: int, target: int) -> Transformer:
    cache: dict[tuple[int, int], Transformer] = _local.__dict__.setdefault("cache", {})
    key = (source, target)
    if key not in cache:
        cache[key] = Transformer.from_crs(source, target, always_xy=True)
    return cache[key]


def _transform(
    source: int, target: int, a: FloatArray, b: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """(a, b) in `source` to `target`, axes in x/lon-first order, split over the cores."""
    workers = min(4, os.cpu_count() or 1)
    if a.size < _PARALLEL_FROM or workers == 1:
        out_a, out_b = _transformer(source, target).transform(a, b)
        return np.asarray(out_a, dtype=float), np.asarray(out_b, dtype=float)
    if not _pool:
        _pool.append(ThreadPoolExecutor(max_workers=workers))
    bounds = np.linspace(0, a.size, workers + 1).astype(int)

    def part(k: int) -> tuple[FloatArray, FloatArray]:
        lo, hi = bounds[k], bounds[k + 1]
        pa, pb = _transformer(source, target).transform(a[lo:hi], b[lo:hi])
        return np.asarray(pa, dtype=float), np.asarray(pb, dtype=float)

    parts = list(_pool[0].map(part, range(workers)))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


@dataclass(frozen=True)
class MetricPlane:
    """A projected plane in metres and the transformers to and from WGS84."""

    epsg: int
    forward: Transformer
    inverse: Transformer

    def to_metres(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Project WGS84 lat/lon (degrees) to x/y easting/northing in metres."""
        lon_a = np.asarray(lon, dtype=float).reshape(-1)
        lat_a = np.asarray(lat, dtype=float).reshape(-1)
        return _transform(WGS84, self.epsg, lon_a, lat_a)

    def to_wgs84(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Project x/y metres back to WGS84; returns (lat, lon) in degrees."""
        x_a = np.asarray(x, dtype=float).reshape(-1)
        y_a = np.asarray(y, dtype=float).reshape(-1)
        lon, lat = _transform(self.epsg, WGS84, x_a, y_a)
        return lat, lon

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

    def geometries_to_metres(self, geometries: Sequence[BaseGeometry]) -> npt.NDArray[np.object_]:
        """Project many WGS84 geometries at once (one projection call for all coordinates)."""
        return shapely.transform(  # type: ignore[no-any-return]
            np.array(geometries, dtype=object),
            lambda lon, lat: self.forward.transform(lon, lat),
            interleaved=False,
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
    middle of the points' bounding box: one plane for the whole set, so points straddling
    a zone edge are still measured in one consistent plane.
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
    return plane(
        utm_epsg(float(lat_a.min() + lat_a.max()) / 2, float(lon_a.min() + lon_a.max()) / 2)
    )


def distance_m(lat1: float, lon1: float, lat2: npt.ArrayLike, lon2: npt.ArrayLike) -> FloatArray:
    """Planar distance in metres from one point to many, in the plane chosen for them."""
    lat_all = np.append(np.asarray(lat2, dtype=float), lat1)
    lon_all = np.append(np.asarray(lon2, dtype=float), lon1)
    x, y = plane_for(lat_all, lon_all).to_metres(lat_all, lon_all)
    return np.asarray(np.hypot(x[:-1] - x[-1], y[:-1] - y[-1]), dtype=float)

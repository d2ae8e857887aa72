"""Counts on a fixed grid, with small cells withheld: the public map's only view of reports.

The grid is anchored at whole multiples of the cell size in SWEREF 99 TM (or the points'
UTM zone), so a cell is the same square in every period and for every filter: a resident
cannot shift the grid and subtract to find where fewer than `min_count` reports lie.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from shapely.geometry import box, mapping

from geo.projection import SWEREF99TM, WGS84, MetricPlane, _transformer, plane, plane_for

# The stored grid key of a report (report.cell_250): row and column of its 250 m cell in
# SWEREF 99 TM, packed into one integer so that SQL can GROUP BY it on an index.
STORED_CELL_M = 250.0
_COLUMN_OFFSET = 500_000  # keeps the packed column non-negative
_ROW_FACTOR = 1_000_000


def _pack(row: Any, col: Any) -> Any:
    """The packed key of a (row, col), for integers or numpy arrays alike (unpack_key's inverse)."""
    return row * _ROW_FACTOR + col + _COLUMN_OFFSET


@dataclass(frozen=True)
class Cell:
    count: int
    centre: tuple[float, float]  # lat, lon
    polygon: dict[str, Any]  # GeoJSON Polygon, WGS84


def grid_keys(
    lat: npt.ArrayLike, lon: npt.ArrayLike, *, cell_m: float, metric: MetricPlane
) -> npt.NDArray[np.int64]:
    """The (row, col) of the grid cell each WGS84 point lies in, as an (n, 2) array."""
    x, y = metric.to_metres(lat, lon)
    col = np.floor(x / cell_m).astype(np.int64)
    row = np.floor(y / cell_m).astype(np.int64)
    return np.column_stack([row, col])


def cell_shape(
    row: int, col: int, *, cell_m: float, metric: MetricPlane
) -> tuple[tuple[float, float], dict[str, Any]]:
    """A grid cell's centre (lat, lon, rounded to 6 decimals) and its GeoJSON polygon (WGS84)."""
    square = box(col * cell_m, row * cell_m, (col + 1) * cell_m, (row + 1) * cell_m)
    clat, clon = metric.to_wgs84([(col + 0.5) * cell_m], [(row + 0.5) * cell_m])
    polygon = dict(mapping(metric.geometry_to_wgs84(square)))
    return (round(float(clat[0]), 6), round(float(clon[0]), 6)), polygon


def aggregate_cells(
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    *,
    cell_m: float = 250.0,
    min_count: int = 5,
    metric: MetricPlane | None = None,
) -> list[Cell]:
    """Grid cells holding at least `min_count` points, densest first; the rest are dropped."""
    lat_a = np.asarray(lat, dtype=float).reshape(-1)
    lon_a = np.asarray(lon, dtype=float).reshape(-1)
    if lat_a.size == 0:
        return []
    metric = metric or plane_for(lat_a, lon_a)
    keys, counts = np.unique(
        grid_keys(lat_a, lon_a, cell_m=cell_m, metric=metric), axis=0, return_counts=True
    )
    keep = counts >= min_count
    cells = []
    for (r, c), n in zip(keys[keep], counts[keep], strict=True):
        square = box(c * cell_m, r * cell_m, (c + 1) * cell_m, (r + 1) * cell_m)
        shape = metric.geometry_to_wgs84(square)
        centre = shape.centroid
        cells.append(Cell(int(n), (centre.y, centre.x), dict(mapping(shape))))
    cells.sort(key=lambda cell: (-cell.count, cell.centre))
    return cells


def cell_keys(
    lat: npt.ArrayLike, lon: npt.ArrayLike, *, cell_m: float = STORED_CELL_M
) -> npt.NDArray[np.int64]:
    """The packed SWEREF 99 TM grid key of each point (WGS84 lat/lon in degrees)."""
    x, y = plane(SWEREF99TM).to_metres(lat, lon)
    col = np.floor(np.asarray(x) / cell_m).astype(np.int64)
    row = np.floor(np.asarray(y) / cell_m).astype(np.int64)
    return np.asarray(_pack(row, col), dtype=np.int64).reshape(-1)


def cell_key(lat: float, lon: float, *, cell_m: float = STORED_CELL_M) -> int:
    """The packed grid key of one point (on every report's insert: scalars, no arrays)."""
    x, y = _transformer(WGS84, SWEREF99TM).transform(lon, lat)
    return int(_pack(math.floor(y / cell_m), math.floor(x / cell_m)))


def keys_covering(
    min_lat: float, min_lon: float, max_lat: float, max_lon: float, *, cell_m: float = STORED_CELL_M
) -> list[int]:
    """The packed keys of every grid cell a small WGS84 box touches, in key order.

    The grid is square in SWEREF 99 TM, a little turned against the meridians away from 15° E:
    the cells are taken from the box's four corners projected, one metre wider on each side,
    so that no point inside the box lies in a cell left out. Meant for boxes of a few hundred
    metres (a report's neighbourhood), not for a kommun.
    """
    transformer = _transformer(WGS84, SWEREF99TM)
    xs, ys = [], []
    for lat, lon in (
        (min_lat, min_lon),
        (min_lat, max_lon),
        (max_lat, min_lon),
        (max_lat, max_lon),
    ):
        x, y = transformer.transform(lon, lat)
        xs.append(x)
        ys.append(y)
    cols = range(math.floor((min(xs) - 1) / cell_m), math.floor((max(xs) + 1) / cell_m) + 1)
    rows = range(math.floor((min(ys) - 1) / cell_m), math.floor((max(ys) + 1) / cell_m) + 1)
    return [int(_pack(row, col)) for row in rows for col in cols]


def unpack_key(key: int) -> tuple[int, int]:
    """The (row, col) of a packed grid key (cell_key's inverse)."""
    row, packed_col = divmod(int(key), _ROW_FACTOR)
    return row, packed_col - _COLUMN_OFFSET


def cells_from_counts(
    counts: list[tuple[int, int]], *, cell_m: float = STORED_CELL_M
) -> list[Cell]:
    """Cells from (packed key, count) pairs counted elsewhere (in SQL), densest first."""
    metric = plane(SWEREF99TM)
    cells = []
    for key, n in counts:
        r, c = unpack_key(key)
        square = box(c * cell_m, r * cell_m, (c + 1) * cell_m, (r + 1) * cell_m)
        shape = metric.geometry_to_wgs84(square)
        centre = shape.centroid
        cells.append(Cell(int(n), (centre.y, centre.x), dict(mapping(shape))))
    cells.sort(key=lambda cell: (-cell.count, cell.centre))
    return cells

"""The public map's grid: fixed cells, and none with fewer than k reports."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, shape

from geo.cells import aggregate_cells
from tests.points import TORGET


def test_cells_below_k_are_withheld_and_counts_are_exact():
    rng = np.random.default_rng(5)
    lat = np.r_[TORGET[0] + rng.normal(0, 0.0002, 12), 58.40 + np.zeros(4)]
    lon = np.r_[TORGET[1] + rng.normal(0, 0.0002, 12), 12.35 + np.zeros(4)]
    cells = aggregate_cells(lat, lon, cell_m=250, min_count=5)
    assert sum(c.count for c in cells) <= 12 and all(c.count >= 5 for c in cells)
    for cell in cells:
        polygon = shape(cell.polygon)
        inside = sum(polygon.contains(Point(x, y)) for y, x in zip(lat, lon, strict=True))
        assert inside == cell.count
        assert not polygon.contains(Point(12.35, 58.40))  # the four lie in no shown cell
    assert aggregate_cells(lat[-4:], lon[-4:], min_count=5) == []
    assert len(aggregate_cells(lat[-4:], lon[-4:], min_count=4)) == 1
    assert aggregate_cells([], []) == []


def test_the_grid_does_not_move_with_the_points():
    one = aggregate_cells([58.38, 58.3801], [12.32, 12.3201], min_count=1)
    two = aggregate_cells([58.38, 58.39, 58.30], [12.32, 12.40, 12.10], min_count=1)
    assert one[0].polygon in [c.polygon for c in two]


def test_stored_cell_keys_give_the_same_cells_as_the_points():
    """Counting packed keys (as SQL does) shows exactly the cells aggregate_cells shows."""
    from collections import Counter

    from geo.cells import cell_key, cell_keys, cells_from_counts

    rng = np.random.default_rng(7)
    lat = TORGET[0] + rng.normal(0, 0.004, 400)
    lon = TORGET[1] + rng.normal(0, 0.008, 400)
    keys = cell_keys(lat, lon)
    assert keys.tolist() == [cell_key(float(a), float(b)) for a, b in zip(lat, lon, strict=True)]
    counts = [(k, n) for k, n in Counter(keys.tolist()).items() if n >= 5]
    assert cells_from_counts(counts) == aggregate_cells(lat, lon, cell_m=250, min_count=5)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(55.4, 68.9),
    lon=st.floats(11.2, 23.8),
    half_m=st.floats(1.0, 200.0),
    u=st.floats(0.0, 1.0),
    v=st.floats(0.0, 1.0),
)
def test_the_cells_covering_a_box_hold_every_point_in_it(lat, lon, half_m, u, v):
    """Anywhere in Sweden, far from 15° E too (the grid turns against the meridians there):
    a point anywhere in a small box, corners and edges included, lies in one of its cells."""
    from geo.cells import cell_key, keys_covering

    dlat = half_m / 111_000.0
    dlon = dlat / math.cos(math.radians(lat))
    south, west, north, east = lat - dlat, lon - dlon, lat + dlat, lon + dlon
    keys = keys_covering(south, west, north, east)
    assert 1 <= len(keys) <= 9
    assert cell_key(south + u * (north - south), west + v * (east - west)) in keys
    for corner in ((south, west), (south, east), (north, west), (north, east)):
        assert cell_key(*corner) in keys

"""The public map's grid: fixed cells, and none with fewer than k reports."""

from __future__ import annotations

import numpy as np
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

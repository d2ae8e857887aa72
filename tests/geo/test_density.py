"""The kernel-density surface behind the heat layer and the evaluation baseline."""

from __future__ import annotations

import numpy as np
import pytest

from geo.density import heat_cells, kde_surface
from tests.points import TORGET


def test_point_mass_peaks_at_its_cell():
    surface = kde_surface([TORGET[0]] * 5, [TORGET[1]] * 5, cell_m=50, bandwidth_m=100)
    row, col, inside = surface.cell_of([TORGET[0]], [TORGET[1]])
    assert inside.all()
    assert np.unravel_index(surface.grid.argmax(), surface.grid.shape) == (row[0], col[0])
    assert surface.grid.sum() == pytest.approx(5, rel=0.01)


def test_top_share_covers_the_asked_share():
    rng = np.random.default_rng(1)
    lat = TORGET[0] + rng.normal(0, 0.003, 300)
    lon = TORGET[1] + rng.normal(0, 0.005, 300)
    surface = kde_surface(lat, lon, cell_m=50, bandwidth_m=50)
    mask = surface.top_mask(0.05)
    assert mask.sum() == round(0.05 * mask.size)
    assert surface.grid[mask].min() >= surface.grid[~mask].max()
    cells = surface.cells_geojson(mask)
    assert len(cells["features"]) == mask.sum()
    with pytest.raises(ValueError):
        surface.top_mask(0)


def test_heat_cells_are_bounded_whatever_the_number_of_points():
    rng = np.random.default_rng(3)
    few = heat_cells(58.38 + rng.normal(0, 0.004, 200), 12.32 + rng.normal(0, 0.008, 200))
    many_lat = 58.38 + rng.normal(0, 0.004, 200_000)
    many_lon = 12.32 + rng.normal(0, 0.008, 200_000)
    many = heat_cells(many_lat, many_lon, max_cells=500)
    assert 0 < len(few) and len(many) == 500
    assert max(w for _, _, w in many) == 1.0 and min(w for _, _, w in many) > 0
    # Cells lie where the points are, and the hottest lie around the middle.
    hottest = np.array([(lat, lon) for lat, lon, w in many if w == 1.0])
    lat, lon = hottest.mean(axis=0)
    assert abs(lat - 58.38) < 0.002 and abs(lon - 12.32) < 0.004
    assert heat_cells([], []) == []


def test_heat_is_on_a_fixed_scale_so_a_few_reports_stay_pale():
    few = heat_cells([58.38, 58.3801, 58.38], [12.32, 12.32, 12.3201])
    assert max(w for _lat, _lon, w in few) < 0.5
    rng = np.random.default_rng(3)
    many = heat_cells(58.38 + rng.normal(0, 0.0003, 60), 12.32 + rng.normal(0, 0.0005, 60))
    assert max(w for _lat, _lon, w in many) == 1.0

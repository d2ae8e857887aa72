"""The kernel-density surface behind the heat layer and the evaluation baseline."""

from __future__ import annotations

import numpy as np
import pytest

from geo.density import heat_points, kde_surface
from tests.geo.test_hotspots import TORGET


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


def test_heat_points():
    assert heat_points([58.1], [12.2]) == [[58.1, 12.2, 1.0]]

"""Binned kernel density: a heat layer, and the baseline hot spots are measured against.

Points are counted on a grid of `cell_m` metres and smoothed with a Gaussian of standard
deviation `bandwidth_m` (scipy.ndimage). HOTSPOTS.md found a small bandwidth (50–100 m)
ranks places best, and that this stays cheap at a million points (0.27 s).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from shapely.geometry import box, mapping

from geo.projection import MetricPlane, plane_for

# A heat cell (75 m) is at full heat when its smoothed count reaches this many reports,
# about a dozen reports within a short walk; a lone report's peak is ~0.16 of one.
HEAT_FULL_AT = 2.0


@dataclass(frozen=True)
class DensitySurface:
    """Smoothed counts per cell; row i, column j covers x0 + j·cell_m, y0 + i·cell_m."""

    grid: npt.NDArray[np.float64]
    x0: float
    y0: float
    cell_m: float
    plane: MetricPlane

    def cell_of(
        self, lat: npt.ArrayLike, lon: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Row, column and an inside-the-grid mask for WGS84 points."""
        x, y = self.plane.to_metres(lat, lon)
        col = np.floor((x - self.x0) / self.cell_m).astype(np.int64)
        row = np.floor((y - self.y0) / self.cell_m).astype(np.int64)
        inside = (row >= 0) & (row < self.grid.shape[0]) & (col >= 0) & (col < self.grid.shape[1])
        return row, col, inside

    def top_mask(
        self, share: float, study: npt.NDArray[np.bool_] | None = None
    ) -> npt.NDArray[np.bool_]:
        """The densest cells covering `share` of the study area (all cells by default)."""
        if not 0 < share <= 1:
            raise ValueError("share must be in (0, 1]")
        study = np.ones(self.grid.shape, dtype=bool) if study is None else study
        n = max(1, int(round(share * int(study.sum()))))
        values = np.where(study, self.grid, -np.inf).ravel()
        top = np.argsort(-values, kind="stable")[:n]
        mask = np.zeros(values.size, dtype=bool)
        mask[top] = True
        return mask.reshape(self.grid.shape)

    def cells_geojson(self, mask: npt.NDArray[np.bool_]) -> dict[str, Any]:
        """The cells of a mask as a GeoJSON FeatureCollection of WGS84 polygons."""
        features = []
        for row, col in zip(*np.nonzero(mask), strict=True):
            x = self.x0 + col * self.cell_m
            y = self.y0 + row * self.cell_m
            cell = self.plane.geometry_to_wgs84(box(x, y, x + self.cell_m, y + self.cell_m))
            features.append(
                {
                    "type": "Feature",
                    "geometry": mapping(cell),
                    "properties": {"density": float(self.grid[row, col])},
                }
            )
        return {"type": "FeatureCollection", "features": features}


def kde_surface(
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    *,
    cell_m: float = 50.0,
    bandwidth_m: float = 100.0,
    weights: npt.ArrayLike | None = None,
    margin_m: float | None = None,
    plane: MetricPlane | None = None,
    metres: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None,
) -> DensitySurface:
    """A kernel-density surface of WGS84 points on a metric grid.

    `metres`: the points already in `plane`'s x, y (projecting a million points twice
    costs a few tenths of a second).
    """
    lat_a = np.asarray(lat, dtype=float)
    lon_a = np.asarray(lon, dtype=float)
    if lat_a.size == 0:
        raise ValueError("no points")
    metric = plane or plane_for(lat_a, lon_a)
    x, y = metres if metres is not None and plane is not None else metric.to_metres(lat_a, lon_a)
    margin = 3 * bandwidth_m if margin_m is None else margin_m
    x0, y0 = float(x.min() - margin), float(y.min() - margin)
    cols = int(np.ceil((x.max() + margin - x0) / cell_m)) + 1
    rows = int(np.ceil((y.max() + margin - y0) / cell_m)) + 1
    w = None if weights is None else np.asarray(weights, dtype=float)
    counts, _, _ = np.histogram2d(
        y,
        x,
        bins=(rows, cols),
        range=((y0, y0 + rows * cell_m), (x0, x0 + cols * cell_m)),
        weights=w,
    )
    from scipy.ndimage import gaussian_filter  # with the surface, not at the app's start

    grid = gaussian_filter(counts, sigma=bandwidth_m / cell_m, mode="constant")
    return DensitySurface(grid, x0, y0, cell_m, metric)


def heat_cells(
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    *,
    max_cells: int = 1500,
    cell_m: float = 75.0,
    bandwidth_m: float = 75.0,
    full_at: float = HEAT_FULL_AT,
    weights: npt.ArrayLike | None = None,
    plane: MetricPlane | None = None,
    metres: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None,
) -> list[list[float]]:
    """A heat layer of at most `max_cells` grid cells: [lat, lon, weight 0..1] rows.

    The densest smoothed cells (those above 2 % of the peak, capped), at their centres, so
    the layer's size depends on the area covered, never on the number of points. A weight
    is the cell's smoothed count of reports over `full_at`, capped at 1: on a fixed scale,
    so two or three reports stay pale and only a real concentration is drawn at full heat.
    `weights`: reports per point, where a point stands for several (a grid cell's count).
    """
    lat_a = np.asarray(lat, dtype=float)
    if lat_a.size == 0:
        return []
    surface = kde_surface(
        lat_a,
        lon,
        cell_m=cell_m,
        bandwidth_m=bandwidth_m,
        weights=weights,
        plane=plane,
        metres=metres,
    )
    occupied = int((surface.grid > surface.grid.max() * 0.02).sum())
    share = min(1.0, max(1, min(occupied, max_cells)) / surface.grid.size)
    rows, cols = np.nonzero(surface.top_mask(share))
    density = surface.grid[rows, cols]
    x = surface.x0 + (cols + 0.5) * cell_m
    y = surface.y0 + (rows + 0.5) * cell_m
    cell_lat, cell_lon = surface.plane.to_wgs84(x, y)
    weight = np.minimum(density / full_at, 1.0)
    table = np.column_stack([cell_lat.round(6), cell_lon.round(6), weight.round(3)])
    rows_out: list[list[float]] = table.tolist()
    return rows_out

"""Hot spots: places with enough reports close together to name and act on.

`find_hotspots` projects WGS84 points to metres (SWEREF 99 TM in Sweden), clusters them
with exact DBSCAN (radius_m = eps, min_reports = minimum points, a report counting itself)
or HDBSCAN, and describes each cluster: members, centroid, a polygon (the members' hull
buffered by the radius), area, counts per reason, time of day and source, and a name.

Why these defaults: a coordinator thinks in "reports within a short walk" (50–200 m) and
"how many before a place is shown". On the demo towns (real incident patterns moved onto
Vaggeryd, Vänersborg and Arboga, a year of reports) 100 m / 5 chains the whole centre of
Vaggeryd into one 197-report "hot spot" and Arboga's into one of 212, which names nothing;
60 m / 6 splits them into places a coordinator can name (Vaggeryds centrum 76 and 53,
Skillingaryds centrum 29, Vaggeryds station 20; Arboga: Nygatan 69, Stora torget 69).
bench/hotspot_quality.py backs this with next-month capture (PAI) against a kernel-density
baseline flagging the same area: on Cheltenham (9 months) 60 m / 6 reaches PAI 3.49 on all
past months, 4.28 on the last three and 6.90 on the last one, 1.14–1.31 times the better
KDE; on Nottingham's sparse burglaries and robberies 15.32 (1.23 times KDE) on all past
months and 24.50 (0.99) on three months. On a single month of Nottingham it finds nothing:
a fixed minimum fails on short, sparse windows (as HOTSPOTS.md warned), so the map says
so and a coordinator lowers the minimum or widens the window; `min_reports_for` gives a
minimum that grows with the window for long ones.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape as to_shape

from geo.dbscan import cluster
from geo.projection import MetricPlane, plane_for

DEFAULT_RADIUS_M = 60.0
DEFAULT_MIN_REPORTS = 6
NIGHT = "natt"
METHODS = ("density", "dbscan", "hdbscan")
# The density method: a place is a hot spot when the reports within `radius_m` of it are
# more than a random scatter over the kommun's inhabited area would put there (Poisson,
# one-sided, at this level), and its shape is the union of grid cells (radius_m / 2 on a
# side) whose smoothed density clears the bar, not a buffered hull.
SIGNIFICANCE = 0.01
# Hysteresis: where the last run had a hot spot, a place stays one at this looser level,
# below the density bar, while it holds half the minimum (held_min_reports), so it shows as
# shrinking rather than blinking out on a month's noise. A place must still clear the strict
# level and the full minimum to become a hot spot. On the public sets (3-month windows
# stepped by a month, bench/hotspot_quality.py) 0.05 and the full minimum kept 50–84 % of
# hot spots a month later; 0.2 and half the minimum keep 71–92 %, the PAI staying 2.8–5.5×
# the best baseline's (it was 2.3–5.1×).
HELD_SIGNIFICANCE = 0.2
# The density method's grid: this many cells to the radius (15 m cells at 60 m).
CELLS_PER_RADIUS = 4


def held_min_reports_for(min_reports: int) -> int:
    """The reports a held place needs to stay a hot spot: half the minimum, rounded up."""
    return max(1, (min_reports + 1) // 2)


GeoJSON = dict[str, Any]
Landmark = tuple[str, float, float]


@dataclass(frozen=True)
class HotSpot:
    id: str
    count: int
    weighted_count: float
    centroid: tuple[float, float]  # (lat, lon), WGS84
    polygon: GeoJSON  # WGS84 Polygon or MultiPolygon
    area_m2: float
    members: tuple[int, ...]  # indices into the input
    name: str | None = None
    sources: tuple[str, ...] = ()
    reasons: dict[str, int] = field(default_factory=dict)
    time_of_day: dict[str, int] = field(default_factory=dict)
    night_share: float | None = None


def min_reports_for(n_reports: int, *, floor: int = DEFAULT_MIN_REPORTS, per: int = 200) -> int:
    """A minimum that grows with the window: one more per `per` reports, never below floor."""
    return max(floor, floor + n_reports // per)


def _validate(
    lat: Any, lon: Any, weights: Any
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    try:
        lat_a = np.asarray(lat, dtype=float).reshape(-1)
        lon_a = np.asarray(lon, dtype=float).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"lat and lon must be numbers: {exc}") from exc
    if lat_a.size != lon_a.size:
        raise ValueError(f"lat has {lat_a.size} values but lon has {lon_a.size}")
    if not (np.isfinite(lat_a).all() and np.isfinite(lon_a).all()):
        raise ValueError("lat and lon must be finite")
    if lat_a.size and (np.abs(lat_a).max() > 90 or np.abs(lon_a).max() > 180):
        raise ValueError("lat must lie in [-90, 90] and lon in [-180, 180]")
    w = np.ones(lat_a.size) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
    if w.size != lat_a.size or not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be one finite, non-negative number per point")
    return lat_a, lon_a, w


def _selection(
    n: int,
    times: Sequence[datetime] | None,
    window: tuple[datetime | None, datetime | None] | None,
    reasons: Sequence[Sequence[str]] | None,
    reason_filter: Sequence[str] | None,
    sources: Sequence[str] | None,
    source_filter: Sequence[str] | None,
) -> npt.NDArray[np.bool_]:
    keep = np.ones(n, dtype=bool)
    if window is not None:
        if times is None or len(times) != n:
            raise ValueError("a time window needs one time per point")
        start, end = window
        keep &= np.array(
            [(start is None or t >= start) and (end is None or t <= end) for t in times]
        )
    if reason_filter:
        if reasons is None or len(reasons) != n:
            raise ValueError("a reason filter needs the reasons of every point")
        wanted = set(reason_filter)
        keep &= np.array([bool(wanted & set(r)) for r in reasons])
    if source_filter:
        if sources is None or len(sources) != n:
            raise ValueError("a source filter needs the source of every point")
        allowed = set(source_filter)
        keep &= np.array([s in allowed for s in sources])
    return keep


def find_hotspots(
    lat: Sequence[float] | npt.ArrayLike,
    lon: Sequence[float] | npt.ArrayLike,
    *,
    radius_m: float,
    min_reports: int,
    weights: npt.ArrayLike | None = None,
    names: Sequence[Landmark] | None = None,
    method: str = "dbscan",
    times: Sequence[datetime] | None = None,
    window: tuple[datetime | None, datetime | None] | None = None,
    reasons: Sequence[Sequence[str]] | None = None,
    reason_filter: Sequence[str] | None = None,
    time_of_day: Sequence[Sequence[str]] | None = None,
    sources: Sequence[str] | None = None,
    source_filter: Sequence[str] | None = None,
    name_within_m: float = 400.0,
    held: Sequence[GeoJSON] | None = None,
    held_min_reports: int | None = None,
    plane: MetricPlane | None = None,
    metres: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None,
) -> list[HotSpot]:
    """Find hot spots among WGS84 points; sorted by weighted count, then id.

    `plane` and `metres`: the points already projected (all of them, in input order), as a
    caller that also draws the heat layer has them; they are not projected a second time.

    `held`: the last run's hot-spot polygons (WGS84 GeoJSON); with the density method a
    place there stays a hot spot at a looser significance (HELD_SIGNIFICANCE) while it still
    holds `held_min_reports` reports (default half of `min_reports`, rounded up), so its id
    lasts through a month's noise and its trend says shrinking before it is gone.
    """
    if not radius_m > 0:
        raise ValueError("radius_m must be positive")
    if min_reports < 1:
        raise ValueError("min_reports must be at least 1")
    if held_min_reports is not None and held_min_reports < 1:
        raise ValueError("held_min_reports must be at least 1")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    lat_a, lon_a, w = _validate(lat, lon, weights)
    keep = _selection(lat_a.size, times, window, reasons, reason_filter, sources, source_filter)
    index = np.flatnonzero(keep) if not keep.all() else np.arange(lat_a.size)
    if index.size == 0:
        return []
    la, lo = lat_a[index], lon_a[index]
    if plane is not None and metres is not None:
        metric, x, y = plane, metres[0][index], metres[1][index]
    else:
        metric = plane_for(la, lo)
        x, y = metric.to_metres(la, lo)
    scale = _scale(metric, la, lo)
    shapes_m = None
    if method == "density":
        held_m = [metric.geometry_to_metres(to_shape(g)) for g in held or ()]
        labels, shapes_m = density_cells(
            x,
            y,
            w[index],
            radius_m * scale,
            min_reports,
            held=held_m,
            held_min_reports=held_min_reports,
        )
        hull = labels >= 0
    elif method == "hdbscan":
        labels = _hdbscan(x, y, radius_m * scale, min_reports)
        hull = labels >= 0
    else:
        found = cluster(x, y, radius_m * scale, min_reports)
        labels, hull = found.labels, found.hull_candidate
    return _hotspots(
        _Points(index, x, y, w[index], metric, scale),
        labels,
        hull,
        radius_m=radius_m,
        names=names,
        reasons=reasons,
        time_of_day=time_of_day,
        sources=sources,
        name_within_m=name_within_m,
        shapes_m=shapes_m,
    )


def density_cells(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64],
    radius: float,
    min_reports: int,
    *,
    cells_per_radius: int = CELLS_PER_RADIUS,
    **options: Any,
) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """Label points by significant dense patches of grid cells; return labels and shapes.

    Plane coordinates (x, y) and `radius` in plane units; `w` weights (recency). The points
    are counted per cell here and density_patches, which describes the method and takes the
    `options`, does the rest.
    """
    n = x.size
    if n == 0:
        return np.full(0, -1, dtype=np.int64), []
    cell = radius / cells_per_radius
    col = np.floor(x / cell).astype(np.int64)
    row = np.floor(y / cell).astype(np.int64)
    c0, r0 = int(col.min()), int(row.min())
    width = int(col.max()) - c0 + 1
    flat = (row - r0) * width + (col - c0)
    counts = np.bincount(flat)
    filled = np.flatnonzero(counts)
    weighted = np.bincount(flat, weights=w, minlength=counts.size)[filled].astype(np.float64)
    cell_label, shapes = density_patches(
        filled % width + c0,
        filled // width + r0,
        counts[filled],
        weighted,
        radius,
        min_reports,
        cells_per_radius=cells_per_radius,
        **options,
    )
    lookup = np.full(counts.size, -1, dtype=np.int64)
    lookup[filled] = cell_label
    return lookup[flat], shapes


def density_patches(
    col: npt.NDArray[np.int64],
    row: npt.NDArray[np.int64],
    count: npt.NDArray[np.int64],
    weighted: npt.NDArray[np.float64],
    radius: float,
    min_reports: int,
    *,
    significance: float = SIGNIFICANCE,
    cells_per_radius: int = CELLS_PER_RADIUS,
    smooth: float = 0.5,
    bar_percentile: float = 50.0,
    occupied: bool = True,
    min_cell_reports: int = 1,
    held: Sequence[Any] = (),
    held_significance: float = HELD_SIGNIFICANCE,
    held_min_reports: int | None = None,
) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """Significant dense patches of grid cells: each cell's label and the patches' shapes.

    `radius` in plane units; cells are radius / `cells_per_radius` on a side (15 m at the
    default 60 m). A cell is significant when the reports in the (2k+1)² cells around it (k =
    cells_per_radius, about the radius) exceed what a random scatter over the inhabited cells
    (those with a report within that reach, at least 20 radii square) would put there with
    probability `significance` (Poisson), and at least `min_reports` are there. Of the
    significant cells, those holding reports (`occupied`) whose own recency-weighted density,
    smoothed with a Gaussian of sd `smooth` · radius / 2, is at least the `bar_percentile` of
    the significant ones form the shape; cells within half a radius of each other make one
    place, a hot spot when it holds at least `min_reports` reports. Cells within a cell of a
    `held` shape (plane geometries, the last run's hot spots) also count when at least
    `held_min_reports` (default half the minimum) are within reach at `held_significance`, and a
    place holding such a cell needs only `held_min_reports` reports. The bench
    (bench/hotspot_quality.py) chose these: the cells where reports were, not the ground between
    them, capture the next month per area. `min_cell_reports` 2 (cells where reports repeat)
    measured 1.20× the best baseline on Nottingham but 0.87–0.89× on Chicago and Cheltenham,
    against 0.78–0.89× for 1, so it is not the default.

    The reports come counted per cell: (col, row) = the floor of their plane coordinates
    over radius / `cells_per_radius`, each cell given once with its number of reports and
    their summed weight; each cell's label (-1 for none) is returned with the shapes. This
    is the whole method: the reports themselves are needed only to say which of them lie in
    a labelled cell, so the counting can happen elsewhere (in the database, for the postgis
    method) and only the cells travel.
    """
    from scipy.ndimage import binary_dilation, gaussian_filter, label, uniform_filter
    from scipy.special import pdtrc  # Poisson's upper tail, without importing scipy.stats

    count = np.asarray(count, dtype=np.int64)
    n = int(count.sum())
    cell_label = np.full(count.size, -1, dtype=np.int64)
    held_min = min(
        held_min_reports_for(min_reports) if held_min_reports is None else held_min_reports,
        min_reports,
    )
    if n < max(min_reports if not held else held_min, 1):
        return cell_label, []
    cell = radius / cells_per_radius
    reach = cells_per_radius
    margin = reach + 2
    x0 = float(col.min()) - margin
    y0 = float(row.min()) - margin
    c = (col - x0).astype(np.int64)
    r = (row - y0).astype(np.int64)
    shape = (int(r.max()) + margin + 1, int(c.max()) + margin + 1)
    counts = np.zeros(shape)
    counts[r, c] = count
    weighted_grid = np.zeros(shape)
    weighted_grid[r, c] = weighted
    side = 2 * reach + 1
    around = np.rint(uniform_filter(counts, size=side, mode="constant") * side * side)
    inhabited = around > 0
    # A scatter over at least a town centre's worth of ground (20 radii square), so one
    # tight group alone is not its own yardstick.
    expected = n * side * side / max(int(inhabited.sum()), (20 * cells_per_radius) ** 2)
    # P(X >= around) for X ~ Poisson(expected); 1 where nothing is within reach.
    tail = np.where(around > 0, pdtrc(np.maximum(around - 1, 0), expected), 1.0)
    kept = _held_cells(held, shape, x0, y0, cell) & inhabited & (around >= held_min)
    kept &= tail < held_significance
    significant = inhabited & (around >= min_reports) & (tail < significance)
    if not (significant | kept).any():
        return cell_label, []
    density = gaussian_filter(weighted_grid, sigma=smooth * cells_per_radius / 2, mode="constant")
    bar = float(np.percentile(density[significant], bar_percentile)) if significant.any() else 0
    chosen = (significant & (density >= bar)) | kept
    if occupied:  # only cells holding reports; cells within a radius make one place
        chosen &= counts >= max(min_cell_reports, 1)
        linked, n_patches = label(
            binary_dilation(chosen, iterations=max(reach // 2, 1)),
            structure=np.ones((3, 3), dtype=int),
        )
        patches = np.where(chosen, linked, 0)
    else:
        patches, n_patches = label(chosen, structure=np.ones((3, 3), dtype=int))
    of_cell = patches[r, c] - 1
    inside = of_cell >= 0
    members = np.bincount(of_cell[inside], weights=count[inside], minlength=n_patches)
    keep = members >= min_reports
    if held_min < min_reports:  # a place holding a held cell needs only the held minimum
        holds = np.zeros(n_patches + 1, dtype=bool)
        holds[patches[kept]] = True
        keep |= holds[1:] & (members >= max(held_min, 1))
    renumber = np.full(n_patches, -1, dtype=np.int64)
    renumber[keep] = np.arange(int(keep.sum()))
    cell_label = np.where(inside, renumber[np.maximum(of_cell, 0)], -1)
    rr, cc = np.nonzero(patches)
    of_shape = renumber[patches[rr, cc] - 1]
    rr, cc, of_shape = rr[of_shape >= 0], cc[of_shape >= 0], of_shape[of_shape >= 0]
    order = np.argsort(of_shape, kind="stable")
    bounds = np.searchsorted(of_shape[order], np.arange(int(keep.sum()) + 1))
    boxes = shapely.box(
        (cc[order] + x0) * cell,
        (rr[order] + y0) * cell,
        (cc[order] + x0 + 1) * cell,
        (rr[order] + y0 + 1) * cell,
    )
    shapes = [
        shapely.coverage_union_all(boxes[bounds[k] : bounds[k + 1]]) for k in range(bounds.size - 1)
    ]
    return cell_label, shapes


def _held_cells(
    held: Sequence[Any], shape: tuple[int, int], x0: float, y0: float, cell: float
) -> npt.NDArray[np.bool_]:
    """Grid cells whose centre lies within a cell of one of the `held` shapes (plane units)."""
    mask = np.zeros(shape, dtype=bool)
    for g in held:
        grown = g.buffer(cell)
        minx, miny, maxx, maxy = grown.bounds
        c0 = max(int(np.floor(minx / cell - x0)), 0)
        c1 = min(int(np.ceil(maxx / cell - x0)), shape[1])
        r0 = max(int(np.floor(miny / cell - y0)), 0)
        r1 = min(int(np.ceil(maxy / cell - y0)), shape[0])
        if c0 >= c1 or r0 >= r1:
            continue
        cc, rr = np.meshgrid(np.arange(c0, c1), np.arange(r0, r1))
        inside = shapely.contains_xy(grown, (cc + x0 + 0.5) * cell, (rr + y0 + 0.5) * cell)
        mask[rr[inside], cc[inside]] = True
    return mask


def hotspots_from_labels(
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    radius_m: float,
    weights: npt.ArrayLike | None = None,
    names: Sequence[Landmark] | None = None,
    reasons: Sequence[Sequence[str]] | None = None,
    time_of_day: Sequence[Sequence[str]] | None = None,
    sources: Sequence[str] | None = None,
    name_within_m: float = 400.0,
    shapes_m: list[Any] | None = None,
    plane: MetricPlane | None = None,
    scale: float | None = None,
) -> list[HotSpot]:
    """Describe clusters found elsewhere (e.g. in PostGIS); label < 0 is noise.

    `shapes_m`: one plane geometry per label (as density_patches gives them), drawn instead
    of buffered hulls; `plane` and `scale` are then the ones the shapes were made in (by
    default those chosen for the labelled points).
    """
    lat_a, lon_a, w = _validate(lat, lon, weights)
    label_a = np.asarray(labels, dtype=np.int64).reshape(-1)
    if label_a.size != lat_a.size:
        raise ValueError("one label per point is needed")
    index = np.flatnonzero(label_a >= 0)
    if index.size == 0:
        return []
    la, lo = lat_a[index], lon_a[index]
    metric = plane or plane_for(la, lo)
    x, y = metric.to_metres(la, lo)
    return _hotspots(
        _Points(index, x, y, w[index], metric, scale or _scale(metric, la, lo)),
        label_a[index],
        np.ones(index.size, dtype=bool),
        radius_m=radius_m,
        names=names,
        reasons=reasons,
        time_of_day=time_of_day,
        sources=sources,
        name_within_m=name_within_m,
        shapes_m=shapes_m,
    )


@dataclass(frozen=True)
class _Points:
    """The clustered points: input indices, plane metres, weights, the plane and its scale."""

    index: npt.NDArray[np.int64]
    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    w: npt.NDArray[np.float64]
    metric: MetricPlane
    scale: float


def _scale(
    metric: MetricPlane, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
) -> float:
    """The plane's scale factor at the middle of the points' bounding box (order-free, cheap)."""
    return metric.scale_at(float(lat.min() + lat.max()) / 2, float(lon.min() + lon.max()) / 2)


# Sums in fixed point are exact, so centroids (and the ids made from them) and weighted
# counts do not depend on the order of the input: 1 mm and 1e-6 of a weight.
_MM = 1000.0
_W = 1_000_000.0


def _hotspots(
    pts: _Points,
    labels: npt.NDArray[np.int64],
    hull: npt.NDArray[np.bool_],
    *,
    radius_m: float,
    names: Sequence[Landmark] | None,
    reasons: Sequence[Sequence[str]] | None,
    time_of_day: Sequence[Sequence[str]] | None,
    sources: Sequence[str] | None,
    name_within_m: float,
    shapes_m: list[Any] | None = None,
) -> list[HotSpot]:
    """Describe each cluster; `hull` marks the members that may be vertices of its hull.

    With `shapes_m` (one plane geometry per label) those are the shapes, not buffered hulls.
    """
    clustered = np.flatnonzero(labels >= 0)
    if clustered.size == 0:
        return []
    # Grouped by cluster; within one, members keep input order (index is ascending).
    order = clustered[_stable_argsort(labels[clustered])]
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    counts = np.diff(np.r_[starts, sorted_labels.size])
    origin_x, origin_y = np.floor(pts.x.min()), np.floor(pts.y.min())
    fx = np.rint((pts.x[order] - origin_x) * _MM).astype(np.int64)
    fy = np.rint((pts.y[order] - origin_y) * _MM).astype(np.int64)
    cx = origin_x + np.add.reduceat(fx, starts) / _MM / counts
    cy = origin_y + np.add.reduceat(fy, starts) / _MM / counts
    weight_sums = np.add.reduceat(np.rint(pts.w[order] * _W).astype(np.int64), starts) / _W

    cluster_of = np.repeat(np.arange(starts.size), counts)
    lat_c, lon_c = pts.metric.to_wgs84(cx, cy)
    if shapes_m is not None:
        geometries = [shapes_m[int(k)] for k in sorted_labels[starts]]
        areas = shapely.area(np.array(geometries, dtype=object)) / pts.scale**2
        polygons = [
            _rounded(shapely.geometry.mapping(pts.metric.geometry_to_wgs84(g))) for g in geometries
        ]
    else:
        polygons, areas = _buffered_hulls(pts, order, starts, counts, cluster_of, hull, radius_m)
    place_names = _names(pts.metric, names, cx, cy, name_within_m + radius_m)
    members_all = pts.index[order]
    epsg = pts.metric.epsg
    spots = []
    for k, (start, count) in enumerate(zip(starts.tolist(), counts.tolist(), strict=True)):
        spots.append(
            _describe(
                members_all[start : start + count].tolist(),
                key=f"{epsg}:{round(cx[k] / 25)}:{round(cy[k] / 25)}",
                weighted_count=float(weight_sums[k]),
                centroid=(float(lat_c[k]), float(lon_c[k])),
                polygon=polygons[k],
                area_m2=float(areas[k]),
                name=place_names[k],
                reasons=reasons,
                time_of_day=time_of_day,
                sources=sources,
            )
        )
    return _unique_ids(sorted(spots, key=lambda s: (-s.weighted_count, s.id)))


def _rounded(geojson: Any) -> GeoJSON:
    """A GeoJSON geometry with coordinates as lists rounded to 7 decimals (about 1 cm)."""

    def walk(item: Any) -> Any:
        if isinstance(item, (tuple, list)) and item and isinstance(item[0], (int, float)):
            return [round(float(v), 7) for v in item]
        return [walk(i) for i in item]

    return {"type": geojson["type"], "coordinates": walk(geojson["coordinates"])}


def _buffered_hulls(
    pts: _Points,
    order: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64],
    cluster_of: npt.NDArray[np.int64],
    hull: npt.NDArray[np.bool_],
    radius_m: float,
) -> tuple[list[GeoJSON], npt.NDArray[np.float64]]:
    """Each cluster's members' hull buffered by the radius, as GeoJSON, and its area in m²."""
    # Hulls from the candidate vertices only: a member deep inside its cluster is not one.
    # Every cluster has candidates (its hull's vertices are among them), so runs stay whole.
    corner = np.flatnonzero(hull[order])
    corner_of = cluster_of[corner]
    corner_starts = np.flatnonzero(np.r_[True, corner_of[1:] != corner_of[:-1]])
    corner = corner[
        ~_inside_octagon(pts.x[order[corner]], pts.y[order[corner]], corner_starts, corner_of)
    ]
    points = shapely.multipoints(
        np.column_stack([pts.x[order[corner]], pts.y[order[corner]]]),
        indices=cluster_of[corner],
    )
    shapes_m = shapely.buffer(shapely.convex_hull(points), radius_m * pts.scale, quad_segs=8)
    areas = shapely.area(shapes_m) / pts.scale**2  # square metres on the ground
    # A buffered hull is one polygon without holes: its exterior ring is the whole GeoJSON.
    rings, ring_of = shapely.get_coordinates(
        shapely.get_exterior_ring(pts.metric.geometry_to_wgs84(shapes_m)), return_index=True
    )
    rings = np.round(rings, 7)
    ring_starts = np.searchsorted(ring_of, np.arange(starts.size + 1))
    polygons = [
        {"type": "Polygon", "coordinates": [rings[ring_starts[k] : ring_starts[k + 1]].tolist()]}
        for k in range(starts.size)
    ]
    return polygons, areas


def _stable_argsort(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Stable argsort of small non-negative integers: radix sort when they fit 16 bits."""
    if keys.size and keys.max() < 2**15:
        return np.argsort(keys.astype(np.int16), kind="stable")
    return np.argsort(keys, kind="stable")


_DIRECTIONS = ((1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1))


def _inside_octagon(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    starts: npt.NDArray[np.int64],
    group: npt.NDArray[np.int64],
) -> npt.NDArray[np.bool_]:
    """Points strictly inside the polygon of their group's extreme points in eight directions.

    Those can never be vertices of the group's convex hull (Akl & Toussaint 1978), so the
    hull is built from the rest. Points are grouped in runs beginning at `starts`.
    """
    n = x.size
    position = np.arange(n)
    corners = []
    for dx, dy in _DIRECTIONS:
        v = dx * x + dy * y
        top = np.maximum.reduceat(v, starts)
        first = np.minimum.reduceat(np.where(v == top[group], position, n), starts)
        corners.append(first)
    inside = np.ones(n, dtype=bool)
    for k in range(len(corners)):
        a, b = corners[k], corners[(k + 1) % len(corners)]
        ax, ay, bx, by = x[a], y[a], x[b], y[b]
        edge = (ax != bx) | (ay != by)  # two directions can share an extreme point
        ex, ey = (bx - ax)[group], (by - ay)[group]
        left = ex * (y - ay[group]) - ey * (x - ax[group]) > 0
        inside &= left | ~edge[group]
    distinct = np.zeros(starts.size, dtype=np.int64)
    for k in range(len(corners)):
        a, b = corners[k], corners[(k + 1) % len(corners)]
        distinct += (x[a] != x[b]) | (y[a] != y[b])
    return inside & (distinct >= 3)[group]


def _hdbscan(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], radius_m: float, min_reports: int
) -> npt.NDArray[np.int64]:
    from sklearn.cluster import HDBSCAN

    if x.size < 2:
        return np.full(x.size, -1, dtype=np.int64)
    model = HDBSCAN(
        min_cluster_size=max(2, min_reports),
        min_samples=max(1, min_reports),
        cluster_selection_epsilon=float(radius_m),
        copy=True,
    )
    return np.asarray(model.fit_predict(np.column_stack([x, y])), dtype=np.int64)


COMPASS_SV = ("norr", "nordost", "öster", "sydost", "söder", "sydväst", "väster", "nordväst")
FAR_NAME_M = 3000.0


def _names(
    metric: MetricPlane,
    names: Sequence[Landmark] | None,
    cx: npt.NDArray[np.float64],
    cy: npt.NDArray[np.float64],
    within_m: float,
    far_m: float = FAR_NAME_M,
) -> list[str | None]:
    """A readable name for each centroid, unique within the run, from the landmarks people use.

    A spot within `within_m` of a landmark takes its name ("Torget"); one further out but
    within `far_m` is placed from it ("800 m söder om Torget"). Spots that would share a name
    add their direction from the landmark ("Torget (norr)", "Torget (söder)"), then a number.
    None where no landmark lies within `far_m`.
    """
    if not names or cx.size == 0:
        return [None] * cx.size
    lx, ly = metric.to_metres([n[1] for n in names], [n[2] for n in names])
    dx, dy = cx[:, None] - lx[None, :], cy[:, None] - ly[None, :]
    d = np.hypot(dx, dy)
    nearest = d.argmin(axis=1)
    base: list[str | None] = []
    heading: list[str] = []
    for i, j in enumerate(nearest.tolist()):
        landmark, distance = names[j][0], float(d[i, j])
        heading.append(compass_sv(float(dx[i, j]), float(dy[i, j])))
        if distance <= within_m:
            base.append(landmark)
        elif distance <= far_m:
            base.append(f"{distance_sv(distance)} {heading[i]} om {landmark}")
        else:
            base.append(None)
    return _told_apart(base, heading)


def _told_apart(base: list[str | None], heading: list[str]) -> list[str | None]:
    """Names shared by several spots get the spot's direction, then a number if still shared."""
    shared = {n for n, c in Counter(b for b in base if b is not None).items() if c > 1}
    given = [f"{b} ({h})" if b in shared else b for b, h in zip(base, heading, strict=True)]
    taken: Counter[str] = Counter()
    for i, name in enumerate(given):
        if name is not None:
            taken[name] += 1
            given[i] = name if taken[name] == 1 else f"{name} {taken[name]}"
    return given


def compass_sv(east_m: float, north_m: float) -> str:
    """The eight-point compass direction of an offset, in Swedish ("norr", "sydväst", ...)."""
    bearing = float(np.degrees(np.arctan2(east_m, north_m))) % 360.0
    return COMPASS_SV[int((bearing + 22.5) // 45.0) % 8]


def distance_sv(metres: float) -> str:
    """A distance as Swedes write it on a sign: "350 m", "1,2 km" (to 50 m, then to 100 m)."""
    if metres < 950:
        return f"{int(round(metres / 50.0) * 50)} m"
    return f"{metres / 1000:.1f}".replace(".", ",").removesuffix(",0") + " km"


def _describe(
    ids: list[int],
    *,
    key: str,
    weighted_count: float,
    centroid: tuple[float, float],
    polygon: GeoJSON,
    area_m2: float,
    name: str | None,
    reasons: Sequence[Sequence[str]] | None,
    time_of_day: Sequence[Sequence[str]] | None,
    sources: Sequence[str] | None,
) -> HotSpot:
    reason_counts: Counter[str] = Counter()
    times: Counter[str] = Counter()
    if reasons is not None:
        reason_counts.update(code for i in ids for code in set(reasons[i]))
    if time_of_day is not None:
        times.update(t for i in ids for t in set(time_of_day[i]))
    return HotSpot(
        id="hs-" + hashlib.sha1(key.encode()).hexdigest()[:10],
        count=len(ids),
        weighted_count=weighted_count,
        centroid=centroid,
        polygon=polygon,
        area_m2=area_m2,
        members=tuple(ids),
        name=name,
        sources=tuple(sorted({sources[i] for i in ids})) if sources is not None else (),
        reasons=dict(sorted(reason_counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        time_of_day=dict(sorted(times.items())),
        night_share=(times[NIGHT] / len(ids)) if time_of_day is not None else None,
    )


def _unique_ids(spots: list[HotSpot]) -> list[HotSpot]:
    """Two clusters whose centroids snap to the same 25 m cell get a suffix, in sort order."""
    seen: Counter[str] = Counter()
    out = []
    for spot in spots:
        seen[spot.id] += 1
        if seen[spot.id] > 1:
            spot = HotSpot(**{**spot.__dict__, "id": f"{spot.id}-{seen[spot.id]}"})
        out.append(spot)
    return out

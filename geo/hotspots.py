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
HOTSPOTS.md measured that DBSCAN with a fixed minimum finds nothing on short windows, so
`min_reports_for` scales the minimum with the number of reports in the window; the
quality benchmark (bench/hotspot_quality.py) prints PAI against a KDE baseline.
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
from shapely.geometry import MultiPoint, mapping

from geo.dbscan import dbscan
from geo.projection import MetricPlane, plane_for

DEFAULT_RADIUS_M = 60.0
DEFAULT_MIN_REPORTS = 6
NIGHT = "natt"
METHODS = ("dbscan", "hdbscan")

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
) -> list[HotSpot]:
    """Find hot spots among WGS84 points; sorted by weighted count, then id."""
    if not radius_m > 0:
        raise ValueError("radius_m must be positive")
    if min_reports < 1:
        raise ValueError("min_reports must be at least 1")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    lat_a, lon_a, w = _validate(lat, lon, weights)
    keep = _selection(lat_a.size, times, window, reasons, reason_filter, sources, source_filter)
    index = np.flatnonzero(keep)
    labels = np.full(lat_a.size, -1, dtype=np.int64)
    if index.size:
        metric = plane_for(lat_a[index], lon_a[index])
        x, y = metric.to_metres(lat_a[index], lon_a[index])
        labels[index] = _cluster(x, y, radius_m, min_reports, method)
    return hotspots_from_labels(
        lat_a,
        lon_a,
        labels,
        radius_m=radius_m,
        weights=w,
        names=names,
        reasons=reasons,
        time_of_day=time_of_day,
        sources=sources,
        name_within_m=name_within_m,
    )


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
) -> list[HotSpot]:
    """Describe clusters found elsewhere (e.g. PostGIS ST_ClusterDBSCAN); label < 0 is noise."""
    lat_a, lon_a, w = _validate(lat, lon, weights)
    label_a = np.asarray(labels, dtype=np.int64).reshape(-1)
    if label_a.size != lat_a.size:
        raise ValueError("one label per point is needed")
    index = np.flatnonzero(label_a >= 0)
    if index.size == 0:
        return []
    metric = plane_for(lat_a[index], lon_a[index])
    x, y = metric.to_metres(lat_a[index], lon_a[index])
    landmarks = _landmarks(metric, names)
    sub = label_a[index]
    order = np.argsort(sub, kind="stable")
    spots = [
        _describe(
            group,
            index,
            x,
            y,
            w,
            metric,
            radius_m,
            landmarks,
            name_within_m,
            reasons,
            time_of_day,
            sources,
        )
        for group in np.split(order, np.flatnonzero(np.diff(sub[order])) + 1)
    ]
    return _unique_ids(sorted(spots, key=lambda s: (-s.weighted_count, s.id)))


def _cluster(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    radius_m: float,
    min_reports: int,
    method: str,
) -> npt.NDArray[np.int64]:
    if method == "hdbscan":
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
    return dbscan(x, y, radius_m, min_reports)


def _landmarks(
    metric: MetricPlane, names: Sequence[Landmark] | None
) -> tuple[list[str], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    if not names:
        return [], np.empty(0), np.empty(0)
    lx, ly = metric.to_metres([n[1] for n in names], [n[2] for n in names])
    return [n[0] for n in names], lx, ly


def _describe(
    group: npt.NDArray[np.int64],
    index: npt.NDArray[np.int64],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64],
    metric: MetricPlane,
    radius_m: float,
    landmarks: tuple[list[str], npt.NDArray[np.float64], npt.NDArray[np.float64]],
    name_within_m: float,
    reasons: Sequence[Sequence[str]] | None,
    time_of_day: Sequence[Sequence[str]] | None,
    sources: Sequence[str] | None,
) -> HotSpot:
    members = np.sort(index[group])
    gx, gy = x[group], y[group]
    # Sorting before summing makes the centroid, and so the id, independent of input order.
    cx, cy = float(np.sort(gx).sum() / gx.size), float(np.sort(gy).sum() / gy.size)
    hull = MultiPoint(np.unique(np.column_stack([gx, gy]), axis=0)).convex_hull
    shape_m = hull.buffer(radius_m, quad_segs=8)
    shape_wgs = shapely.set_precision(metric.geometry_to_wgs84(shape_m), 1e-7)
    lat_c, lon_c = metric.to_wgs84([cx], [cy])
    ids = [int(i) for i in members]
    names, lx, ly = landmarks
    name = None
    if names:
        d = np.hypot(lx - cx, ly - cy)
        if d.min() <= name_within_m + radius_m:
            name = names[int(np.argmin(d))]
    key = f"{metric.epsg}:{round(cx / 25)}:{round(cy / 25)}"
    reason_counts: Counter[str] = Counter()
    times: Counter[str] = Counter()
    if reasons is not None:
        reason_counts.update(code for i in ids for code in set(reasons[i]))
    if time_of_day is not None:
        times.update(t for i in ids for t in set(time_of_day[i]))
    return HotSpot(
        id="hs-" + hashlib.sha1(key.encode()).hexdigest()[:10],
        count=len(ids),
        weighted_count=float(np.sort(w[members]).sum()),
        centroid=(float(lat_c[0]), float(lon_c[0])),
        polygon=dict(mapping(shape_wgs)),
        area_m2=float(shape_m.area),
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

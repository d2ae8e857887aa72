"""Stable identity of hot spots across periods.

A hot spot this period is "the same" as one of the previous period when their polygons
overlap (the larger the share, the better) or, failing that, their centroids lie within
`max_distance_m`. Matching is one-to-one and deterministic; a matched hot spot keeps the
previous id, so a promise can point at the same place a year later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from shapely import STRtree, area, intersection
from shapely.geometry import shape

from geo.hotspots import HotSpot
from geo.projection import plane_for

STATES = ("new", "growing", "stable", "shrinking", "gone")


@dataclass(frozen=True)
class Tracked:
    """A hot spot of this period (or a vanished one) with its lasting id and its trend."""

    id: str
    state: str
    hotspot: HotSpot | None  # None when gone
    previous: Mapping[str, Any] | None  # the matched previous hot spot, as given


def _as_mapping(item: HotSpot | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(item, HotSpot):
        return {
            "id": item.id,
            "count": item.count,
            "centroid": item.centroid,
            "polygon": item.polygon,
            "name": item.name,
        }
    return item


def match_hotspots(
    previous: Sequence[HotSpot | Mapping[str, Any]],
    current: Sequence[HotSpot],
    *,
    max_distance_m: float = 150.0,
    change: float = 0.2,
) -> list[Tracked]:
    """Match this period's hot spots to the previous period's and label each trend.

    `previous` items need id, count, centroid (lat, lon) and polygon (GeoJSON, WGS84), as
    HotSpot objects or mappings (e.g. loaded from the database). A count more than
    `change` (20 %) above the previous one is growing, more than 20 % below shrinking.
    """
    prev = [_as_mapping(p) for p in previous]
    if not prev:
        return [Tracked(h.id, "new", h, None) for h in current]
    candidates = _candidates(prev, current, max_distance_m)
    candidates.sort()
    taken_prev: dict[int, int] = {}
    taken_cur: set[int] = set()
    for *_, i, j in candidates:
        if i not in taken_prev and j not in taken_cur:
            taken_prev[i] = j
            taken_cur.add(j)
    match_of_cur = {j: i for i, j in taken_prev.items()}
    out = []
    for j, h in enumerate(current):
        if j not in match_of_cur:
            out.append(Tracked(h.id, "new", h, None))
            continue
        p = prev[match_of_cur[j]]
        ratio = h.count / max(int(p["count"]), 1)
        state = "growing" if ratio > 1 + change else "shrinking" if ratio < 1 - change else "stable"
        out.append(Tracked(str(p["id"]), state, h, p))
    for i, p in enumerate(prev):
        if i not in taken_prev:
            out.append(Tracked(str(p["id"]), "gone", None, p))
    return out


def _candidates(
    prev: Sequence[Mapping[str, Any]], current: Sequence[HotSpot], max_distance_m: float
) -> list[tuple[float, float, str, str, int, int]]:
    """Pairs that may be the same place, best first once sorted: overlap, then distance."""
    if not current:
        return []
    lats = [p["centroid"][0] for p in prev] + [h.centroid[0] for h in current]
    lons = [p["centroid"][1] for p in prev] + [h.centroid[1] for h in current]
    metric = plane_for(lats, lons)
    prev_shapes = metric.geometries_to_metres([shape(p["polygon"]) for p in prev])
    cur_shapes = metric.geometries_to_metres([shape(h.polygon) for h in current])
    px, py = metric.to_metres([p["centroid"][0] for p in prev], [p["centroid"][1] for p in prev])
    cx, cy = metric.to_metres([h.centroid[0] for h in current], [h.centroid[1] for h in current])
    dist = np.hypot(px[:, None] - cx[None, :], py[:, None] - cy[None, :])  # prev x current
    # Overlapping pairs from a spatial index, their shared area in one vectorised call.
    overlap = np.zeros(dist.shape)
    cur_idx, prev_idx = STRtree(prev_shapes).query(cur_shapes, predicate="intersects")
    if len(cur_idx):
        shared = area(intersection(prev_shapes[prev_idx], cur_shapes[cur_idx]))
        smaller = np.minimum(area(prev_shapes[prev_idx]), area(cur_shapes[cur_idx]))
        overlap[prev_idx, cur_idx] = np.where(shared > 0, shared / smaller, 0.0)
    candidates: list[tuple[float, float, str, str, int, int]] = []
    for i, j in zip(*np.nonzero((overlap > 0) | (dist <= max_distance_m)), strict=True):
        candidates.append(
            (
                -float(overlap[i, j]),
                float(dist[i, j]),
                str(prev[i]["id"]),
                current[j].id,
                int(i),
                int(j),
            )
        )
    return candidates

"""Exact DBSCAN on projected points (metres), on a grid so dense towns stay cheap.

Cells have side eps/√2, so any two points of one cell are within eps of each other:
a cell holding at least `min_pts` points is all core, and the core points of one cell
are always connected. Only points in sparse cells need their neighbours counted, and
only neighbouring cells need a distance check between them. That check first compares
the cells' bounding boxes (too far apart: no link), then a handful of extreme points
(close: a link), and only the few undecided pairs are compared point by point.
The result equals textbook DBSCAN for core points; a border point joins the cluster of
its nearest core point (textbook DBSCAN leaves that choice to processing order).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

NOISE = -1
# Neighbouring cells that can hold a point within eps: offsets up to 2 cells, no corners.
_OFFSETS = [
    (dx, dy)
    for dx in range(-2, 3)
    for dy in range(-2, 3)
    if (dx, dy) > (0, 0) and not (abs(dx) == 2 and abs(dy) == 2)
]
_PAIR_CHUNK = 2_000_000


def dbscan(x: FloatArray, y: FloatArray, eps: float, min_pts: int) -> IntArray:
    """Cluster labels (0..k-1, NOISE for noise) for points in metres, numbered by first member."""
    n = x.size
    labels = np.full(n, NOISE, dtype=np.int64)
    if n == 0 or min_pts < 1:
        return labels
    side = eps / np.sqrt(2.0)
    gx = np.floor((x - x.min()) / side).astype(np.int64)
    gy = np.floor((y - y.min()) / side).astype(np.int64)
    width = int(gy.max()) + 5
    cell = gx * width + gy

    order = np.argsort(cell, kind="stable")
    cell_sorted = cell[order]
    cells, start, count = np.unique(cell_sorted, return_index=True, return_counts=True)
    cell_of_point = np.empty(n, dtype=np.int64)
    cell_of_point[order] = np.repeat(np.arange(cells.size), count)

    core = count[cell_of_point] >= min_pts
    # A point whose whole neighbourhood of cells holds fewer than min_pts points can't be core.
    reach = count.copy()
    for dx, dy in _OFFSETS:
        for sign in (1, -1):
            target = cells + sign * (dx * width + dy)
            pos = np.minimum(np.searchsorted(cells, target), cells.size - 1)
            reach += np.where(cells[pos] == target, count[pos], 0)
    sparse = np.flatnonzero(~core & (reach[cell_of_point] >= min_pts))
    if sparse.size:
        xy = np.column_stack([x, y])
        tree = cKDTree(xy)
        neighbours = tree.query_ball_point(xy[sparse], r=eps, return_length=True, workers=-1)
        core[sparse] = np.asarray(neighbours) >= min_pts
    core_idx = np.flatnonzero(core)
    if core_idx.size == 0:
        return labels

    # Per core cell: its core points, bounding box and extreme points.
    core_cell = cell_of_point[core_idx]
    by_cell = np.argsort(core_cell, kind="stable")
    core_idx = core_idx[by_cell]
    core_cell = core_cell[by_cell]
    ccells, cstart, ccount = np.unique(core_cell, return_index=True, return_counts=True)
    node_of_core = np.repeat(np.arange(ccells.size), ccount)
    cx, cy = x[core_idx], y[core_idx]
    box = np.column_stack(
        [
            np.minimum.reduceat(cx, cstart),
            np.maximum.reduceat(cx, cstart),
            np.minimum.reduceat(cy, cstart),
            np.maximum.reduceat(cy, cstart),
        ]
    )
    extremes = _extremes(cx, cy, cstart, node_of_core)

    keys = cells[ccells]
    src_parts, dst_parts = [], []
    for dx, dy in _OFFSETS:
        target = keys + dx * width + dy
        pos = np.searchsorted(keys, target)
        pos[pos >= keys.size] = 0
        found = keys[pos] == target
        a, b = np.flatnonzero(found), pos[found]
        if a.size:
            linked = _linked(a, b, box, extremes, eps, cx, cy, cstart, ccount)
            src_parts.append(a[linked])
            dst_parts.append(b[linked])
    src = np.concatenate(src_parts) if src_parts else np.empty(0, np.int64)
    dst = np.concatenate(dst_parts) if dst_parts else np.empty(0, np.int64)
    graph = coo_matrix((np.ones(src.size, np.int8), (src, dst)), shape=(ccells.size,) * 2)
    _, component = connected_components(graph, directed=False)
    labels[core_idx] = component[node_of_core]

    border = np.flatnonzero(~core)
    if border.size:
        core_tree = cKDTree(np.column_stack([cx, cy]))
        dist, nearest = core_tree.query(
            np.column_stack([x[border], y[border]]), k=1, distance_upper_bound=eps, workers=-1
        )
        near = np.isfinite(dist)
        labels[border[near]] = labels[core_idx[nearest[near]]]
    return _renumber(labels)


def _extremes(cx: FloatArray, cy: FloatArray, start: IntArray, node: IntArray) -> FloatArray:
    """Eight extreme core points per cell (min/max of x, y, x+y, x−y): shape (cells, 8, 2)."""
    out = np.empty((start.size, 8, 2))
    for k, value in enumerate((cx, cy, cx + cy, cx - cy)):
        for j, reduce in enumerate((np.minimum, np.maximum)):
            best = reduce.reduceat(value, start)
            hit = np.flatnonzero(value == best[node])
            first_hit = hit[np.unique(node[hit], return_index=True)[1]]
            out[:, 2 * k + j, 0] = cx[first_hit]
            out[:, 2 * k + j, 1] = cy[first_hit]
    return out


def _linked(
    a: IntArray,
    b: IntArray,
    box: FloatArray,
    extremes: FloatArray,
    eps: float,
    cx: FloatArray,
    cy: FloatArray,
    start: IntArray,
    count: IntArray,
) -> npt.NDArray[np.bool_]:
    """Whether some core point of cell a[i] lies within eps of some core point of cell b[i]."""
    gap_x = np.maximum(0.0, np.maximum(box[b, 0] - box[a, 1], box[a, 0] - box[b, 1]))
    gap_y = np.maximum(0.0, np.maximum(box[b, 2] - box[a, 3], box[a, 2] - box[b, 3]))
    possible = np.hypot(gap_x, gap_y) <= eps
    linked = np.zeros(a.size, dtype=bool)
    idx = np.flatnonzero(possible)
    if idx.size == 0:
        return linked
    ea, eb = extremes[a[idx]], extremes[b[idx]]
    d = np.sqrt(((ea[:, :, None, :] - eb[:, None, :, :]) ** 2).sum(axis=-1))
    quick = d.reshape(idx.size, -1).min(axis=1) <= eps
    linked[idx[quick]] = True
    undecided = idx[~quick]
    if undecided.size:
        linked[undecided] = _brute_force(a[undecided], b[undecided], eps, cx, cy, start, count)
    return linked


def _brute_force(
    a: IntArray,
    b: IntArray,
    eps: float,
    cx: FloatArray,
    cy: FloatArray,
    start: IntArray,
    count: IntArray,
) -> npt.NDArray[np.bool_]:
    """Compare every core point of a[i] with every one of b[i], in bounded chunks."""
    result = np.zeros(a.size, dtype=bool)
    sizes = count[a] * count[b]
    bounds = np.searchsorted(np.cumsum(sizes), np.arange(_PAIR_CHUNK, sizes.sum(), _PAIR_CHUNK))
    for chunk in np.split(np.arange(a.size), bounds):
        if chunk.size == 0:
            continue
        na, nb = count[a[chunk]], count[b[chunk]]
        pairs = na * nb
        owner = np.repeat(np.arange(chunk.size), pairs)
        within = np.arange(owner.size) - np.repeat(np.cumsum(pairs) - pairs, pairs)
        ia = start[a[chunk]][owner] + within // nb[owner]
        ib = start[b[chunk]][owner] + within % nb[owner]
        close = np.hypot(cx[ia] - cx[ib], cy[ia] - cy[ib]) <= eps
        result[chunk] = np.bincount(owner, weights=close, minlength=chunk.size) > 0
    return result


def _renumber(labels: IntArray) -> IntArray:
    """Number clusters 0..k-1 by their lowest member index, so labels don't depend on grids."""
    clustered = labels >= 0
    if not clustered.any():
        return labels
    uniq, first = np.unique(labels[clustered], return_index=True)
    rank = np.empty(uniq.size, dtype=np.int64)
    rank[np.argsort(np.flatnonzero(clustered)[first], kind="stable")] = np.arange(uniq.size)
    out = labels.copy()
    out[clustered] = rank[np.searchsorted(uniq, labels[clustered])]
    return out

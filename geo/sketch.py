"""A printable sketch map: GeoJSON polygons drawn as SVG paths in SWEREF 99 TM.

A lägesbild goes to the council on paper; tiles may not print (or load), so the document
carries its own map: the kommun's border and its hot spots, true to scale, north up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from geo.projection import plane

GeoJSONDict = dict[str, Any]


@dataclass(frozen=True)
class Sketch:
    width: float
    height: float
    paths: list[str]  # one SVG path "d" per input polygon, in the order given
    labels: list[tuple[float, float]]  # each shape's bounding-box centre, for a numbered marker
    scale_m: float  # the metres a scale bar of `scale_px` pixels stands for
    scale_px: float


def _rings(geometry: GeoJSONDict) -> Iterable[Sequence[Sequence[float]]]:
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon
    else:
        raise ValueError(f"not a polygon: {geometry['type']}")


def sketch(
    frame: GeoJSONDict,
    shapes: Sequence[GeoJSONDict],
    *,
    width: float = 640.0,
    pad: float = 8.0,
    focus: bool = False,
) -> Sketch:
    """Project `frame` (e.g. the kommun border) and `shapes` to one SVG canvas.

    The frame comes first in the returned paths. With `focus`, the canvas is fitted to the
    shapes (plus a margin) instead of to the frame, for hot spots in a large kommun.
    """
    sweref = plane(3006)
    projected: list[list[np.ndarray]] = []
    for geometry in (frame, *shapes):
        rings = []
        for ring in _rings(geometry):
            coords = np.asarray(ring, dtype=float)
            x, y = sweref.to_metres(coords[:, 1], coords[:, 0])
            rings.append(np.column_stack([x, y]))
        projected.append(rings)
    fit = [r for rings in (projected[1:] if focus and shapes else projected) for r in rings]
    stacked = np.vstack(fit)
    x0, y0 = stacked.min(axis=0)
    x1, y1 = stacked.max(axis=0)
    if focus and shapes:
        margin = max(x1 - x0, y1 - y0) * 0.15 + 200
        x0, y0, x1, y1 = x0 - margin, y0 - margin, x1 + margin, y1 + margin
    span = max(x1 - x0, y1 - y0, 1.0)
    scale = (width - 2 * pad) / span
    height = (y1 - y0) * scale + 2 * pad

    def to_px(points: np.ndarray) -> np.ndarray:
        px = (points[:, 0] - x0) * scale + pad
        py = (y1 - points[:, 1]) * scale + pad  # north up
        return np.column_stack([px, py])

    paths, labels = [], []
    for rings in projected:
        parts = []
        for points in rings:
            pts = to_px(points)
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
        paths.append("".join(parts))
        box = to_px(np.vstack(rings))
        labels.append(
            (
                float((box[:, 0].min() + box[:, 0].max()) / 2),
                float((box[:, 1].min() + box[:, 1].max()) / 2),
            )
        )
    scale_m = _nice(span / 4)
    return Sketch(width, height, paths, labels[1:], scale_m, scale_m * scale)


def _nice(metres: float) -> float:
    """A round length for a scale bar: 1, 2 or 5 times a power of ten."""
    power = 10 ** np.floor(np.log10(max(metres, 1.0)))
    for step in (5, 2, 1):
        if step * power <= metres:
            return float(step * power)
    return float(power)

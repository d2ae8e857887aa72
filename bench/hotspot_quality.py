"""Do hot spots found on past months capture next month's incidents? Against KDE, same run.

    .venv/bin/python -m bench.hotspot_quality

For each monthly data set (Cheltenham all crime and ASB, 9 months; Nottingham burglary and
robbery, 12 months) and each month t+1 from the fourth on: find hot spots on months 1..t
(and on only the last 1 and 3 months), then measure on month t+1
  hit rate   share of next month's points inside a hot-spot polygon
  area       hot-spot polygons (union, clipped to the study area) / study area, where the
             study area is the convex hull of all points buffered by 100 m
  PAI        hit rate / area (Chainey, Tompson & Uhlig 2008)
and the same for a kernel-density baseline (geo.density, 50 m cells, bandwidth 50 and
100 m) that flags its densest cells covering the SAME area. Figures are means over months.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPoint, shape

from bench.data import monthly_uk
from geo.density import kde_surface
from geo.hotspots import find_hotspots, min_reports_for
from geo.projection import MetricPlane, plane_for

SETTINGS = [(50, 5), (60, 6), (100, 5), (100, 10), (150, 10), (60, "scaled"), (100, "scaled")]
WINDOWS = {"all past months": None, "last 3 months": 3, "last month": 1}


@dataclass
class Score:
    hit: float
    area: float
    spots: int
    kde50: float
    kde100: float

    @property
    def pai(self) -> float:
        return self.hit / self.area if self.area > 0 else 0.0


def kde_hits(plane: MetricPlane, train, test, study, share: float, bandwidth: float) -> float:  # type: ignore[no-untyped-def]
    surface = kde_surface(
        train[0], train[1], cell_m=50, bandwidth_m=bandwidth, plane=plane, margin_m=600
    )
    rows, cols = surface.grid.shape
    cx = surface.x0 + (np.arange(cols) + 0.5) * surface.cell_m
    cy = surface.y0 + (np.arange(rows) + 0.5) * surface.cell_m
    gx, gy = np.meshgrid(cx, cy)
    in_study = shapely.contains_xy(study, gx, gy)
    mask = surface.top_mask(share * in_study.sum() / in_study.size, study=in_study)
    row, col, inside = surface.cell_of(test[0], test[1])
    hits = np.zeros(row.size, dtype=bool)
    hits[inside] = mask[row[inside], col[inside]]
    return float(hits.mean())


def evaluate(months, radius: int, minimum, window) -> Score | None:  # type: ignore[no-untyped-def]
    all_lat = np.concatenate([m[1] for m in months])
    all_lon = np.concatenate([m[2] for m in months])
    plane = plane_for(all_lat, all_lon)
    ax, ay = plane.to_metres(all_lat, all_lon)
    study = MultiPoint(np.column_stack([ax, ay])).convex_hull.buffer(100)
    shapely.prepare(study)
    scores = []
    for t in range(3, len(months)):
        past = months[:t] if window is None else months[max(0, t - window) : t]
        lat = np.concatenate([m[1] for m in past])
        lon = np.concatenate([m[2] for m in past])
        m = min_reports_for(lat.size) if minimum == "scaled" else minimum
        spots = find_hotspots(lat, lon, radius_m=radius, min_reports=m)
        test_lat, test_lon = months[t][1], months[t][2]
        tx, ty = plane.to_metres(test_lat, test_lon)
        if spots:
            union = shapely.union_all(
                [plane.geometry_to_metres(shape(s.polygon)) for s in spots]
            ).intersection(study)
            hit = float(shapely.contains_xy(union, tx, ty).mean())
            area = union.area / study.area
        else:
            hit, area = 0.0, 0.0
        k50 = kde_hits(plane, (lat, lon), (test_lat, test_lon), study, area, 50) if area else 0
        k100 = kde_hits(plane, (lat, lon), (test_lat, test_lon), study, area, 100) if area else 0
        scores.append(Score(hit, area, len(spots), k50, k100))
    if not scores:
        return None
    return Score(
        float(np.mean([s.hit for s in scores])),
        float(np.mean([s.area for s in scores])),
        int(np.mean([s.spots for s in scores])),
        float(np.mean([s.kde50 for s in scores])),
        float(np.mean([s.kde100 for s in scores])),
    )


def main() -> None:
    data = monthly_uk()
    header = (
        f"{'data':<11} {'window':<16} {'radius/min':<12} {'spots':>5} {'area %':>7} "
        f"{'hit %':>6} {'PAI':>6} {'KDE50 PAI':>9} {'KDE100 PAI':>10} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    best: dict[str, tuple[float, str]] = {}
    for city, months in data.items():
        for window_name, window in WINDOWS.items():
            for radius, minimum in SETTINGS:
                s = evaluate(months, radius, minimum, window)
                if s is None:
                    continue
                k50 = s.kde50 / s.area if s.area else 0.0
                k100 = s.kde100 / s.area if s.area else 0.0
                ratio = s.pai / max(k50, k100) if max(k50, k100) else float("nan")
                label = f"{radius} m/{minimum}"
                print(
                    f"{city:<11} {window_name:<16} {label:<12} {s.spots:5d} "
                    f"{100 * s.area:7.2f} {100 * s.hit:6.1f} {s.pai:6.2f} {k50:9.2f} "
                    f"{k100:10.2f} {ratio:6.2f}"
                )
                key = f"{city}, {window_name}"
                if s.pai > best.get(key, (0.0, ""))[0]:
                    best[key] = (
                        s.pai,
                        f"{label} (PAI {s.pai:.2f}, KDE at equal area {max(k50, k100):.2f})",
                    )
    print()
    for key, (_pai, text) in best.items():
        print(f"best for {key}: {text}")
    print(
        "ratio = PAI of hot spots / PAI of the better KDE flagging the same area; "
        ">= 1 matches or beats KDE."
    )


if __name__ == "__main__":
    main()

"""Hot spots keep their ids from one run to the next, as the app runs them.

A run counts a rolling window of months and is given the last run's hot-spot shapes as
`held` (hotspots.services.compute_run); runs a month apart share two of their three months.
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import shape

from bench import hotspot_quality as quality
from bench.data import monthly_uk
from geo.hotspots import HotSpot, find_hotspots
from geo.projection import plane_for
from geo.tracking import Tracked, match_hotspots
from tests.helpers import shared_data

CENTRE = (58.38, 12.32)
PLACES = ((0, 0), (800, 300), (-600, 900), (300, -1000), (-900, -400), (1200, -700))


def _month(seed: int, rates: list[float], background: int = 120):
    """One month: Poisson(rate) reports within ~15 m of each place, in a town's scatter."""
    rng = np.random.default_rng(seed)
    plane = plane_for([CENTRE[0]], [CENTRE[1]])
    cx, cy = plane.to_metres([CENTRE[0]], [CENTRE[1]])
    xs, ys = [], []
    for (dx, dy), rate in zip(PLACES, rates, strict=True):
        n = rng.poisson(rate)
        xs.append(cx[0] + dx + rng.normal(0, 15, n))
        ys.append(cy[0] + dy + rng.normal(0, 15, n))
    xs.append(cx[0] + rng.uniform(-3000, 3000, background))
    ys.append(cy[0] + rng.uniform(-3000, 3000, background))
    lat, lon = plane.to_wgs84(np.concatenate(xs), np.concatenate(ys))
    return np.asarray(lat), np.asarray(lon)


def _runs(months, *, held: bool = True, window: int = 3) -> list[list[HotSpot]]:
    """The monthly runs over a rolling window, each given the last run's shapes if `held`."""
    runs: list[list[HotSpot]] = []
    previous: list[HotSpot] = []
    for t in range(window, len(months) + 1):
        lat = np.concatenate([m[0] for m in months[t - window : t]])
        lon = np.concatenate([m[1] for m in months[t - window : t]])
        found = find_hotspots(
            lat,
            lon,
            radius_m=60,
            min_reports=6,
            method="density",
            held=[s.polygon for s in previous] if held else None,
        )
        runs.append(found)
        previous = found
    return runs


def _kept(tracked: list[Tracked]) -> int:
    return sum(1 for t in tracked if t.hotspot is not None and t.previous is not None)


def _near(spot: HotSpot, place: tuple[int, int], within_m: float = 60.0) -> bool:
    plane = plane_for([CENTRE[0]], [CENTRE[1]])
    cx, cy = plane.to_metres([CENTRE[0]], [CENTRE[1]])
    x, y = plane.to_metres([spot.centroid[0]], [spot.centroid[1]])
    return bool(np.hypot(x[0] - cx[0] - place[0], y[0] - cy[0] - place[1]) <= within_m)


def test_a_stable_pattern_near_the_minimum_keeps_its_hot_spots_month_after_month():
    # Six places with two reports a month: about six in a 3-month window, at the minimum.
    months = [_month(seed, [2.0] * len(PLACES)) for seed in range(12)]
    runs, plain = _runs(months), _runs(months, held=False)
    kept = total = kept_plain = total_plain = 0
    for before, after in zip(runs, runs[1:], strict=False):
        kept, total = kept + _kept(match_hotspots(before, after)), total + len(before)
    for before, after in zip(plain, plain[1:], strict=False):
        kept_plain += _kept(match_hotspots(before, after))
        total_plain += len(before)
    assert kept / total >= 0.9 > kept_plain / total_plain
    # Every hot spot is one of the places, never the scatter between them.
    assert all(any(_near(s, p) for p in PLACES) for run in runs for s in run)


def test_trends_still_say_new_growing_shrinking_and_gone():
    steady, fading, arriving, rising = 3.0, 3.0, 0.0, 1.0
    months = []
    for seed in range(10):
        late = seed >= 5
        rates = [steady, steady, fading * (not late), arriving + 4.0 * late, rising + 2 * late]
        months.append(_month(seed, [*rates, 0.0]))
    runs = _runs(months)
    states: dict[int, list[str]] = {k: [] for k in range(5)}
    for before, after in zip(runs, runs[1:], strict=False):
        for t in match_hotspots(before, after):
            spot = t.hotspot or next(s for s in before if s.id == t.previous["id"])
            for k in states:
                if _near(spot, PLACES[k]):
                    states[k].append(t.state)
    assert set(states[0]) | set(states[1]) <= {"stable", "growing", "shrinking"}
    assert "shrinking" in states[2] and states[2][-1] == "gone"  # once, then no more
    assert states[2].count("gone") == 1
    assert states[3][0] == "new" and "new" not in states[3][1:]
    assert "growing" in states[4]


def test_a_real_month_pair_on_sparse_burglaries_keeps_most_hot_spots():
    shared_data("nottingham_burglary.csv.gz")  # missing, it skips; in CI it fails
    months = monthly_uk()["nottingham"]
    before = quality.ours(months[0:3])
    after = quality.ours(months[1:4], held=before)  # as the next month's run is given it
    tracked = match_hotspots(before, after)
    assert len(before) >= 5
    assert _kept(tracked) / len(before) >= quality.IDENTITY_TARGET
    for t in tracked:
        if t.hotspot is not None and t.previous is not None:
            # The same place: the shapes overlap, not merely lie near each other.
            assert t.id == t.previous["id"]
            assert shape(t.hotspot.polygon).intersects(shape(t.previous["polygon"]))

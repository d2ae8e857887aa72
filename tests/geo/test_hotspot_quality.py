"""Hot spots predict where the next reports come and keep their identity: the small bench."""

from __future__ import annotations

import numpy as np

from bench import hotspot_quality as quality
from geo.hotspots import find_hotspots
from geo.projection import plane_for
from geo.tracking import match_hotspots
from tests.helpers import shared_data


def test_hot_spots_capture_next_month_at_least_as_well_as_the_best_baseline():
    shared_data("uk-cheltenham-street-crime")  # missing, it skips; in CI it fails
    results, identity = quality.run(small=True)
    assert results
    for r in results:
        best_name, best = r.best  # KDE 50/100/200 m and 100 m cells, as the issue set them
        assert r.area > 0
        assert r.pai >= best, f"{r.name} {r.window}: PAI {r.pai:.2f} < {best_name} {best:.2f}"
    kept = identity["cheltenham"]
    assert kept.total and kept.share >= quality.IDENTITY_TARGET
    assert kept.faded <= kept.total - kept.matched


def test_one_real_month_pair_keeps_most_hot_spots():
    shared_data("uk-cheltenham-street-crime")  # missing, it skips; in CI it fails
    months = quality.datasets(small=True)["cheltenham"]
    before = quality.ours(months[0:3])
    after = quality.ours(months[1:4], held=before)  # as the monthly run passes the last one
    tracked = match_hotspots(before, after)
    kept = [t for t in tracked if t.hotspot is not None and t.previous is not None]
    assert len(kept) / len(before) >= quality.IDENTITY_TARGET
    assert all(t.id == t.previous["id"] for t in kept)


def _month(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Four steady places (40, 25, 15, 10 reports a month) in scattered background reports."""
    rng = np.random.default_rng(seed)
    centre_lat, centre_lon = 58.38, 12.32
    plane = plane_for([centre_lat], [centre_lon])
    cx, cy = plane.to_metres([centre_lat], [centre_lon])
    xs, ys = [], []
    for (dx, dy), n in zip(
        [(0, 0), (800, 300), (-600, 900), (300, -1000)], [40, 25, 15, 10], strict=True
    ):
        xs.append(cx[0] + dx + rng.normal(0, 20, n))
        ys.append(cy[0] + dy + rng.normal(0, 20, n))
    xs.append(cx[0] + rng.uniform(-3000, 3000, 150))
    ys.append(cy[0] + rng.uniform(-3000, 3000, 150))
    lat, lon = plane.to_wgs84(np.concatenate(xs), np.concatenate(ys))
    return np.asarray(lat), np.asarray(lon)


def test_a_stable_pattern_keeps_every_hot_spot_and_flags_no_noise():
    months = [_month(seed) for seed in range(4)]
    found = [
        find_hotspots(lat, lon, radius_m=60, min_reports=6, method="density") for lat, lon in months
    ]
    for spots in found:
        assert len(spots) == 4  # the background scatter is not a hot spot
    for before, after in zip(found, found[1:], strict=False):
        tracked = match_hotspots(before, after)
        assert {t.state for t in tracked} <= {"stable", "growing", "shrinking"}
        assert sorted(t.id for t in tracked) == sorted(s.id for s in before)


def test_pure_noise_has_no_hot_spots():
    rng = np.random.default_rng(7)
    lat = 58.38 + rng.uniform(-0.02, 0.02, 400)
    lon = 12.32 + rng.uniform(-0.04, 0.04, 400)
    assert find_hotspots(lat, lon, radius_m=60, min_reports=6, method="density") == []

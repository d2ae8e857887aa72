"""Hot spots keep their ids from one period to the next."""

from __future__ import annotations

import numpy as np
import pytest

from geo.hotspots import find_hotspots
from geo.projection import plane_for
from geo.tracking import match_hotspots
from tests.points import TORGET, blob

SOUTH = (TORGET[0] - 0.009, TORGET[1])
EAST = (TORGET[0], TORGET[1] + 0.02)


def spots(*groups):
    lat = np.concatenate([blob(c, n, seed=s)[0] for c, n, s in groups])
    lon = np.concatenate([blob(c, n, seed=s)[1] for c, n, s in groups])
    return find_hotspots(lat, lon, radius_m=60, min_reports=4)


def test_same_places_keep_their_ids_and_trends_follow_counts():
    before = spots((TORGET, 10, 1), (SOUTH, 10, 2))
    after = spots((TORGET, 15, 3), (SOUTH, 6, 4), (EAST, 8, 5))
    tracked = {t.id: t for t in match_hotspots(before, after)}
    torget = next(s for s in before if abs(s.centroid[0] - TORGET[0]) < 0.001)
    south = next(s for s in before if s is not torget)
    assert tracked[torget.id].state == "growing"
    assert tracked[south.id].state == "shrinking"
    new = [t for t in tracked.values() if t.state == "new"]
    assert len(new) == 1 and new[0].hotspot.count == 8


def test_vanished_place_is_gone_and_stable_is_stable():
    before = spots((TORGET, 10, 1), (SOUTH, 10, 2))
    after = spots((TORGET, 11, 6))
    states = sorted(t.state for t in match_hotspots(before, after))
    assert states == ["gone", "stable"]


def test_previous_as_plain_mappings_from_a_database():
    before = [
        {"id": "hs-kept", "count": 10, "centroid": s.centroid, "polygon": s.polygon}
        for s in spots((TORGET, 10, 1))
    ]
    [t] = match_hotspots(before, spots((TORGET, 10, 7)))
    assert (t.id, t.state) == ("hs-kept", "stable")


def test_one_to_one_and_first_period():
    current = spots((TORGET, 10, 1))
    assert [t.state for t in match_hotspots([], current)] == ["new"]
    # Two previous spots near one current one: only one inherits, the other is gone.
    prev = [
        {"id": "a", "count": 10, "centroid": current[0].centroid, "polygon": current[0].polygon},
        {"id": "b", "count": 10, "centroid": current[0].centroid, "polygon": current[0].polygon},
    ]
    result = match_hotspots(prev, current)
    assert sorted((t.id, t.state) for t in result) == [("a", "stable"), ("b", "gone")]


def _town(seed, weak, background=800):
    """A strong place (40 reports), a weaker one 850 m away, in a busy town's scatter."""
    rng = np.random.default_rng(seed)
    plane = plane_for([TORGET[0]], [TORGET[1]])
    cx, cy = plane.to_metres([TORGET[0]], [TORGET[1]])
    xs = [cx[0] + rng.normal(0, 20, 40), cx[0] + 800 + rng.normal(0, 20, weak)]
    ys = [cy[0] + rng.normal(0, 20, 40), cy[0] + 300 + rng.normal(0, 20, weak)]
    xs.append(cx[0] + rng.uniform(-1500, 1500, background))
    ys.append(cy[0] + rng.uniform(-1500, 1500, background))
    lat, lon = plane.to_wgs84(np.concatenate(xs), np.concatenate(ys))
    return np.asarray(lat), np.asarray(lon)


def _density(lat, lon, held=None):
    return find_hotspots(lat, lon, radius_m=60, min_reports=6, method="density", held=held)


def test_a_fading_place_keeps_its_id_while_it_still_holds_the_minimum():
    before = _density(*_town(100, 40))
    weak = next(s for s in before if s.count < 45 and s.centroid[1] > TORGET[1] + 0.005)
    lat, lon = _town(1, 5)
    # On its own this month the fading place is not significant at the strict level ...
    alone = match_hotspots(before, _density(lat, lon))
    assert next(t for t in alone if t.id == weak.id).state == "gone"
    # ... but where the last run had a hot spot it stays one at the looser level.
    held = match_hotspots(before, _density(lat, lon, held=[s.polygon for s in before]))
    kept = next(t for t in held if t.id == weak.id)
    assert kept.state == "shrinking" and kept.hotspot.count >= 6
    assert {t.id for t in held if t.hotspot is not None} >= {s.id for s in before}


def test_a_held_place_below_the_minimum_is_gone_and_nothing_new_is_invented():
    before = _density(*_town(100, 40))
    lat, lon = _town(0, 1)
    plain = _density(lat, lon)
    held = _density(lat, lon, held=[s.polygon for s in before])
    weak = next(s for s in before if s.centroid[1] > TORGET[1] + 0.005)
    assert next(t for t in match_hotspots(before, held) if t.id == weak.id).state == "gone"
    assert len(held) == len(plain)


def test_a_held_place_stays_while_it_holds_half_the_minimum_then_is_gone():
    before = _density(*_town(100, 40))
    weak = next(s for s in before if s.centroid[1] > TORGET[1] + 0.005)
    held = [s.polygon for s in before]
    three = match_hotspots(before, _density(*_town(3, 3), held=held))
    kept = next(t for t in three if t.id == weak.id)
    assert kept.state == "shrinking" and 3 <= kept.hotspot.count < 6
    two = match_hotspots(before, _density(*_town(3, 2), held=held))
    assert next(t for t in two if t.id == weak.id).state == "gone"
    # Without a held shape three reports there make no hot spot at all.
    plain = _density(*_town(3, 3))
    assert not any(abs(np.subtract(s.centroid, weak.centroid)).max() < 0.001 for s in plain)


def test_the_held_minimum_must_be_a_positive_count():
    lat, lon = _town(3, 3)
    with pytest.raises(ValueError, match="held_min_reports"):
        find_hotspots(lat, lon, radius_m=60, min_reports=6, method="density", held_min_reports=0)

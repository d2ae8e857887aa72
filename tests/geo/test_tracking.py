"""Hot spots keep their ids from one period to the next."""

from __future__ import annotations

import numpy as np

from geo.hotspots import find_hotspots
from geo.tracking import match_hotspots
from tests.geo.test_hotspots import TORGET, blob

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

"""Hot spots on hand-made point sets whose answer is known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, shape
from sklearn.cluster import DBSCAN

from geo.dbscan import dbscan
from geo.hotspots import HotSpot, find_hotspots, min_reports_for
from geo.projection import plane_for
from tests.points import TORGET, blob


def two_clusters_and_noise():
    a_lat, a_lon = blob(TORGET, 12, seed=1)
    b_lat, b_lon = blob((TORGET[0] - 0.009, TORGET[1]), 7, seed=2)  # 1 km south
    noise_lat = np.array([TORGET[0] + 0.02, TORGET[0] - 0.03])
    noise_lon = np.array([TORGET[1] + 0.03, TORGET[1] - 0.02])
    return np.concatenate([a_lat, b_lat, noise_lat]), np.concatenate([a_lon, b_lon, noise_lon])


def test_two_clusters_and_noise():
    lat, lon = two_clusters_and_noise()
    spots = find_hotspots(
        lat,
        lon,
        radius_m=60,
        min_reports=5,
        names=[("Torget", *TORGET), ("Långt bort", 59.0, 13.0)],
    )
    assert [s.count for s in spots] == [12, 7]
    assert spots[0].members == tuple(range(12))
    assert spots[1].members == tuple(range(12, 19))
    assert spots[0].name == "Torget" and spots[1].name == "1 km söder om Torget"
    assert abs(spots[0].centroid[0] - TORGET[0]) < 0.0005
    assert spots[0].polygon["type"] == "Polygon"
    # The hull buffered by 60 m: at least the disc of the radius.
    assert spots[0].area_m2 > np.pi * 60**2
    assert spots[0].id != spots[1].id and spots[0].id.startswith("hs-")


@pytest.mark.parametrize("method", ["dbscan", "density"])
def test_points_projected_by_the_caller_give_the_same_hot_spots(method):
    lat, lon = two_clusters_and_noise()
    plane = plane_for(lat, lon)
    metres = plane.to_metres(lat, lon)
    given = dict(radius_m=60, min_reports=5, method=method, names=[("Torget", *TORGET)])
    assert find_hotspots(lat, lon, plane=plane, metres=metres, **given) == find_hotspots(
        lat, lon, **given
    )


def test_empty_and_single_point():
    assert find_hotspots([], [], radius_m=100, min_reports=3) == []
    assert find_hotspots([58.38], [12.32], radius_m=100, min_reports=3) == []
    [one] = find_hotspots([58.38], [12.32], radius_m=100, min_reports=1)
    assert one.count == 1 and one.members == (0,)
    assert shape(one.polygon).contains(Point(12.32, 58.38))


def test_duplicates_at_one_coordinate():
    spots = find_hotspots([58.38] * 6, [12.32] * 6, radius_m=50, min_reports=5)
    assert len(spots) == 1 and spots[0].count == 6
    assert spots[0].area_m2 == pytest.approx(np.pi * 50**2, rel=0.02)


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        ([1.0, 2.0], [1.0], "lat has 2 values"),
        ([float("nan")], [1.0], "finite"),
        ([91.0], [1.0], "lat must lie"),
        (["x"], [1.0], "must be numbers"),
    ],
)
def test_invalid_input(lat, lon, message):
    with pytest.raises(ValueError, match=message):
        find_hotspots(lat, lon, radius_m=100, min_reports=2)


def test_invalid_parameters():
    with pytest.raises(ValueError, match="radius_m"):
        find_hotspots([58.0], [12.0], radius_m=0, min_reports=2)
    with pytest.raises(ValueError, match="method"):
        find_hotspots([58.0], [12.0], radius_m=10, min_reports=2, method="kmeans")


def test_straddling_a_utm_zone_edge_outside_sweden():
    # Northern Germany at 12° E, the edge between UTM zones 32 and 33: one cluster, not two.
    centre = (53.5, 12.0)
    lat, lon = blob(centre, 20, spread_m=15, seed=3)
    spots = find_hotspots(lat, lon, radius_m=50, min_reports=5)
    assert len(spots) == 1 and spots[0].count == 20
    assert plane_for(lat, lon).epsg in {32632, 32633}


def test_near_swedens_edge_uses_sweref():
    lat, lon = blob((55.4, 13.0), 10, seed=4)  # Trelleborg
    assert plane_for(lat, lon).epsg == 3006
    assert find_hotspots(lat, lon, radius_m=60, min_reports=5)[0].count == 10


def test_filters_and_descriptions():
    lat, lon = blob(TORGET, 10, seed=5)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    times = [now - timedelta(days=d) for d in range(10)]
    reasons = [["place.dark"]] * 6 + [["disorder.drugs", "place.dark"]] * 4
    tod = [["natt"]] * 3 + [["kvall"]] * 7
    sources = ["online"] * 8 + ["support"] * 2
    [spot] = find_hotspots(
        lat, lon, radius_m=60, min_reports=3, reasons=reasons, time_of_day=tod, sources=sources
    )
    assert spot.reasons == {"place.dark": 10, "disorder.drugs": 4}
    assert spot.time_of_day == {"kvall": 7, "natt": 3}
    assert spot.night_share == pytest.approx(0.3)
    assert spot.sources == ("online", "support")
    [recent] = find_hotspots(
        lat, lon, radius_m=60, min_reports=3, times=times, window=(now - timedelta(days=4.5), None)
    )
    assert recent.members == (0, 1, 2, 3, 4)
    [drugs] = find_hotspots(
        lat, lon, radius_m=60, min_reports=3, reasons=reasons, reason_filter=["disorder.drugs"]
    )
    assert drugs.members == (6, 7, 8, 9)
    assert (
        find_hotspots(lat, lon, radius_m=60, min_reports=3, sources=sources, source_filter=["walk"])
        == []
    )


def test_weights():
    lat, lon = blob(TORGET, 5, seed=6)
    [spot] = find_hotspots(lat, lon, radius_m=60, min_reports=3, weights=[1, 1, 1, 2, 0.5])
    assert spot.weighted_count == pytest.approx(5.5)
    with pytest.raises(ValueError, match="weights"):
        find_hotspots(lat, lon, radius_m=60, min_reports=3, weights=[1, -1, 1, 1, 1])


def test_hdbscan_alternative_finds_the_same_two_places():
    lat, lon = two_clusters_and_noise()
    spots = find_hotspots(lat, lon, radius_m=60, min_reports=5, method="hdbscan")
    assert sorted(s.count for s in spots) == [7, 12]
    assert all(isinstance(s, HotSpot) for s in spots)


def test_minimum_scales_with_the_window():
    assert min_reports_for(10) == 6
    assert min_reports_for(1000) == 11
    assert min_reports_for(10, floor=3) == 3


def test_grid_dbscan_equals_textbook_dbscan_on_core_points():
    rng = np.random.default_rng(7)
    for _ in range(25):
        n = int(rng.integers(1, 300))
        x, y = rng.uniform(0, 800, n), rng.uniform(0, 800, n)
        eps, m = float(rng.uniform(20, 120)), int(rng.integers(1, 7))
        ours = dbscan(x, y, eps, m)
        ref = DBSCAN(eps=eps, min_samples=m).fit(np.column_stack([x, y]))
        assert ((ours >= 0) == (ref.labels_ >= 0)).all()
        core = ref.core_sample_indices_
        # Same partition of core points: a bijection between the two labelings.
        pairs = set(zip(ours[core].tolist(), ref.labels_[core].tolist(), strict=True))
        assert len(pairs) == len(set(ours[core])) == len(set(ref.labels_[core]))


points = st.lists(
    st.tuples(
        st.floats(58.370, 58.390, allow_nan=False), st.floats(12.300, 12.340, allow_nan=False)
    ),
    min_size=0,
    max_size=60,
)


@settings(max_examples=40, deadline=None)
@given(points, st.randoms(use_true_random=False))
def test_result_does_not_depend_on_input_order(pts, random):
    shuffled = list(pts)
    random.shuffle(shuffled)

    def summary(p):
        spots = find_hotspots([a for a, _ in p], [b for _, b in p], radius_m=150, min_reports=3)
        return sorted(
            (s.id, s.count, round(s.centroid[0], 9), round(s.centroid[1], 9)) for s in spots
        )

    assert summary(pts) == summary(shuffled)


@settings(max_examples=40, deadline=None)
@given(points)
def test_every_member_lies_inside_its_polygon(pts):
    lat = [a for a, _ in pts]
    lon = [b for _, b in pts]
    for spot in find_hotspots(lat, lon, radius_m=80, min_reports=2):
        polygon = shape(spot.polygon)
        for i in spot.members:
            assert polygon.buffer(1e-6).contains(Point(lon[i], lat[i]))


@pytest.mark.parametrize("seed", range(6))
def test_grid_dbscan_is_exact_on_dense_clustered_points(seed):
    """Dense blobs, streets and sparse noise: core flags equal textbook DBSCAN's, and every
    border point carries the cluster of its nearest core point."""
    from scipy.spatial import cKDTree

    from geo.dbscan import cluster

    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 3000, (12, 2))
    blobs = [
        c + rng.normal(0, rng.uniform(10, 80), (int(rng.integers(50, 900)), 2)) for c in centres
    ]
    street = np.column_stack(
        [rng.uniform(0, 3000, 800), np.full(800, 1500.0) + rng.normal(0, 3, 800)]
    )
    noise = rng.uniform(0, 3000, (1500, 2))
    dupes = np.repeat(centres[:2], 9, axis=0)
    pts = np.round(np.concatenate([*blobs, street, noise, dupes]), 1)  # exact ties on the edge
    eps, m = float(rng.choice([25.0, 60.0, 100.0])), int(rng.integers(3, 12))
    ours = cluster(pts[:, 0], pts[:, 1], eps, m)
    ref = DBSCAN(eps=eps, min_samples=m).fit(pts)
    core = np.zeros(len(pts), dtype=bool)
    core[ref.core_sample_indices_] = True
    assert (ours.core == core).all()
    idx = ref.core_sample_indices_
    pairs = set(zip(ours.labels[idx].tolist(), ref.labels_[idx].tolist(), strict=True))
    assert len(pairs) == len(set(ours.labels[idx])) == len(set(ref.labels_[idx]))
    tree = cKDTree(pts[core])
    dist, nearest = tree.query(pts[~core])
    expected = np.where(dist <= eps, ours.labels[idx][nearest], -1)
    tied = np.abs(dist - eps) < 1e-9  # on the edge: float rounding may decide either way
    assert (ours.labels[~core][~tied] == expected[~tied]).all()


def test_dense_cluster_polygon_holds_every_member():
    """Deep inside a dense cluster members are skipped as hull vertices; none may fall outside."""
    from geo.dbscan import cluster

    lat, lon = blob(TORGET, 4000, spread_m=150, seed=3)
    spots = find_hotspots(lat, lon, radius_m=30, min_reports=4)
    x, y = plane_for(lat, lon).to_metres(lat, lon)
    assert not cluster(x, y, 30, 4).hull_candidate.all()
    biggest = spots[0]
    assert biggest.count > 3000
    polygon = shape(biggest.polygon).buffer(1e-7)
    assert all(polygon.contains(Point(lon[i], lat[i])) for i in biggest.members)


def test_default_names_are_readable_and_unique():
    """Spots near one landmark are told apart by direction; far from every landmark, none."""
    north = blob((TORGET[0] + 0.0025, TORGET[1]), 8, seed=3)  # about 280 m north
    south = blob((TORGET[0] - 0.0025, TORGET[1]), 8, seed=4)
    far = blob((TORGET[0] + 0.2, TORGET[1]), 8, seed=5)  # 22 km north
    lat = np.concatenate([north[0], south[0], far[0]])
    lon = np.concatenate([north[1], south[1], far[1]])
    spots = find_hotspots(lat, lon, radius_m=60, min_reports=5, names=[("Torget", *TORGET)])
    assert sorted(str(s.name) for s in spots) == ["None", "Torget (norr)", "Torget (söder)"]


def test_distances_and_directions_read_as_on_a_sign():
    from geo.hotspots import compass_sv, distance_sv

    assert [distance_sv(m) for m in (12, 349, 949, 951, 1234, 2000)] == [
        "0 m",
        "350 m",
        "950 m",
        "1 km",
        "1,2 km",
        "2 km",
    ]
    assert compass_sv(0, 10) == "norr" and compass_sv(10, 10) == "nordost"
    assert compass_sv(-10, 0) == "väster" and compass_sv(0, -10) == "söder"

"""The density method counted inside PostGIS gives the same hot spots as in process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from hotspots import services
from hotspots.models import HotSpotRun
from hotspots.postgis import Unavailable, postgis_available
from hotspots.services import HotSpotParams, compute_run
from tests.points import PLACE_A, PLACE_B, cluster


@pytest.fixture
def postgis(session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("runs only on PostgreSQL (set TEST_DATABASE_URL)")
    try:
        session.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        session.commit()
    except DBAPIError as exc:
        session.rollback()
        pytest.skip(f"PostGIS is not installed on this server: {exc.orig}")
    assert postgis_available(session)


def _town(create_report_at, kommun, seed=3):
    """Two tight places, a looser one of older reports, and scatter over the town."""
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    cluster(create_report_at, kommun, PLACE_A, 9, reasons=["place.dark"], times=["natt"])
    cluster(create_report_at, kommun, PLACE_B, 6, reasons=["disorder.drugs"], days_ago=200)
    for i in range(12):  # a looser group, reports of every age
        create_report_at(
            kommun,
            PLACE_A[0] + 0.004 + rng.normal(0, 0.0002),
            PLACE_A[1] + 0.006 + rng.normal(0, 0.0004),
            created_at=now - timedelta(days=int(rng.integers(0, 360)), minutes=i),
        )
    for i in range(40):  # scattered reports over the town: noise and a few chance pairs
        create_report_at(
            kommun,
            58.37 + rng.uniform(0, 0.02),
            12.30 + rng.uniform(0, 0.04),
            created_at=now - timedelta(days=int(rng.integers(0, 360)), minutes=i),
        )


def _described(run):
    return [
        {
            "id": h.stable_id,
            "count": h.count,
            "members": sorted(h.report_ids),
            "name": h.name,
            "trend": h.trend,
            "stats": h.stats,
            "polygon": h.polygon,
            "area_m2": pytest.approx(h.area_m2),
            "weighted_count": pytest.approx(h.weighted_count),
        }
        for h in run.hotspots
    ] + [run.report_count, len(run.heat)]


@pytest.mark.parametrize("min_reports", [4, 6])
def test_both_paths_give_the_same_hot_spots(
    postgis, kommuner, session, create_report_at, min_reports
):
    """Each path on its own (no last run to continue): the same places, members, shapes,
    names, reasons and counts. The heat layer's size may differ a little: the database
    path makes it from the cells' counts placed at their centres."""
    vanersborg = kommuner["Vänersborg"]
    _town(create_report_at, vanersborg)
    found = {}
    for method in ("density", "postgis"):
        run = compute_run(
            session, vanersborg, HotSpotParams(min_reports=min_reports, method=method)
        )
        session.flush()
        found[method] = _described(run)
        session.rollback()  # the reports stay (committed); the run goes

    *python_spots, python_count, python_heat = found["density"]
    *database_spots, database_count, database_heat = found["postgis"]
    assert len(python_spots) >= 2
    assert database_spots == python_spots
    assert database_count == python_count == 9 + 6 + 12 + 40
    assert database_heat == pytest.approx(python_heat, rel=0.3)


def test_a_place_held_from_the_last_run_is_held_in_the_database_too(
    postgis, kommuner, session, create_report_at
):
    """Hysteresis needs the last run's shapes: a place whose older reports leave the window
    keeps under the minimum but at least half of it, and shows as shrinking on both paths
    instead of being gone."""
    vanersborg = kommuner["Vänersborg"]
    cluster(create_report_at, vanersborg, PLACE_A, 4, days_ago=5)
    cluster(create_report_at, vanersborg, PLACE_A, 4, days_ago=300)
    cluster(create_report_at, vanersborg, PLACE_B, 8, days_ago=5)
    now = datetime.now(UTC)
    for method in ("density", "postgis"):
        params = HotSpotParams(method=method)
        first = compute_run(session, vanersborg, params, now=now)
        session.flush()
        assert sorted(h.count for h in first.hotspots) == [8, 8]
        later = compute_run(session, vanersborg, params, now=now + timedelta(days=100))
        session.flush()
        assert sorted((h.count, h.trend) for h in later.hotspots) == [
            (4, "shrinking"),
            (8, "stable"),
        ], method
        session.rollback()


def test_only_the_cells_and_the_hot_spots_members_leave_the_database(
    postgis, kommuner, session, create_report_at, monkeypatch
):
    vanersborg = kommuner["Vänersborg"]
    _town(create_report_at, vanersborg)
    seen = {}
    described = services._points_from

    def spy(session_, counted, table):
        seen["rows"] = table.size
        return described(session_, counted, table)

    monkeypatch.setattr(services, "_points_from", spy)
    run = compute_run(session, vanersborg, HotSpotParams(method="postgis"))
    assert run.report_count == 67
    assert 0 < seen["rows"] == sum(h.count for h in run.hotspots) < run.report_count
    session.rollback()


def test_an_empty_window_stores_an_empty_run(postgis, kommuner, session):
    run = compute_run(session, kommuner["Vänersborg"], HotSpotParams(method="postgis"))
    assert (run.report_count, run.hotspots, run.heat) == (0, [], [])
    session.rollback()


def test_not_available_on_sqlite(session):
    if session.get_bind().dialect.name == "postgresql":
        pytest.skip("checks the SQLite answer")
    assert postgis_available(session) is False


def test_without_postgis_the_method_is_refused_with_the_way_out(
    kommuner, session, create_report_at, runner
):
    """On SQLite (the default) the method cannot run: a clear answer naming the default
    method, the other kommuner still recomputed, nothing stored, exit 1."""
    if session.get_bind().dialect.name == "postgresql":
        pytest.skip("checks a database without PostGIS")
    vanersborg = kommuner["Vänersborg"]
    cluster(create_report_at, vanersborg, PLACE_A, 7)
    with pytest.raises(Unavailable, match="needs PostgreSQL with the PostGIS extension"):
        compute_run(session, vanersborg, HotSpotParams(method="postgis"))
    session.rollback()
    result = runner.invoke(
        args=["hotspots", "recompute", "--kommun", vanersborg.code, "--method", "postgis"]
    )
    assert result.exit_code == 1
    assert "Vänersborg: the postgis method needs PostgreSQL" in result.output
    assert "use the default method, density" in result.output
    assert session.scalar(select(func.count(HotSpotRun.id))) == 0

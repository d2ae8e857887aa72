"""Clustering inside PostGIS gives the same hot spots as the in-process engine."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from hotspots import postgis as in_database
from hotspots.models import HotSpotRun
from hotspots.postgis import TooManyReports, postgis_available
from hotspots.services import HotSpotParams, compute_run
from tests.hotspots.test_hotspot_runs import PLACE_A, PLACE_B, cluster


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


def test_both_paths_give_the_same_clusters(postgis, kommuner, session, create_report_at):
    vanersborg = kommuner["Vänersborg"]
    rng = np.random.default_rng(3)
    cluster(create_report_at, vanersborg, PLACE_A, 9)
    cluster(create_report_at, vanersborg, PLACE_B, 6)
    for _ in range(25):  # scattered reports over the town: noise and a few chance pairs
        create_report_at(vanersborg, 58.37 + rng.uniform(0, 0.02), 12.30 + rng.uniform(0, 0.04))
    in_python = compute_run(session, vanersborg, HotSpotParams(radius_m=60, min_reports=4))
    in_database = compute_run(
        session, vanersborg, HotSpotParams(radius_m=60, min_reports=4, method="postgis")
    )
    session.commit()

    def members(run):
        return sorted(sorted(h.report_ids) for h in run.hotspots)

    assert len(in_python.hotspots) >= 2
    assert members(in_python) == members(in_database)
    assert [h.stable_id for h in in_python.hotspots] == [h.stable_id for h in in_database.hotspots]


def test_not_available_on_sqlite(session):
    if session.get_bind().dialect.name == "postgresql":
        pytest.skip("checks the SQLite answer")
    assert postgis_available(session) is False


def test_too_many_reports_are_refused_before_the_database_starts(
    monkeypatch, kommuner, session, create_report_at, runner
):
    """ST_ClusterDBSCAN cannot be stopped once it runs: above its limit a run is refused
    with a message naming the way out, and the kommun's stored runs stay as they were."""
    monkeypatch.setattr(in_database, "MAX_REPORTS", 10)
    vanersborg = kommuner["Vänersborg"]
    cluster(create_report_at, vanersborg, PLACE_A, 11)
    with pytest.raises(TooManyReports, match="11 reports are too many for the postgis method"):
        compute_run(session, vanersborg, HotSpotParams(method="postgis"))
    session.rollback()
    result = runner.invoke(
        args=["hotspots", "recompute", "--kommun", vanersborg.code, "--method", "postgis"]
    )
    assert result.exit_code == 1
    assert "Vänersborg: 11 reports are too many" in result.output
    assert "(at most 10: ST_ClusterDBSCAN takes minutes" in result.output
    assert "use the default method, density" in result.output
    assert session.scalar(select(func.count(HotSpotRun.id))) == 0

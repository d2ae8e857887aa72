"""Hot-spot runs are stored, keep their ids from one period to the next, and follow intake."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from hotspots.models import HotSpotRecord, HotSpotRun
from hotspots.services import HotSpotParams, compute_run, current_run, recompute_stale
from jobs import get_jobs
from kommun.models import Kommun
from tests.helpers import VANERSBORG_TORGET, valid_form
from tests.points import PLACE_A, PLACE_B, cluster

LAT, LON = VANERSBORG_TORGET
PARAMS = HotSpotParams(radius_m=60, min_reports=4, window_days=90)


def test_run_is_stored_with_places_reasons_and_names(kommuner, session, create_report_at):
    vanersborg = kommuner["Vänersborg"]
    cluster(create_report_at, vanersborg, PLACE_A, 8, reasons=["place.dark"], times=["natt"])
    cluster(create_report_at, vanersborg, PLACE_B, 5, reasons=["disorder.drugs"])
    create_report_at(vanersborg, LAT + 0.02, LON + 0.02)  # noise, alone
    run = compute_run(session, vanersborg, PARAMS)
    session.commit()

    assert run.report_count == 14
    assert [h.count for h in run.hotspots] == [8, 5]
    first, second = run.hotspots
    assert first.name == "Torget"
    assert first.trend == "new"
    assert first.stats["reasons"] == {"place.dark": 8}
    assert first.stats["night_share"] == 1.0
    assert second.stats["reasons"] == {"disorder.drugs": 5}
    assert first.polygon["type"] in {"Polygon", "MultiPolygon"}
    assert first.area_m2 > 0 and len(first.report_ids) == 8
    assert current_run(session, vanersborg, PARAMS).id == run.id


def test_ids_persist_and_trends_follow_the_next_period(kommuner, session, create_report_at):
    vanersborg = kommuner["Vänersborg"]
    cluster(create_report_at, vanersborg, PLACE_A, 6)
    cluster(create_report_at, vanersborg, PLACE_B, 5, days_ago=80)
    first = compute_run(session, vanersborg, PARAMS)
    session.commit()
    ids = {h.name: h.stable_id for h in first.hotspots}

    cluster(create_report_at, vanersborg, (LAT + 0.00005, LON + 0.00005), 6, days_ago=1)
    later = datetime.now(UTC) + timedelta(days=20)  # B's reports have left the window
    second = compute_run(session, vanersborg, PARAMS, now=later)
    session.commit()

    by_id = {h.stable_id: h for h in second.hotspots}
    a = by_id[ids["Torget"]]
    assert (a.count, a.previous_count, a.trend) == (12, 6, "growing")
    assert by_id[next(i for n, i in ids.items() if n != "Torget")].trend == "gone"
    assert session.get(HotSpotRun, first.id).is_current is False
    assert current_run(session, vanersborg, PARAMS).id == second.id


def test_a_new_method_continues_the_places_of_the_old_one(kommuner, session, create_report_at):
    """When the method changes (density became the default), the first run under the new
    method takes over the old run's ids, names and trends instead of starting afresh."""
    vanersborg = kommuner["Vänersborg"]
    cluster(create_report_at, vanersborg, PLACE_A, 12)
    old = compute_run(session, vanersborg, replace(PARAMS, method="dbscan"))
    session.commit()
    assert PARAMS.method == "density"
    assert current_run(session, vanersborg, PARAMS) is None

    new = compute_run(session, vanersborg, PARAMS)
    session.commit()

    (before,) = old.hotspots
    matched = [h for h in new.hotspots if h.stable_id == before.stable_id]
    assert len(matched) == 1 and matched[0].trend != "new"
    assert new.previous_id == old.id
    # Each method's run stays the current one of its own settings.
    assert current_run(session, vanersborg, replace(PARAMS, method="dbscan")).id == old.id
    assert current_run(session, vanersborg, PARAMS).id == new.id


def test_new_reports_queue_a_recomputation_instead_of_clustering(
    app, client, kommuner, session, tmp_path
):
    app.config.update(
        HOTSPOTS_RECOMPUTE="queue",
        HOTSPOTS_DEBOUNCE_S=0.0,
        JOBS_IMMEDIATE=False,
        JOBS_SQLITE_PATH=str(tmp_path / "jobs.sqlite"),
    )
    for _ in range(3):
        assert client.post("/k/vanersborg/", data=valid_form()).status_code == 303
    # The requests only marked the kommun stale and added a job; nothing was clustered.
    assert session.scalar(select(func.count(HotSpotRun.id))) == 0
    huey = get_jobs(app).huey
    queued = [task for task in iter(huey.dequeue, None)]
    assert {task.name for task in queued} == {"hotspots.recompute"}
    for task in queued:
        huey.execute(task)
    session.expire_all()
    assert session.scalar(select(func.count(HotSpotRun.id))) == 1
    stale = session.scalar(select(Kommun.hotspots_stale_since).where(Kommun.code == "1487"))
    assert stale is None


def test_recompute_stale_only_touches_changed_kommuner(kommuner, session, create_report_at):
    vanersborg, arboga = kommuner["Vänersborg"], kommuner["Arboga"]
    vanersborg.hotspots_stale_since = datetime.now(UTC)
    session.commit()
    runs = recompute_stale(session)
    session.commit()
    assert [r.kommun_id for r in runs] == [vanersborg.id]
    assert session.get(Kommun, arboga.id).hotspots_stale_since is None
    assert session.get(Kommun, vanersborg.id).hotspots_stale_since is None


def test_cli_recompute_and_show(runner, kommuner, session, create_report_at):
    cluster(create_report_at, kommuner["Vänersborg"], PLACE_A, 6)
    result = runner.invoke(
        args=[
            "hotspots",
            "recompute",
            "--kommun",
            "1487",
            "--radius-m",
            "60",
            "--min-reports",
            "4",
            "--window-days",
            "90",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Vänersborg: 1 hot spots from 6 reports" in result.output
    shown = runner.invoke(
        args=[
            "hotspots",
            "show",
            "1487",
            "--radius-m",
            "60",
            "--min-reports",
            "4",
            "--window-days",
            "90",
        ]
    )
    assert "\tnew\t6\tTorget" in shown.output
    assert session.scalar(select(func.count(HotSpotRecord.id))) == 1
    bad = runner.invoke(args=["hotspots", "recompute", "--kommun", "9999"])
    assert bad.exit_code != 0 and "No kommun with code 9999" in bad.output

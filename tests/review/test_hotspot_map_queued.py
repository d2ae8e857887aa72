"""A map view never clusters and never writes: new settings queue a job, the page says so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

import db
from core.clock import LOCAL_ZONE
from hotspots.services import HotSpotParams, compute_run, current_run
from jobs import get_jobs
from tests.pages import parse_page
from tests.points import PLACE_A, PLACE_B, cluster


@pytest.fixture
def queued(app: Any) -> Any:
    """Jobs go to the queue (an SQLite file) instead of running at once."""
    app.config["JOBS_IMMEDIATE"] = False
    return get_jobs(app).huey


@contextmanager
def no_clustering() -> Iterator[None]:
    """Within this block every way into clustering fails the test."""
    import geo.hotspots

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("clustered inside a request")

    saved = {name: getattr(geo.hotspots, name) for name in ("find_hotspots", "cluster")}
    for name in saved:
        setattr(geo.hotspots, name, refuse)
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(geo.hotspots, name, fn)


def row_counts(app: Any) -> dict[str, int]:
    with db.get_engine(app).connect() as conn:
        return {
            t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0)
            for t in db.Base.metadata.sorted_tables
        }


def hhmm(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(LOCAL_ZONE).strftime("%H:%M")


def test_new_settings_queue_a_job_and_the_get_writes_nothing(
    app, client, kommuner, session, create_user, login, create_report_at, queued
):
    vanersborg = kommuner["Vänersborg"]
    cluster(create_report_at, vanersborg, PLACE_A, 8)
    cluster(create_report_at, vanersborg, PLACE_B, 7)
    earlier = compute_run(session, vanersborg, HotSpotParams())
    session.commit()
    login(create_user())
    before = row_counts(app)

    with no_clustering():
        response = client.get("/samordnare/vanersborg/karta?radius_m=80")
        client.get("/samordnare/vanersborg/karta?radius_m=80")  # a reload queues no more

    assert response.status_code == 200
    assert row_counts(app) == before
    assert queued.pending_count() == 1
    page = parse_page(response.data)
    state = page.select_one(".recomputing").get_text(" ", strip=True)
    assert f"Räknar om – senast beräknad {hhmm(earlier.created_at)}" in state
    # Meanwhile the last result is on the map and in the table.
    assert len(page.select("table.data tbody tr")) == 2

    # The worker runs the job: the run is stored and the page shows it, with no notice.
    queued.execute(queued.dequeue())
    session.expire_all()
    assert current_run(session, vanersborg, HotSpotParams(radius_m=80.0)) is not None
    page = parse_page(client.get("/samordnare/vanersborg/karta?radius_m=80").data)
    assert page.select_one(".recomputing") is None
    assert page.select("table.data tbody tr")


def test_first_look_without_any_run_says_so(
    app, client, kommuner, create_user, login, create_report_at, queued
):
    cluster(create_report_at, kommuner["Vänersborg"], PLACE_A, 8)
    login(create_user())
    before = row_counts(app)
    with no_clustering():
        response = client.get("/samordnare/vanersborg/karta")
    assert response.status_code == 200
    assert row_counts(app) == before
    page = parse_page(response.data)
    assert "ingen beräkning finns ännu" in page.select_one(".recomputing").get_text()
    assert not page.select("table.data tbody tr")


def test_lagesbild_queues_its_hot_spots_and_writes_nothing(
    app, client, kommuner, create_user, login, create_report_at, queued
):
    cluster(create_report_at, kommuner["Vänersborg"], PLACE_A, 8)
    login(create_user())
    before = row_counts(app)
    with no_clustering():
        response = client.get("/samordnare/vanersborg/lagesbild")
    assert response.status_code == 200
    assert row_counts(app) == before
    assert queued.pending_count() == 2  # this period and the one before
    page = parse_page(response.data)
    assert "Räknar om" in page.select_one(".recomputing").get_text()

    while queued.pending_count():
        queued.execute(queued.dequeue())
    done = client.get("/samordnare/vanersborg/lagesbild")
    assert done.status_code == 200
    page = parse_page(done.data)
    assert page.select_one(".recomputing") is None

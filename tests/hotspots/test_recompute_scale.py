"""A recompute at two sizes: the same statements, arrays instead of Report objects, and each
hot spot's members stored packed and read back whole (the small version of
bench.hotspot_recompute)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import event, insert, select

from feedback.models import Report, ReportReason
from hotspots.models import HotSpotRecord, pack_ids, unpack_ids
from hotspots.services import HotSpotParams, compute_run, points_for
from review.queue import QueueFilters, queue_page
from tests.towns import town_reports

REASONS = ["place.dark", "place.bushes", "disorder.drugs"]
SOURCES = ["online", "online", "walk", "support"]


def seed(session, kommun, start: int, n: int) -> None:
    rows, reasons = town_reports(kommun.id, start, n, prefix="R"), []
    for row in rows:
        i = row["id"]
        row |= {"source": SOURCES[i % 4], "at_day": bool(i % 5 == 0)}
        reasons.append({"report_id": i, "code": REASONS[i % 3]})
        if i % 7 == 0:  # some reports give two reasons
            reasons.append({"report_id": i, "code": REASONS[(i + 1) % 3]})
    session.execute(insert(Report), rows)
    session.execute(insert(ReportReason), reasons)
    session.commit()


@pytest.fixture
def watch(session):
    """Counts SQL statements and Report objects built while a block runs."""
    counts = {"statements": 0, "reports": 0}

    def statement(_conn, _cursor, text, *_args):
        # Ours only: a connection the pool opens meanwhile asks the server about itself.
        if "report" in text or "hotspot" in text or "kommun" in text or "landmark" in text:
            counts["statements"] += 1

    def loaded(*_args):
        counts["reports"] += 1

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(Report, "load", loaded)
    yield counts
    event.remove(engine, "before_cursor_execute", statement)
    event.remove(Report, "load", loaded)


def recompute(session, kommun, watch):
    watch.update(statements=0, reports=0)
    run = compute_run(session, kommun, HotSpotParams())
    session.commit()
    return run, dict(watch)


def test_recompute_costs_the_same_statements_at_twice_the_reports(kommuner, session, watch):
    vanersborg = kommuner["Vänersborg"]
    seed(session, vanersborg, 1, 1000)
    # The first run: later ones match against one. Kept referenced, as the later runs are,
    # so the session's identity map holds each previous run alike (a run dropped from it
    # is read back with its hot spots: one statement more, whenever the collector runs).
    first_run, _ = recompute(session, vanersborg, watch)
    small_run, small = recompute(session, vanersborg, watch)
    seed(session, vanersborg, 1001, 1000)
    large_run, large = recompute(session, vanersborg, watch)

    assert (first_run.report_count, small_run.report_count, large_run.report_count) == (
        1000,
        1000,
        2000,
    )
    assert 0 < small["statements"] == large["statements"]
    assert small["reports"] == large["reports"] == 0
    assert len([h for h in large_run.hotspots if h.count]) >= 3


def test_members_round_trip_and_open_the_same_reports_in_the_queue(kommuner, session):
    vanersborg = kommuner["Vänersborg"]
    seed(session, vanersborg, 1, 2000)
    run = compute_run(session, vanersborg, HotSpotParams())
    session.commit()
    session.expire_all()
    spots = session.scalars(select(HotSpotRecord).where(HotSpotRecord.run_id == run.id)).all()
    assert spots
    for spot in spots:
        ids = spot.report_ids
        assert len(ids) == len(set(ids)) == spot.count
        page = queue_page(
            session, vanersborg, QueueFilters(report_ids=frozenset(ids), show_hidden=True)
        )
        assert page.total == spot.count
        # The stats the arrays gave are those of the member reports themselves.
        members = session.scalars(select(Report).where(Report.id.in_(ids))).all()
        reasons = Counter(code for r in members for code in r.reason_codes)
        assert spot.stats["reasons"] == dict(reasons)
        assert spot.stats["sources"] == dict(Counter(r.source for r in members))
        nights = sum(r.at_night for r in members)
        assert spot.stats["times_of_day"].get("natt", 0) == nights
        assert spot.stats["times_of_day"].get("dag", 0) == sum(r.at_day for r in members)
        assert spot.stats["night_share"] == round(nights / len(members), 3)


def test_points_are_arrays_in_id_order_with_every_reason(kommuner, session):
    vanersborg = kommuner["Vänersborg"]
    seed(session, vanersborg, 1, 300)
    session.add(ReportReason(report_id=5, code="an.old.code"))  # a code no longer offered
    session.commit()
    now = datetime.now(UTC)
    points = points_for(session, vanersborg, HotSpotParams(), now - timedelta(days=365), now)

    assert isinstance(points.lat, np.ndarray) and len(points) == 300
    assert points.id.tolist() == list(range(1, 301))
    pairs = Counter(
        (int(points.id[i]), points.reasons[c])
        for i, c in zip(points.reason_of, points.reason, strict=True)
    )
    stored = Counter(session.execute(select(ReportReason.report_id, ReportReason.code)).all())
    assert pairs == stored
    assert [points.sources[s] for s in points.source[:4]] == ["online", "walk", "support", "online"]


def test_packed_ids_round_trip():
    for ids in ([], [7], [3, 1, 2], [1, 10**12, 5_000_000_000]):
        assert unpack_ids(pack_ids(ids)).tolist() == sorted(ids)
    many = np.arange(1, 1_000_001, 3)
    assert len(pack_ids(many)) < many.size  # under a byte an id when they lie close


def test_a_hot_spot_of_many_thousand_reports_opens_its_queue(kommuner, session):
    vanersborg = kommuner["Vänersborg"]
    seed(session, vanersborg, 1, 300)
    many = frozenset(range(1, 70_001))  # more ids than a statement may carry as parameters
    page = queue_page(session, vanersborg, QueueFilters(report_ids=many, show_hidden=True))
    assert page.total == 300
    few = queue_page(session, vanersborg, QueueFilters(report_ids=frozenset({1, 2, 10**9})))
    assert few.total == 2

"""The lägesbild of a kommun for a period, beside the period before: what the figures are.

Counted as the hot-spot map counts: unsafe places, not hidden, merged duplicates once,
erasure requests left out. Hot spots are found for the period itself with the engine's
defaults and matched to the previous period's, so a trend reads "since last tertial".
The counts are sums over the day roll-ups the database keeps (feedback.rollups).
Each period's hot spots are a stored run computed by a job (hotspots.compute), never in
the request; until it is stored the page says the hot spots are being computed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app, has_request_context
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from feedback.models import SOURCES, STATUSES
from feedback.questionnaire import ANSWERS, answers_between
from feedback.rollups import ReportDay, ReportReasonDay
from geo import hotspots as engine
from geo.tracking import match_hotspots
from hotspots.models import HotSpotRecord, HotSpotRun
from hotspots.services import HotSpotParams, compute_run, current_run, outdated
from kommun.models import Kommun
from review.periods import Period

TOP_REASONS = 10


@dataclass(frozen=True)
class Figure:
    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous

    @property
    def change_share(self) -> float | None:
        """The relative change, or None when there is nothing to compare with."""
        return None if self.previous == 0 else self.change / self.previous


@dataclass(frozen=True)
class SpotRow:
    name: str | None
    stable_id: str
    count: int
    previous: int | None
    trend: str
    reasons: list[str]
    night_share: float
    polygon: dict[str, Any]
    bbox: tuple[float, float, float, float]  # min_lat, min_lon, max_lat, max_lon


@dataclass
class Lagesbild:
    kommun: Kommun
    period: Period
    previous: Period
    reports: Figure
    trygga: Figure
    supporters: Figure
    sources: dict[str, Figure]
    reasons: list[tuple[str, Figure]]
    times: dict[str, Figure]
    series: list[tuple[date, date, int, int]]  # first, last, this period, the bucket before
    statuses: dict[str, int]
    hotspots: list[SpotRow]
    gone: list[SpotRow] = field(default_factory=list)
    # Residents' answers to "Känns det tryggare där nu?" given in the period (by mail).
    feelings: dict[str, Figure] = field(default_factory=dict)
    # EST observations by the reporting organisation (housing company, guards, ...).
    organisations: list[tuple[str, Figure]] = field(default_factory=list)
    params: HotSpotParams = field(default_factory=HotSpotParams)
    # The hot spots of a period are computed by a job: True while it has not stored them.
    hotspots_pending: bool = False

    @property
    def night_share(self) -> Figure:
        return self.times["natt"]


def _within(period: Period) -> tuple[datetime, datetime]:
    # A run counts counted_at <= end; the period's end is exclusive.
    return period.start, period.end - timedelta(microseconds=1)


def _days(kommun: Kommun, first: date, last: date) -> list[ColumnElement[bool]]:
    """The kommun's day roll-up rows from `first` to `last` (local days, inclusive)."""
    return [ReportDay.kommun_id == kommun.id, ReportDay.day >= first, ReportDay.day <= last]


def _places() -> list[ColumnElement[bool]]:
    """The roll-up rows of the reports a hot-spot run counts (unsafe, not hidden or merged)."""
    return [ReportDay.kind == "otrygg", ReportDay.counted.is_(True)]


def _bbox(polygon: dict[str, Any]) -> tuple[float, float, float, float]:
    rings = (
        polygon["coordinates"]
        if polygon["type"] == "Polygon"
        else [ring for poly in polygon["coordinates"] for ring in poly]
    )
    lons = [p[0] for ring in rings for p in ring]
    lats = [p[1] for ring in rings for p in ring]
    return (min(lats), min(lons), max(lats), max(lons))


def build(
    session: Session, kommun: Kommun, period: Period, params: HotSpotParams | None = None
) -> Lagesbild:
    """Every figure of the lägesbild for `period`, each beside the previous period's.

    Counts are sums over the day roll-ups (feedback.rollups), a few hundred rows per day
    whatever the number of reports; the hot spots are stored runs. `params` choose the hot
    spots' engine settings; the counts are always of every report, so no filter is taken.
    """
    params = params or HotSpotParams()
    if params.reasons or params.sources or params.times or params.statuses:
        raise ValueError("the lägesbild counts every report: no filters")
    previous = period.previous()
    flags = {"dag": ReportDay.at_day, "kvall": ReportDay.at_evening, "natt": ReportDay.at_night}
    buckets = []
    for first, last in period.buckets():
        # The same stretch of the previous period (periods of a kind differ by a day or two).
        prev_first = previous.first + (first - period.first)
        buckets.append((first, last, prev_first, prev_first + (last - first)))

    # One pass over both periods: counts per source, time flags and stretch of days.
    # Every period and bucket edge (a first day, or the day after a last) is an edge of a
    # segment, so a segment lies wholly inside or outside each of them.
    one_day = timedelta(days=1)
    ranges = [
        (a, b + one_day)
        for a, b in (
            [(f, la) for f, la, _pf, _pl in buckets] + [(pf, pl) for _f, _la, pf, pl in buckets]
        )
    ]
    edges = sorted(
        {previous.first, period.first, period.last + one_day, *(e for r in ranges for e in r)}
    )
    segment = case(
        *((ReportDay.day < edge, i) for i, edge in enumerate(edges[1:])), else_=len(edges)
    )
    both = _days(kommun, previous.first, period.last)
    grouped = session.execute(
        select(ReportDay.source, segment, *flags.values(), func.sum(ReportDay.n))
        .where(*both, *_places())
        .group_by(ReportDay.source, segment, *flags.values())
    ).all()

    # Per segment: the count of every report, per source and per time flag.
    per_segment: dict[int, Counter[str]] = {}
    for src, seg, *on, n in grouped:
        counts = per_segment.setdefault(int(seg), Counter())
        counts[""] += int(n)
        counts[f"source:{src}"] += int(n)
        for k, flag_set in enumerate(on):
            if flag_set:
                counts[f"flag:{k}"] += int(n)

    def tally(*, when: tuple[date, date], source: str = "", flag: int = -1) -> int:
        key = f"source:{source}" if source else f"flag:{flag}" if flag >= 0 else ""
        return sum(
            counts[key]
            for seg, counts in per_segment.items()
            if seg < len(edges) - 1 and when[0] <= edges[seg] and edges[seg + 1] <= when[1]
        )

    now_span = (period.first, period.last + one_day)
    before_span = (previous.first, previous.last + one_day)
    sources = {
        s: Figure(tally(when=now_span, source=s), tally(when=before_span, source=s))
        for s in SOURCES
    }
    times = {
        t: Figure(tally(when=now_span, flag=k), tally(when=before_span, flag=k))
        for k, t in enumerate(flags)
    }
    n_buckets = len(buckets)
    series = [
        (first, last, tally(when=ranges[k]), tally(when=ranges[n_buckets + k]))
        for k, (first, last, _pf, _pl) in enumerate(buckets)
    ]

    reasons = _reasons(session, kommun, period, previous)
    statuses, trygga, org_counts = _statuses_and_organisations(session, kommun, period, previous)
    rows, gone, pending = _hotspot_rows(session, kommun, period, previous, params)
    by_org, by_org_before = org_counts
    organisations = [
        (name, Figure(by_org.get(name, 0), by_org_before.get(name, 0)))
        for name in sorted(set(by_org) | set(by_org_before), key=lambda n: (-by_org.get(n, 0), n))
    ]
    # "Känns det tryggare där nu?": the answers residents gave by mail in each period.
    answered_now = answers_between(session, kommun.id, period.start, period.end)
    answered_before = answers_between(session, kommun.id, previous.start, previous.end)
    return Lagesbild(
        kommun=kommun,
        period=period,
        previous=previous,
        reports=Figure(tally(when=now_span), tally(when=before_span)),
        trygga=Figure(*trygga),
        supporters=sources["support"],
        sources=sources,
        reasons=reasons,
        times=times,
        series=series,
        statuses=statuses,
        hotspots=rows,
        gone=gone,
        hotspots_pending=pending,
        params=params,
        feelings={a: Figure(answered_now[a], answered_before[a]) for a in ANSWERS},
        organisations=organisations,
    )


def _reasons(
    session: Session, kommun: Kommun, period: Period, previous: Period
) -> list[tuple[str, Figure]]:
    """The period's commonest reasons, each beside the previous period's count."""
    by_reason: dict[str, list[int]] = {}
    before = case((ReportReasonDay.day < period.first, 1), else_=0)  # 0 this period, 1 before
    for code, earlier, n in session.execute(
        select(ReportReasonDay.code, before, func.sum(ReportReasonDay.n))
        .where(
            ReportReasonDay.kommun_id == kommun.id,
            ReportReasonDay.day >= previous.first,
            ReportReasonDay.day <= period.last,
        )
        .group_by(ReportReasonDay.code, before)
    ):
        by_reason.setdefault(code, [0, 0])[int(earlier)] = int(n)
    return [
        (code, Figure(n, b))
        for code, (n, b) in sorted(by_reason.items(), key=lambda item: (-item[1][0], item[0]))
        if n
    ][:TOP_REASONS]


def _statuses_and_organisations(
    session: Session, kommun: Kommun, period: Period, previous: Period
) -> tuple[dict[str, int], list[int], list[Counter[str]]]:
    """Statuses of every report of the period (hidden and merged too), trygga platser in
    both periods, and EST observations per reporting organisation in both."""
    both = _days(kommun, previous.first, period.last)
    which = case((ReportDay.day < period.first, 1), else_=0)  # 0 this period, 1 before
    statuses = dict.fromkeys(STATUSES, 0)
    trygga = [0, 0]
    for status, kind, earlier, n in session.execute(
        select(ReportDay.status, ReportDay.kind, which, func.sum(ReportDay.n))
        .where(*both)
        .group_by(ReportDay.status, ReportDay.kind, which)
    ):
        if not earlier:
            statuses[status] = statuses.get(status, 0) + int(n)
        if kind == "trygg":
            trygga[int(earlier)] += int(n)
    org_counts: list[Counter[str]] = [Counter(), Counter()]
    for name, earlier, n in session.execute(
        select(ReportDay.organisation, which, func.sum(ReportDay.n))
        .where(*both, *_places(), ReportDay.source == "staff")
        .group_by(ReportDay.organisation, which)
    ):
        if n:
            org_counts[int(earlier)][name or "–"] += int(n)
    return statuses, trygga, org_counts


def _period_run(
    session: Session, kommun: Kommun, period: Period, params: HotSpotParams
) -> tuple[HotSpotRun | None, bool]:
    """The stored hot-spot run of a period; asked for (queued) when there is none yet.

    In a request the run is computed by a job (a page never clusters) and None is returned
    meanwhile (or the stored one, out of date) with True; outside one (the CLI, scripts) it
    is computed here.
    """
    wanted = replace(params, period=HotSpotParams.for_period(*_within(period)).period)
    run = current_run(session, kommun, wanted)
    if run is not None and (period.end <= run.created_at or not outdated(session, kommun, run)):
        return run, False
    if not has_request_context():
        return compute_run(session, kommun, wanted), False
    from hotspots.worker import request_run

    request_run(current_app._get_current_object(), kommun.id, wanted.key())  # type: ignore[attr-defined]
    fresh = current_run(session, kommun, wanted)  # with JOBS_IMMEDIATE the job ran already
    if fresh is not None and fresh is not run:
        return fresh, False
    return run, True


def _as_hotspot(record: HotSpotRecord) -> engine.HotSpot:
    return engine.HotSpot(
        id=record.stable_id,
        count=record.count,
        weighted_count=record.weighted_count,
        centroid=(record.lat, record.lon),
        polygon=record.polygon,
        area_m2=record.area_m2,
        members=(),
        name=record.name,
    )


def _hotspot_rows(
    session: Session, kommun: Kommun, period: Period, previous: Period, params: HotSpotParams
) -> tuple[list[SpotRow], list[SpotRow], bool]:
    """The period's hot spots, matched to the previous period's, those gone, and pending.

    Both periods' hot spots are stored runs; matching them is cheap and done here.
    """
    now_run, now_pending = _period_run(session, kommun, period, params)
    before_run, before_pending = _period_run(session, kommun, previous, params)
    pending = now_pending or before_pending
    if now_run is None:
        return [], [], pending
    records = {h.stable_id: h for h in now_run.hotspots if h.trend != "gone"}
    before = [
        {
            "id": h.stable_id,
            "count": h.count,
            "centroid": (h.lat, h.lon),
            "polygon": h.polygon,
            "name": h.name,
        }
        for h in (before_run.hotspots if before_run else [])
        if h.trend != "gone"
    ]
    tracked = match_hotspots(before, [_as_hotspot(h) for h in records.values()])
    rows, gone = [], []
    for item in tracked:
        spot = item.hotspot
        if spot is None:
            prev = item.previous
            assert prev is not None
            gone.append(
                SpotRow(
                    prev["name"],
                    item.id,
                    0,
                    prev["count"],
                    "gone",
                    [],
                    0.0,
                    prev["polygon"],
                    _bbox(prev["polygon"]),
                )
            )
            continue
        stats = records[spot.id].stats or {}
        rows.append(
            SpotRow(
                name=spot.name,
                stable_id=item.id,
                count=spot.count,
                previous=item.previous["count"] if item.previous else None,
                trend=item.state,
                reasons=list(stats.get("reasons") or {})[:3],
                night_share=float(stats.get("night_share") or 0.0),
                polygon=spot.polygon,
                bbox=_bbox(spot.polygon),
            )
        )
    rows.sort(key=lambda r: (-r.count, r.stable_id))
    return rows, gone, pending

"""The lägesbild of a kommun for a period, beside the period before: what the figures are.

Counted as the hot-spot map counts: unsafe places, not hidden, merged duplicates once,
erasure requests left out. Hot spots are found for the period itself with the engine's
defaults and matched to the previous period's, so a trend reads "since last tertial".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.models import SOURCES, STATUSES, TIMES_OF_DAY, Report
from geo import hotspots as engine
from geo.tracking import match_hotspots
from hotspots.services import HotSpotParams, Place, counted_query, places_for, spot_stats
from kommun.models import Kommun
from review.periods import LOCAL_ZONE, Period

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
    # EST observations by the reporting organisation (housing company, guards, ...).
    organisations: list[tuple[str, Figure]] = field(default_factory=list)
    params: HotSpotParams = field(default_factory=HotSpotParams)

    @property
    def night_share(self) -> Figure:
        return self.times["natt"]


def _within(period: Period) -> tuple[datetime, datetime]:
    # places_for counts created_at <= end; the period's end is exclusive.
    return period.start, period.end - timedelta(microseconds=1)


def _places(session: Session, kommun: Kommun, period: Period, params: HotSpotParams) -> list[Place]:
    return places_for(session, kommun, params, *_within(period))


def _count(session: Session, kommun: Kommun, period: Period, *conditions: Any) -> int:
    query = select(func.count(Report.id)).where(
        Report.kommun_id == kommun.id,
        Report.erasure_requested_at.is_(None),
        Report.counted_at >= period.start,
        Report.counted_at < period.end,
        *conditions,
    )
    return int(session.scalar(query) or 0)


def _by_organisation(session: Session, kommun: Kommun, period: Period) -> Counter[str]:
    """Counted staff observations in the period per reporting organisation."""
    ids = counted_query(kommun, HotSpotParams(sources=("staff",)), *_within(period)).subquery()
    rows = session.execute(
        select(Report.organisation, func.count(Report.id))
        .where(Report.id.in_(select(ids.c.id)))
        .group_by(Report.organisation)
    )
    return Counter({(name or "–"): int(n) for name, n in rows})


def _spots(places: list[Place], kommun: Kommun, params: HotSpotParams) -> list[engine.HotSpot]:
    names = [(lm.name, lm.lat, lm.lon) for lm in kommun.landmarks if lm.active]
    return engine.find_hotspots(
        [p.lat for p in places],
        [p.lon for p in places],
        radius_m=params.radius_m,
        min_reports=params.min_reports,
        names=names,
    )


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
    """Every figure of the lägesbild for `period`, each beside the previous period's."""
    params = params or HotSpotParams()
    previous = period.previous()
    now_places = _places(session, kommun, period, params)
    before_places = _places(session, kommun, previous, params)

    def figure(pick: Any) -> Figure:
        return Figure(pick(now_places), pick(before_places))

    sources = {s: figure(lambda ps, s=s: sum(p.source == s for p in ps)) for s in SOURCES}
    times = {t: figure(lambda ps, t=t: sum(t in p.times_of_day for p in ps)) for t in TIMES_OF_DAY}
    now_reasons = Counter(c for p in now_places for c in p.reason_codes)
    before_reasons = Counter(c for p in before_places for c in p.reason_codes)
    reasons = [
        (code, Figure(n, before_reasons.get(code, 0)))
        for code, n in sorted(now_reasons.items(), key=lambda item: (-item[1], item[0]))
    ][:TOP_REASONS]

    # Local dates of both periods' reports, for the chart (already loaded with the places).
    created = [
        p.created_at.astimezone(LOCAL_ZONE).date()
        for p in (*now_places, *before_places)
        if p.created_at is not None
    ]
    series = []
    for first, last in period.buckets():
        # The same stretch of the previous period (periods of a kind differ by a day or two).
        prev_first = previous.first + (first - period.first)
        prev_last = prev_first + (last - first)
        series.append(
            (
                first,
                last,
                sum(first <= d <= last for d in created),
                sum(prev_first <= d <= prev_last for d in created),
            )
        )

    status_rows = session.execute(
        select(Report.status, func.count(Report.id))
        .where(
            Report.kommun_id == kommun.id,
            Report.erasure_requested_at.is_(None),
            Report.created_at >= period.start,
            Report.created_at < period.end,
        )
        .group_by(Report.status)
    ).all()
    statuses = dict.fromkeys(STATUSES, 0) | {s: int(n) for s, n in status_rows}

    spots_now = _spots(now_places, kommun, params)
    spots_before = _spots(before_places, kommun, params)
    tracked = match_hotspots(spots_before, spots_now)
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
        stats = spot_stats([now_places[i] for i in spot.members])
        rows.append(
            SpotRow(
                name=spot.name,
                stable_id=item.id,
                count=spot.count,
                previous=item.previous["count"] if item.previous else None,
                trend=item.state,
                reasons=list(stats["reasons"])[:3],
                night_share=stats["night_share"],
                polygon=spot.polygon,
                bbox=_bbox(spot.polygon),
            )
        )
    rows.sort(key=lambda r: (-r.count, r.stable_id))
    by_org, by_org_before = (
        _by_organisation(session, kommun, period),
        _by_organisation(session, kommun, previous),
    )
    organisations = [
        (name, Figure(by_org.get(name, 0), by_org_before.get(name, 0)))
        for name in sorted(set(by_org) | set(by_org_before), key=lambda n: (-by_org.get(n, 0), n))
    ]
    return Lagesbild(
        kommun=kommun,
        period=period,
        previous=previous,
        reports=Figure(len(now_places), len(before_places)),
        trygga=Figure(
            _count(session, kommun, period, Report.kind == "trygg"),
            _count(session, kommun, previous, Report.kind == "trygg"),
        ),
        supporters=sources["support"],
        sources=sources,
        reasons=reasons,
        times=times,
        series=series,
        statuses=statuses,
        hotspots=rows,
        gone=gone,
        params=params,
        organisations=organisations,
    )

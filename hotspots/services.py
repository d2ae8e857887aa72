"""Compute, store and load hot-spot runs. Services flush; callers commit."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from feedback.models import TIMES_OF_DAY, Report, ReportReason
from geo import hotspots as engine
from geo.density import heat_cells
from geo.tracking import match_hotspots
from hotspots import postgis
from hotspots.models import HotSpotName, HotSpotRecord, HotSpotRun
from kommun.models import Kommun


@dataclass(frozen=True)
class HotSpotParams:
    """The settings a coordinator chooses; the defaults are the engine's (see geo.hotspots)."""

    radius_m: float = engine.DEFAULT_RADIUS_M
    min_reports: int = engine.DEFAULT_MIN_REPORTS
    window_days: int = 365
    # dbscan, density (significant dense cells; not the default until it meets
    # bench/hotspot_quality.py on every public set), hdbscan, or postgis (in SQL)
    method: str = "dbscan"
    reasons: tuple[str, ...] = field(default_factory=tuple)
    sources: tuple[str, ...] = field(default_factory=tuple)
    times: tuple[str, ...] = field(default_factory=tuple)  # dag, kvall, natt: any of them
    statuses: tuple[str, ...] = field(default_factory=tuple)  # review statuses
    # A fixed period (ISO UTC start, end) instead of the window ending now: the lägesbild's.
    period: tuple[str, ...] = field(default_factory=tuple)

    def key(self) -> str:
        data = asdict(self)
        for name in ("reasons", "sources", "times", "statuses"):
            data[name] = sorted(getattr(self, name))
        data["period"] = list(self.period)
        for name in ("times", "statuses", "period"):  # added later: unset, older keys hold
            if not data[name]:
                del data[name]
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_key(cls, key: str) -> HotSpotParams:
        """The parameters a key was made from (a job carries the key, not the object)."""
        data = json.loads(key)
        for name in ("reasons", "sources", "times", "statuses", "period"):
            data[name] = tuple(data.get(name, ()))
        return cls(**data)

    @classmethod
    def for_period(cls, start: datetime, end: datetime, **kwargs: Any) -> HotSpotParams:
        return cls(
            period=(start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat()), **kwargs
        )

    def span(self, now: datetime) -> tuple[datetime, datetime]:
        """The instants a run with these settings counts, computed at `now`."""
        if self.period:
            return datetime.fromisoformat(self.period[0]), datetime.fromisoformat(self.period[1])
        return now - timedelta(days=self.window_days), now


@dataclass(frozen=True)
class Place:
    """What clustering and a hot spot's description need of one report, without the ORM."""

    id: int
    lat: float
    lon: float
    source: str
    at_day: bool
    at_evening: bool
    at_night: bool
    reason_codes: tuple[str, ...] = ()
    created_at: datetime | None = None

    @property
    def times_of_day(self) -> list[str]:
        flags = (self.at_day, self.at_evening, self.at_night)
        return [name for name, on in zip(TIMES_OF_DAY, flags, strict=True) if on]


def counted_query(kommun: Kommun, params: HotSpotParams, start: datetime, end: datetime) -> Select:  # type: ignore[type-arg]
    """The reports a run counts: unsafe places in the window, not erased, hidden or merged."""
    query = select(Report.id).where(
        Report.kommun_id == kommun.id,
        Report.kind == "otrygg",
        Report.erasure_requested_at.is_(None),
        # Hidden reports, and duplicates merged into another, don't count as places.
        Report.hidden.is_(False),
        Report.merged_into_id.is_(None),
        Report.counted_at >= start,
        Report.counted_at <= end,
    )
    if params.sources:
        query = query.where(Report.source.in_(params.sources))
    if params.statuses:
        query = query.where(Report.status.in_(params.statuses))
    if params.times:
        columns = {"dag": Report.at_day, "kvall": Report.at_evening, "natt": Report.at_night}
        query = query.where(or_(*(columns[t].is_(True) for t in params.times)))
    if params.reasons:
        query = query.where(
            Report.id.in_(
                select(ReportReason.report_id).where(ReportReason.code.in_(params.reasons))
            )
        )
    return query


def reports_for(
    session: Session, kommun: Kommun, params: HotSpotParams, start: datetime, end: datetime
) -> list[Report]:
    """The counted reports as ORM objects, for selections small enough to list."""
    ids = counted_query(kommun, params, start, end).subquery()
    query = (
        select(Report)
        .where(Report.id.in_(select(ids.c.id)))
        .options(selectinload(Report.reasons))
        .order_by(Report.id)
    )
    return list(session.scalars(query))


def count_for(
    session: Session, kommun: Kommun, params: HotSpotParams, start: datetime, end: datetime
) -> int:
    ids = counted_query(kommun, params, start, end).subquery()
    return int(session.scalar(select(func.count()).select_from(ids)) or 0)


def coordinates_for(
    session: Session, kommun: Kommun, params: HotSpotParams, start: datetime, end: datetime
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Latitudes and longitudes of the counted reports, as arrays: cheap at a million."""
    ids = counted_query(kommun, params, start, end).subquery()
    rows = session.execute(
        select(Report.lat, Report.lon).where(Report.id.in_(select(ids.c.id)))
    ).all()
    if not rows:
        return np.empty(0), np.empty(0)
    table = np.asarray(rows, dtype=np.float64)
    return table[:, 0], table[:, 1]


def places_for(
    session: Session, kommun: Kommun, params: HotSpotParams, start: datetime, end: datetime
) -> list[Place]:
    """The counted reports as light rows, in id order, with their reasons (two queries)."""
    counted = counted_query(kommun, params, start, end)
    ids = counted.subquery()
    reasons: dict[int, list[str]] = {}
    for report_id, code in session.execute(
        select(ReportReason.report_id, ReportReason.code)
        .where(ReportReason.report_id.in_(select(ids.c.id)))
        .order_by(ReportReason.report_id, ReportReason.code)
    ):
        reasons.setdefault(report_id, []).append(code)
    rows = session.execute(
        select(
            Report.id,
            Report.lat,
            Report.lon,
            Report.source,
            Report.at_day,
            Report.at_evening,
            Report.at_night,
            Report.counted_at,
        )
        .where(Report.id.in_(select(ids.c.id)))
        .order_by(Report.id)
    )
    return [
        Place(i, lat, lon, source, bool(d), bool(e), bool(n), tuple(reasons.get(i, ())), at)
        for i, lat, lon, source, d, e, n, at in rows
    ]


def current_run(session: Session, kommun: Kommun, params: HotSpotParams) -> HotSpotRun | None:
    return session.scalar(
        select(HotSpotRun)
        .where(
            HotSpotRun.kommun_id == kommun.id,
            HotSpotRun.params_key == params.key(),
            HotSpotRun.is_current,
        )
        .order_by(HotSpotRun.id.desc())
        .limit(1)
    )


def outdated(session: Session, kommun: Kommun, run: HotSpotRun) -> bool:
    """Whether a report came in after the run was computed (hidden or merged ones aside)."""
    newest = session.scalar(
        select(func.max(Report.created_at)).where(Report.kommun_id == kommun.id)
    )
    if newest is None:
        return False
    made = run.created_at if run.created_at.tzinfo else run.created_at.replace(tzinfo=UTC)
    return (newest if newest.tzinfo else newest.replace(tzinfo=UTC)) > made


def last_run(session: Session, kommun: Kommun) -> HotSpotRun | None:
    """The kommun's latest stored run of the rolling window, whatever its settings."""
    return session.scalar(
        select(HotSpotRun)
        .where(
            HotSpotRun.kommun_id == kommun.id,
            HotSpotRun.is_current,
            ~HotSpotRun.params_key.contains('"period"'),
        )
        .order_by(HotSpotRun.created_at.desc(), HotSpotRun.id.desc())
        .limit(1)
    )


def given_names(session: Session, kommun: Kommun) -> dict[str, str]:
    """The names coordinators gave the kommun's places, by stable id."""
    return dict(
        session.execute(
            select(HotSpotName.stable_id, HotSpotName.name).where(
                HotSpotName.kommun_id == kommun.id
            )
        ).all()
    )


def rename_hotspot(
    session: Session, kommun: Kommun, stable_id: str, name: str, user_id: int | None
) -> int:
    """Name a place; the name holds in every stored run and in the runs to come.

    Returns how many stored hot spots carry it now (0: no such place in the kommun).
    """
    changed = session.execute(
        update(HotSpotRecord)
        .where(HotSpotRecord.kommun_id == kommun.id, HotSpotRecord.stable_id == stable_id)
        .values(name=name)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if not changed:
        return 0
    given = session.scalar(
        select(HotSpotName).where(
            HotSpotName.kommun_id == kommun.id, HotSpotName.stable_id == stable_id
        )
    )
    if given is None:
        given = HotSpotName(kommun_id=kommun.id, stable_id=stable_id, name=name)
        session.add(given)
    given.name, given.named_by_id, given.named_at = name, user_id, datetime.now(UTC)
    session.flush()
    return int(changed)


def typical_density(lat: list[float], lon: list[float], cell_m: float = 250.0) -> float:
    """The kommun's median density: reports per m² in the median 250 m cell holding any.

    The cells of the public grid: "6× the median" compares a hot spot with the squares
    where people report at all, not with empty forest.
    """
    if not lat:
        return 0.0
    from geo.projection import plane_for

    x, y = plane_for(lat, lon).to_metres(lat, lon)
    keys = np.floor(np.asarray(x) / cell_m) * 1e7 + np.floor(np.asarray(y) / cell_m)
    _keys, counts = np.unique(keys, return_counts=True)
    return float(np.median(counts)) / cell_m**2


def spot_stats(members: list[Place]) -> dict[str, Any]:
    reasons = Counter(code for r in members for code in r.reason_codes)
    times = Counter(t for r in members for t in r.times_of_day)
    sources = Counter(r.source for r in members)
    return {
        "reasons": dict(reasons.most_common()),
        "times_of_day": dict(times),
        "sources": dict(sources),
        "night_share": round(sum(r.at_night for r in members) / len(members), 3) if members else 0,
    }


def recency_weights(reports: list[Place], end: datetime, window_days: float) -> list[float]:
    """Half weight for a report half the window old: where reports come now counts most."""
    half_life_s = max(window_days, 1.0) * 86400 / 2
    return [
        0.5 ** (max((end - _aware(r.created_at)).total_seconds(), 0.0) / half_life_s)
        if r.created_at is not None
        else 1.0
        for r in reports
    ]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def compute_run(
    session: Session,
    kommun: Kommun,
    params: HotSpotParams | None = None,
    *,
    now: datetime | None = None,
) -> HotSpotRun:
    """Cluster the kommun's reports, match the previous run's hot spots, store the result."""
    params = params or HotSpotParams()
    start, end = params.span(now or datetime.now(UTC))
    began = time.perf_counter()
    reports = places_for(session, kommun, params, start, end)
    names = [(lm.name, lm.lat, lm.lon) for lm in kommun.landmarks if lm.active]
    lat, lon = [r.lat for r in reports], [r.lon for r in reports]
    previous = current_run(session, kommun, params)
    previous_spots = [
        _as_previous(h) for h in (previous.hotspots if previous else []) if h.trend != "gone"
    ]
    if params.method == "postgis":
        labels = postgis.cluster_labels(
            session,
            counted_query(kommun, params, start, end),
            radius_m=params.radius_m,
            min_reports=params.min_reports,
        )
        spots = engine.hotspots_from_labels(
            lat, lon, [labels[r.id] for r in reports], radius_m=params.radius_m, names=names
        )
    else:
        spots = engine.find_hotspots(
            lat,
            lon,
            radius_m=params.radius_m,
            min_reports=params.min_reports,
            names=names,
            method=params.method,
            weights=recency_weights(reports, end, (end - start).total_seconds() / 86400),
            held=[p["polygon"] for p in previous_spots],
        )
    tracked = match_hotspots(previous_spots, spots)
    given = given_names(session, kommun)
    typical = typical_density(lat, lon)
    run = HotSpotRun(
        kommun=kommun,
        method=params.method,
        params=json.loads(params.key()),
        params_key=params.key(),
        period_start=start,
        period_end=end,
        report_count=len(reports),
        heat=heat_cells(lat, lon),
        duration_ms=0.0,
        is_current=True,
        previous_id=previous.id if previous else None,
    )
    for item in tracked:
        record = _record(kommun, item, reports)
        record.name = given.get(item.id, record.name)
        if record.count and record.area_m2 and typical:
            density = record.count / record.area_m2
            record.stats = {**record.stats, "density_ratio": round(density / typical, 1)}
        run.hotspots.append(record)
    if previous is not None:
        session.execute(
            update(HotSpotRun)
            .where(HotSpotRun.kommun_id == kommun.id, HotSpotRun.params_key == params.key())
            .values(is_current=False)
        )
    run.duration_ms = round((time.perf_counter() - began) * 1000, 1)
    session.add(run)
    session.flush()
    return run


def _as_previous(record: HotSpotRecord) -> dict[str, Any]:
    return {
        "id": record.stable_id,
        "count": record.count,
        "centroid": (record.lat, record.lon),
        "polygon": record.polygon,
        "name": record.name,
    }


def _record(kommun: Kommun, item: Any, reports: list[Place]) -> HotSpotRecord:
    spot = item.hotspot
    if spot is None:  # gone: keep the place on record so a promise can still point at it
        prev = item.previous
        return HotSpotRecord(
            kommun_id=kommun.id,
            stable_id=item.id,
            name=prev["name"],
            trend="gone",
            lat=prev["centroid"][0],
            lon=prev["centroid"][1],
            polygon=prev["polygon"],
            area_m2=0.0,
            count=0,
            weighted_count=0.0,
            previous_count=prev["count"],
            stats={},
            report_ids=[],
        )
    members = [reports[i] for i in spot.members]
    return HotSpotRecord(
        kommun_id=kommun.id,
        stable_id=item.id,
        name=spot.name,
        trend=item.state,
        lat=spot.centroid[0],
        lon=spot.centroid[1],
        polygon=spot.polygon,
        area_m2=spot.area_m2,
        count=spot.count,
        weighted_count=spot.weighted_count,
        previous_count=item.previous["count"] if item.previous else None,
        stats=spot_stats(members),
        report_ids=[r.id for r in members],
    )


def claim_stale(
    session: Session, *, now: datetime | None = None, min_interval_s: float = 0.0
) -> list[Kommun]:
    """Take the stale mark off the kommuner this process will recompute, and return them.

    The mark is cleared only if it is still the one seen, so of several processes woken by
    the same reports one wins each kommun; commit the claim before computing, so the others
    see it and residents' writes are not held up. A kommun whose last default run is younger
    than `min_interval_s` keeps its mark until the interval has passed.
    """
    now = now or datetime.now(UTC)
    claimed = []
    for kommun in list(
        session.scalars(select(Kommun).where(Kommun.hotspots_stale_since.is_not(None)))
    ):
        if min_interval_s:
            last = current_run(session, kommun, HotSpotParams())
            if last is not None and last.created_at > now - timedelta(seconds=min_interval_s):
                continue
        won = session.execute(
            update(Kommun)
            .where(
                Kommun.id == kommun.id, Kommun.hotspots_stale_since == kommun.hotspots_stale_since
            )
            .values(hotspots_stale_since=None)
            .execution_options(synchronize_session=False)
        )
        if won.rowcount == 1:  # type: ignore[attr-defined]
            session.expire(kommun, ["hotspots_stale_since"])
            claimed.append(kommun)
    session.flush()
    return claimed


def recompute_stale(
    session: Session, *, now: datetime | None = None, min_interval_s: float = 0.0
) -> list[HotSpotRun]:
    """Recompute the default run of every kommun whose reports changed since its last run.

    Claims and computes in one transaction (for the CLI and tests); the background worker
    commits its claim first (see hotspots.worker).
    """
    kommuner = claim_stale(session, now=now, min_interval_s=min_interval_s)
    runs = [compute_run(session, kommun, now=now) for kommun in kommuner]
    session.flush()
    return runs

"""Compute, store and load hot-spot runs. Services flush; callers commit."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from shapely.geometry import shape as to_shape
from sqlalchemy import (
    BigInteger,
    Float,
    Integer,
    Select,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, selectinload

from feedback.models import SOURCES, TIMES_OF_DAY, Report, ReportReason
from feedback.reasons import BY_CODE
from geo import hotspots as engine
from geo.density import heat_cells
from geo.projection import plane_for
from geo.tracking import match_hotspots
from hotspots import postgis
from hotspots.models import HotSpotName, HotSpotRecord, HotSpotRun, pack_ids
from kommun.models import Kommun


@dataclass(frozen=True)
class HotSpotParams:
    """The settings a coordinator chooses; the defaults are the engine's (see geo.hotspots)."""

    radius_m: float = engine.DEFAULT_RADIUS_M
    min_reports: int = engine.DEFAULT_MIN_REPORTS
    window_days: int = 365
    # density (significant dense cells: the method bench/hotspot_quality.py holds to the
    # baselines and to identity), dbscan, hdbscan, or postgis (in SQL)
    method: str = "density"
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


METHODS = (*engine.METHODS, "postgis")


def previous_run(session: Session, kommun: Kommun, params: HotSpotParams) -> HotSpotRun | None:
    """The run a new one continues: the current run of the same settings, else of the same
    settings under another method, so ids, names and trends carry over when the method
    changes (as it did when density became the default)."""
    found = current_run(session, kommun, params)
    if found is not None:
        return found
    others = [replace(params, method=m).key() for m in METHODS if m != params.method]
    return session.scalar(
        select(HotSpotRun)
        .where(
            HotSpotRun.kommun_id == kommun.id,
            HotSpotRun.params_key.in_(others),
            HotSpotRun.is_current,
        )
        .order_by(HotSpotRun.id.desc())
        .limit(1)
    )


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


def typical_density(
    x_m: npt.ArrayLike,
    y_m: npt.ArrayLike,
    cell_m: float = 250.0,
    *,
    weights: npt.ArrayLike | None = None,
) -> float:
    """The kommun's median density: reports per m² in the median 250 m cell holding any.

    Points in metres of a local plane; `weights`: reports per point, where a point stands
    for several. The cells of the public grid: "6× the median" compares a hot spot with the
    squares where people report at all, not with empty forest.
    """
    x, y = np.asarray(x_m, dtype=np.float64), np.asarray(y_m, dtype=np.float64)
    if not x.size:
        return 0.0
    keys = np.floor(x / cell_m) * 1e7 + np.floor(y / cell_m)
    if weights is None:
        _keys, counts = np.unique(keys, return_counts=True)
        return float(np.median(counts)) / cell_m**2
    _keys, inverse = np.unique(keys, return_inverse=True)
    sums = np.bincount(inverse.reshape(-1), weights=np.asarray(weights, dtype=np.float64))
    return float(np.median(sums[sums > 0])) / cell_m**2


@dataclass(frozen=True)
class Points:
    """The counted reports as columns, in id order: what a run needs, cheap at a million.

    `source` and `reason` index into `sources` and `reasons`; `reason_of` holds the position
    (in these arrays) of the report each (report, reason) pair belongs to.
    """

    id: npt.NDArray[np.int64]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    source: npt.NDArray[np.int16]
    times: npt.NDArray[np.bool_]  # (n, 3): dag, kvall, natt
    counted_s: npt.NDArray[np.float64]  # seconds since the epoch, UTC
    reason_of: npt.NDArray[np.int64]
    reason: npt.NDArray[np.int16]
    sources: tuple[str, ...] = SOURCES
    reasons: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.id.size)


# Rows are fetched from the driver this many at a time straight into arrays: a million
# rows as Python tuples at once would cost a few hundred MB.
FETCH_ROWS = 50_000


def _as(column: Any, kind: str) -> Any:
    """A column cast to 8-byte integers ("i8") or doubles ("f8"), as _fetch reads them."""
    return cast(column, BigInteger if kind == "i8" else Float(53))


def _fetch(session: Session, query: Select, dtype: np.dtype) -> npt.NDArray[Any]:  # type: ignore[type-arg]
    """The rows of a query of non-null numbers (cast by _as) as a structured array.

    PostgreSQL packs each column into one binary string; elsewhere the driver's rows are
    read in chunks. Neither builds Row or ORM objects.
    """
    if session.get_bind().dialect.name == "postgresql":
        return _aggregated(session, query, dtype)
    connection = session.connection()
    # One pass over the table gains nothing from reading it memory-mapped (2.40 s against
    # 2.43 s for a recompute at 1M reports), and the mapped pages, up to the connection's
    # mmap_size (db.make_engine), would count as this process's resident memory.
    mapped = connection.exec_driver_sql("PRAGMA mmap_size").scalar()
    connection.exec_driver_sql("PRAGMA mmap_size=0")
    try:
        cursor = connection.execute(query).cursor
        chunks = [np.empty(0, dtype=dtype)]
        while rows := cursor.fetchmany(FETCH_ROWS):
            chunks.append(np.array(rows, dtype=dtype))
        cursor.close()
    finally:
        connection.exec_driver_sql(f"PRAGMA mmap_size={int(mapped or 0)}")
    return np.concatenate(chunks)


def _aggregated(session: Session, query: Select, dtype: np.dtype) -> npt.NDArray[Any]:  # type: ignore[type-arg]
    """PostgreSQL's answer to a query of numbers as one binary string per column.

    The server packs each column (int8send/float8send: 8 bytes, big-endian) and one row
    comes back, read by numpy: no Python object per report. The aggregates of one query see
    the rows in the same order, so the columns line up.
    """
    connection = session.connection()
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    names = dtype.names or ()
    packed = ", ".join(
        f"string_agg({'int8send' if dtype[n].kind == 'i' else 'float8send'}(q.c{i}), ''::bytea)"
        for i, n in enumerate(names)
    )
    aliases = ", ".join(f"c{i}" for i in range(len(names)))
    cursor = connection.connection.driver_connection.cursor(binary=True)  # type: ignore[union-attr]
    cursor.execute(f"SELECT {packed} FROM ({compiled}) AS q({aliases})", compiled.params)
    row = cursor.fetchone()
    cursor.close()
    if row is None or row[0] is None:
        return np.empty(0, dtype=dtype)
    table = np.empty(len(row[0]) // 8, dtype=dtype)
    for i, name in enumerate(names):
        table[name] = np.frombuffer(row[i], dtype=">" + dtype[name].str[1:])
    return table


def _epoch_s(session: Session, column: Any) -> Any:
    """Seconds since the epoch of a timestamp column, computed by the database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", column)
    return (func.julianday(column) - 2440587.5) * 86400.0  # SQLite holds UTC text


def _coded(column: Any, known: tuple[str, ...]) -> Any:
    """The column's value as its index in `known` (-1 for any other), so no strings travel."""
    return case({value: i for i, value in enumerate(known)}, value=column, else_=-1)


def _flags(*columns: Any) -> Any:
    """Booleans as the bits of one integer (first column lowest)."""
    return sum((cast(c, Integer) * (1 << i) for i, c in enumerate(columns)), start=literal(0))


POINT_ROW = np.dtype([("id", "i8"), ("lat", "f8"), ("lon", "f8"), ("flags", "i8"), ("at", "f8")])
# A hot spot's member as the postgis path reads it: the point's numbers and its label.
MEMBER_ROW = np.dtype(POINT_ROW.descr + [("label", "i8")])


def _point_columns(session: Session) -> list[Any]:
    """The numbers a run reads per report (POINT_ROW), labelled, as _fetch reads them."""
    return [
        _as(Report.id, "i8").label("id"),
        _as(Report.lat, "f8").label("lat"),
        _as(Report.lon, "f8").label("lon"),
        _as(
            _coded(Report.source, SOURCES) * 8
            + _flags(Report.at_day, Report.at_evening, Report.at_night),
            "i8",
        ).label("flags"),
        _as(_epoch_s(session, Report.counted_at), "f8").label("at"),
    ]


def points_for(
    session: Session, kommun: Kommun, params: HotSpotParams, start: datetime, end: datetime
) -> Points:
    """The counted reports as numpy arrays (two queries of numbers, no ORM objects)."""
    counted = counted_query(kommun, params, start, end)
    table = _fetch(session, counted.with_only_columns(*_point_columns(session)), POINT_ROW)
    return _points_from(session, counted, table)


def _points_from(
    session: Session,
    counted: Select,  # type: ignore[type-arg]
    table: npt.NDArray[Any],
) -> Points:
    """Points from rows of POINT_ROW (some or all of the reports `counted` selects)."""
    if table.size and not (np.diff(table["id"]) > 0).all():
        table = table[np.argsort(table["id"], kind="stable")]
    ids = np.ascontiguousarray(table["id"])
    flags = table["flags"]
    source = np.floor_divide(flags, 8)
    sources: tuple[str, ...] = SOURCES
    if (source < 0).any():  # a source this version does not know: keep its name
        named = dict(
            session.execute(
                counted.with_only_columns(Report.id, Report.source).where(
                    Report.source.not_in(SOURCES)
                )
            ).all()
        )
        sources = SOURCES + tuple(sorted(set(named.values())))
        unknown = np.flatnonzero(source < 0)
        source[unknown] = [sources.index(named[int(ids[k])]) for k in unknown]
        flags = np.where(flags < 0, flags + 8, flags)  # -8 + bits: the bits are still there
    times = np.column_stack([(flags & 1) > 0, (flags & 2) > 0, (flags & 4) > 0])
    lat, lon = np.ascontiguousarray(table["lat"]), np.ascontiguousarray(table["lon"])
    counted_s = np.ascontiguousarray(table["at"])
    del table, flags  # the columns are copied out: free the rows before reading the reasons
    reasons, reason_of, reason = _reasons_of(session, counted, ids)
    return Points(
        id=ids,
        lat=lat,
        lon=lon,
        source=source.astype(np.int16),
        times=times,
        counted_s=counted_s,
        reason_of=reason_of,
        reason=reason,
        sources=sources,
        reasons=reasons,
    )


# When the counted reports hold at least this share of the ids between their first and
# last, reading that range of report_reason's primary key beats a join looking each up.
DENSE_IDS = 0.25


def _reasons_of(
    session: Session,
    counted: Select,  # type: ignore[type-arg]
    ids: npt.NDArray[np.int64],
) -> tuple[tuple[str, ...], npt.NDArray[np.int64], npt.NDArray[np.int16]]:
    """The reason codes, and per (report, reason) pair its report's position and code."""
    known = tuple(sorted(BY_CODE))
    pair = np.dtype([("id", "i8"), ("code", "i8")])
    if not ids.size:
        return known, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int16)
    report_id, code = _as(ReportReason.report_id, "i8"), _as(_coded(ReportReason.code, known), "i8")
    if ids.size >= DENSE_IDS * (int(ids[-1]) - int(ids[0]) + 1):
        pairs = _fetch(
            session,
            select(report_id, code).where(
                ReportReason.report_id.between(int(ids[0]), int(ids[-1]))
            ),
            pair,
        )
    else:
        pairs = _fetch(session, _pairs(counted, report_id, code), pair)
    reasons = known
    if (pairs["code"] < 0).any():  # a reason this version does not know: keep its name
        extra = session.execute(
            _pairs(counted, ReportReason.report_id, ReportReason.code).where(
                ReportReason.code.not_in(known)
            )
        ).all()
        reasons = known + tuple(sorted({c for _i, c in extra}))
        index = {c: i for i, c in enumerate(reasons)}
        pairs = np.concatenate(
            [
                pairs[pairs["code"] >= 0],
                np.array([(i, index[c]) for i, c in extra], dtype=pair),
            ]
        )
    # Only the pairs of the reports asked about: all the counted ones, or some of them.
    at = np.minimum(np.searchsorted(ids, pairs["id"]), ids.size - 1)
    pairs = pairs[ids[at] == pairs["id"]]
    return (
        reasons,
        np.searchsorted(ids, pairs["id"]),
        pairs["code"].astype(np.int16),
    )


def _pairs(counted: Select, *columns: Any) -> Select:  # type: ignore[type-arg]
    """Columns of the counted reports' (report, reason) pairs."""
    return (
        counted.with_only_columns(*columns)
        .select_from(Report)
        .join(ReportReason, ReportReason.report_id == Report.id)
    )


def spot_stats(points: Points, label: npt.NDArray[np.int64], spots: int) -> list[dict[str, Any]]:
    """Per hot spot (label 0..spots-1; -1 none): reasons, times of day, sources, night share."""
    inside = label >= 0
    counts = np.bincount(label[inside], minlength=spots)
    pair_label = label[points.reason_of]
    has = pair_label >= 0
    n_reasons = len(points.reasons)
    reasons = np.bincount(
        pair_label[has] * n_reasons + points.reason[has], minlength=spots * n_reasons
    ).reshape(spots, n_reasons)
    n_sources = len(points.sources)
    sources = np.bincount(
        label[inside] * n_sources + points.source[inside], minlength=spots * n_sources
    ).reshape(spots, n_sources)
    times = np.stack(
        [
            np.bincount(label[inside], weights=points.times[inside, j], minlength=spots)
            for j in range(3)
        ],
        axis=1,
    ).astype(np.int64)
    out = []
    for k in range(spots):
        order = sorted(
            np.flatnonzero(reasons[k]).tolist(), key=lambda c: (-reasons[k, c], points.reasons[c])
        )
        out.append(
            {
                "reasons": {points.reasons[c]: int(reasons[k, c]) for c in order},
                "times_of_day": {
                    name: int(times[k, j]) for j, name in enumerate(TIMES_OF_DAY) if times[k, j]
                },
                "sources": {
                    points.sources[c]: int(sources[k, c]) for c in np.flatnonzero(sources[k])
                },
                "night_share": round(float(times[k, 2]) / int(counts[k]), 3) if counts[k] else 0,
            }
        )
    return out


def half_life_s(window_days: float) -> float:
    """A report's weight halves every half window (recency_weights and the postgis path)."""
    return max(window_days, 1.0) * 86400 / 2


def recency_weights(
    counted_s: npt.NDArray[np.float64], end: datetime, window_days: float
) -> npt.NDArray[np.float64]:
    """Half weight for a report half the window old: where reports come now counts most."""
    age_s = np.maximum(end.timestamp() - counted_s, 0.0)
    halved = age_s / half_life_s(window_days)
    weights: npt.NDArray[np.float64] = np.where(np.isnan(age_s), 1.0, 0.5**halved)
    return weights


@dataclass
class _Found:
    """A run's findings before they are matched and stored.

    `points`: the reports the hot spots are described from, in id order (all counted ones in
    process; in the database, only those in a hot spot), the hot spots' members indexing them.
    """

    points: Points
    spots: list[engine.HotSpot]
    report_count: int
    heat: list[list[float]]
    typical: float  # the kommun's median density (typical_density)


def _in_process(
    session: Session,
    kommun: Kommun,
    params: HotSpotParams,
    start: datetime,
    end: datetime,
    previous_spots: list[dict[str, Any]],
    names: list[engine.Landmark],
) -> _Found:
    """Every counted report read into arrays and clustered here."""
    points = points_for(session, kommun, params, start, end)
    # Projected once: the clustering, the kommun's typical density and the heat layer share it.
    plane = plane_for(points.lat, points.lon) if len(points) else None
    metres = plane.to_metres(points.lat, points.lon) if plane else (np.empty(0), np.empty(0))
    spots = engine.find_hotspots(
        points.lat,
        points.lon,
        radius_m=params.radius_m,
        min_reports=params.min_reports,
        names=names,
        method=params.method,
        weights=recency_weights(points.counted_s, end, (end - start).total_seconds() / 86400),
        held=[p["polygon"] for p in previous_spots],
        plane=plane,
        metres=metres,
    )
    return _Found(
        points=points,
        spots=spots,
        report_count=len(points),
        heat=heat_cells(points.lat, points.lon, plane=plane, metres=metres),
        typical=typical_density(*metres),
    )


def _in_database(
    session: Session,
    kommun: Kommun,
    params: HotSpotParams,
    start: datetime,
    end: datetime,
    previous_spots: list[dict[str, Any]],
    names: list[engine.Landmark],
) -> _Found:
    """The density method with its counting in PostGIS: only cells and members travel.

    The same cells, weights and plane as the in-process density method, so the same hot
    spots (tests/hotspots/test_postgis.py); the heat layer and the kommun's typical density
    are made from the cell counts, each cell's reports placed at its centre (7.5 m off at
    most, on 75 m heat cells and 250 m density squares).
    """
    if not postgis.postgis_available(session):
        raise postgis.Unavailable()
    counted = counted_query(kommun, params, start, end)
    total, lat0, lat1, lon0, lon1 = session.execute(
        counted.with_only_columns(
            func.count(),
            func.min(Report.lat),
            func.max(Report.lat),
            func.min(Report.lon),
            func.max(Report.lon),
        )
    ).one()
    if not total:
        return _Found(_points_from(session, counted, np.empty(0, dtype=POINT_ROW)), [], 0, [], 0.0)
    plane = plane_for([lat0, lat1], [lon0, lon1])
    scale = plane.scale_at((lat0 + lat1) / 2, (lon0 + lon1) / 2)
    radius = params.radius_m * scale
    cell = radius / engine.CELLS_PER_RADIUS
    window_days = (end - start).total_seconds() / 86400
    age_s = func.greatest(end.timestamp() - _epoch_s(session, Report.counted_at), 0.0)
    weight = func.coalesce(func.power(0.5, age_s / half_life_s(window_days)), 1.0)
    with postgis.planned(session):
        cells = _fetch(
            session,
            postgis.cells_sql(counted, epsg=plane.epsg, cell=cell, weight=weight),
            postgis.CELLS,
        )
        held = [plane.geometry_to_metres(to_shape(p["polygon"])) for p in previous_spots]
        cell_label, shapes = engine.density_patches(
            cells["col"],
            cells["row"],
            cells["n"],
            cells["w"],
            radius,
            params.min_reports,
            held=held,
        )
        hot = cell_label >= 0
        table = np.empty(0, dtype=MEMBER_ROW)
        if hot.any():
            table = _fetch(
                session,
                postgis.members_sql(
                    counted,
                    _point_columns(session),
                    epsg=plane.epsg,
                    cell=cell,
                    cols=cells["col"][hot].tolist(),
                    rows=cells["row"][hot].tolist(),
                    labels=cell_label[hot].tolist(),
                ),
                MEMBER_ROW,
            )
            table = table[np.argsort(table["id"], kind="stable")]
    label = np.ascontiguousarray(table["label"])
    points = _points_from(session, counted, table)  # the label column is not read
    spots = engine.hotspots_from_labels(
        points.lat,
        points.lon,
        label,
        radius_m=params.radius_m,
        weights=recency_weights(points.counted_s, end, window_days),
        names=names,
        shapes_m=shapes,
        plane=plane,
        scale=scale,
    )
    x, y = (cells["col"] + 0.5) * cell, (cells["row"] + 0.5) * cell
    centre_lat, centre_lon = plane.to_wgs84(x, y)
    return _Found(
        points=points,
        spots=spots,
        report_count=int(total),
        heat=heat_cells(centre_lat, centre_lon, weights=cells["n"], plane=plane, metres=(x, y)),
        typical=typical_density(x, y, weights=cells["n"]),
    )


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
    names = [(lm.name, lm.lat, lm.lon) for lm in kommun.landmarks if lm.active]
    previous = previous_run(session, kommun, params)
    previous_spots = [
        _as_previous(h) for h in (previous.hotspots if previous else []) if h.trend != "gone"
    ]
    if params.method == "postgis":
        found = _in_database(session, kommun, params, start, end, previous_spots, names)
    else:
        found = _in_process(session, kommun, params, start, end, previous_spots, names)
    points, spots = found.points, found.spots
    tracked = match_hotspots(previous_spots, spots)
    given = given_names(session, kommun)
    label = np.full(len(points), -1, dtype=np.int64)
    members = []
    for k, spot in enumerate(spots):
        member = np.asarray(spot.members, dtype=np.int64)
        label[member] = k
        members.append(member)
    stats = spot_stats(points, label, len(spots))
    position = {id(spot): k for k, spot in enumerate(spots)}
    run = HotSpotRun(
        kommun=kommun,
        method=params.method,
        params=json.loads(params.key()),
        params_key=params.key(),
        period_start=start,
        period_end=end,
        report_count=found.report_count,
        heat=found.heat,
        duration_ms=0.0,
        is_current=True,
        previous_id=previous.id if previous else None,
    )
    for item in tracked:
        k = position.get(id(item.hotspot), -1)
        record = _record(
            kommun, item, stats[k] if k >= 0 else {}, points.id[members[k]] if k >= 0 else None
        )
        record.name = given.get(item.id, record.name)
        if record.count and record.area_m2 and found.typical:
            density = record.count / record.area_m2
            record.stats = {**record.stats, "density_ratio": round(density / found.typical, 1)}
        run.hotspots.append(record)
    if previous is not None and previous.params_key == params.key():
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


def _record(
    kommun: Kommun,
    item: Any,
    stats: dict[str, Any],
    member_ids: npt.NDArray[np.int64] | None,
) -> HotSpotRecord:
    spot = item.hotspot
    if spot is None or member_ids is None:  # gone: keep the place so a promise can point at it
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
            members=pack_ids(np.empty(0, dtype=np.int64)),
        )
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
        stats=stats,
        members=pack_ids(member_ids),
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

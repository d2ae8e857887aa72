"""What anyone may learn about residents' reports: the k-rule, in one place.

Every answer built from reports that leaves without a staff login goes through this module:
the map on the promises page, the report form's "others have reported here", "Jag känner
likadant", and Open311 reads without a staff key of the kommun. The rule (see
docs/threat-model.md):

- The population is what the public map counts: reports received since the start of the week
  ``WINDOW_DAYS`` days ago that are not hidden, merged into another or asked to be erased.
- Places are cells of one fixed grid: 250 m squares of SWEREF 99 TM anchored at whole
  multiples of 250 m, the grid ``privacy.retention.coarsen`` moves old pins to. A cell is the
  same square whatever the question, so nobody can move a window around a point and subtract
  to find a pin. Never a pin, never a radius around the asker's point.
- A cell holding fewer than ``PUBLIC_MIN_CELL_REPORTS`` (k) reports does not exist in public:
  no count, no reason, no request, no "likadant".
- A reason is named for a cell only when at least k of the cell's reports give it, so a rare
  reason never points at the one person who chose it.
- Times are weeks (from Monday, local time), never moments; public requests have an opaque
  id, never the registration number, which is sequential and printed on every receipt.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

from flask import current_app
from sqlalchemy import Date, and_, func, literal, select, tuple_, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from core.clock import LOCAL_ZONE, local_day
from core.idlists import in_ids
from feedback.models import Report, ReportReason
from feedback.rollups import ReportCellWeek, ReportServiceWeek
from geo.cells import Cell, cell_shape, cells_from_counts, grid_keys, unpack_key
from geo.cells import cell_key as stored_cell_key
from geo.projection import SWEREF99TM, MetricPlane, plane
from kommun.models import Kommun
from review.periods import period_for

CELL_M = 250.0
WINDOW_DAYS = 365
TOP_REASONS = 3


def min_reports() -> int:
    """k: the fewest reports a cell must hold before anything about it is shown."""
    return int(current_app.config["PUBLIC_MIN_CELL_REPORTS"])


def _grid() -> MetricPlane:
    return plane(SWEREF99TM)


def cell_keys(lat: Any, lon: Any) -> list[tuple[int, int]]:
    """The (row, col) of the public grid cell of each WGS84 point."""
    if not len(lat):
        return []
    keys = grid_keys(lat, lon, cell_m=CELL_M, metric=_grid())
    return [(int(r), int(c)) for r, c in keys]


def cell_centre(key: tuple[int, int]) -> tuple[float, float]:
    """The centre (lat, lon) of a public grid cell: the only place the public sees."""
    centre, _polygon = cell_shape(*key, cell_m=CELL_M, metric=_grid())
    return centre


def week_of(moment: datetime) -> datetime:
    """The start (Monday 00:00 local time, in UTC) of the week a moment falls in."""
    return period_for("week", moment.astimezone(LOCAL_ZONE).date()).start


def window_start(now: datetime) -> datetime:
    """The first moment the public year counts from: a week start, so reports leave it a
    whole week at a time (a count that dropped the minute a report turned a year old would
    tell that report's time to the minute)."""
    return week_of(now - timedelta(days=WINDOW_DAYS))


class _unranged(FunctionElement[Any]):
    """A column SQLite must not range an index on: written `+column` there (SQLite's own way
    to take a term out of index selection), as it is elsewhere."""

    inherit_cache = True


@compiles(_unranged)
def _as_is(element: _unranged, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(_unranged, "sqlite")
def _unary_plus(element: _unranged, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(element.clauses, **kw))


def _cell_time() -> Any:
    """created_at for the statements that count per cell, which read the cell index
    (ix_report_counted_cell) alone. Given a range on created_at, SQLite's planner prefers the
    created_at index whenever it has no statistics (no ANALYZE: a new database) and reads the
    year's rows: 1.6 s to count the densest cell at a million reports, 11 ms from the cell
    index. PostgreSQL chooses well for itself."""
    return _unranged(Report.created_at)


def _counted(
    kommun: Kommun,
    now: datetime,
    since: datetime | None = None,
    *,
    until: datetime | None = None,
    created: Any = None,
) -> list[Any]:
    """The conditions of the public population (the public map's reports); `since`: only
    those from then on; `until`: only those before then; `created`: the expression of the
    time of receipt to bound.

    One bound on created_at each way, the tighter: given two lower bounds, SQLite ranged its
    index on the year's and filtered a year of entries for this week's reports (318 ms at 1M
    reports against a few ms); given `<= now` beside the end of an old week, it read from
    that week to now (250 ms for 20,000 entries).
    """
    start = window_start(now) if since is None else max(window_start(now), since)
    created = Report.created_at if created is None else created
    return [
        Report.kommun_id == kommun.id,
        Report.hidden.is_(False),
        Report.merged_into_id.is_(None),
        Report.erasure_requested_at.is_(None),
        created >= start,
        created < until if until is not None and until <= now else created <= now,
    ]


# --- the public map --------------------------------------------------------------------


def map_cells(session: Session, kommun: Kommun, now: datetime) -> list[Cell]:
    """The public map: cells holding at least k unsafe reports, densest first.

    The year starts on a Monday: its whole weeks are summed from the weekly roll-up per cell
    (feedback.rollups), this week's reports are counted from their stored 250 m grid key. No
    report is loaded, and the year costs a few thousand rows whatever the number of reports.
    """
    year = _cell_year(kommun, now)
    rows = session.execute(
        select(year.c.cell, func.sum(year.c.n))
        .group_by(year.c.cell)
        .having(func.sum(year.c.n) >= min_reports())
    ).all()
    return cells_from_counts(
        [(int(key), int(n)) for key, n in rows if key is not None], cell_m=CELL_M
    )


def _cell_year(kommun: Kommun, now: datetime, cell: int | None = None) -> Any:
    """The public year's unsafe places as (cell, n) rows, of every cell or of one: its whole
    weeks from the weekly roll-up per cell (feedback.rollups), this week's reports one row
    each from their stored grid key."""
    this_week = week_of(now)
    whole_weeks = select(ReportCellWeek.cell_250.label("cell"), ReportCellWeek.n.label("n")).where(
        ReportCellWeek.kommun_id == kommun.id,
        ReportCellWeek.week >= local_day(window_start(now)),
        ReportCellWeek.week < local_day(this_week),
        *([] if cell is None else [ReportCellWeek.cell_250 == cell]),
    )
    this_week_so_far = select(Report.cell_250.label("cell"), literal(1).label("n")).where(
        *_counted(kommun, now, since=this_week),
        Report.kind == "otrygg",
        Report.cell_250.is_not(None) if cell is None else Report.cell_250 == cell,
    )
    return union_all(whole_weeks, this_week_so_far).subquery()


def _cell_count(session: Session, kommun: Kommun, cell: int, now: datetime) -> int:
    """The unsafe reports of one cell in the public year, as map_cells counts them."""
    year = _cell_year(kommun, now, cell)
    return int(session.scalar(select(func.coalesce(func.sum(year.c.n), 0))) or 0)


def common_reasons(session: Session, kommun: Kommun, now: datetime, limit: int) -> list[str]:
    """The reasons given most often in the kommun's public cells, commonest first.

    Only reports in cells the public map shows (k reports or more) are counted, and only
    reasons at least k of them give, so the list never moves for a report in a quiet cell
    and never names a rare reason. Codes only: the counts stay here.
    """
    k = min_reports()
    # The public cells first, then the reasons in them: as one statement with the cells as an
    # IN (subquery), PostgreSQL re-grouped the kommun's reports for each report whenever its
    # statistics were stale (a filling table: 12 s at 6,000 reports, on every form).
    public_cells = [
        int(cell)
        for cell in session.scalars(
            select(Report.cell_250)
            .where(
                *_counted(kommun, now, created=_cell_time()),
                Report.kind == "otrygg",
                Report.cell_250.is_not(None),
            )
            .group_by(Report.cell_250)
            .having(func.count() >= k)
        )
        if cell is not None
    ]
    if not public_cells:
        return []
    rows = session.execute(
        select(ReportReason.code, func.count().label("n"))
        .join(Report, Report.id == ReportReason.report_id)
        .where(
            *_counted(kommun, now, created=_cell_time()),
            Report.kind == "otrygg",
            in_ids(Report.cell_250, public_cells),
        )
        .group_by(ReportReason.code)
        .having(func.count() >= k)
        .order_by(func.count().desc(), ReportReason.code)
        .limit(limit)
    ).all()
    return [str(code) for code, _n in rows]


# --- one cell: "others have reported here" and "Jag känner likadant" ---------------------


@dataclass(frozen=True)
class CellSummary:
    """What the public may know of the unsafe reports in one cell."""

    centre: tuple[float, float]  # lat, lon of the cell's centre
    count: int  # 0 when the cell holds fewer than k reports
    reasons: list[tuple[str, int]]  # each given by at least k of the cell's reports
    # The report a "Jag känner likadant" links to, for staff; never shown to the public.
    anchor_id: int | None


def cell_summary(
    session: Session,
    kommun: Kommun,
    lat: float,
    lon: float,
    now: datetime,
    *,
    anchor: bool = True,
) -> CellSummary:
    """The unsafe reports in the public cell that holds a point, under the k-rule.

    Counted in SQL on the reports' stored grid key (cell_250, the same 250 m grid): no report
    is loaded. Loading the cell's reports as objects took 9.5 s for the densest cell at a
    million reports, on an endpoint anyone can call. The count is the public map's (whole
    weeks from the weekly roll-up, this week's from its reports): counting the cell's
    62,000 reports took PostgreSQL a parallel scan of the table (140 ms at a million).
    """
    key = cell_keys([lat], [lon])[0]
    centre, _polygon = cell_shape(*key, cell_m=CELL_M, metric=_grid())
    cell = stored_cell_key(lat, lon, cell_m=CELL_M)
    in_cell = [
        *_counted(kommun, now, created=_cell_time()),
        Report.kind == "otrygg",
        Report.cell_250 == cell,
    ]
    count = _cell_count(session, kommun, cell, now)
    k = min_reports()
    if count < k:
        return CellSummary(centre, 0, [], None)
    named = [
        (str(code), int(n))
        for code, n in session.execute(
            select(ReportReason.code, func.count())
            .join(Report, Report.id == ReportReason.report_id)
            .where(*in_cell)
            .group_by(ReportReason.code)
            .having(func.count() >= k)
            .order_by(func.count().desc(), ReportReason.code)
            .limit(TOP_REASONS)
        )
    ]
    return CellSummary(
        centre, count, named, _anchor(session, in_cell, lat, lon) if anchor else None
    )


# The nearest report is first looked for within this many metres of the point: in the
# densest cell at a million reports, ordering the whole cell by distance read 62,000 rows.
NEAR_M = 30.0


def _anchor(session: Session, in_cell: list[Any], lat: float, lon: float) -> int | None:
    """The report nearest the point among the cell's originals (all of them if none is).

    "Jag känner likadant" agrees with an original report, not with someone else's support.
    Nearest on the ground: degrees of longitude shrink by cos(lat), which is all a 250 m
    cell needs. Within NEAR_M first (a circle, so what is found there is the nearest of
    all), then the whole cell.
    """
    squeeze = math.cos(math.radians(lat)) ** 2
    distance = (Report.lat - lat) * (Report.lat - lat) + squeeze * (Report.lon - lon) * (
        Report.lon - lon
    )
    near = NEAR_M / 111_000.0
    close = [
        Report.lat.between(lat - near, lat + near),
        Report.lon.between(lon - near / math.sqrt(squeeze), lon + near / math.sqrt(squeeze)),
        distance <= near * near,
    ]
    nearest = select(Report.id).where(*in_cell).order_by(distance, Report.id).limit(1)
    original = Report.supports_id.is_(None)
    return (
        session.scalar(nearest.where(original, *close))
        or session.scalar(nearest.where(original))
        or session.scalar(nearest)
    )


# --- single requests (Open311) -----------------------------------------------------------
#
# A request is public when at least k reports of the population share its cell and its
# service (its first reason: report.service_code). The list is answered from counts: the
# groups and the number of their reports per week, status and service (PublicIndex, from a
# weekly roll-up, kept in the cache per kommun and generation by its callers), then only the
# keys of the weeks a page shows and the page's rows. Building every request of the year as
# an object on each call took 37.6 s at a million reports (SQLite), on an endpoint anyone can
# call.

CLOSED = "avslutad"
NO_CELL = -1  # a grid key no report has (cell_key packs every cell to a key of 0 or more)
_TOKEN = re.compile(r"[a-z2-7]{16}")


@dataclass(frozen=True)
class PublicRequest:
    """A report as the public may read it: its cell, its service, its week and its status."""

    report_id: int
    public_id: str
    centre: tuple[float, float]
    service_code: str
    week: datetime  # when it came in, to the week
    updated_week: datetime  # when it last changed, to the week
    status: str


def public_id(kommun: Kommun, token: str) -> str:
    """A report's opaque public id: its kommun's code and its random public token
    (report.public_token), so it says nothing about when or whose."""
    return f"{kommun.code}-{token}"


def _token_of(kommun: Kommun, public: str) -> str | None:
    prefix = f"{kommun.code}-"
    token = public.removeprefix(prefix)
    return token if public.startswith(prefix) and _TOKEN.fullmatch(token) else None


@dataclass(frozen=True)
class PublicIndex:
    """What the public list is built from: the (cell, service) groups holding at least k
    reports, and how many of their reports came in per week, status and service."""

    groups: frozenset[tuple[int, str]]
    weeks: tuple[tuple[date, str, str, int], ...]  # (Monday, status, service, reports)


@dataclass(frozen=True)
class PublicQuery:
    """Open311's filters as the public may use them. Dates match whole weeks, never moments:
    a request's week matches `start` when it ends after it and `end` when it starts by it."""

    codes: frozenset[str] = frozenset()
    status: str | None = None  # "open", "closed", or None for both
    start: datetime | None = None
    end: datetime | None = None

    def admits(self) -> Callable[[date, str, str], bool]:
        """Whether the query admits the reports of a (week's Monday, status, service)."""
        first = period_for("week", local_day(self.start)).first if self.start else None
        last = period_for("week", local_day(self.end)).last if self.end else None
        return lambda day, status, code: (
            (not self.codes or code in self.codes)
            and (self.status != "open" or status != CLOSED)
            and (self.status != "closed" or status == CLOSED)
            and (first is None or day >= first)
            and (last is None or day <= last)
        )


def _requests(
    kommun: Kommun,
    now: datetime,
    since: datetime | None = None,
    *,
    until: datetime | None = None,
    created: Any = None,
) -> list[Any]:
    """The population, placed and with a service: what ix_report_counted_cell holds. (A row
    written without the models has no public token: it counts, but is never listed.)"""
    return [
        *_counted(kommun, now, since=since, until=until, created=created),
        Report.cell_250.is_not(None),
        Report.service_code.is_not(None),
    ]


def _rows(
    kommun: Kommun, now: datetime, since: datetime | None = None, until: datetime | None = None
) -> list[Any]:
    return [*_requests(kommun, now, since=since, until=until), Report.public_token.is_not(None)]


def public_index(session: Session, kommun: Kommun, now: datetime) -> PublicIndex:
    """The groups and their reports per week: the year's whole weeks from the weekly
    roll-up the database keeps (feedback.rollups.ReportServiceWeek, some 40,000 rows at a
    million reports), this week's from its reports. Counting the year's reports instead
    took 0.83 s at a million reports on SQLite; summing the roll-up's rows in Python took
    most of the rest (the list's cache miss, 500 ms on a slow host): the database sums them.
    """
    this_week = week_of(now)
    monday = local_day(this_week)
    rolled = ReportServiceWeek
    whole_weeks = select(
        rolled.week.label("week"),
        rolled.cell_250.label("cell"),
        rolled.service_code.label("code"),
        rolled.status.label("status"),
        rolled.n.label("n"),
    ).where(
        rolled.kommun_id == kommun.id,
        rolled.week >= local_day(window_start(now)),
        rolled.week < monday,
        rolled.n != 0,
    )
    key = (Report.cell_250, Report.service_code, Report.status)
    so_far = (
        select(
            literal(monday, Date).label("week"),
            Report.cell_250.label("cell"),
            Report.service_code.label("code"),
            Report.status.label("status"),
            func.count().label("n"),
        )
        .where(*_requests(kommun, now, since=this_week))
        .group_by(*key)
    )
    rows = union_all(whole_weeks, so_far).cte("counted_rows")
    in_groups = (
        select(rows.c.cell, rows.c.code)
        .group_by(rows.c.cell, rows.c.code)
        .having(func.sum(rows.c.n) >= min_reports())
        .cte("public_groups")
    )
    groups = frozenset((int(cell), str(code)) for cell, code in session.execute(select(in_groups)))
    per_week = (
        select(rows.c.week, rows.c.status, rows.c.code, func.sum(rows.c.n))
        .join(in_groups, and_(rows.c.cell == in_groups.c.cell, rows.c.code == in_groups.c.code))
        .group_by(rows.c.week, rows.c.status, rows.c.code)
    )
    weeks = sorted(
        (week, str(status), str(code), int(n))
        for week, status, code, n in session.execute(per_week)
        if n
    )
    return PublicIndex(groups, tuple(weeks))


_ROW = (
    Report.id,
    Report.public_token,
    Report.cell_250,
    Report.service_code,
    Report.status,
    Report.created_at,
    Report.updated_at,
)


def _request(kommun: Kommun, row: Any) -> PublicRequest:
    return PublicRequest(
        report_id=row.id,
        public_id=public_id(kommun, row.public_token),
        centre=cell_centre(unpack_key(row.cell_250)),
        service_code=row.service_code,
        week=week_of(row.created_at),
        updated_week=week_of(row.updated_at),
        status=row.status,
    )


def _in_week(
    session: Session,
    kommun: Kommun,
    now: datetime,
    index: PublicIndex,
    query: PublicQuery,
    monday: date,
    skip: int,
    limit: int,
) -> list[Any]:
    """`limit` public requests of one week that the query admits, in the list's order, after
    the first `skip`. The week's keys come sorted by public token; the rows of those kept are
    read afterwards (a week at a million reports is some 20,000 keys)."""
    week = period_for("week", monday)
    conditions = _rows(kommun, now, since=week.start, until=week.end)
    if query.codes:
        conditions.append(Report.service_code.in_(sorted(query.codes)))
    if query.status == "open":
        conditions.append(Report.status != CLOSED)
    elif query.status == "closed":
        conditions.append(Report.status == CLOSED)
    keys = session.execute(
        select(Report.public_token, Report.cell_250, Report.service_code)
        .where(*conditions)
        .order_by(Report.public_token)
    )
    wanted = list(
        islice(
            (token for token, cell, code in keys if (cell, code) in index.groups),
            skip,
            skip + limit,
        )
    )
    if not wanted:
        return []
    rows = session.execute(select(*_ROW).where(Report.public_token.in_(wanted))).all()
    return sorted(rows, key=lambda r: r.public_token)


def public_page(
    session: Session,
    kommun: Kommun,
    now: datetime,
    index: PublicIndex,
    query: PublicQuery,
    offset: int,
    limit: int,
) -> tuple[int, list[PublicRequest]]:
    """How many public requests the query admits, and `limit` of them from `offset`: newest
    week first, by public id within a week (never by time: that would tell the order)."""
    weeks: dict[date, int] = {}
    admits = query.admits()
    for monday, status, code, n in index.weeks:
        if admits(monday, status, code):
            weeks[monday] = weeks.get(monday, 0) + n
    page: list[Any] = []
    passed = 0  # requests in the weeks before this one
    for monday in sorted(weeks, reverse=True):
        if len(page) >= limit:
            break
        if passed + weeks[monday] > offset:
            skip = max(0, offset - passed)
            page += _in_week(session, kommun, now, index, query, monday, skip, limit - len(page))
        passed += weeks[monday]
    return sum(weeks.values()), [_request(kommun, row) for row in page]


def public_requests_by_id(
    session: Session, kommun: Kommun, now: datetime, ids: list[str]
) -> list[PublicRequest]:
    """The public requests among these public ids, in the list's order; an id that is not
    public (unknown, another kommun's, or in a group of fewer than k) is left out. Only the
    groups of the requests found are counted, each from its cell's entries in the index."""
    tokens = sorted({t for t in (_token_of(kommun, i) for i in ids) if t is not None})
    rows = session.execute(
        select(*_ROW).where(*_rows(kommun, now), Report.public_token.in_(tokens))
    ).all()
    # The groups are counted whether or not an id was found, so that an id of a request in a
    # quiet group takes the same statements as an id that never existed.
    groups = {(r.cell_250, r.service_code) for r in rows} or {(NO_CELL, "")}
    big = {
        (int(cell or 0), str(code))
        for cell, code in session.execute(
            select(Report.cell_250, Report.service_code)
            .where(
                *_requests(kommun, now),
                Report.cell_250.in_(sorted({cell for cell, _code in groups})),
                tuple_(Report.cell_250, Report.service_code).in_(sorted(groups)),
            )
            .group_by(Report.cell_250, Report.service_code)
            .having(func.count() >= min_reports())
        )
    }
    found = [_request(kommun, r) for r in rows if (r.cell_250, r.service_code) in big]
    return sorted(found, key=lambda p: (-p.week.timestamp(), p.public_id))


def public_requests(session: Session, kommun: Kommun, now: datetime) -> list[PublicRequest]:
    """Every public request of the kommun, in the list's order (for small kommuner and
    checks; Open311 pages through public_page)."""
    index = public_index(session, kommun, now)
    everything = sum(n for *_key, n in index.weeks)
    return public_page(session, kommun, now, index, PublicQuery(), 0, everything)[1]

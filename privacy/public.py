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

import base64
import hashlib
import hmac
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from core.clock import LOCAL_ZONE, local_day
from core.idlists import in_ids
from feedback.models import Report, ReportReason
from feedback.rollups import ReportCellWeek
from geo.cells import Cell, cell_shape, cells_from_counts, grid_keys
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


def _counted(kommun: Kommun, now: datetime, since: datetime | None = None) -> list[Any]:
    """The conditions of the public population (the public map's reports); `since`: only
    those from then on.

    One lower bound on created_at, the later one: given two, SQLite ranged its index on the
    year's and filtered a year of entries for this week's reports (318 ms at 1M reports
    against a few ms).
    """
    start = window_start(now) if since is None else max(window_start(now), since)
    return [
        Report.kommun_id == kommun.id,
        Report.hidden.is_(False),
        Report.merged_into_id.is_(None),
        Report.erasure_requested_at.is_(None),
        Report.created_at >= start,
        Report.created_at <= now,
    ]


# --- the public map --------------------------------------------------------------------


def map_cells(session: Session, kommun: Kommun, now: datetime) -> list[Cell]:
    """The public map: cells holding at least k unsafe reports, densest first.

    The year starts on a Monday: its whole weeks are summed from the weekly roll-up per cell
    (feedback.rollups), this week's reports are counted from their stored 250 m grid key. No
    report is loaded, and the year costs a few thousand rows whatever the number of reports.
    """
    this_week = week_of(now)
    whole_weeks = select(ReportCellWeek.cell_250.label("cell"), ReportCellWeek.n.label("n")).where(
        ReportCellWeek.kommun_id == kommun.id,
        ReportCellWeek.week >= local_day(window_start(now)),
        ReportCellWeek.week < local_day(this_week),
    )
    this_week_so_far = select(Report.cell_250.label("cell"), literal(1).label("n")).where(
        *_counted(kommun, now, since=this_week),
        Report.kind == "otrygg",
        Report.cell_250.is_not(None),
    )
    both = union_all(whole_weeks, this_week_so_far).subquery()
    rows = session.execute(
        select(both.c.cell, func.sum(both.c.n))
        .group_by(both.c.cell)
        .having(func.sum(both.c.n) >= min_reports())
    ).all()
    return cells_from_counts(
        [(int(key), int(n)) for key, n in rows if key is not None], cell_m=CELL_M
    )


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
            .where(*_counted(kommun, now), Report.kind == "otrygg", Report.cell_250.is_not(None))
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
            *_counted(kommun, now),
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
    million reports, on an endpoint anyone can call.
    """
    key = cell_keys([lat], [lon])[0]
    centre, _polygon = cell_shape(*key, cell_m=CELL_M, metric=_grid())
    in_cell = [
        *_counted(kommun, now),
        Report.kind == "otrygg",
        Report.cell_250 == stored_cell_key(lat, lon, cell_m=CELL_M),
    ]
    count = int(session.scalar(select(func.count()).select_from(Report).where(*in_cell)) or 0)
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


def public_id(kommun: Kommun, report_id: int) -> str:
    """A report's opaque public id: not sequential, so it says nothing about when or whose."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, f"public-request:{report_id}".encode(), hashlib.sha256).digest()
    return f"{kommun.code}-" + base64.b32encode(digest).decode()[:16].lower()


def public_requests(session: Session, kommun: Kommun, now: datetime) -> list[PublicRequest]:
    """The reports the public may read one by one: those whose cell holds at least k reports
    presented under the same service (their first reason), newest week first."""
    counted = _counted(kommun, now)
    rows = session.execute(
        select(
            Report.id, Report.lat, Report.lon, Report.created_at, Report.updated_at, Report.status
        ).where(*counted)
    ).all()
    if not rows:
        return []
    first_reason = dict(
        session.execute(
            select(ReportReason.report_id, func.min(ReportReason.code))
            .where(ReportReason.report_id.in_(select(Report.id).where(*counted)))
            .group_by(ReportReason.report_id)
        ).all()
    )
    keys = cell_keys([r.lat for r in rows], [r.lon for r in rows])
    groups = Counter((key, first_reason.get(row.id)) for row, key in zip(rows, keys, strict=True))
    k = min_reports()
    centres: dict[tuple[int, int], tuple[float, float]] = {}
    out = []
    for row, key in zip(rows, keys, strict=True):
        code = first_reason.get(row.id)
        if code is None or groups[(key, code)] < k:
            continue
        if key not in centres:
            centres[key] = cell_centre(key)
        out.append(
            PublicRequest(
                report_id=row.id,
                public_id=public_id(kommun, row.id),
                centre=centres[key],
                service_code=code,
                week=week_of(row.created_at),
                updated_week=week_of(row.updated_at),
                status=row.status,
            )
        )
    out.sort(key=lambda p: (-p.week.timestamp(), p.public_id))
    return out

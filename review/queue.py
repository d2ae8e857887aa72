"""The coordinators' queue: filters, sorting and paging of a kommun's reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy.orm import Session, selectinload

from core.clock import local_midnight
from feedback import reasons as taxonomy
from feedback.models import Report, ReportReason
from kommun.models import Kommun
from privacy.masking import mask
from review.services import supporters_column

PAGE_SIZE = 50
SORTS = ("newest", "oldest", "supporters")

_TIME_COLUMNS = {"dag": Report.at_day, "kvall": Report.at_evening, "natt": Report.at_night}


@dataclass(frozen=True)
class QueueFilters:
    """What the coordinator asked for; empty values mean "all"."""

    status: str = ""
    reason: str = ""  # a group code (PLACE) or a reason code (place.dark)
    source: str = ""
    kind: str = ""
    time_of_day: str = ""
    date_from: date | None = None
    date_to: date | None = None
    # WGS84 degrees: min_lat, min_lon, max_lat, max_lon.
    bbox: tuple[float, float, float, float] | None = None
    report_ids: frozenset[int] | None = None  # e.g. the reports of a hot spot
    text: str = ""
    show_hidden: bool = False
    show_merged: bool = False
    sort: str = "newest"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
KEYSET_SORTS = ("newest", "oldest")


@dataclass(frozen=True)
class Cursor:
    """A row's place in the (created_at, id) order: where the next or previous page starts."""

    created_at: datetime
    id: int

    @classmethod
    def of(cls, report: Report) -> Cursor:
        return cls(report.created_at, report.id)

    @property
    def token(self) -> str:
        return f"{(self.created_at - _EPOCH) // timedelta(microseconds=1)}-{self.id}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """The cursor in a link, or None when there is none or it is not one of ours."""
        micros, _dash, report_id = (token or "").partition("-")
        if not (micros.isdigit() and report_id.isdigit()) or len(micros) > 18:
            return None
        return cls(_EPOCH + timedelta(microseconds=int(micros)), int(report_id))


@dataclass(frozen=True)
class QueuePage:
    rows: list[tuple[Report, int]]
    total: int
    page: int
    pages: int
    # Keyset links (sorts by date): where the next and the previous page start.
    next_cursor: str | None = None
    prev_cursor: str | None = None


def _reason_codes(value: str) -> list[str]:
    group = next((g for g in taxonomy.GROUPS if g.code == value), None)
    if group is not None:
        return [r.code for r in group.reasons]
    return [value] if value in taxonomy.BY_CODE else []


def _conditions(f: QueueFilters) -> list[ColumnElement[bool]]:
    """One SQL condition per filter that is set."""
    conditions: list[ColumnElement[bool]] = []
    # A "jag känner likadant" counts on the report it agrees with, not as a row of its own.
    conditions.append(Report.source == f.source if f.source else Report.supports_id.is_(None))
    if f.status:
        conditions.append(Report.status == f.status)
    if f.kind:
        conditions.append(Report.kind == f.kind)
    if f.reason:
        with_reason = select(ReportReason.report_id).where(
            ReportReason.code.in_(_reason_codes(f.reason))
        )
        conditions.append(Report.id.in_(with_reason))
    if f.time_of_day in _TIME_COLUMNS:
        conditions.append(_TIME_COLUMNS[f.time_of_day].is_(True))
    if f.date_from:
        conditions.append(Report.created_at >= local_midnight(f.date_from))
    if f.date_to:
        conditions.append(Report.created_at < local_midnight(f.date_to + timedelta(days=1)))
    return conditions + _place_conditions(f)


def _place_conditions(f: QueueFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.bbox:
        min_lat, min_lon, max_lat, max_lon = f.bbox
        conditions.append(Report.lat.between(min_lat, max_lat))
        conditions.append(Report.lon.between(min_lon, max_lon))
    if f.report_ids is not None:
        conditions.append(Report.id.in_(f.report_ids or {-1}))
    if not f.show_hidden:
        conditions.append(Report.hidden.is_(False))
    if not f.show_merged:
        conditions.append(Report.merged_into_id.is_(None))
    return conditions


def _filtered(kommun: Kommun, f: QueueFilters) -> Select[Report]:
    return select(Report).where(Report.kommun_id == kommun.id, *_conditions(f))


def _matching_masked_text(session: Session, query: Select[Report], text: str) -> set[int]:
    """Ids whose *masked* text contains the words: a search must not find hidden details."""
    needle = text.casefold()
    rows = session.execute(
        query.with_only_columns(Report.id, Report.description, Report.place_description)
    )
    return {
        report_id
        for report_id, description, place in rows
        if needle in mask(description).text.casefold() or needle in mask(place).text.casefold()
    }


def queue_page(
    session: Session,
    kommun: Kommun,
    f: QueueFilters,
    page: int = 1,
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    last: bool = False,
) -> QueuePage:
    """One page of the kommun's reports with their supporter counts.

    Sorted by date, the page after or before a cursor, or the last page, is found on the
    (kommun_id, created_at, id) index, so paging costs the same at the end of a million
    reports as at the start; `page` then only labels it. Without a cursor (or sorted by
    supporters) `page` is an offset, which is cheap for the first pages.
    """
    query = _filtered(kommun, f)
    if f.text.strip():
        ids = _matching_masked_text(session, query, f.text.strip())
        query = query.where(Report.id.in_(ids or {-1}))
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = pages if last else min(max(page, 1), pages)
    supporters = supporters_column()
    counted = query.add_columns(supporters).options(selectinload(Report.reasons))
    if f.sort not in KEYSET_SORTS:
        order = (supporters.desc(), Report.created_at.desc(), Report.id.desc())
        rows = session.execute(
            counted.order_by(*order).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        ).all()
        return QueuePage([(r, int(n)) for r, n in rows], total, page, pages)

    newest = f.sort == "newest"
    key = tuple_(Report.created_at, Report.id)
    forward = (
        (Report.created_at.desc(), Report.id.desc())
        if newest
        else (
            Report.created_at.asc(),
            Report.id.asc(),
        )
    )
    backward = (
        (Report.created_at.asc(), Report.id.asc())
        if newest
        else (
            Report.created_at.desc(),
            Report.id.desc(),
        )
    )
    if after is not None:
        beyond = key < tuple_(after.created_at, after.id)
        if not newest:
            beyond = key > tuple_(after.created_at, after.id)
        rows = session.execute(counted.where(beyond).order_by(*forward).limit(PAGE_SIZE)).all()
    elif before is not None or last:
        if before is not None:
            ahead = key > tuple_(before.created_at, before.id)
            if not newest:
                ahead = key < tuple_(before.created_at, before.id)
            counted, size = counted.where(ahead), PAGE_SIZE
        else:
            size = total - (pages - 1) * PAGE_SIZE or PAGE_SIZE
        rows = session.execute(counted.order_by(*backward).limit(size)).all()[::-1]
    else:
        offset = (page - 1) * PAGE_SIZE
        rows = session.execute(counted.order_by(*forward).limit(PAGE_SIZE).offset(offset)).all()
    reports = [(r, int(n)) for r, n in rows]
    return QueuePage(
        reports,
        total,
        page,
        pages,
        next_cursor=Cursor.of(reports[-1][0]).token if reports and page < pages else None,
        prev_cursor=Cursor.of(reports[0][0]).token if reports and page > 1 else None,
    )

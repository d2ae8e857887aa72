"""The coordinators' queue: filters, sorting and paging of a kommun's reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, tuple_
from sqlalchemy.orm import Session, selectinload

from core.clock import local_midnight
from core.idlists import in_ids
from feedback import reasons as taxonomy
from feedback.models import Report, ReportReason
from feedback.services import normalize_receipt
from kommun.models import Kommun, Landmark
from privacy.masking import PLACEHOLDERS, mask
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
        conditions.append(in_ids(Report.id, f.report_ids))
    if not f.show_hidden:
        conditions.append(Report.hidden.is_(False))
    if not f.show_merged:
        conditions.append(Report.merged_into_id.is_(None))
    return conditions


def _filtered(kommun: Kommun, f: QueueFilters) -> Select[Report]:
    return select(Report).where(Report.kommun_id == kommun.id, *_conditions(f))


def _words(text: str) -> list[str]:
    return [w for w in text.casefold().replace(",", " ").split() if w]


def _identifier_conditions(text: str) -> list[ColumnElement[bool]]:
    """What a resident reads out: the receipt code, the registration number, its bare number."""
    conditions: list[ColumnElement[bool]] = []
    receipt = normalize_receipt(text)
    if receipt is not None:
        conditions.append(Report.receipt_code == receipt)
    number = text.strip().upper()
    if number and len(number) <= 32 and all(ch.isdigit() or ch == "-" for ch in number):
        conditions.append(Report.registration_number == number)
        tail = number.rpartition("-")[2]
        if tail.isdigit() and len(tail) <= 9:
            conditions.append(Report.id == int(tail))
    return conditions


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _landmark_names(session: Session, kommun: Kommun) -> dict[int, str]:
    """The kommun's landmarks are a few dozen rows: their names are matched in Python."""
    rows = session.execute(
        select(Landmark.id, Landmark.name).where(Landmark.kommun_id == kommun.id)
    )
    return {landmark_id: name for landmark_id, name in rows}


def _masked_match(
    rows: Iterable[Any],
    words: list[str],
    names: dict[int, str],
) -> set[int]:
    """Ids whose *masked* text, address or landmark name holds every word."""
    found: set[int] = set()
    for report_id, description, place, landmark_id in rows:
        haystack = " ".join(
            (mask(description).text, mask(place).text, names.get(landmark_id or 0, ""))
        ).casefold()
        if all(word in haystack for word in words):
            found.add(report_id)
    return found


def _columns(query: Select[Report]) -> Select[int, str, str | None, int | None]:
    return query.with_only_columns(
        Report.id, Report.description, Report.place_description, Report.landmark_id
    )


# Every detail that masking hides holds one of these: an @ (e-mail), six digits in a row
# with at most single spaces or dashes between them (personnummer, phone numbers), or three
# letters and two digits (number plates). Text without any reads the same masked
# (tests/privacy: MASKABLE_PATTERN never misses what privacy.masking hides).
MASKABLE_PATTERN = r"@|\d([\s-]?\d){5}|[A-Z]{3} ?\d{2}|[A-Za-z]{3}\d{2}"
_MASKABLE = or_(
    Report.description.regexp_match(MASKABLE_PATTERN),
    func.coalesce(Report.place_description, "").regexp_match(MASKABLE_PATTERN),
)


def _word_matches(
    session: Session, kommun: Kommun, query: Select[Report], text: str
) -> ColumnElement[bool]:
    """Reports whose masked text, address or landmark holds every word.

    A search must not find hidden details. On PostgreSQL each word is an ILIKE on the
    trigram index (or the landmarks named so); only matching rows that could hold a hidden
    detail (MASKABLE_PATTERN) are read and checked in Python, and the few where a word
    hit only a hidden detail are left out. SQLite, the development database, checks the
    kommun's filtered rows in Python.
    """
    words = _words(text)
    names = _landmark_names(session, kommun)
    if session.get_bind().dialect.name != "postgresql":
        ids = _masked_match(session.execute(_columns(query)), words, names)
        return Report.id.in_(ids or {-1})
    conditions: list[ColumnElement[bool]] = []
    for word in words:
        named = {i for i, name in names.items() if word in name.casefold()}
        either: list[ColumnElement[bool]] = [
            Report.description.ilike(_like_pattern(word), escape="\\"),
            Report.place_description.ilike(_like_pattern(word), escape="\\"),
            Report.landmark_id.in_(named or {-1}),
        ]
        if any(word in placeholder for placeholder in PLACEHOLDERS.values()):
            either.append(_MASKABLE)  # "telefonnummer" finds the masked numbers
        conditions.append(or_(*either))
    # Of the rows that match in SQL, those where a word only matched inside a hidden detail
    # (usually none) are left out by id.
    candidates = list(session.execute(_columns(query.where(*conditions, _MASKABLE))))
    verified = _masked_match(candidates, words, names)
    hidden_only = {row[0] for row in candidates} - verified
    if hidden_only:
        conditions.append(Report.id.not_in(hidden_only))
    return and_(*conditions)


def search_condition(
    session: Session, kommun: Kommun, query: Select[Report], text: str
) -> ColumnElement[bool]:
    """Reports that match what a caller says: a code, a number, a landmark or words."""
    return or_(*_identifier_conditions(text), _word_matches(session, kommun, query, text))


def _matching(session: Session, kommun: Kommun, f: QueueFilters) -> Select[Report]:
    query = _filtered(kommun, f)
    if f.text.strip():
        query = query.where(search_condition(session, kommun, query, f.text.strip()))
    return query


def _count(session: Session, query: Select[Report]) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def count_matching(session: Session, kommun: Kommun, f: QueueFilters) -> int:
    """How many of the kommun's reports the filters let through."""
    return _count(session, _matching(session, kommun, f))


def queue_page(
    session: Session,
    kommun: Kommun,
    f: QueueFilters,
    page: int = 1,
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    last: bool = False,
    total: int | None = None,
) -> QueuePage:
    """One page of the kommun's reports with their supporter counts.

    Sorted by date, the page after or before a cursor, or the last page, is found on the
    (kommun_id, created_at, id) index, so paging costs the same at the end of a million
    reports as at the start; `page` then only labels it. Without a cursor (or sorted by
    supporters) `page` is an offset, which is cheap for the first pages. `total`, when the
    caller has it (count_matching, kept in a cache), saves counting the matching reports.
    """
    query = _matching(session, kommun, f)
    if total is None:
        total = _count(session, query)
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

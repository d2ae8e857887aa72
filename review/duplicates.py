"""Duplicate suggestions on a report's page: the same place and much the same words.

A resident who phones in what another already wrote, or two neighbours writing about the
same dark tunnel, make two reports of one place. A suggestion must be worth a coordinator's
click: the same kind of report (a *trygg* place is never a duplicate of an unsafe one), at
the same place, with similar text or the same reasons; the newest first, since a fresh
report usually repeats a recent one.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Select, select, union_all
from sqlalchemy.orm import Session, selectinload

from feedback.models import Report, ReportReason
from geo.cells import keys_covering
from geo.projection import distance_m

# Small words that say nothing about a place (Swedish function words).
_STOP_WORDS = frozenset(
    "och att det som för med den har inte ett till var jag vid när där man kan alla efter "
    "eller från han hon hen mot men nog när sin vår vad över under mycket också här bara "
    "blir varit finns helt ofta även the".split()
)
_WORD = re.compile(r"[^\W\d_]{3,}")
# Swedish bends words at the end (mörk, mörkt, mörka; gångtunnel, gångtunneln): compare stems.
_STEM = 5
SIMILAR_TEXT = 0.25
POOL = 200


@dataclass(frozen=True)
class Candidate:
    report: Report
    distance_m: float
    same_landmark: bool
    text_similarity: float
    shared_reasons: tuple[str, ...]

    @property
    def similar_text(self) -> bool:
        return self.text_similarity >= SIMILAR_TEXT


def stems(text: str | None) -> frozenset[str]:
    """The words of a text that can say what the place is like, cut to a common stem."""
    return frozenset(
        word[:_STEM] for word in _WORD.findall((text or "").casefold()) if word not in _STOP_WORDS
    )


def text_similarity(a: str | None, b: str | None) -> float:
    """Jaccard similarity of the two texts' stems, 0 (nothing shared) to 1 (the same words)."""
    left, right = stems(a), stems(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


class _Texts(Protocol):
    @property
    def description(self) -> str | None: ...

    @property
    def place_description(self) -> str | None: ...


def _texts(report: _Texts) -> str:
    return f"{report.description or ''} {report.place_description or ''}"


def _looks_like(text: str, other_text: str, similarity: float, shared: set[str]) -> bool:
    if similarity >= SIMILAR_TEXT:
        return True
    # Reports without much text (a pin and a few ticks): the same reasons at the same place.
    short = len(stems(text)) < 3 or len(stems(other_text)) < 3
    return bool(shared) and (short or similarity > 0)


def newest_nearby(report: Report, radius_m: float) -> Select[Any]:
    """Ids of the newest POOL reports of the report's kind in a box around it.

    Asked per 250 m grid cell the box touches (two to four): each cell's newest first from
    the (kommun_id, cell_250, created_at, id, kind, …) index, stopping at POOL. A box on the
    latitude and longitude alone would read every index entry in the box's band of latitude
    across the kommun to sort them by time: tens of thousands at a million reports.
    """
    dlat = radius_m / 111_000.0 * 1.2
    dlon = dlat / max(math.cos(math.radians(report.lat)), 0.1)
    south, west, north, east = (
        report.lat - dlat,
        report.lon - dlon,
        report.lat + dlat,
        report.lon + dlon,
    )
    per_cell = [
        select(Report.id, Report.created_at)
        .where(
            Report.kommun_id == report.kommun_id,
            Report.cell_250 == key,
            Report.kind == report.kind,
            Report.lat.between(south, north),
            Report.lon.between(west, east),
            Report.merged_into_id.is_(None),
            Report.supports_id.is_(None),
            Report.id != report.id,
        )
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(POOL)
        .subquery()
        for key in keys_covering(south, west, north, east)
    ]
    both = union_all(*(select(cell.c.id, cell.c.created_at) for cell in per_cell)).subquery()
    return select(both.c.id).order_by(both.c.created_at.desc(), both.c.id.desc()).limit(POOL)


def duplicate_candidates(
    session: Session, report: Report, radius_m: float = 75.0, limit: int = 5
) -> list[Candidate]:
    """Reports of the same kommun and kind at this one's place that may say the same, newest first.

    The database picks the newest few hundred reports inside a box around the point from an
    index, cell by cell (the densest spot's box holds tens of thousands at a million
    reports). Those are compared on their columns and reasons alone; only the few suggested
    are loaded as reports, for the page.
    """
    newest = list(session.scalars(newest_nearby(report, radius_m)))
    if not newest:
        return []
    rows = {
        row.id: row
        for row in session.execute(
            select(
                Report.id,
                Report.lat,
                Report.lon,
                Report.landmark_id,
                Report.description,
                Report.place_description,
            ).where(Report.id.in_(newest))
        )
    }
    reasons: dict[int, set[str]] = defaultdict(set)
    for report_id, code in session.execute(
        select(ReportReason.report_id, ReportReason.code).where(ReportReason.report_id.in_(newest))
    ):
        reasons[report_id].add(code)
    pool = [rows[report_id] for report_id in newest if report_id in rows]
    distances = distance_m(report.lat, report.lon, [r.lat for r in pool], [r.lon for r in pool])
    own_text, own_reasons = _texts(report), set(report.reason_codes)
    found: list[tuple[int, float, bool, float, tuple[str, ...]]] = []
    for other, metres in zip(pool, distances, strict=True):
        same_landmark = report.landmark_id is not None and other.landmark_id == report.landmark_id
        if float(metres) > radius_m and not same_landmark:
            continue
        other_text = _texts(other)
        similarity = text_similarity(own_text, other_text)
        shared = own_reasons & reasons[other.id]
        if not _looks_like(own_text, other_text, similarity, shared):
            continue
        found.append((other.id, float(metres), same_landmark, similarity, tuple(sorted(shared))))
        if len(found) == limit:
            break
    shown = {
        other.id: other
        for other in session.scalars(
            select(Report)
            .where(Report.id.in_([f[0] for f in found]))
            .options(selectinload(Report.reasons), selectinload(Report.landmark))
        )
    }
    return [
        Candidate(shown[report_id], metres, same_landmark, similarity, shared)
        for report_id, metres, same_landmark, similarity, shared in found
    ]

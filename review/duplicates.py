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
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from feedback.models import Report
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


def _texts(report: Report) -> str:
    return f"{report.description or ''} {report.place_description or ''}"


def _looks_like(report: Report, other: Report, similarity: float, shared: set[str]) -> bool:
    if similarity >= SIMILAR_TEXT:
        return True
    # Reports without much text (a pin and a few ticks): the same reasons at the same place.
    short = len(stems(_texts(report))) < 3 or len(stems(_texts(other))) < 3
    return bool(shared) and (short or similarity > 0)


def newest_nearby(report: Report, radius_m: float) -> Select[int]:
    """Ids of the newest POOL reports of the report's kind in a box around it (index only)."""
    dlat = radius_m / 111_000.0 * 1.2
    dlon = dlat / max(math.cos(math.radians(report.lat)), 0.1)
    return (
        select(Report.id)
        .where(
            Report.kommun_id == report.kommun_id,
            Report.lat.between(report.lat - dlat, report.lat + dlat),
            Report.lon.between(report.lon - dlon, report.lon + dlon),
            Report.kind == report.kind,
            Report.merged_into_id.is_(None),
            Report.supports_id.is_(None),
            Report.id != report.id,
        )
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(POOL)
    )


def duplicate_candidates(
    session: Session, report: Report, radius_m: float = 75.0, limit: int = 5
) -> list[Candidate]:
    """Reports of the same kommun and kind at this one's place that may say the same, newest first.

    The database picks the newest few hundred reports inside a box around the point from the
    (kommun_id, lat, lon, …, created_at) index alone, without reading a row (the densest
    spot's box holds tens of thousands at a million reports); only those rows are loaded,
    measured and compared.
    """
    newest = list(session.scalars(newest_nearby(report, radius_m)))
    rows = session.scalars(
        select(Report)
        .where(Report.id.in_(newest))
        .options(selectinload(Report.reasons), selectinload(Report.landmark))
    )
    order = {report_id: k for k, report_id in enumerate(newest)}
    pool = sorted(rows, key=lambda r: order[r.id])
    if not pool:
        return []
    distances = distance_m(report.lat, report.lon, [r.lat for r in pool], [r.lon for r in pool])
    own_reasons = set(report.reason_codes)
    found: list[Candidate] = []
    for other, metres in zip(pool, distances, strict=True):
        same_landmark = report.landmark_id is not None and other.landmark_id == report.landmark_id
        if float(metres) > radius_m and not same_landmark:
            continue
        similarity = text_similarity(_texts(report), _texts(other))
        shared = own_reasons & set(other.reason_codes)
        if not _looks_like(report, other, similarity, shared):
            continue
        found.append(
            Candidate(other, float(metres), same_landmark, similarity, tuple(sorted(shared)))
        )
        if len(found) == limit:
            break
    return found

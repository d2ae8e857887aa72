"""Counts over a kommun's reports, done in SQL on indexed columns: flat at a million reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm import Session

from feedback.models import Report
from hotspots.services import HotSpotParams, counted_query
from kommun.models import Kommun


def cell_counts(
    session: Session, kommun: Kommun, start: datetime, end: datetime, min_count: int
) -> list[tuple[int, int]]:
    """(grid key, count) of the 250 m cells with at least min_count counted reports."""
    counted = counted_query(kommun, HotSpotParams(), start, end)
    rows = session.execute(
        counted.with_only_columns(Report.cell_250, func.count())
        .group_by(Report.cell_250)
        .having(func.count() >= min_count)
    ).all()
    return [(int(key), int(n)) for key, n in rows if key is not None]

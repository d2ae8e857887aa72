"""What a coordinator can say about a report (the labels are core.statuses')."""

from __future__ import annotations

from core.statuses import (
    CHANGE_LABELS,
    CLOSE_REASONS,
    FORWARD_TARGETS,
    SOURCE_LABELS,
    STAFF_STATUS_LABELS,
    TREND_LABELS,
    TREND_SYMBOLS,
    change_label,
    close_reason,
    forward_target,
    source_label,
    staff_status,
)
from feedback.models import STATUSES
from feedback.reasons import DAY_TYPE_LABELS, TIME_LABELS

__all__ = [
    "CHANGE_LABELS",
    "CLOSE_REASONS",
    "FORWARD_TARGETS",
    "SOURCE_LABELS",
    "STAFF_STATUS_LABELS",
    "TREND_LABELS",
    "TREND_SYMBOLS",
    "change_label",
    "close_reason",
    "forward_target",
    "source_label",
    "staff_status",
    "when_label",
]

assert set(STAFF_STATUS_LABELS) == set(STATUSES)


def when_label(code: str) -> str:
    """dag, kvall, natt, vardag, helg in the reader's language."""
    return str(TIME_LABELS.get(code) or DAY_TYPE_LABELS.get(code) or code)

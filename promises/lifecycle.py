"""A promise's year: draft → signed → running → ended → evaluated → archived.

The phase is computed from the period (in the kommun's local days) and the explicit
decisions: signing (status "undertecknat"), ending early (status "avslutat", ended_on),
evaluating (evaluated_on) and archiving (archived_on). Nobody has to close a promise by
hand for it to stop being current.
"""

from __future__ import annotations

from datetime import date

from promises.models import Promise

PHASES = ("draft", "signed", "running", "ended", "evaluated", "archived")
CURRENT = frozenset({"signed", "running"})
EARLIER = frozenset({"ended", "evaluated", "archived"})


def last_day(promise: Promise) -> date:
    """The promise's last day: its end date, or the day it was ended early."""
    if promise.ended_on is not None and promise.ended_on < promise.ends_on:
        return max(promise.ended_on, promise.starts_on)
    return promise.ends_on


def phase(promise: Promise, today: date) -> str:
    """Where the promise is in its year on `today` (a local date)."""
    if promise.status == "utkast":
        return "draft"
    if promise.archived_on is not None:
        return "archived"
    if promise.evaluated_on is not None:
        return "evaluated"
    if promise.status == "avslutat" or today > last_day(promise):
        return "ended"
    if today < promise.starts_on:
        return "signed"
    return "running"


def asks_feeling(promise: Promise, today: date) -> bool:
    """Residents are asked "Känns det tryggare här nu?" only while the promise runs."""
    return phase(promise, today) == "running"


def can_end(promise: Promise, today: date) -> bool:
    return phase(promise, today) in CURRENT


def can_evaluate(promise: Promise, today: date) -> bool:
    return phase(promise, today) in {"ended", "evaluated"}


def can_archive(promise: Promise, today: date) -> bool:
    return phase(promise, today) == "evaluated"


def end_early(promise: Promise, today: date) -> None:
    """The decision to end the promise now (or on its end date, if that has passed)."""
    promise.status = "avslutat"
    promise.ended_on = min(today, promise.ends_on)

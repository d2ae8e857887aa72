"""The kommun's clock: what time it is, and where a Swedish local day begins and ends.

Timestamps are stored as aware UTC instants; days (a queue filter, a period, a follow-up)
are local Swedish days. Every conversion between the two goes through this module, so the
machine's own time zone never decides which day a report belongs to.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Europe/Stockholm")


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def local_today() -> date:
    """Today's date in Sweden (not the machine's date, which may be UTC's)."""
    return datetime.now(LOCAL_ZONE).date()


def local_day(moment: datetime) -> date:
    """The Swedish date of an aware instant."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; timestamps are aware UTC")
    return moment.astimezone(LOCAL_ZONE).date()


def local_midnight(day: date) -> datetime:
    """The first instant of a Swedish day, in UTC (daylight saving never moves midnight)."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_ZONE).astimezone(UTC)

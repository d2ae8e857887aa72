"""Reporting periods in Swedish local time: the EST week, a month, the council's tertial."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.clock import local_midnight

KINDS = ("week", "month", "tertial", "year")


@dataclass(frozen=True)
class Period:
    """Whole local days from `first` to `last` (inclusive)."""

    kind: str
    first: date
    last: date

    @property
    def start(self) -> datetime:
        """The first instant, in UTC."""
        return local_midnight(self.first)

    @property
    def end(self) -> datetime:
        """The first instant after the period, in UTC (exclusive)."""
        return local_midnight(self.last + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def number(self) -> int:
        """Week number (ISO), month 1–12, tertial 1–3, or the year."""
        if self.kind == "week":
            return self.first.isocalendar().week
        if self.kind == "month":
            return self.first.month
        if self.kind == "tertial":
            return (self.first.month - 1) // 4 + 1
        return self.first.year

    def previous(self) -> Period:
        if self.kind not in KINDS:  # a custom span: the same number of days just before
            return Period(
                self.kind, self.first - timedelta(days=self.days), self.first - timedelta(days=1)
            )
        return period_for(self.kind, self.first - timedelta(days=1))

    def next(self) -> Period:
        if self.kind not in KINDS:
            return Period(
                self.kind, self.last + timedelta(days=1), self.last + timedelta(days=self.days)
            )
        return period_for(self.kind, self.last + timedelta(days=1))

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last

    def buckets(self) -> list[tuple[date, date]]:
        """The chart's bars: days of a week, weeks of a month or tertial, months of a year."""
        if self.kind == "week":
            return [(d, d) for d in (self.first + timedelta(days=i) for i in range(7))]
        if self.kind == "year":
            return [
                (p.first, p.last)
                for p in (period_for("month", date(self.first.year, m, 1)) for m in range(1, 13))
            ]
        out = []
        day = self.first
        while day <= self.last:
            week_end = min(self.last, day + timedelta(days=6 - day.weekday()))
            out.append((day, week_end))
            day = week_end + timedelta(days=1)
        return out


def period_for(kind: str, day: date) -> Period:
    """The period of that kind holding the day."""
    if kind == "week":
        first = day - timedelta(days=day.weekday())
        return Period(kind, first, first + timedelta(days=6))
    if kind == "month":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return Period(kind, first, following - timedelta(days=1))
    if kind == "tertial":
        start_month = (day.month - 1) // 4 * 4 + 1
        first = date(day.year, start_month, 1)
        following = (
            date(day.year + 1, 1, 1) if start_month == 9 else date(day.year, start_month + 4, 1)
        )
        return Period(kind, first, following - timedelta(days=1))
    if kind == "year":
        return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31))
    raise ValueError(f"unknown period kind {kind!r}")

"""Counts of a kommun's reports per local day, kept by the database itself.

The lägesbild and the public map count a year of reports; at a million reports reading a
year of index entries costs more than a page may. These tables hold the same counts per
day (per week for the map's cells), a few hundred rows per day whatever the number of
reports.

Triggers on report and report_reason (migration 0027_report_day_rollups) keep them in step
with every insert, update and delete, whether it comes through the ORM or a bulk statement:
a report edited, hidden, merged, asked to be erased or deleted moves its counts in the same
transaction. Reports asked to be erased are not counted anywhere. A row may hold 0 once its
reports are gone.

- report_day: every report not asked to be erased, by the day it is counted on
  (report.counted_day), kind, whether it counts as a place (not hidden, not merged), source,
  status, time of day flags and reporting organisation ('' for none).
- report_reason_day: the reasons of the reports that count as unsafe places, by counted day.
- report_cell_week: the unsafe places per 250 m grid cell, by the week (its Monday) they
  came in (report.created_day): the public map's population, whose year starts on a Monday.
- report_service_week: Open311's public requests per cell, service, status and week
  (migration 0032, its own triggers).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db import Base

# Tables the database fills itself: never written by the app, never copied or restored.
DERIVED = {"derived": True}
# On SQLite the rows are stored in their key's order (WITHOUT ROWID): a range of days reads
# its counts straight from the key, with no second look-up per row.
TABLE_ARGS = {"info": DERIVED, "sqlite_with_rowid": False}


class ReportDay(Base):
    __tablename__ = "report_day"
    __table_args__ = TABLE_ARGS

    kommun_id: Mapped[int] = mapped_column(
        ForeignKey("kommun.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    counted: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    source: Mapped[str] = mapped_column(String(12), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    at_day: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    at_evening: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    at_night: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    organisation: Mapped[str] = mapped_column(String(120), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class ReportReasonDay(Base):
    __tablename__ = "report_reason_day"
    __table_args__ = TABLE_ARGS

    kommun_id: Mapped[int] = mapped_column(
        ForeignKey("kommun.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class ReportCellWeek(Base):
    __tablename__ = "report_cell_week"
    __table_args__ = TABLE_ARGS

    kommun_id: Mapped[int] = mapped_column(
        ForeignKey("kommun.id", ondelete="CASCADE"), primary_key=True
    )
    week: Mapped[date] = mapped_column(Date, primary_key=True)  # its Monday
    cell_250: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class ReportServiceWeek(Base):
    """Open311's public population per 250 m cell, service (first reason), status and week
    (its Monday, from report.created_day): reports not asked to be erased, not hidden, not
    merged, with a cell and a service, of every kind (migration 0032)."""

    __tablename__ = "report_service_week"
    __table_args__ = TABLE_ARGS

    kommun_id: Mapped[int] = mapped_column(
        ForeignKey("kommun.id", ondelete="CASCADE"), primary_key=True
    )
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    cell_250: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    service_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)

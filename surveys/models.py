"""Instruments and their versions, dialogue sessions, paper sheets and walk stops."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db import Base, utcnow
from kommun.models import Kommun

METHODS = ("gatuenkat", "trygghetsvandring", "skolbesok", "mote", "digital")
DOUBLE_ENTRY = ("none", "all", "sample")
DECISIONS = ("genomfors", "genomfors_ej", "utreds")


class Instrument(Base):
    """A survey a kommun uses; its questions live in versions."""

    __tablename__ = "survey_instrument"

    id: Mapped[int] = mapped_column(primary_key=True)
    kommun_id: Mapped[int] = mapped_column(ForeignKey("kommun.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    template: Mapped[str | None] = mapped_column(String(40))  # the built-in it was copied from
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    kommun: Mapped[Kommun] = relationship()
    versions: Mapped[list[InstrumentVersion]] = relationship(
        back_populates="instrument", order_by="InstrumentVersion.number"
    )

    @property
    def current(self) -> InstrumentVersion:
        return self.versions[-1]


class InstrumentVersion(Base):
    """The exact questions sheets were collected with. Frozen once a sheet points at it."""

    __tablename__ = "survey_instrument_version"
    __table_args__ = (UniqueConstraint("instrument_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(
        ForeignKey("survey_instrument.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    instrument: Mapped[Instrument] = relationship(back_populates="versions")

    def question(self, code: str) -> dict[str, Any] | None:
        return next((q for q in self.questions if q["code"] == code), None)


class DialogueSession(Base):
    """One dialogue: a gatuenkät at the market, a school visit, a trygghetsvandring …"""

    __tablename__ = "dialogue_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    kommun_id: Mapped[int] = mapped_column(ForeignKey("kommun.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_instrument_version.id", ondelete="RESTRICT"), index=True
    )
    held_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(20))
    team: Mapped[str] = mapped_column(Text, default="")  # one member per line
    people_reached: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Double entry: "none", "all" sheets, or a "sample" of sample_percent of them.
    double_entry: Mapped[str] = mapped_column(String(8), default="none")
    sample_percent: Mapped[int] = mapped_column(Integer, default=20)
    # A trygghetsvandring's route, and whether its protocol is public.
    route: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    kommun: Mapped[Kommun] = relationship()
    version: Mapped[InstrumentVersion] = relationship()
    stops: Mapped[list[WalkStop]] = relationship(
        back_populates="session", order_by="WalkStop.number", cascade="all, delete-orphan"
    )

    def needs_second_entry(self, sheet_number: int) -> bool:
        """Whether a second person must re-enter this sheet (a fixed, spread-out sample)."""
        if self.double_entry == "all":
            return True
        if self.double_entry == "sample":
            return (sheet_number * 7919) % 100 < self.sample_percent
        return False


class SheetResponse(Base):
    """One paper sheet as typed: pass 1 is the sheet, pass 2 a second person's re-entry."""

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("session_id", "sheet_number", "entry_pass"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("dialogue_session.id", ondelete="CASCADE"), index=True
    )
    sheet_number: Mapped[int] = mapped_column(Integer)
    entry_pass: Mapped[int] = mapped_column(Integer, default=1)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set on pass 1 when the second entry agreed or its disagreements were resolved.
    verified_at: Mapped[datetime | None] = mapped_column()
    # The place answer as a report (source "survey"), so it counts in hot spots.
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"))
    imported: Mapped[bool] = mapped_column(Boolean, default=False)

    session: Mapped[DialogueSession] = relationship()


class WalkStop(Base):
    """A numbered stop of a trygghetsvandring: what was seen, what is proposed, who decides."""

    __tablename__ = "walk_stop"
    __table_args__ = (UniqueConstraint("session_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("dialogue_session.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    place: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column()
    lon: Mapped[float | None] = mapped_column()
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    ratings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the walk instrument
    observations: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    decision: Mapped[str | None] = mapped_column(String(14))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[date | None] = mapped_column(Date)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id", ondelete="SET NULL"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"))
    # An optional photo, a file under the instance folder (staff only; never published).
    photo: Mapped[str | None] = mapped_column(String(80))
    photo_type: Mapped[str | None] = mapped_column(String(20))

    session: Mapped[DialogueSession] = relationship(back_populates="stops")


class PrintedSheet(Base):
    """A paper sheet printed for a dialogue: its id (in the QR code on every page), its number
    and the instrument version it was printed from, so a scan is read with the right questions.
    """

    __tablename__ = "survey_printed_sheet"
    __table_args__ = (UniqueConstraint("session_id", "sheet_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("dialogue_session.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_instrument_version.id", ondelete="RESTRICT")
    )
    sheet_number: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer, default=1)
    language: Mapped[str] = mapped_column(String(5), default="sv")
    # The landmark names printed under the place question: they decide where later boxes sit.
    place_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    printed_at: Mapped[datetime] = mapped_column(default=utcnow)
    printed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    # After a scan: {"pages": [scanned page numbers], "answers": {code: {"value",
    # "confidence"}}}, and the question codes a person still has to look at (uncertain
    # boxes, free text, the place).
    readings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pending: Mapped[list[str]] = mapped_column(JSON, default=list)
    scanned_at: Mapped[datetime | None] = mapped_column()

    session: Mapped[DialogueSession] = relationship()
    version: Mapped[InstrumentVersion] = relationship()


class ScanBatch(Base):
    """One upload of scanned sheets, read by a background job: its files wait under the
    instance folder until the job has read them, and the page shows how far it has come."""

    __tablename__ = "survey_scan_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("dialogue_session.id", ondelete="CASCADE"), index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    # "queued", "running" or "done"
    state: Mapped[str] = mapped_column(String(8), default="queued")
    files: Mapped[int] = mapped_column(Integer, default=0)
    pages_total: Mapped[int | None] = mapped_column(Integer)  # known once the files are opened
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    # When done: {"filed": [...], "not_found": n, "other_dialogue": n, "typed_already": [...],
    # "read_already": [...], "unreadable": n}
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Moved on after every page: a batch that stops moving lost its worker.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()

    session: Mapped[DialogueSession] = relationship()

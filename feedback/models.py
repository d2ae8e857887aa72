from __future__ import annotations

import base64
import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    event,
    false,
    func,
    inspect,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import local_day
from db import Base, utcnow
from geo.cells import cell_key
from kommun.models import Kommun, Landmark

if TYPE_CHECKING:
    from promises.models import Activity

KINDS = ("otrygg", "trygg")
SOURCES = ("online", "support", "survey", "walk", "staff", "open311")
LOCATION_METHODS = ("map", "gps", "landmark", "address")
TIMES_OF_DAY = ("dag", "kvall", "natt")
DAY_TYPES = ("vardag", "helg")
STATUSES = (
    "ny",
    "granskad",
    "del_av_hot_spot",
    "atgard_planerad",
    "vidarebefordrad",
    "avslutad",
)
AGE_BANDS = ("0-15", "16-19", "20-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+")
GENDERS = ("kvinna", "man", "annat")
# The languages a resident can be written to in (the residents' pages' languages).
MAIL_LANGUAGES = ("sv", "en", "ar")


PERIOD_INDEX_COLUMNS = (
    "kommun_id",
    "created_at",
    "id",
    "kind",
    "hidden",
    "merged_into_id",
    "erasure_requested_at",
    "source",
    "status",
    "at_day",
    "at_evening",
    "at_night",
    "lat",
    "lon",
    # Open311's public list reads a week's requests in public-token order from here (0032).
    "public_token",
    "cell_250",
    "service_code",
)


def _cell_of_inserted(context: Any) -> int | None:
    """The grid key of a row being inserted (ORM or Core), from its own lat/lon."""
    params = context.get_current_parameters()
    lat, lon = params.get("lat"), params.get("lon")
    return None if lat is None or lon is None else cell_key(lat, lon)


def _created_day_of_inserted(context: Any) -> date:
    """The local day a row being inserted came in on (its created_at, default now)."""
    created = context.get_current_parameters().get("created_at") or utcnow()
    return local_day(created)


def new_public_token() -> str:
    """The opaque part of a report's public id (privacy.public.public_id): random, so it
    tells nothing of when the report came or whose it is."""
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


def _counted_day_of_inserted(context: Any) -> date:
    """The local day a row being inserted is counted on: the event's, else its receipt's."""
    params = context.get_current_parameters()
    return local_day(params.get("occurred_at") or params.get("created_at") or utcnow())


class Report(Base):
    """A trygghetsförslag: a place, why it feels unsafe (or safe), and when.

    No IP address or user agent is ever stored; contact and demographics are optional.
    """

    __tablename__ = "report"
    __table_args__ = (
        # Reports in a box of latitude and longitude (the queue's area, a promise's place).
        Index("ix_report_kommun_latlon", "kommun_id", "lat", "lon"),
        # A report's page picks the newest reports of its kind around it, per grid cell, in
        # time order and filtered on the rest without reading a row (migration 0033; the
        # kind after the time, so that the per-cell counts keep ix_report_counted_cell).
        Index(
            "ix_report_cell_newest",
            "kommun_id",
            "cell_250",
            "created_at",
            "id",
            "kind",
            "lat",
            "lon",
            "merged_into_id",
            "supports_id",
        ),
        # The queue pages by (created_at, id) with a keyset cursor, newest or oldest first;
        # the rest of the columns let the lägesbild's counts of a period read the index alone.
        Index("ix_report_kommun_created_cover", *PERIOD_INDEX_COLUMNS),
        # The queue's count of its default view reads this index alone.
        Index("ix_report_queue_count", "kommun_id", "supports_id", "merged_into_id", "hidden"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kommun_id: Mapped[int] = mapped_column(ForeignKey("kommun.id"), index=True)
    # The resident's receipt: random, not sequential, stored without separators.
    receipt_code: Mapped[str] = mapped_column(String(16), unique=True)
    # The registration (diarium) number of the allmän handling.
    registration_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(8), default="otrygg")
    source: Mapped[str] = mapped_column(String(12), default="online")
    status: Mapped[str] = mapped_column(String(20), default="ny", index=True)

    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    location_method: Mapped[str] = mapped_column(String(10))
    landmark_id: Mapped[int | None] = mapped_column(ForeignKey("landmark.id", ondelete="SET NULL"))
    place_description: Mapped[str | None] = mapped_column(String(300))
    # The 250 m SWEREF 99 TM grid cell of lat/lon (geo.cells.cell_key), kept in step with
    # them: the public map and the lägesbild count per cell in SQL.
    cell_250: Mapped[int | None] = mapped_column(BigInteger, default=_cell_of_inserted)
    # Open311 presents a report under one service, its first reason (the least code): kept by
    # triggers on report_reason (migration 0031), set with the report at intake.
    service_code: Mapped[str | None] = mapped_column(String(40))
    # Its public id without the kommun's code (privacy.public.public_id); None: a row written
    # without the models (a bulk load), never shown to the public.
    public_token: Mapped[str | None] = mapped_column(String(16), default=new_public_token)
    # "Jag känner likadant": the report this one agrees with.
    supports_id: Mapped[int | None] = mapped_column(
        ForeignKey("report.id", ondelete="SET NULL"), index=True
    )

    at_day: Mapped[bool] = mapped_column(Boolean, default=False)
    at_evening: Mapped[bool] = mapped_column(Boolean, default=False)
    at_night: Mapped[bool] = mapped_column(Boolean, default=False)
    on_weekdays: Mapped[bool] = mapped_column(Boolean, default=False)
    on_weekends: Mapped[bool] = mapped_column(Boolean, default=False)
    recurring: Mapped[bool] = mapped_column(Boolean, default=False)
    # 1 lite otrygg .. 3 mycket otrygg; None when not given or for a trygg plats.
    unsafe_level: Mapped[int | None] = mapped_column(SmallInteger)
    own_experience: Mapped[bool | None] = mapped_column(Boolean)

    description: Mapped[str] = mapped_column(Text, default="")
    age_band: Mapped[str | None] = mapped_column(String(8))
    gender: Mapped[str | None] = mapped_column(String(8))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_consent_at: Mapped[datetime | None] = mapped_column()
    # The language the resident wrote in: every mail to them is in it.
    language: Mapped[str] = mapped_column(String(5), default="sv", server_default="sv")

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # When the event happened, when the reporter said so (EST observations): the lägesbild
    # counts it then. None: when it was received.
    occurred_at: Mapped[datetime | None] = mapped_column()
    # The local days of created_at and of counted_at, kept in step with them: the day
    # roll-ups (feedback.rollups) are kept by the database's triggers from these.
    created_day: Mapped[date | None] = mapped_column(Date, default=_created_day_of_inserted)
    counted_day: Mapped[date | None] = mapped_column(Date, default=_counted_day_of_inserted)

    @hybrid_property
    def counted_at(self) -> datetime:
        """The moment the lägesbild counts the report at: the event's, else its receipt."""
        return self.occurred_at or self.created_at

    @counted_at.inplace.expression
    @classmethod
    def _counted_at_expression(cls) -> ColumnElement[datetime]:
        return func.coalesce(cls.occurred_at, cls.created_at)

    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    erasure_requested_at: Mapped[datetime | None] = mapped_column()
    # Set by the retention job (privacy.retention): free text and contact gone, pin coarsened.
    anonymised_at: Mapped[datetime | None] = mapped_column()
    # An optional photo: a JPEG under the instance folder, metadata stripped (core.photos),
    # shown to staff only, deleted with the free text by the retention job.
    photo: Mapped[str | None] = mapped_column(String(80))

    # Review by coordinators (review/). Why a report was closed, and whom it went to.
    status_reason: Mapped[str | None] = mapped_column(String(30))
    forwarded_to: Mapped[str | None] = mapped_column(String(30))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    # Hidden reports stay in the queue but out of every aggregate (maps, lägesbild, counts).
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A duplicate points at the report it was merged into: both are kept, the place counts once.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("report.id", ondelete="SET NULL"), index=True
    )
    # The form's one-time id: a resubmission (a double click, a retry after a lost answer)
    # finds the report it already made instead of making another.
    submission_id: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)
    # The organisation of an EST rapportör who filed it (source "staff").
    organisation: Mapped[str | None] = mapped_column(String(120))

    kommun: Mapped[Kommun] = relationship()
    landmark: Mapped[Landmark | None] = relationship()
    supports: Mapped[Report | None] = relationship(remote_side=[id], foreign_keys=[supports_id])
    merged_into: Mapped[Report | None] = relationship(
        remote_side=[id], foreign_keys=[merged_into_id]
    )
    reasons: Mapped[list[ReportReason]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportReason.code"
    )

    @property
    def counts_in_aggregates(self) -> bool:
        """Whether maps and lägesbilder count this report as a place of its own."""
        return not self.hidden and self.merged_into_id is None

    @property
    def reason_codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    @property
    def times_of_day(self) -> list[str]:
        flags = (self.at_day, self.at_evening, self.at_night)
        return [name for name, on in zip(TIMES_OF_DAY, flags, strict=True) if on]

    @property
    def day_types(self) -> list[str]:
        flags = (self.on_weekdays, self.on_weekends)
        return [name for name, on in zip(DAY_TYPES, flags, strict=True) if on]

    @property
    def receipt_display(self) -> str:
        code = self.receipt_code
        return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


# The lägesbild and the hot-spot runs count a period by the event's time (counted_at): this
# index serves that range and holds every column the counts filter and group on (0022).
Index(
    "ix_report_kommun_counted_cover",
    Report.kommun_id,
    func.coalesce(Report.occurred_at, Report.created_at),
    Report.kind,
    Report.hidden,
    Report.merged_into_id,
    Report.erasure_requested_at,
    Report.source,
    Report.status,
    Report.at_day,
    Report.at_evening,
    Report.at_night,
    Report.lat,
    Report.lon,
    Report.occurred_at,
    Report.created_at,
)

# The queue's search: reports at a landmark (a resident names the place on the phone).
Index("ix_report_kommun_landmark", Report.kommun_id, Report.landmark_id)
# ... and words of the text or the address: trigram indexes answer ILIKE '%word%' on
# PostgreSQL (pg_trgm); SQLite, the development database, reads the kommun's rows instead.
Index(
    "ix_report_text_trgm",
    Report.description,
    Report.place_description,
    postgresql_using="gin",
    postgresql_ops={"description": "gin_trgm_ops", "place_description": "gin_trgm_ops"},
).ddl_if(dialect="postgresql")

# One public request is found by its id.
Index("ix_report_public_token", Report.public_token, unique=True)

# Counting per cell reads this index alone (it holds every column counted_query filters on),
# and so does counting the (cell, service) groups of given public requests (migration 0031).
Index(
    "ix_report_counted_cell",
    Report.kommun_id,
    Report.cell_250,
    Report.service_code,
    Report.created_at,
    Report.kind,
    Report.hidden,
    Report.merged_into_id,
    Report.erasure_requested_at,
    # PostgreSQL's indexes hold no row id of their own (SQLite's do): with it, joining the
    # cell's reports to their reasons reads this index alone (nearby: 480 to 168 ms at 1M).
    postgresql_include=["id"],
)


@event.listens_for(Report, "before_update")
def _moved_report_changes_cell(_mapper: Any, _connection: Any, report: Report) -> None:
    state = inspect(report)
    if state.attrs.lat.history.has_changes() or state.attrs.lon.history.has_changes():
        report.cell_250 = cell_key(report.lat, report.lon)


@event.listens_for(Report, "before_update")
def _redated_report_changes_days(_mapper: Any, _connection: Any, report: Report) -> None:
    state = inspect(report)
    if (
        state.attrs.created_at.history.has_changes()
        or state.attrs.occurred_at.history.has_changes()
    ):
        report.created_day = local_day(report.created_at)
        report.counted_day = local_day(report.counted_at)


class ReportReason(Base):
    __tablename__ = "report_reason"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("report.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)

    report: Mapped[Report] = relationship(back_populates="reasons")


class ReportUpdate(Base):
    """One step of a report's public timeline: a status change and/or a public reply.

    The reply (svar till förslagsställaren) is written for the resident and shown masked;
    internal notes stay in review.models.ReportNote.
    """

    __tablename__ = "report_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    # The status after this step (None: a reply without a change of status).
    status: Mapped[str | None] = mapped_column(String(20))
    status_reason: Mapped[str | None] = mapped_column(String(30))
    forwarded_to: Mapped[str | None] = mapped_column(String(30))
    # "Åtgärd planerad": the activity of a medborgarlöfte that the action belongs to.
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity.id", ondelete="SET NULL"), index=True
    )
    public_reply: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The mail that tells the resident about this step (several steps within an hour share one).
    mail_id: Mapped[int | None] = mapped_column(
        ForeignKey("outgoing_mail.id", ondelete="SET NULL"), index=True
    )

    activity: Mapped[Activity | None] = relationship()


class Questionnaire(Base):
    """ "Känns det tryggare där nu?", asked by mail weeks after action was planned or the
    report was closed. One per report; the first answer counts."""

    __tablename__ = "report_questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), unique=True)
    # The status that started the wait (atgard_planerad or avslutad).
    trigger_status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str | None] = mapped_column(String(12))
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(index=True)

    report: Mapped[Report] = relationship()

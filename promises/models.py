from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
    select,
)
from sqlalchemy.orm import (
    Mapped,
    Session,
    mapped_column,
    object_session,
    relationship,
    validates,
)

from accounts.models import User
from db import Base, utcnow
from kommun.models import Kommun, Landmark

# "Lokalpolisområde Östra Fyrbodal", "LPO Östra Fyrbodal", "lokalpolisområdet Värnamo".
_AREA_PREFIX = re.compile(r"^\s*(?:lokalpolisområde(?:t|ts)?|lpo)\b[\s:,-]*", re.IGNORECASE)


def police_area_name(value: str | None) -> str:
    """The police area's name without the word "lokalpolisområde", which pages add themselves."""
    text = (value or "").strip()
    name = _AREA_PREFIX.sub("", text).strip()
    return name or text


PROMISE_STATUSES = ("utkast", "undertecknat", "avslutat")
ACTIVITY_STATUSES = ("planerad", "pagar", "klar", "installd")
THEMES = (
    "barn_och_unga",
    "narkotika",
    "trafik",
    "centrummiljo",
    "bostadsomrade",
    "vald_i_nara_relation",
    "skadegorelse",
    "ordning",
    "annat",
)
FEELINGS = ("tryggare", "som_forut", "otryggare")

activity_focus = Table(
    "activity_focus",
    Base.metadata,
    Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    Column("focus_area_id", ForeignKey("focus_area.id", ondelete="CASCADE"), primary_key=True),
)


class KommunTheme(Base):
    """A theme of the kommun's own, beside or instead of the built-in THEMES.

    A kommun without rows uses THEMES. A row with a built-in code renames or hides it; a row
    with a code of its own (k<kommun id>-<slug>) adds a theme.
    """

    __tablename__ = "kommun_theme"
    __table_args__ = (UniqueConstraint("kommun_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kommun_id: Mapped[int] = mapped_column(ForeignKey("kommun.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Organisation(Base):
    """A party to the kommun's safety work: the kommun itself, the police, a housing company,
    a förening. Activities are owned by organisations; a partner account belongs to one."""

    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("kommun_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kommun_id: Mapped[int] = mapped_column(ForeignKey("kommun.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    kommun: Mapped[Kommun] = relationship()
    contacts: Mapped[list[ContactPerson]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="ContactPerson.id"
    )


class ContactPerson(Base):
    """Someone to call at an organisation about the activities it owns."""

    __tablename__ = "contact_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")

    organisation: Mapped[Organisation] = relationship(back_populates="contacts")


class ActivityOwner(Base):
    """An organisation owning an activity, in the order the promise names them."""

    __tablename__ = "activity_owner"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Agreement(Base):
    """A samverkansöverenskommelse: the kommun's agreement with the police (and partners),
    of which the medborgarlöften are the public part."""

    __tablename__ = "agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    kommun_id: Mapped[int] = mapped_column(ForeignKey("kommun.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # The parties, one per line (e.g. "Vänersborgs kommun", "Lokalpolisområde Östra Fyrbodal").
    parties: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    signed_on: Mapped[date | None] = mapped_column(Date)
    # Where the signed document is published (the kommun's diarium or website).
    document_url: Mapped[str | None] = mapped_column(String(500))
    # The signed document as an uploaded PDF, kept under the instance folder by a random
    # name (promises.documents_store); shown to the public only when published.
    document_file: Mapped[str | None] = mapped_column(String(64))
    document_name: Mapped[str | None] = mapped_column(String(200))
    document_size: Mapped[int | None] = mapped_column(Integer)
    document_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    kommun: Mapped[Kommun] = relationship()
    promises: Mapped[list[Promise]] = relationship(
        back_populates="agreement", order_by="Promise.starts_on"
    )

    @property
    def party_list(self) -> list[str]:
        return [line.strip() for line in self.parties.splitlines() if line.strip()]


class Promise(Base):
    """A medborgarlöfte: kommun and police promise the residents what they will do, and when."""

    __tablename__ = "promise"

    id: Mapped[int] = mapped_column(primary_key=True)
    kommun_id: Mapped[int] = mapped_column(ForeignKey("kommun.id", ondelete="CASCADE"), index=True)
    # The samverkansöverenskommelse the promise is part of, when it is recorded.
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreement.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    # The police area's name alone ("Östra Fyrbodal"): pages put "lokalpolisområde" before it.
    lokalpolisomrade: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(14), default="utkast")
    # Who signed, one per line (e.g. "Anna Andersson, kommunstyrelsens ordförande").
    signatories: Mapped[str] = mapped_column(Text, default="")
    signed_on: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")  # plain Swedish, for the public page
    # Follow-up cadence in months: 4 is a tertial.
    cadence_months: Mapped[int] = mapped_column(Integer, default=4)

    @validates("lokalpolisomrade")
    def _area_name_only(self, _key: str, value: str) -> str:
        return police_area_name(value)

    # Decisions of the year (see promises.lifecycle): ended before its last day, evaluated
    # (with a written conclusion for the whole promise), archived.
    ended_on: Mapped[date | None] = mapped_column(Date)
    evaluated_on: Mapped[date | None] = mapped_column(Date)
    archived_on: Mapped[date | None] = mapped_column(Date)
    evaluation_summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    kommun: Mapped[Kommun] = relationship()
    agreement: Mapped[Agreement | None] = relationship(back_populates="promises")
    focus_areas: Mapped[list[FocusArea]] = relationship(
        back_populates="promise", cascade="all, delete-orphan", order_by="FocusArea.id"
    )
    activities: Mapped[list[Activity]] = relationship(
        back_populates="promise", cascade="all, delete-orphan", order_by="Activity.id"
    )
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="promise",
        cascade="all, delete-orphan",
        order_by="(FollowUp.done_on.desc(), FollowUp.id.desc())",
    )

    @property
    def is_public(self) -> bool:
        return self.status != "utkast"


class FocusArea(Base):
    """What the promise is about: a theme, and/or a place (a hot spot, a landmark, an area)."""

    __tablename__ = "focus_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    promise_id: Mapped[int] = mapped_column(
        ForeignKey("promise.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(30), default="annat")
    description: Mapped[str] = mapped_column(Text, default="")
    # The place, when there is one: a hot spot by its lasting id (its polygon kept as it was
    # chosen), a landmark, or a drawn polygon. GeoJSON in WGS84.
    hotspot_stable_id: Mapped[str | None] = mapped_column(String(40), index=True)
    landmark_id: Mapped[int | None] = mapped_column(ForeignKey("landmark.id", ondelete="SET NULL"))
    polygon: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The evaluation (promises.indicators): what the area is measured by, where it started,
    # the target, the result stored when the evaluation was saved, and what it concludes.
    indicator: Mapped[str | None] = mapped_column(String(20))
    indicator_group: Mapped[str | None] = mapped_column(String(20))  # reason group, for "est"
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    result: Mapped[float | None] = mapped_column(Float)
    conclusion: Mapped[str] = mapped_column(Text, default="", server_default="")

    promise: Mapped[Promise] = relationship(back_populates="focus_areas")
    landmark: Mapped[Landmark | None] = relationship()
    activities: Mapped[list[Activity]] = relationship(
        secondary=activity_focus, back_populates="focus_areas", order_by="Activity.id"
    )

    @property
    def is_place(self) -> bool:
        return self.polygon is not None


class Activity(Base):
    """Something the promise says will be done, by whom, by when, and how far it has come."""

    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    promise_id: Mapped[int] = mapped_column(
        ForeignKey("promise.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Ongoing duties (police presence, trygghetsrundor) have a start and no end, deadline or
    # percentage: they are "pågående" until stopped.
    ongoing: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    starts_on: Mapped[date | None] = mapped_column(Date)
    target_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="planerad")
    progress: Mapped[int] = mapped_column(Integer, default=0)  # 0-100 %

    promise: Mapped[Promise] = relationship(back_populates="activities")
    focus_areas: Mapped[list[FocusArea]] = relationship(
        secondary=activity_focus, back_populates="activities", order_by="FocusArea.id"
    )
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="activity", order_by="(FollowUp.done_on, FollowUp.id)"
    )
    owner_links: Mapped[list[ActivityOwner]] = relationship(
        cascade="all, delete-orphan", order_by="ActivityOwner.position"
    )

    # Owner names set but not yet resolved to organisations (see _resolve_owners): a list
    # of names, or None. Not annotated, since it is not a column.
    _owner_names = None

    @property
    def owners(self) -> list[str]:
        """The owning organisations' names, in the promise's order."""
        if self._owner_names is not None:
            return list(self._owner_names)
        return [link.organisation.name for link in self.owner_links]

    @owners.setter
    def owners(self, names: list[str]) -> None:
        """Owners by name: each becomes the kommun's organisation of that name (now, when the
        activity is in a session and a promise; else when it is flushed)."""
        self._owner_names = list(dict.fromkeys(n.strip() for n in names if n.strip()))
        session = object_session(self)
        if session is not None and self.promise is not None:
            _link_owners(session, self)

    @property
    def organisations(self) -> list[Organisation]:
        return [link.organisation for link in self.owner_links]


class FollowUp(Base):
    """What was done, for an activity (or the promise as a whole), in a follow-up period."""

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    promise_id: Mapped[int] = mapped_column(
        ForeignKey("promise.id", ondelete="CASCADE"), index=True
    )
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity.id", ondelete="SET NULL"), index=True
    )
    # The first day of the follow-up period (a tertial with the default cadence).
    period_start: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    progress: Mapped[int | None] = mapped_column(Integer)  # the activity's progress then
    status: Mapped[str | None] = mapped_column(String(10))  # the activity's status, if set
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    promise: Mapped[Promise] = relationship(back_populates="follow_ups")
    activity: Mapped[Activity | None] = relationship(back_populates="follow_ups")
    author: Mapped[User | None] = relationship()


class PlaceFeeling(Base):
    """A resident's answer at a focus place: "känns det tryggare här nu?" (anonymous)."""

    __tablename__ = "place_feeling"

    id: Mapped[int] = mapped_column(primary_key=True)
    focus_area_id: Mapped[int] = mapped_column(
        ForeignKey("focus_area.id", ondelete="CASCADE"), index=True
    )
    answer: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PromiseSubscription(Base):
    """A resident who follows a promise by mail: confirmed by a link (double opt-in), then a
    digest of the follow-ups once per follow-up period. The address is used for nothing else."""

    __tablename__ = "promise_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    promise_id: Mapped[int] = mapped_column(
        ForeignKey("promise.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="sv")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column()
    # The first day of the last follow-up period a digest was made for.
    last_period: Mapped[date | None] = mapped_column(Date)

    promise: Mapped[Promise] = relationship()


def organisation_named(session: Session, kommun_id: int, name: str) -> Organisation:
    """The kommun's organisation of that name (case as first written), created if new."""
    with session.no_autoflush:
        for pending in session.new:
            if (
                isinstance(pending, Organisation)
                and pending.kommun_id == kommun_id
                and pending.name.casefold() == name.casefold()
            ):
                return pending
        found = session.scalars(
            select(Organisation).where(Organisation.kommun_id == kommun_id)
        ).all()
    match = next((o for o in found if o.name.casefold() == name.casefold()), None)
    if match is None:
        match = Organisation(kommun_id=kommun_id, name=name)
        session.add(match)
    return match


def _link_owners(session: Session, activity: Activity) -> None:
    names, activity._owner_names = activity._owner_names, None
    if names is None:
        return
    promise = activity.promise
    kommun_id = promise.kommun_id if promise.kommun_id is not None else promise.kommun.id
    organisations = [organisation_named(session, kommun_id, name) for name in names]
    current = {link.organisation_id: link for link in activity.owner_links if link.organisation_id}
    links = []
    for position, organisation in enumerate(organisations):
        link = current.get(organisation.id) if organisation.id else None
        if link is None:
            link = ActivityOwner(organisation=organisation)
        link.position = position
        links.append(link)
    activity.owner_links = links


@event.listens_for(Session, "before_flush")
def _resolve_owners(session: Session, _context: object, _instances: object) -> None:
    """Turn owner names set on new activities into links to the kommun's organisations."""
    for obj in list(session.new):
        if isinstance(obj, Activity) and obj._owner_names is not None and obj.promise:
            _link_owners(session, obj)

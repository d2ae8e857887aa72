"""Promises: drafting from hot spots, activities, follow-ups, evaluation. Services flush."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import force_locale
from shapely.geometry import Point, mapping, shape
from shapely.prepared import prep
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from accounts.models import User
from core.clock import local_midnight
from feedback import reasons as taxonomy
from feedback.models import Report
from feedback.questionnaire import answered_places
from geo.projection import plane
from hotspots.models import HotSpotRecord
from hotspots.services import HotSpotParams, current_run
from kommun.models import Kommun, Landmark
from promises.lifecycle import last_day
from promises.models import (
    Activity,
    Agreement,
    FocusArea,
    FollowUp,
    Organisation,
    PlaceFeeling,
    Promise,
)

LANDMARK_RADIUS_M = 150.0
STANDARD_OWNERS = ("Kommunen", "Polisen")


def current_hotspots(session: Session, kommun: Kommun) -> list[HotSpotRecord]:
    """The hot spots of the kommun's stored default run (what the lägesbild shows)."""
    run = current_run(session, kommun, HotSpotParams())
    return [h for h in run.hotspots if h.trend != "gone"] if run else []


def draft_promise(
    session: Session,
    kommun: Kommun,
    *,
    title: str,
    lokalpolisomrade: str,
    starts_on: date,
    ends_on: date,
    hotspots: list[HotSpotRecord],
    summary: str = "",
) -> Promise:
    """A draft with one focus area per chosen hot spot, keeping the spot's lasting id."""
    promise = Promise(
        kommun=kommun,
        title=title,
        lokalpolisomrade=lokalpolisomrade,
        starts_on=starts_on,
        ends_on=ends_on,
        summary=summary,
        status="utkast",
    )
    for spot in hotspots:
        promise.focus_areas.append(focus_from_hotspot(spot))
    session.add(promise)
    session.flush()
    return promise


def focus_from_hotspot(spot: HotSpotRecord, theme: str = "annat") -> FocusArea:
    with force_locale("sv"):  # stored text: in the source language, outside requests too
        top = [taxonomy.label(code) for code in list((spot.stats or {}).get("reasons", {}))[:2]]
    return FocusArea(
        title=spot.name or spot.stable_id,
        theme=theme,
        hotspot_stable_id=spot.stable_id,
        polygon=spot.polygon,
        description=", ".join(top),
    )


def reusable_areas(session: Session, kommun: Kommun, promise: Promise) -> list[FocusArea]:
    """Areas the kommun drew or uploaded for its other promises, newest first and one per
    name: a place such as Torpa is drawn once and chosen again for the next promise."""
    drawn = session.scalars(
        select(FocusArea)
        .join(Promise, Promise.id == FocusArea.promise_id)
        .where(
            Promise.kommun_id == kommun.id,
            Promise.id != promise.id,
            FocusArea.polygon.is_not(None),
            FocusArea.hotspot_stable_id.is_(None),
            FocusArea.landmark_id.is_(None),
        )
        .order_by(Promise.starts_on.desc(), FocusArea.id.desc())
    )
    taken = {f.title.casefold() for f in promise.focus_areas}
    areas = []
    for focus in drawn:
        if focus.title.casefold() not in taken:
            taken.add(focus.title.casefold())
            areas.append(focus)
    return areas


def focus_from_area(area: FocusArea, theme: str) -> FocusArea:
    """A copy of an earlier promise's area for this one (its own row: either may be edited)."""
    return FocusArea(title=area.title, theme=theme, polygon=dict(area.polygon or {}))


def focus_from_landmark(landmark: Landmark, theme: str = "annat") -> FocusArea:
    """A landmark as a place: the circle of LANDMARK_RADIUS_M around it."""
    sweref = plane(3006)
    x, y = sweref.to_metres([landmark.lat], [landmark.lon])
    circle = Point(float(x[0]), float(y[0])).buffer(LANDMARK_RADIUS_M, quad_segs=16)
    return FocusArea(
        title=landmark.name,
        theme=theme,
        landmark_id=landmark.id,
        polygon=dict(mapping(sweref.geometry_to_wgs84(circle))),
    )


def owner_choices(session: Session, kommun: Kommun) -> list[SelectChoice]:
    """The owners to tick: the kommun and the police, then the kommun's other organisations."""
    names = list(STANDARD_OWNERS)
    known = {n.casefold() for n in names}
    for organisation in session.scalars(
        select(Organisation).where(Organisation.kommun_id == kommun.id).order_by(Organisation.name)
    ):
        if organisation.name.casefold() not in known:
            names.append(organisation.name)
            known.add(organisation.name.casefold())
    return [SelectChoice(n, n) for n in names]


def set_progress(activity: Activity, progress: int) -> None:
    activity.progress = max(0, min(100, progress))
    if activity.progress == 100:
        activity.status = "klar"
    elif activity.progress > 0 and activity.status == "planerad":
        activity.status = "pagar"


def state_as_of(activity: Activity, day: date | None = None) -> tuple[int, str]:
    """(progress, status) of an activity as its follow-ups up to `day` (inclusive) report it.

    Follow-ups are the record: the activity's own progress and status are a cache of this
    state with no day limit, so a correction or a deletion can always rebuild them.
    """
    progress, status = 0, "planerad"
    for entry in sorted(activity.follow_ups, key=lambda f: (f.done_on, f.id or 0)):
        if day is not None and entry.done_on > day:
            break
        if entry.progress is not None:
            progress = max(0, min(100, entry.progress))
            if progress == 100:
                status = "klar"
            elif progress > 0 and status == "planerad":
                status = "pagar"
        if entry.status:
            status = entry.status
            if status == "klar":
                progress = 100
    return progress, status


def refresh_state(activity: Activity) -> None:
    """Set the activity's progress and status from all its follow-ups."""
    activity.progress, activity.status = state_as_of(activity)


def follow_up_period(promise: Promise, day: date) -> date:
    """The first day of the follow-up period holding `day` (tertials: Jan, May, Sep)."""
    months = promise.cadence_months
    start_month = (day.month - 1) // months * months + 1
    return date(day.year, start_month, 1)


def periods_of(promise: Promise, today: date) -> list[date]:
    """Every follow-up period from the promise's start to its last day (or today)."""
    last = min(last_day(promise), today)
    out = []
    current = follow_up_period(promise, promise.starts_on)
    while current <= last:
        out.append(current)
        month = current.month - 1 + promise.cadence_months
        current = date(current.year + month // 12, month % 12 + 1, 1)
    return out


def period_end(promise: Promise, first: date) -> date:
    month = first.month - 1 + promise.cadence_months
    return date(first.year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def record_follow_up(
    session: Session,
    promise: Promise,
    *,
    activity: Activity | None,
    done_on: date,
    text: str,
    progress: int | None,
    author: User | None,
    status: str | None = None,
) -> FollowUp:
    entry = FollowUp(
        promise=promise,
        activity=activity,
        period_start=follow_up_period(promise, done_on),
        done_on=done_on,
        text=text,
        # An ongoing duty has no percentage: only what was done, and a status if it stopped.
        progress=progress if activity is not None and not activity.ongoing else None,
        status=(status or None) if activity is not None else None,
        author=author,
    )
    session.add(entry)
    session.flush()
    if activity is not None:
        refresh_state(activity)
        session.flush()
    return entry


# --- corrections ----------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A value as the audit log's JSON can keep it."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def apply_changes(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the attributes that differ; return {field: [old, new]} for the history."""
    changes = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
            setattr(obj, field, new)
    return changes


def content_of(obj: FocusArea | Activity | FollowUp) -> dict[str, Any]:
    """What a part of a promise said, kept in the history when it is deleted."""
    if isinstance(obj, FocusArea):
        return {"title": obj.title, "theme": obj.theme, "description": obj.description}
    if isinstance(obj, Activity):
        return {
            "title": obj.title,
            "owners": list(obj.owners),
            "target_on": _plain(obj.target_on),
            "description": obj.description,
        }
    return {
        "activity": obj.activity.title if obj.activity else None,
        "done_on": _plain(obj.done_on),
        "text": obj.text,
        "progress": obj.progress,
        "status": obj.status,
    }


def update_follow_up(
    session: Session,
    entry: FollowUp,
    *,
    activity: Activity | None,
    done_on: date,
    text: str,
    progress: int | None,
    status: str | None,
) -> dict[str, list[Any]]:
    """Correct a follow-up; the activities it touches get their state rebuilt."""
    before = entry.activity
    changes = apply_changes(
        entry,
        {
            "activity": activity,
            "done_on": done_on,
            "period_start": follow_up_period(entry.promise, done_on),
            "text": text,
            "progress": progress if activity is not None else None,
            "status": (status or None) if activity is not None else None,
        },
    )
    if "activity" in changes:
        changes["activity"] = [
            before.title if before else None,
            activity.title if activity else None,
        ]
    session.flush()
    for touched in {a for a in (before, activity) if a is not None}:
        session.refresh(touched, ["follow_ups"])
        refresh_state(touched)
    session.flush()
    return changes


def delete_follow_up(session: Session, entry: FollowUp) -> dict[str, Any]:
    """Remove a follow-up (from the public page and the feed too); returns what it said."""
    content = content_of(entry)
    activity = entry.activity
    session.delete(entry)
    session.flush()
    if activity is not None:
        session.refresh(activity, ["follow_ups"])
        refresh_state(activity)
        session.flush()
    return content


def delete_activity(session: Session, activity: Activity) -> dict[str, Any]:
    """Remove an activity and the follow-ups written about it; returns what they said."""
    content = content_of(activity) | {"follow_ups": [content_of(f) for f in activity.follow_ups]}
    for entry in list(activity.follow_ups):
        session.delete(entry)
    activity.promise.activities.remove(activity)
    session.delete(activity)
    session.flush()
    return content


def delete_focus(session: Session, focus: FocusArea) -> dict[str, Any]:
    """Remove a focus area (its activities stay, linked to the other areas)."""
    content = content_of(focus)
    focus.promise.focus_areas.remove(focus)
    session.delete(focus)
    session.flush()
    return content


# --- evaluation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    first: date
    last: date
    otrygg: int
    trygg: int

    @property
    def n(self) -> int:
        return self.otrygg + self.trygg

    @property
    def trygg_share(self) -> float | None:
        return None if self.n == 0 else self.trygg / self.n


@dataclass(frozen=True)
class PlaceEvaluation:
    focus: FocusArea
    before: Window
    after: Window
    feelings: dict[str, int]
    # The same place in today's stored hot spots (by lasting id), when it still is one.
    hotspot: HotSpotRecord | None = None

    @property
    def change(self) -> int:
        return self.after.otrygg - self.before.otrygg

    @property
    def feelings_n(self) -> int:
        return sum(self.feelings.values())


def count_in(
    session: Session, kommun_id: int, polygon: dict[str, Any], first: date, last: date
) -> tuple[int, int]:
    """Reports (otrygg, trygg) inside the polygon between two local dates, inclusive."""
    area = shape(polygon)
    min_lon, min_lat, max_lon, max_lat = area.bounds
    rows = session.execute(
        select(Report.lat, Report.lon, Report.kind).where(
            Report.kommun_id == kommun_id,
            Report.erasure_requested_at.is_(None),
            Report.hidden.is_(False),
            Report.merged_into_id.is_(None),
            Report.lat.between(min_lat, max_lat),
            Report.lon.between(min_lon, max_lon),
            Report.created_at >= local_midnight(first),
            Report.created_at < local_midnight(last + timedelta(days=1)),
        )
    ).all()
    inside = prep(area)
    kinds = Counter(kind for lat, lon, kind in rows if inside.contains(Point(lon, lat)))
    return kinds.get("otrygg", 0), kinds.get("trygg", 0)


def mailed_answers(
    session: Session,
    kommun_id: int,
    polygon: dict[str, Any],
    first: date,
    last: date | None = None,
) -> Counter[str]:
    """Answers by mail ("Känns det tryggare där nu?") about reports inside the place, given
    from the first local day (to the last, when given)."""
    area = shape(polygon)
    min_lon, min_lat, max_lon, max_lat = area.bounds
    inside = prep(area)
    until = local_midnight(last + timedelta(days=1)) if last else None
    return Counter(
        answer
        for lat, lon, answer in answered_places(
            session,
            kommun_id,
            (min_lat, min_lon, max_lat, max_lon),
            local_midnight(first),
            until,
        )
        if inside.contains(Point(lon, lat))
    )


def evaluate(session: Session, promise: Promise, today: date) -> list[PlaceEvaluation]:
    """For each focus place: reports and the trygg share before and since the start.

    "Since" runs from the start to the promise's last day or today, whichever is first;
    "before" is a window of the same length just before the start, so seasons compare.
    """
    after_last = min(last_day(promise), today)
    if after_last < promise.starts_on:
        after_last = promise.starts_on - timedelta(days=1)
    length = (after_last - promise.starts_on).days + 1
    before_first = promise.starts_on - timedelta(days=max(length, 0))
    before_last = promise.starts_on - timedelta(days=1)
    out = []
    spots = {h.stable_id: h for h in current_hotspots(session, promise.kommun)}
    for focus in promise.focus_areas:
        if focus.polygon is None:
            continue
        b = count_in(session, promise.kommun_id, focus.polygon, before_first, before_last)
        a = (
            count_in(session, promise.kommun_id, focus.polygon, promise.starts_on, after_last)
            if length > 0
            else (0, 0)
        )
        feelings = Counter(
            session.scalars(
                select(PlaceFeeling.answer).where(PlaceFeeling.focus_area_id == focus.id)
            )
        )
        feelings.update(
            mailed_answers(session, promise.kommun_id, focus.polygon, promise.starts_on)
        )
        out.append(
            PlaceEvaluation(
                focus,
                Window(before_first, before_last, *b),
                Window(promise.starts_on, after_last, *a),
                dict(feelings),
                spots.get(focus.hotspot_stable_id or ""),
            )
        )
    return out


def promises_of(session: Session, kommun: Kommun, *, public: bool) -> list[Promise]:
    query = select(Promise).where(Promise.kommun_id == kommun.id)
    if public:
        query = query.where(Promise.status != "utkast")
    return list(session.scalars(query.order_by(Promise.starts_on.desc(), Promise.id.desc())))


def agreements_of(session: Session, kommun: Kommun) -> list[Agreement]:
    """The kommun's samverkansöverenskommelser, the latest first."""
    return list(
        session.scalars(
            select(Agreement)
            .where(Agreement.kommun_id == kommun.id)
            .order_by(Agreement.starts_on.desc(), Agreement.id.desc())
        )
    )

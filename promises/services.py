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

from accounts.models import User
from core.clock import local_midnight
from feedback import reasons as taxonomy
from feedback.models import Report
from geo.projection import plane
from hotspots.models import HotSpotRecord
from hotspots.services import HotSpotParams, current_run
from kommun.models import Kommun, Landmark
from promises.models import Activity, FocusArea, FollowUp, PlaceFeeling, Promise

LANDMARK_RADIUS_M = 150.0


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


def set_progress(activity: Activity, progress: int) -> None:
    activity.progress = max(0, min(100, progress))
    if activity.progress == 100:
        activity.status = "klar"
    elif activity.progress > 0 and activity.status == "planerad":
        activity.status = "pagar"


def follow_up_period(promise: Promise, day: date) -> date:
    """The first day of the follow-up period holding `day` (tertials: Jan, May, Sep)."""
    months = promise.cadence_months
    start_month = (day.month - 1) // months * months + 1
    return date(day.year, start_month, 1)


def periods_of(promise: Promise, today: date) -> list[date]:
    """Every follow-up period from the promise's start to its end (or today)."""
    last = min(promise.ends_on, today)
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
) -> FollowUp:
    entry = FollowUp(
        promise=promise,
        activity=activity,
        period_start=follow_up_period(promise, done_on),
        done_on=done_on,
        text=text,
        progress=progress,
        author=author,
    )
    if activity is not None and progress is not None:
        set_progress(activity, progress)
    session.add(entry)
    session.flush()
    return entry


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


def _count_in(
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


def evaluate(session: Session, promise: Promise, today: date) -> list[PlaceEvaluation]:
    """For each focus place: reports and the trygg share before and since the start.

    "Since" runs from the start to the end of the promise or today, whichever is first;
    "before" is a window of the same length just before the start, so seasons compare.
    """
    after_last = min(promise.ends_on, today)
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
        b = _count_in(session, promise.kommun_id, focus.polygon, before_first, before_last)
        a = (
            _count_in(session, promise.kommun_id, focus.polygon, promise.starts_on, after_last)
            if length > 0
            else (0, 0)
        )
        feelings = Counter(
            session.scalars(
                select(PlaceFeeling.answer).where(PlaceFeeling.focus_area_id == focus.id)
            )
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

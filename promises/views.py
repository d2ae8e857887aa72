"""Coordinators' pages for medborgarlöften: draft, sign, activities, follow-ups, evaluation."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from shapely.geometry import box, mapping
from werkzeug.wrappers import Response

from accounts.access import kommun_scope, staff_user
from audit.services import record
from core.clock import local_today
from db import get_session
from promises.forms import (
    ActivityForm,
    FocusForm,
    FollowUpForm,
    NewPromiseForm,
    PromiseForm,
    _lines,
)
from promises.models import Activity, FocusArea, Promise
from promises.public_forms import (
    ACTIVITY_STATUS_LABELS,
    FEELING_LABELS,
    PROMISE_STATUS_LABELS,
    THEME_LABELS,
)
from promises.services import (
    current_hotspots,
    draft_promise,
    evaluate,
    focus_from_hotspot,
    focus_from_landmark,
    period_end,
    periods_of,
    promises_of,
    record_follow_up,
    set_progress,
)
from review.lagesbild import build
from review.periods import Period
from review.statuses import TREND_LABELS

bp = Blueprint("promises", __name__, url_prefix="/samordnare")


@bp.app_context_processor
def labels() -> dict[str, Any]:
    return {
        "theme_labels": THEME_LABELS,
        "promise_status_labels": PROMISE_STATUS_LABELS,
        "activity_status_labels": ACTIVITY_STATUS_LABELS,
        "feeling_labels": FEELING_LABELS,
        "trend_labels": TREND_LABELS,
    }


bp.before_request(kommun_scope("admin", "coordinator", promise_id=Promise))


def _hotspot_choices(kommun: Any) -> tuple[list[Any], list[tuple[str, str]]]:
    spots = current_hotspots(get_session(), kommun)
    choices = [
        (h.stable_id, _("%(name)s (%(n)d förslag)", name=h.name or h.stable_id, n=h.count))
        for h in spots
    ]
    return spots, choices


@bp.route("/<slug>/loften", methods=["GET", "POST"])
def index(slug: str) -> str | Response | tuple[str, int]:
    """The kommun's promises, and a new draft from the lägesbild's hot spots."""
    kommun = g.kommun
    session = get_session()
    spots, choices = _hotspot_choices(kommun)
    form = NewPromiseForm()
    form.hotspots.choices = choices
    if form.validate_on_submit():
        chosen = [h for h in spots if h.stable_id in set(form.hotspots.data or [])]
        promise = draft_promise(
            session,
            kommun,
            title=form.title.data.strip(),
            lokalpolisomrade=form.lokalpolisomrade.data.strip(),
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            hotspots=chosen,
        )
        record(session, staff_user(), "promise.draft", promise, focus=len(chosen))
        session.commit()
        flash(_("Utkastet är sparat. Lägg till aktiviteter och ansvariga."), "success")
        return redirect(url_for("promises.show", promise_id=promise.id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template(
        "promises/index.html",
        kommun=kommun,
        promises=promises_of(session, kommun, public=False),
        form=form,
        today=local_today(),
    ), status


def _forms(promise: Promise) -> dict[str, Any]:
    details = PromiseForm(obj=promise, prefix="details")
    if not details.is_submitted():
        details.cadence_months.data = str(promise.cadence_months)
    focus = FocusForm(prefix="focus")
    spots = current_hotspots(get_session(), promise.kommun)
    focus.place.choices = [("", _("Ingen plats (bara ett tema)"))]
    focus.place.choices += [
        (f"hotspot:{h.stable_id}", _("Hot spot: %(name)s", name=h.name or h.stable_id))
        for h in spots
    ]
    focus.place.choices += [
        (f"landmark:{lm.id}", _("Plats: %(name)s", name=lm.name))
        for lm in promise.kommun.landmarks
        if lm.active
    ]
    activity = ActivityForm(prefix="activity")
    activity.focus.choices = [(f.id, f.title) for f in promise.focus_areas]
    follow = FollowUpForm(prefix="follow")
    follow.activity.choices = [("", _("Löftet som helhet"))] + [
        (str(a.id), a.title) for a in promise.activities
    ]
    if not follow.is_submitted():
        follow.done_on.data = local_today()
    return {"details": details, "focus": focus, "activity": activity, "follow": follow}


def _page(promise: Promise, forms: dict[str, Any], status: int = 200) -> tuple[str, int]:
    today = local_today()
    return render_template(
        "promises/show.html",
        kommun=promise.kommun,
        promise=promise,
        forms=forms,
        evaluation=evaluate(get_session(), promise, today),
        periods=periods_of(promise, today),
        today=today,
    ), status


@bp.get("/loften/<int:promise_id>")
def show(promise_id: int) -> tuple[str, int]:
    return _page(g.promise, _forms(g.promise))


@bp.post("/loften/<int:promise_id>/uppgifter")
def update(promise_id: int) -> Response | tuple[str, int]:
    promise: Promise = g.promise
    forms = _forms(promise)
    form = forms["details"]
    if not form.validate():
        return _page(promise, forms, 400)
    old_status = promise.status
    promise.title = form.title.data.strip()
    promise.lokalpolisomrade = form.lokalpolisomrade.data.strip()
    promise.starts_on, promise.ends_on = form.starts_on.data, form.ends_on.data
    promise.status = form.status.data
    promise.signatories = "\n".join(_lines(form.signatories.data))
    promise.signed_on = form.signed_on.data
    promise.summary = (form.summary.data or "").strip()
    promise.cadence_months = int(form.cadence_months.data)
    session = get_session()
    record(session, staff_user(), "promise.update", promise, status=[old_status, promise.status])
    session.commit()
    flash(_("Löftet är sparat."), "success")
    return redirect(url_for("promises.show", promise_id=promise.id), 303)


@bp.post("/loften/<int:promise_id>/fokus")
def add_focus(promise_id: int) -> Response | tuple[str, int]:
    promise: Promise = g.promise
    forms = _forms(promise)
    form = forms["focus"]
    if not form.validate():
        return _page(promise, forms, 400)
    kind, _sep, ref = (form.place.data or "").partition(":")
    session = get_session()
    focus: FocusArea
    if kind == "hotspot":
        spot = next(h for h in current_hotspots(session, promise.kommun) if h.stable_id == ref)
        focus = focus_from_hotspot(spot, form.theme.data)
    elif kind == "landmark":
        landmark = next(lm for lm in promise.kommun.landmarks if str(lm.id) == ref)
        focus = focus_from_landmark(landmark, form.theme.data)
    else:
        focus = FocusArea(title="", theme=form.theme.data)
        if form.bounds is not None:
            min_lat, min_lon, max_lat, max_lon = form.bounds
            focus.polygon = dict(mapping(box(min_lon, min_lat, max_lon, max_lat)))
    focus.title = (form.title.data or "").strip() or focus.title
    focus.description = (form.description.data or "").strip() or focus.description
    promise.focus_areas.append(focus)
    record(session, staff_user(), "promise.focus", promise, title=focus.title)
    session.commit()
    flash(_("Fokusområdet är tillagt."), "success")
    return redirect(url_for("promises.show", promise_id=promise.id) + "#focus-heading", 303)


@bp.post("/loften/<int:promise_id>/aktiviteter")
def add_activity(promise_id: int) -> Response | tuple[str, int]:
    promise: Promise = g.promise
    forms = _forms(promise)
    form = forms["activity"]
    if not form.validate():
        return _page(promise, forms, 400)
    chosen = set(form.focus.data or [])
    activity = Activity(
        title=form.title.data.strip(),
        description=(form.description.data or "").strip(),
        owners=form.all_owners(),
        target_on=form.target_on.data,
        focus_areas=[f for f in promise.focus_areas if f.id in chosen],
    )
    promise.activities.append(activity)
    session = get_session()
    record(session, staff_user(), "promise.activity", promise, title=activity.title)
    session.commit()
    flash(_("Aktiviteten är tillagd."), "success")
    return redirect(url_for("promises.show", promise_id=promise.id) + "#activities-heading", 303)


@bp.post("/loften/<int:promise_id>/uppfoljning")
def add_follow_up(promise_id: int) -> Response | tuple[str, int]:
    promise: Promise = g.promise
    forms = _forms(promise)
    form = forms["follow"]
    if not form.validate():
        return _page(promise, forms, 400)
    activity = next((a for a in promise.activities if str(a.id) == form.activity.data), None)
    session = get_session()
    record_follow_up(
        session,
        promise,
        activity=activity,
        done_on=form.done_on.data,
        text=form.text.data.strip(),
        progress=form.progress.data if activity is not None else None,
        author=staff_user(),
    )
    if activity is not None and form.status.data:
        activity.status = form.status.data
        if activity.status == "klar":
            set_progress(activity, 100)
    record(session, staff_user(), "promise.follow_up", promise)
    session.commit()
    flash(_("Uppföljningen är sparad."), "success")
    return redirect(url_for("promises.show", promise_id=promise.id) + "#follow-heading", 303)


@bp.get("/loften/<int:promise_id>/rapport")
def report(promise_id: int) -> tuple[str, int]:
    """The follow-up report of one period: what was done, and the figures for the places."""
    promise: Promise = g.promise
    today = local_today()
    periods = periods_of(promise, today) or [promise.starts_on]
    try:
        first = date.fromisoformat(request.args.get("period", ""))
    except ValueError:
        first = periods[-1]
    if first not in periods:
        first = periods[-1]
    last = period_end(promise, first)
    entries = [f for f in promise.follow_ups if f.period_start == first]
    kind = "tertial" if promise.cadence_months == 4 else "custom"
    picture = build(get_session(), promise.kommun, Period(kind, first, last))
    return render_template(
        "promises/report.html",
        kommun=promise.kommun,
        promise=promise,
        first=first,
        last=last,
        periods=periods,
        entries=entries,
        picture=picture,
        evaluation=evaluate(get_session(), promise, min(last, today)),
    ), 200

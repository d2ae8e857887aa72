"""Coordinators' pages for medborgarlöften: draft, sign, activities, follow-ups, evaluation."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from shapely.geometry import box, mapping
from werkzeug.wrappers import Response

from accounts.access import staff_user
from audit.services import record
from core.clock import local_today
from db import get_session
from promises.blueprint import bp
from promises.corrections import frozen, history_context, limit_follow_up
from promises.documents import report_context
from promises.forms import (
    ActivityForm,
    DeleteForm,
    FocusForm,
    FollowUpForm,
    NewPromiseForm,
    PromiseForm,
    _lines,
)
from promises.lifecycle import end_early, phase
from promises.models import Activity, FocusArea, Promise
from promises.services import (
    agreements_of,
    apply_changes,
    current_hotspots,
    draft_promise,
    evaluate,
    focus_from_area,
    focus_from_hotspot,
    focus_from_landmark,
    owner_choices,
    periods_of,
    promises_of,
    record_follow_up,
    reusable_areas,
)
from promises.themes import theme_choices

__all__ = ["bp"]


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
        flash(_("Utkastet är sparat. Lägg till aktiviteter och ansvariga."), "success")
        return redirect(url_for("promises.show", promise_id=promise.id), 303)
    status = 400 if form.is_submitted() else 200
    promises = promises_of(session, kommun, public=False)
    today = local_today()
    return render_template(
        "promises/index.html",
        kommun=kommun,
        promises=promises,
        phases={p.id: phase(p, today) for p in promises},
        form=form,
        today=today,
    ), status


def _forms(promise: Promise) -> dict[str, Any]:
    details = PromiseForm(obj=promise, prefix="details")
    details.agreement_choice.choices = [("", _("Ingen"))] + [
        (str(a.id), a.title) for a in agreements_of(get_session(), promise.kommun)
    ]
    if not details.is_submitted():
        details.cadence_months.data = str(promise.cadence_months)
        details.agreement_choice.data = str(promise.agreement_id or "")
    focus = FocusForm(prefix="focus")
    focus.kommun_boundary = promise.kommun.boundary_geojson
    focus.theme.choices = theme_choices(get_session(), promise.kommun)
    spots = current_hotspots(get_session(), promise.kommun)
    focus.place.choices = [("", _("Ingen plats (bara ett tema)"))]
    focus.place.choices += [
        (f"hotspot:{h.stable_id}", _("Otrygg plats: %(name)s", name=h.name or h.stable_id))
        for h in spots
    ]
    focus.place.choices += [
        (f"area:{a.id}", _("Område från ett tidigare löfte: %(name)s", name=a.title))
        for a in reusable_areas(get_session(), promise.kommun, promise)
    ]
    focus.place.choices += [
        (f"landmark:{lm.id}", _("Plats: %(name)s", name=lm.name))
        for lm in promise.kommun.landmarks
        if lm.active
    ]
    activity = ActivityForm(prefix="activity")
    activity.owners.choices = owner_choices(get_session(), promise.kommun)
    activity.focus.choices = [(f.id, f.title) for f in promise.focus_areas]
    follow = FollowUpForm(prefix="follow")
    follow.activity.choices = [("", _("Löftet som helhet"))] + [
        (str(a.id), a.title) for a in promise.activities
    ]
    limit_follow_up(follow, promise)
    if not follow.is_submitted():
        follow.done_on.data = min(local_today(), promise.ends_on)
    return {
        "details": details,
        "focus": focus,
        "activity": activity,
        "follow": follow,
        "spot_names": {h.stable_id: h.name for h in spots if h.name},
    }


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
        phase=phase(promise, today),
        delete_form=DeleteForm(prefix="delete", formdata=None),
        **history_context(promise),
    ), status


@bp.get("/loften/<int:promise_id>")
def show(promise_id: int) -> tuple[str, int]:
    return _page(g.promise, _forms(g.promise))


@bp.post("/loften/<int:promise_id>/uppgifter")
def update(promise_id: int) -> Response | tuple[str, int]:
    promise: Promise = g.promise
    if (refused := frozen(promise)) is not None:
        return refused
    forms = _forms(promise)
    form = forms["details"]
    if not form.validate():
        return _page(promise, forms, 400)
    changes = apply_changes(
        promise,
        {
            "title": form.title.data.strip(),
            "lokalpolisomrade": form.lokalpolisomrade.data.strip(),
            "starts_on": form.starts_on.data,
            "ends_on": form.ends_on.data,
            "status": form.status.data,
            "signatories": "\n".join(_lines(form.signatories.data)),
            "signed_on": form.signed_on.data,
            "summary": (form.summary.data or "").strip(),
            "cadence_months": int(form.cadence_months.data),
            "agreement_id": int(form.agreement_choice.data) if form.agreement_choice.data else None,
        },
    )
    if promise.status == "avslutat" and promise.ended_on is None:
        end_early(promise, local_today())
    elif promise.status != "avslutat":
        promise.ended_on = None
    session = get_session()
    record(session, staff_user(), "promise.update", promise, changes=changes)
    flash(_("Löftet är sparat."), "success")
    return redirect(url_for("promises.show", promise_id=promise.id), 303)


@bp.post("/loften/<int:promise_id>/fokus")
def add_focus(promise_id: int) -> Response | tuple[str, int]:
    promise: Promise = g.promise
    if (refused := frozen(promise)) is not None:
        return refused
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
    elif kind == "area":
        # The choice was validated against the areas offered (reusable_areas) in _forms.
        focus = focus_from_area(session.get_one(FocusArea, int(ref)), form.theme.data)
    else:
        focus = FocusArea(title="", theme=form.theme.data, polygon=form.area_geojson)
        if form.bounds is not None:
            min_lat, min_lon, max_lat, max_lon = form.bounds
            focus.polygon = dict(mapping(box(min_lon, min_lat, max_lon, max_lat)))
    focus.title = (form.title.data or "").strip() or focus.title
    focus.description = (form.description.data or "").strip() or focus.description
    promise.focus_areas.append(focus)
    session.flush()
    record(session, staff_user(), "promise.focus", promise, part_id=focus.id, title=focus.title)
    flash(_("Fokusområdet är tillagt."), "success")
    return redirect(url_for("promises.show", promise_id=promise.id) + "#focus-heading", 303)


@bp.post("/loften/<int:promise_id>/aktiviteter")
def add_activity(promise_id: int) -> Response | tuple[str, int]:
    promise: Promise = g.promise
    if (refused := frozen(promise)) is not None:
        return refused
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
        ongoing=form.ongoing.data,
        starts_on=form.starts_on.data or (promise.starts_on if form.ongoing.data else None),
        focus_areas=[f for f in promise.focus_areas if f.id in chosen],
    )
    promise.activities.append(activity)
    session = get_session()
    session.flush()
    record(
        session,
        staff_user(),
        "promise.activity",
        promise,
        part_id=activity.id,
        title=activity.title,
    )
    flash(_("Aktiviteten är tillagd."), "success")
    return redirect(url_for("promises.show", promise_id=promise.id) + "#activities-heading", 303)


@bp.post("/loften/<int:promise_id>/uppfoljning")
def add_follow_up(promise_id: int) -> Response | tuple[str, int]:
    promise: Promise = g.promise
    if (refused := frozen(promise)) is not None:
        return refused
    forms = _forms(promise)
    form = forms["follow"]
    if not form.validate():
        return _page(promise, forms, 400)
    session = get_session()
    entry = record_follow_up(session, promise, **form.entry(promise), author=staff_user())
    record(session, staff_user(), "promise.follow_up", promise, part_id=entry.id)
    flash(_("Uppföljningen är sparad."), "success")
    return redirect(url_for("promises.show", promise_id=promise.id) + "#follow-heading", 303)


@bp.get("/loften/<int:promise_id>/rapport")
def report(promise_id: int) -> tuple[str, int]:
    """The follow-up report of one period: what was done, and the figures for the places."""
    context = report_context(g.promise, request.args.get("period"))
    return render_template("promises/report.html", **context), 200


from promises import agreements as _agreements  # noqa: E402,F401  (routes on this blueprint)
from promises import decisions as _decisions  # noqa: E402,F401
from promises import organisations as _organisations  # noqa: E402,F401
from promises import themes as _themes  # noqa: E402,F401
from promises import yearplan as _yearplan  # noqa: E402,F401

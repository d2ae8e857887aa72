"""Corrections: edit and delete the parts of a promise, each change kept in the history.

The history is the audit log (audit.services.record) of the promise: every event names the
part (part_id) and what changed ({field: [old, new]}) or what a deleted part said.
"""

from __future__ import annotations

import json
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from accounts.access import staff_user
from audit.models import AuditEvent
from audit.services import record
from core.clock import local_today
from db import get_session
from promises.blueprint import bp
from promises.forms import (
    ActivityForm,
    DeleteForm,
    FocusEditForm,
    FollowUpForm,
)
from promises.lifecycle import last_day
from promises.models import Activity, FocusArea, FollowUp, Promise
from promises.services import (
    apply_changes,
    delete_activity,
    delete_focus,
    delete_follow_up,
    owner_choices,
    update_follow_up,
)
from promises.themes import theme_choices

HISTORY_LABELS = {
    "promise.draft": _l("Utkastet skapades"),
    "promise.update": _l("Uppgifterna ändrades"),
    "promise.delete": _l("Utkastet togs bort"),
    "promise.focus": _l("Fokusområde tillagt"),
    "promise.focus.update": _l("Fokusområde ändrat"),
    "promise.focus.delete": _l("Fokusområde borttaget"),
    "promise.activity": _l("Aktivitet tillagd"),
    "promise.activity.update": _l("Aktivitet ändrad"),
    "promise.activity.delete": _l("Aktivitet borttagen"),
    "promise.follow_up": _l("Uppföljning skriven"),
    "promise.follow_up.update": _l("Uppföljning rättad"),
    "promise.follow_up.delete": _l("Uppföljning borttagen"),
    "promise.end": _l("Löftet avslutades"),
    "promise.evaluate": _l("Utvärderingen sparades"),
    "promise.archive": _l("Löftet arkiverades"),
}
FIELD_LABELS = {
    "title": _l("Rubrik"),
    "lokalpolisomrade": _l("Lokalpolisområde"),
    "starts_on": _l("Gäller från"),
    "ends_on": _l("Gäller till och med"),
    "status": _l("Status"),
    "signatories": _l("Undertecknat av"),
    "signed_on": _l("Undertecknat den"),
    "summary": _l("Sammanfattning"),
    "cadence_months": _l("Uppföljning (månader)"),
    "theme": _l("Tema"),
    "description": _l("Beskrivning"),
    "owners": _l("Ansvariga"),
    "target_on": _l("Klart senast"),
    "focus_areas": _l("Fokusområden"),
    "activity": _l("Aktivitet"),
    "done_on": _l("Datum"),
    "period_start": _l("Period"),
    "text": _l("Text"),
    "progress": _l("Procent"),
    "polygon": _l("Plats"),
}


def history_context(promise: Promise, part_id: int | None = None) -> dict[str, Any]:
    """What templates/promises/_history.html needs: the events and the names in them."""
    from accounts.models import User

    events = history(promise, part_id)
    ids = {e.user_id for e in events if e.user_id}
    users = (
        {u.id: u.name for u in get_session().scalars(select(User).where(User.id.in_(ids)))}
        if ids
        else {}
    )
    return {
        "events": events,
        "users": users,
        "field_labels": FIELD_LABELS,
        "history_labels": HISTORY_LABELS,
    }


def history(promise: Promise, part_id: int | None = None, limit: int = 50) -> list[AuditEvent]:
    """The promise's history, newest first; only one part's when part_id is given."""
    events = get_session().scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "promise", AuditEvent.object_id == promise.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if part_id is None:
        return list(events)[:limit]
    return [e for e in events if (e.details or {}).get("part_id") == part_id][:limit]


def limit_follow_up(form: FollowUpForm, promise: Promise) -> None:
    """Follow-ups fall within the promise: its start to its last day (plus grace), not later
    than today."""
    form.limit_dates(
        promise.starts_on,
        last_day(promise),
        local_today(),
        int(current_app.config["PROMISE_FOLLOWUP_GRACE_DAYS"]),
    )


def _part(items: list[Any], part_id: int) -> Any:
    found = next((item for item in items if item.id == part_id), None)
    if found is None:
        abort(404)
    return found


def frozen(promise: Promise) -> Response | None:
    """An archived promise is the record: changes are refused, with a message saying why."""
    if promise.archived_on is None:
        return None
    flash(_("Löftet är arkiverat och kan inte ändras."), "error")
    return redirect(url_for("promises.show", promise_id=promise.id), 303)


def _edit_page(
    promise: Promise, part: Any, kind: str, form: Any, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "promises/edit_part.html",
        kommun=promise.kommun,
        promise=promise,
        part=part,
        kind=kind,
        form=form,
        delete_form=DeleteForm(prefix="delete", formdata=None),
        **history_context(promise, part.id),
    ), status


def _back(promise: Promise, anchor: str) -> Response:
    return redirect(url_for("promises.show", promise_id=promise.id) + anchor, 303)


# --- focus areas ----------------------------------------------------------------------------


@bp.route("/loften/<int:promise_id>/fokus/<int:focus_id>", methods=["GET", "POST"])
def edit_focus(promise_id: int, focus_id: int) -> Response | tuple[str, int]:
    """Correct a focus area's title, theme or description."""
    promise: Promise = g.promise
    focus: FocusArea = _part(promise.focus_areas, focus_id)
    form = FocusEditForm(obj=focus, prefix="edit")
    form.kommun_boundary = promise.kommun.boundary_geojson
    form.theme.choices = theme_choices(get_session(), promise.kommun, keep=focus.theme)
    if not form.is_submitted():
        form.shape.data = json.dumps(focus.polygon) if focus.polygon else ""
        return _edit_page(promise, focus, "focus", form)
    if (refused := frozen(promise)) is not None:
        return refused
    if not form.validate():
        return _edit_page(promise, focus, "focus", form, 400)
    changes = apply_changes(
        focus,
        {
            "title": form.title.data.strip(),
            "theme": form.theme.data,
            "description": (form.description.data or "").strip(),
        },
    )
    changes.update(_place_changes(focus, form))
    session = get_session()
    record(
        session, staff_user(), "promise.focus.update", promise, part_id=focus.id, changes=changes
    )
    flash(_("Fokusområdet är ändrat."), "success")
    return _back(promise, "#focus-heading")


def _place_changes(focus: FocusArea, form: FocusEditForm) -> dict[str, Any]:
    """A new, redrawn or removed place; the history says that it changed, not every vertex."""
    if form.clear_place.data:
        new = None
    elif form.area_geojson is not None:
        new = form.area_geojson
    else:
        return {}
    if new == focus.polygon:
        return {}
    had = focus.polygon is not None
    focus.polygon = new
    if new is None or focus.hotspot_stable_id or focus.landmark_id:
        # Redrawn by hand: the place is no longer the hot spot's or the landmark's circle.
        focus.hotspot_stable_id = None
        focus.landmark_id = None
    # Stored text, in the source language like every other value in the history.
    return {"polygon": ["område" if had else "", "nytt område" if new else ""]}


@bp.post("/loften/<int:promise_id>/fokus/<int:focus_id>/ta-bort")
def remove_focus(promise_id: int, focus_id: int) -> Response:
    """Delete a focus area; the history keeps what it said."""
    promise: Promise = g.promise
    if (refused := frozen(promise)) is not None:
        return refused
    focus: FocusArea = _part(promise.focus_areas, focus_id)
    if not DeleteForm(prefix="delete").validate():
        abort(400)
    session = get_session()
    content = delete_focus(session, focus)
    record(session, staff_user(), "promise.focus.delete", promise, part_id=focus_id, was=content)
    flash(_("Fokusområdet är borttaget."), "success")
    return _back(promise, "#focus-heading")


# --- activities -----------------------------------------------------------------------------


def _activity_form(promise: Promise, activity: Activity) -> ActivityForm:
    form = ActivityForm(prefix="edit", obj=activity)
    form.owners.choices = owner_choices(get_session(), promise.kommun)
    form.focus.choices = [(f.id, f.title) for f in promise.focus_areas]
    if not form.is_submitted():
        offered = {str(choice.value) for choice in form.owners.choices}
        form.owners.data = [o for o in activity.owners if o in offered]
        form.other_owners.data = "\n".join(o for o in activity.owners if o not in offered)
        form.focus.data = [f.id for f in activity.focus_areas]
    return form


@bp.route("/loften/<int:promise_id>/aktiviteter/<int:activity_id>", methods=["GET", "POST"])
def edit_activity(promise_id: int, activity_id: int) -> Response | tuple[str, int]:
    """Correct an activity: title, owners, deadline, focus areas, description."""
    promise: Promise = g.promise
    activity: Activity = _part(promise.activities, activity_id)
    form = _activity_form(promise, activity)
    if not form.is_submitted():
        return _edit_page(promise, activity, "activity", form)
    if (refused := frozen(promise)) is not None:
        return refused
    if not form.validate():
        return _edit_page(promise, activity, "activity", form, 400)
    chosen = set(form.focus.data or [])
    before_focus = [f.title for f in activity.focus_areas]
    changes = apply_changes(
        activity,
        {
            "title": form.title.data.strip(),
            "owners": form.all_owners(),
            "target_on": form.target_on.data,
            "ongoing": form.ongoing.data,
            "starts_on": form.starts_on.data or (promise.starts_on if form.ongoing.data else None),
            "description": (form.description.data or "").strip(),
        },
    )
    activity.focus_areas = [f for f in promise.focus_areas if f.id in chosen]
    after_focus = [f.title for f in activity.focus_areas]
    if before_focus != after_focus:
        changes["focus_areas"] = [before_focus, after_focus]
    session = get_session()
    record(
        session,
        staff_user(),
        "promise.activity.update",
        promise,
        part_id=activity.id,
        changes=changes,
    )
    flash(_("Aktiviteten är ändrad."), "success")
    return _back(promise, f"#activity-{activity.id}")


@bp.post("/loften/<int:promise_id>/aktiviteter/<int:activity_id>/ta-bort")
def remove_activity(promise_id: int, activity_id: int) -> Response:
    """Delete an activity and its follow-ups; the history keeps what they said."""
    promise: Promise = g.promise
    if (refused := frozen(promise)) is not None:
        return refused
    activity: Activity = _part(promise.activities, activity_id)
    if not DeleteForm(prefix="delete").validate():
        abort(400)
    session = get_session()
    content = delete_activity(session, activity)
    record(
        session, staff_user(), "promise.activity.delete", promise, part_id=activity_id, was=content
    )
    flash(_("Aktiviteten och dess uppföljningar är borttagna."), "success")
    return _back(promise, "#activities-heading")


# --- follow-ups -----------------------------------------------------------------------------


def _follow_up_form(promise: Promise, entry: FollowUp) -> FollowUpForm:
    form = FollowUpForm(prefix="edit", obj=entry)
    form.activity.choices = [("", _("Löftet som helhet"))] + [
        (str(a.id), a.title) for a in promise.activities
    ]
    if not form.is_submitted():
        form.activity.data = str(entry.activity_id or "")
    form.status.data = form.status.data or ""
    limit_follow_up(form, promise)
    return form


@bp.route("/loften/<int:promise_id>/uppfoljning/<int:follow_up_id>", methods=["GET", "POST"])
def edit_follow_up(promise_id: int, follow_up_id: int) -> Response | tuple[str, int]:
    """Correct a follow-up: its date (within the period), text, activity and progress."""
    promise: Promise = g.promise
    entry: FollowUp = _part(promise.follow_ups, follow_up_id)
    form = _follow_up_form(promise, entry)
    if not form.is_submitted():
        return _edit_page(promise, entry, "follow_up", form)
    if (refused := frozen(promise)) is not None:
        return refused
    if not form.validate():
        return _edit_page(promise, entry, "follow_up", form, 400)
    session = get_session()
    changes = update_follow_up(session, entry, **form.entry(promise))
    record(
        session,
        staff_user(),
        "promise.follow_up.update",
        promise,
        part_id=entry.id,
        changes=changes,
    )
    flash(_("Uppföljningen är rättad."), "success")
    return _back(promise, f"#follow-up-{entry.id}")


@bp.post("/loften/<int:promise_id>/uppfoljning/<int:follow_up_id>/ta-bort")
def remove_follow_up(promise_id: int, follow_up_id: int) -> Response:
    """Delete a follow-up: it leaves the public page and the feed; the history keeps it."""
    promise: Promise = g.promise
    if (refused := frozen(promise)) is not None:
        return refused
    entry: FollowUp = _part(promise.follow_ups, follow_up_id)
    if not DeleteForm(prefix="delete").validate():
        abort(400)
    session = get_session()
    content = delete_follow_up(session, entry)
    record(
        session,
        staff_user(),
        "promise.follow_up.delete",
        promise,
        part_id=follow_up_id,
        was=content,
    )
    flash(_("Uppföljningen är borttagen."), "success")
    return _back(promise, "#follow-heading")


# --- the promise itself ---------------------------------------------------------------------


@bp.post("/loften/<int:promise_id>/ta-bort")
def remove_draft(promise_id: int) -> Response:
    """Delete a draft; a signed promise is public record and is ended, not deleted."""
    promise: Promise = g.promise
    if promise.status != "utkast":
        flash(_("Ett undertecknat löfte kan inte tas bort. Avsluta det i stället."), "error")
        return redirect(url_for("promises.show", promise_id=promise.id), 303)
    if not DeleteForm(prefix="delete").validate():
        abort(400)
    session = get_session()
    slug = promise.kommun.slug
    record(session, staff_user(), "promise.delete", promise, title=promise.title)
    session.delete(promise)
    flash(_("Utkastet är borttaget."), "success")
    return redirect(url_for("promises.index", slug=slug), 303)

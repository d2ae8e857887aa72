"""Partner accounts: a housing company, a förening or another organisation follows up the
activities it owns under the kommun's medborgarlöften, and nothing else.

A partner account belongs to the organisation named on it (User.organisation), in its own
kommuner; an activity is theirs when that organisation is one of its owners.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from accounts.access import require_role, staff_user
from accounts.models import User
from audit.services import record
from core.clock import local_today
from db import get_session
from promises.corrections import limit_follow_up
from promises.forms import FollowUpForm
from promises.models import Activity, ActivityOwner, Organisation, Promise
from promises.services import record_follow_up

bp = Blueprint("partner", __name__, url_prefix="/partner")


@bp.before_request
def guard() -> Response | None:
    """Partner accounts only."""
    return require_role("partner")


def own_activities(user: User) -> list[Activity]:
    """The activities the user's organisation owns in the user's kommuner's public promises,
    while they can still be followed up (not archived)."""
    name = (user.organisation or "").strip().casefold()
    if not name:
        return []
    query = (
        select(Activity)
        .join(ActivityOwner)
        .join(Organisation)
        .join(Promise, Promise.id == Activity.promise_id)
        .where(
            Organisation.kommun_id.in_(user.kommun_ids),
            Promise.status != "utkast",
            Promise.archived_on.is_(None),
        )
        .order_by(Promise.starts_on.desc(), Activity.id)
    )
    found = get_session().scalars(query).unique()
    return [a for a in found if any(o.name.casefold() == name for o in a.organisations)]


def _own(activity_id: int) -> Activity:
    activity = next((a for a in own_activities(staff_user()) if a.id == activity_id), None)
    if activity is None:
        abort(404)  # another organisation's activity does not exist for a partner
    return activity


def _form(activity: Activity) -> FollowUpForm:
    form = FollowUpForm(prefix="follow")
    form.activity.choices = [(str(activity.id), activity.title)]
    form.activity.data = str(activity.id)
    limit_follow_up(form, activity.promise)
    if not form.is_submitted():
        form.done_on.data = min(local_today(), activity.promise.ends_on)
    return form


@bp.get("/")
def index() -> str:
    """The organisation's activities, each with a way to tell what was done."""
    return render_template("promises/partner_index.html", activities=own_activities(staff_user()))


@bp.route("/aktiviteter/<int:activity_id>", methods=["GET", "POST"])
def activity(activity_id: int) -> Response | tuple[str, int]:
    """One of the organisation's activities: its follow-ups, and a new one."""
    activity = _own(activity_id)
    form = _form(activity)
    if form.validate_on_submit():
        session = get_session()
        entry = record_follow_up(
            session, activity.promise, **form.entry(activity.promise), author=staff_user()
        )
        record(session, staff_user(), "promise.follow_up", activity.promise, part_id=entry.id)
        flash(_("Uppföljningen är sparad."), "success")
        return redirect(url_for("partner.activity", activity_id=activity.id), 303)
    return render_template(
        "promises/partner_activity.html", activity=activity, promise=activity.promise, form=form
    ), (400 if form.is_submitted() else 200)

"""Admins invite, disable and enable users of their own kommuner.

Who may manage whom is accounts.services.may_manage: users whose kommuner are all among the
admin's own, never another admin of the same or a wider scope, never a user without kommun.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from accounts.access import require_role, staff_user
from accounts.forms import ButtonForm, InviteForm
from accounts.models import User
from accounts.services import (
    AccountError,
    create_user,
    invitation_token,
    may_manage,
    reset_password,
    set_active,
    users_for_admin,
)
from audit.services import record
from db import get_session

bp = Blueprint("users", __name__, url_prefix="/admin/anvandare")


@bp.before_request
def guard() -> Response | None:
    return require_role("admin")


def _managed_user(user_id: int) -> User:
    """A user the admin may manage (accounts.services.may_manage); others do not exist."""
    user = get_session().get(User, user_id)
    if user is None or not may_manage(staff_user(), user):
        abort(404)
    return user


@bp.get("/")
def index() -> str:
    """List the users of the admin's kommuner."""
    users = users_for_admin(get_session(), staff_user())
    return render_template("accounts/users.html", users=users)


@bp.route("/ny", methods=["GET", "POST"])
def invite() -> Response | tuple[str, int] | str:
    """Create an account and show the link where its owner sets a password."""
    session = get_session()
    admin = staff_user()
    form = InviteForm(admin.kommuner)
    if form.validate_on_submit():
        try:
            user = create_user(
                session,
                email=form.email.data or "",
                name=form.name.data or "",
                role=form.role.data,
                organisation=form.organisation.data,
                kommuner=form.chosen_kommuner,
                invited_by=admin,
            )
        except AccountError as exc:
            form.email.errors = [str(exc)]
        else:
            flash(_("Kontot är skapat. Skicka länken nedan till %(name)s.", name=user.name))
            return redirect(url_for("users.show", user_id=user.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/invite.html", form=form), status


@bp.get("/<int:user_id>")
def show(user_id: int) -> str:
    """A user's roles and kommuner, and the invitation link while no password is set."""
    user = _managed_user(user_id)
    link = None
    if user.password_hash is None and user.active:
        link = url_for("accounts.accept", token=invitation_token(user), _external=True)
        # Whoever holds the link can take the account: every look is on record.
        session = get_session()
        record(session, staff_user(), "user.invitation_link_shown", user)
    return render_template(
        "accounts/user.html",
        user=user,
        link=link,
        toggle_form=ButtonForm(prefix="toggle"),
        reset_form=ButtonForm(prefix="reset"),
    )


@bp.post("/<int:user_id>/aktiv")
def toggle_active(user_id: int) -> Response:
    """Disable an account (its sessions end at once) or enable it again."""
    session = get_session()
    user = _managed_user(user_id)
    if not ButtonForm(prefix="toggle").validate_on_submit():
        abort(400)
    try:
        set_active(session, user, not user.active, staff_user())
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Kontot är aktivt.") if user.active else _("Kontot är inaktiverat."))
    return redirect(url_for("users.show", user_id=user.id), code=303)


@bp.post("/<int:user_id>/losenord")
def reset(user_id: int) -> Response:
    """Remove a forgotten password; a new invitation link lets the user choose another."""
    session = get_session()
    user = _managed_user(user_id)
    if not ButtonForm(prefix="reset").validate_on_submit():
        abort(400)
    reset_password(session, user, staff_user())
    flash(_("Lösenordet är borttaget. Skicka den nya länken till %(name)s.", name=user.name))
    return redirect(url_for("users.show", user_id=user.id), code=303)

"""Logging in and out, and accepting an invitation."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from accounts.access import staff_user
from accounts.forms import ButtonForm, LoginForm, PasswordForm, role_label
from accounts.models import User
from accounts.security import limiter, login_account_key, login_limit, start_session
from accounts.services import (
    accept_invitation,
    authenticate,
    logout_everywhere,
    user_for_invitation,
)
from audit.services import record
from db import get_session

bp = Blueprint("accounts", __name__)
bp.add_app_template_global(role_label, "role_label")


@bp.app_template_global("logout_form")
def logout_form() -> ButtonForm:
    """The logout button in the staff header; built only there, never reading the request."""
    return ButtonForm(prefix="logout", formdata=None)


START_PAGES = {
    "admin": "review.index",
    "coordinator": "review.index",
    "dialog": "surveys.index",  # the dialogue team works in Dialoger
    "rapportor": "field.index",
    "partner": "partner.index",
}


def home_for(user: User) -> str:
    """Each role's own start page: where its daily work is."""
    return url_for(START_PAGES.get(user.role, "accounts.home"))


@bp.get("/personal/start")
@login_required
def start() -> Response:
    """The role's own start page (the staff pages' "Tryggkartan" link)."""
    return redirect(home_for(staff_user()), code=303)


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host (open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/inloggning", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(login_limit, methods=["POST"], key_func=login_account_key)
def login() -> Response | tuple[str, int] | str:
    """Log a member of staff in."""
    session = get_session()
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(
            session,
            form.email.data or "",
            form.password.data or "",
            address=request.remote_addr,
        )
        if user is not None:
            start_session(user)
            target = _safe_next(request.args.get("next")) or home_for(user)
            return redirect(target, code=303)
        # The answer is a 400, which the request layer rolls back: the failed attempt is
        # kept in the audit log all the same.
        session.commit()
        form.password.errors = [_("Fel e-post eller lösenord, eller så är kontot inaktiverat.")]
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/utloggning")
def logout() -> Response:
    """Log out of this browser."""
    form = ButtonForm(prefix="logout")
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        record(get_session(), staff_user(), "logout", staff_user())
    logout_user()
    flash(_("Du är utloggad."), "info")
    return redirect(url_for("accounts.login"), code=303)


@bp.route("/personal/", methods=["GET", "POST"])
@login_required
def home() -> Response | str:
    """The staff start page: what this role can do, and logging out everywhere."""
    form = ButtonForm(prefix="everywhere")
    if form.validate_on_submit():
        logout_everywhere(get_session(), staff_user())
        logout_user()
        flash(_("Du är utloggad på alla enheter."), "info")
        return redirect(url_for("accounts.login"), code=303)
    return render_template("accounts/home.html", form=form, user=staff_user())


@bp.route("/inbjudan/<token>", methods=["GET", "POST"])
def accept(token: str) -> Response | tuple[str, int] | str:
    """Let an invited user choose a password."""
    session = get_session()
    user = user_for_invitation(session, token)
    if user is None:
        return render_template("accounts/invitation_invalid.html"), 404
    form = PasswordForm()
    if form.validate_on_submit():
        accept_invitation(session, user, form.password.data or "")
        # Whoever just chose the password is logged in at once (the token proved who they are).
        user.last_login_at = datetime.now(UTC)
        record(session, user, "login", user)
        start_session(user)
        flash(_("Lösenordet är sparat och du är inloggad."), "info")
        return redirect(home_for(user), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/accept.html", form=form, user=user), status

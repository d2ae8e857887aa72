"""Login sessions and throttling: Flask-Login and Flask-Limiter wired to our users."""

from __future__ import annotations

import time

from flask import Flask, current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from accounts.models import User
from accounts.services import email_key
from core.cache import REDIS_TIMEOUTS
from core.ratelimit import limiter
from db import get_session

LOGIN_AT_KEY = "login_at"

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Logga in för att se sidan.")
login_manager.login_message_category = "info"

# The limiter is core.ratelimit's (imported here for the views that still take it from here);
# storage, on/off and limits come from the config (RATELIMIT_*), read at init_app.
__all__ = ["limiter", "login_manager", "start_session", "init_app"]


def login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def login_account_key() -> str:
    """Throttle per account as well as per address: a botnet has many addresses."""
    # Read before the form is validated, so it is only ever used as a counter key; hashed, so
    # the limiter's storage never holds what was typed.
    return "login:" + email_key(request.form.get("email") or "")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of a session, unless disabled, logged out everywhere or past the lifetime."""
    raw_id, _sep, version = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    user = get_session().get(User, int(raw_id))
    if user is None or not user.active or str(user.session_version) != version:
        return None
    login_at = session.get(LOGIN_AT_KEY)
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if not isinstance(login_at, int | float) or time.time() - login_at > lifetime:
        return None
    return user


def start_session(user: User) -> None:
    """Begin a fresh session for a user who has just proved who they are."""
    from flask_login import login_user

    session.clear()  # no fixation: nothing from before the login survives it
    session.permanent = True
    session[LOGIN_AT_KEY] = time.time()
    login_user(user)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith(("redis://", "rediss://")):
        # A Redis that does not answer is given up on quickly: the limits are then counted
        # in the process's memory (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) until it answers.
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", dict(REDIS_TIMEOUTS))
    limiter.init_app(app)

"""Guards for the staff blueprints: who is logged in, in which role, for which kommun."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, g, request
from flask_login import current_user
from werkzeug.wrappers import Response

from accounts.models import User
from accounts.security import login_manager
from db import get_session
from kommun.models import Kommun
from kommun.services import kommun_by_slug

T = TypeVar("T")


def staff_user() -> User:
    """The logged-in user as a model object (views run behind a guard)."""
    user = current_user._get_current_object()
    if not isinstance(user, User):
        abort(401)
    return user


def require_role(*roles: str) -> Response | None:
    """For before_request: send anonymous users to log in, refuse other roles with 403."""
    if not current_user.is_authenticated:
        response: Response = login_manager.unauthorized()
        return response
    if current_user.role not in roles:
        abort(403)
    return None


def allowed_kommun(slug: str) -> Kommun:
    """The kommun of a URL, if the user works for it (404 if none, 403 if not theirs)."""
    kommun = kommun_by_slug(get_session(), slug)
    if kommun is None:
        abort(404)
    if not staff_user().sees(kommun.id):
        abort(403)
    return kommun


def allowed_object(model: type[T], object_id: int) -> T:
    """An object of one of the user's kommuner; another kommun's objects do not exist (404)."""
    found = get_session().get(model, object_id)
    if found is None or not staff_user().sees(found.kommun_id):  # type: ignore[attr-defined]
        abort(404)
    return found


def kommun_scope(*roles: str, **objects: type[Any]) -> Callable[[], Response | None]:
    """A before_request guard: one of the roles, and the URL's kommun (slug) and objects
    (view argument -> model, each loaded into g under the argument's name without "_id")
    only when they belong to the user's kommuner."""

    def guard() -> Response | None:
        refused = require_role(*roles)
        if refused is not None:
            return refused
        args = request.view_args or {}
        if "slug" in args:
            g.kommun = allowed_kommun(args["slug"])
        for argument, model in objects.items():
            if argument in args:
                setattr(g, argument.removesuffix("_id"), allowed_object(model, args[argument]))
        return None

    return guard

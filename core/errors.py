"""Error pages in the resident's language; never a bare 500."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

from flask import Flask, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

MESSAGES = {
    400: _l("Begäran kunde inte läsas. Gå tillbaka och försök igen."),
    # A body that is not a form, or not UTF-8 (browsers send neither).
    415: _l("Det du skickade kunde inte läsas som ett formulär. Gå tillbaka och försök igen."),
    404: _l("Sidan finns inte. Kontrollera adressen eller börja om från startsidan."),
    405: _l("Den här sidan tar inte emot den sortens begäran."),
    413: _l("Det du skickade är för stort."),
    429: _l("Du har skickat för många förfrågningar. Vänta en stund och försök igen."),
    500: _l("Något gick fel hos oss. Det du skickade har inte sparats. Försök igen om en stund."),
}


# Paths for programs, not people: no form-body check, and errors in their own format.
API_PREFIXES = ("/api/", "/open311/")
API_ERRORS = "tryggkartan.api_errors"  # app.extensions key: {prefix: render(status code)}


def register_api_errors(app: Flask, prefix: str, render: Callable[[int], Response]) -> None:
    app.extensions.setdefault(API_ERRORS, {})[prefix] = render


def render_error(code: int) -> tuple[str, int] | tuple[dict[str, object], int] | Response:
    for prefix, render in current_app.extensions.get(API_ERRORS, {}).items():
        if request.path.startswith(prefix):
            return render(code)
    message = str(MESSAGES.get(code, MESSAGES[400]))
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return {"error": message, "status": code}, code
    return render_template("error.html", code=code, message=message), code


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_broken_text() -> None:
    """Pages take HTML forms only, and only as valid UTF-8: never mangled or JSON-smuggled text."""
    if request.method not in ("POST", "PUT", "PATCH") or request.path.startswith(API_PREFIXES):
        return
    if request.content_length and request.mimetype not in FORM_TYPES:
        abort(415)
    if request.mimetype != "application/x-www-form-urlencoded":
        return
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        return  # werkzeug answers 413 when the form is read
    raw = request.get_data(cache=True)
    try:
        parse_qsl(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        abort(415)


def init_app(app: Flask) -> None:
    app.before_request(refuse_broken_text)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        return render_error(exc.code or 500)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("Unhandled error on %s", request.path)
        return render_error(500)

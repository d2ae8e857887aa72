"""Error pages in the resident's language; never a bare 500."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.wrappers import Response

from core import text
from core.logs import redact

MESSAGES = {
    400: _l("Begäran kunde inte läsas. Gå tillbaka och försök igen."),
    # A body that is not a form (browsers never send another to these pages).
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


class OddText(BadRequest):
    """Text that is never stored (core.text): refused with a message that says why."""

    @property
    def message(self) -> str:
        return str(text.MESSAGE)


def render_error(
    code: int, message: str | None = None
) -> tuple[str, int] | tuple[dict[str, object], int] | Response:
    renders: dict[str, Callable[[int], Response]] = current_app.extensions.get(API_ERRORS, {})
    for prefix, render in renders.items():
        if request.path.startswith(prefix):
            return render(code)
    message = message or str(MESSAGES.get(code, MESSAGES[400]))
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return {"error": message, "status": code}, code
    return render_template("error.html", code=code, message=message), code


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_broken_text() -> None:
    """Pages take HTML forms only, and only as valid UTF-8: never mangled or JSON-smuggled text.

    The APIs check their own requests (open311.api), to answer in their own format.
    """
    if request.path.startswith(API_PREFIXES):
        return
    if not text.decodes_strictly(request.query_string):
        raise OddText()
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    if request.content_length and request.mimetype not in FORM_TYPES:
        abort(415)
    if request.mimetype != "application/x-www-form-urlencoded":
        return
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        return  # werkzeug answers 413 when the form is read
    if not text.decodes_strictly(request.get_data(cache=True)):
        raise OddText()


def init_app(app: Flask) -> None:
    app.before_request(refuse_broken_text)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        return render_error(exc.code or 500, exc.message if isinstance(exc, OddText) else None)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("Unhandled error on %s", redact(request.path))
        return render_error(500)

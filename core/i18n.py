"""Languages: Swedish first (the source strings), English second."""

from __future__ import annotations

from functools import lru_cache

from babel import support
from babel.lists import format_list
from flask import Flask, current_app, g, request
from flask_babel import Babel, get_locale
from werkzeug.wrappers import Response
from wtforms.i18n import messages_path

LANG_COOKIE = "lang"


RTL = frozenset({"ar"})
# The residents' pages, and error pages (which may be a resident's): every language.
RESIDENT_BLUEPRINTS = frozenset(
    {"feedback", "public_promises", "public_walks", "resident_mail", None}
)


def page_languages() -> dict[str, str]:
    """The languages this page is offered in, code -> name in that language."""
    languages: dict[str, str] = current_app.config["LANGUAGES"]
    if request.blueprint in RESIDENT_BLUEPRINTS:
        return languages
    staff = current_app.config["STAFF_LANGUAGES"]
    return {code: name for code, name in languages.items() if code in staff}


def select_locale() -> str:
    """?lang= wins, then the resident's earlier choice, then the browser; Swedish by default."""
    languages = page_languages()
    chosen = request.args.get("lang")
    if chosen in languages:
        g.set_lang_cookie = chosen
        return chosen
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(list(languages)) or "sv"


def _remember_language(response: Response) -> Response:
    lang = g.pop("set_lang_cookie", None)
    if lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response


@lru_cache(maxsize=8)
def _wtforms_translations(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def _share_wtforms_translations() -> None:
    """Give Flask-WTF the form messages' catalogue read once per process, not per request."""
    request.wtforms_translations = _wtforms_translations(str(get_locale() or "sv"))  # type: ignore[attr-defined]


def list_of(items: object) -> str:
    """Words as a list in the page's language: "a, b och c", "a، b وc" in Arabic."""
    words = [str(item) for item in items]  # type: ignore[attr-defined]
    return format_list(words, locale=str(get_locale() or "sv")) if words else ""


def comma_list(items: object) -> str:
    """Items one after the other with the language's comma ("a, b, c"; "a، b، c" in Arabic),
    for table cells and enumerations where "och" would not read right."""
    words = [str(item) for item in items]  # type: ignore[attr-defined]
    return ("، " if str(get_locale() or "sv") == "ar" else ", ").join(words)


SENTENCE_ENDS = (".", "!", "?", "…", "؟", "۔")


def as_sentences(messages: object) -> str:
    """Error messages as sentences one after the other, never run together.

    WTForms' own messages come without a full stop ("Inte ett giltigt heltal"); next to ours
    they read as one sentence ("Inte ett giltigt heltal Ange 20–500 meter").
    """
    texts = [str(m).strip() for m in messages]  # type: ignore[attr-defined]
    return " ".join(t if t.endswith(SENTENCE_ENDS) else f"{t}." for t in texts if t)


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "sv")
    app.jinja_env.globals["page_languages"] = page_languages
    app.jinja_env.globals["text_direction"] = lambda: (
        "rtl" if str(get_locale() or "sv") in RTL else "ltr"
    )
    app.jinja_env.filters["list_of"] = list_of
    app.jinja_env.filters["comma_list"] = comma_list
    app.jinja_env.filters["as_sentences"] = as_sentences
    app.before_request(_share_wtforms_translations)
    app.after_request(_remember_language)

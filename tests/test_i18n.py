"""Swedish first, English second: the language follows the browser or the switcher."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

from tests.pages import parse_page

ROOT = Path(__file__).resolve().parents[1]
# What a resident's pages show: the intake code and its templates.
RESIDENT_CODE = ("core", "feedback", "kommun")
RESIDENT_TEMPLATES = ("base.html", "error.html", "macros/*.html", "feedback/*.html")
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}


def test_swedish_by_default(client, kommuner):
    page = parse_page(client.get("/").data)
    assert page.html["lang"] == "sv"
    assert "Ring 112" in page.get_text()


def test_browser_language_english(client, kommuner):
    page = parse_page(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).data)
    assert page.html["lang"] == "en"
    assert "Call 112" in page.get_text()


def test_switcher_is_remembered(client, kommuner):
    page = parse_page(client.get("/k/vanersborg/?lang=en").data)
    assert page.html["lang"] == "en"
    assert page.select_one('.lang a[hreflang="sv"]')["href"] == "/k/vanersborg/?lang=sv"
    page = parse_page(client.get("/k/vanersborg/").data)
    assert page.html["lang"] == "en"
    page = parse_page(client.get("/?lang=sv").data)
    assert page.html["lang"] == "sv"


def test_staff_pages_in_english(client, kommuner, create_user, login):
    login(create_user())
    page = parse_page(client.get("/samordnare/vanersborg/?lang=en").data)
    assert page.html["lang"] == "en"
    assert "Förslag i" not in page.select_one("h1").get_text()


def test_errors_in_english(client, kommuner):
    client.get("/?lang=en")
    response = client.post("/k/vanersborg/", data={"kind": "otrygg"})
    page = parse_page(response.data)
    assert response.status_code == 400
    summary = page.select_one("#error-summary").get_text()
    assert "Välj" not in summary and summary.strip()


def _resident_msgids() -> set[str]:
    messages = []
    for folder in RESIDENT_CODE:
        for *_where, message, _comments, _context in extract_from_dir(
            ROOT / folder, [("**.py", "python")], keywords=KEYWORDS
        ):
            messages.append(message)
    for pattern in RESIDENT_TEMPLATES:
        for path in (ROOT / "templates").glob(pattern):
            for _line, message, _comments, _context in extract_from_file(
                "jinja2", path, keywords=KEYWORDS
            ):
                messages.append(message)
    return {m[0] if isinstance(m, tuple) else m for m in messages}


def test_english_catalogue_covers_the_resident_pages():
    with (ROOT / "translations/en/LC_MESSAGES/messages.po").open("rb") as fh:
        catalogue = read_po(fh)
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalogue
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = sorted(_resident_msgids() - translated)
    assert not missing, f"untranslated: {missing[:10]} (run ./dev i18n and translate)"

"""Swedish first, English second, Arabic for residents: the browser or the switcher decides."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po
from sqlalchemy import select

from feedback.models import Report, ReportReason
from tests.helpers import VANERSBORG_TORGET
from tests.pages import parse_page

ROOT = Path(__file__).resolve().parents[1]
# What a resident's pages show: the intake code and its templates.
RESIDENT_CODE = ("core", "feedback", "kommun")
RESIDENT_MODULES = (
    "promises/public.py",
    "promises/public_forms.py",
    "promises/follow.py",
    "mail/views.py",
    "mail/forms.py",
    "mail/compose.py",
)
RESIDENT_TEMPLATES = (
    "base.html",
    "error.html",
    "macros/*.html",
    "feedback/*.html",
    "public/*.html",
    "promises/_progress.html",
    "promises/_focus_results.html",
    "surveys/protocol.html",
    "mail/*.html",
    "mail/*.txt",
    "mail_pages/*.html",
)
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
    answer = client.get("/samordnare/vanersborg/?lang=en")
    assert answer.status_code == 200  # the queue itself, not an error page in English
    page = parse_page(answer.data)
    assert page.html["lang"] == "en"
    assert page.select_one("h1").get_text(strip=True).startswith("Reports in")


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
    for module in RESIDENT_MODULES:
        for _line, message, _comments, _context in extract_from_file(
            "python", ROOT / module, keywords=KEYWORDS
        ):
            messages.append(message)
    for pattern in RESIDENT_TEMPLATES:
        for path in (ROOT / "templates").glob(pattern):
            for _line, message, _comments, _context in extract_from_file(
                "jinja2", path, keywords=KEYWORDS
            ):
                messages.append(message)
    return {m[0] if isinstance(m, tuple) else m for m in messages}


@pytest.mark.parametrize("language", ["en", "ar"])
def test_catalogue_covers_the_resident_pages(language):
    with (ROOT / f"translations/{language}/LC_MESSAGES/messages.po").open("rb") as fh:
        catalogue = read_po(fh)
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalogue
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = sorted(_resident_msgids() - translated)
    assert not missing, f"untranslated: {missing[:10]} (run ./dev i18n and translate)"


def test_arabic_for_residents_right_to_left(client, kommuner):
    page = parse_page(client.get("/k/vanersborg/", headers={"Accept-Language": "ar"}).data)
    assert page.html["lang"] == "ar" and page.html["dir"] == "rtl"
    assert "112" in page.select_one(".emergency").get_text()
    assert "Ring 112" not in page.get_text()
    switcher = {a["hreflang"] for a in page.select(".lang a")}
    assert switcher == {"sv", "en"}


def test_staff_pages_offer_swedish_and_english_only(client, kommuner, create_user, login):
    client.get("/?lang=ar")  # a resident's choice, remembered
    login(create_user())
    page = parse_page(client.get("/samordnare/vanersborg/").data)
    assert page.html["lang"] == "sv" and page.html["dir"] == "ltr"
    assert {a.get("hreflang") for a in page.select(".lang a")} == {"en"}
    page = parse_page(client.get("/samordnare/vanersborg/?lang=ar").data)
    assert page.html["lang"] == "sv"


def test_arabic_plurals_follow_babels_rule():
    """CLDR's six Arabic forms: 3–10 take the plural, 11–99 the accusative singular."""
    from babel.messages.plurals import get_plural

    with (ROOT / "translations/ar/LC_MESSAGES/messages.po").open("rb") as fh:
        catalogue = read_po(fh, locale="ar")
    assert catalogue.plural_expr == get_plural("ar").plural_expr


@pytest.mark.parametrize(
    ("count", "word"), [(3, "أشخاص"), (10, "أشخاص"), (11, "شخصًا"), (39, "شخصًا"), (103, "أشخاص")]
)
def test_arabic_number_agreement(app, count, word):
    from flask_babel import force_locale, ngettext

    with app.test_request_context(), force_locale("ar"):
        text = ngettext("%(num)d person till", "%(num)d personer till", count)
    assert text.startswith(f"{count} {word}")


def test_arabic_lists_and_clauses_use_the_arabic_comma_and_wa(
    client, kommuner, session, create_report_at
):
    for _ in range(5):
        create_report_at(kommuner["Vänersborg"], *VANERSBORG_TORGET, reasons=["place.dark"])
    lat, lon = VANERSBORG_TORGET
    nearby = client.get(f"/api/k/vanersborg/nara?lat={lat}&lon={lon}&lang=ar").get_json()
    assert "، " in nearby["message"] and ", " not in nearby["message"]

    report = session.scalar(select(Report))
    client.post("/status", data={"code": report.receipt_code})
    report.reasons.clear()
    session.commit()
    for code in ("place.bushes", "damage.graffiti", "people.outdoors"):
        session.add(ReportReason(report_id=report.id, code=code))
    session.commit()
    page = parse_page(client.get("/status/mitt-forslag?lang=ar").data)
    reasons = next(dt for dt in page.select("dt") if dt.get_text() == "الأسباب").find_next("dd")
    assert ", " not in reasons.get_text() and " و" in reasons.get_text()
    swedish = parse_page(client.get("/status/mitt-forslag?lang=sv").data)
    reasons = next(dt for dt in swedish.select("dt") if dt.get_text() == "Skäl").find_next("dd")
    assert reasons.get_text() == (
        "Klotter, Samling av personer utomhus och Skymmande buskage och växtlighet"
    )


def test_the_example_address_is_the_same_in_every_language():
    for language in ("en", "ar"):
        with (ROOT / f"translations/{language}/LC_MESSAGES/messages.po").open("rb") as fh:
            catalogue = read_po(fh)
        assert "namn@exempel.se" in catalogue["Skriv en e-postadress som namn@exempel.se."].string
        assert (
            "Östra vägen"
            in catalogue["Till exempel ”gångtunneln under Östra vägen”. Frivilligt."].string
        )


def test_error_messages_are_sentences_not_run_together():
    from core.i18n import as_sentences

    assert as_sentences(["Inte ett giltigt heltal", "Ange 20–500 meter."]) == (
        "Inte ett giltigt heltal. Ange 20–500 meter."
    )
    assert as_sentences(["اختر مكانًا؟", ""]) == "اختر مكانًا؟"


def test_two_errors_on_one_field_read_as_two_sentences(app):
    from types import SimpleNamespace

    from bs4 import BeautifulSoup

    field = SimpleNamespace(id="radius", errors=["Inte ett giltigt heltal", "Ange 20–500 meter."])
    template = '{% from "macros/forms.html" import errors %}{{ errors(field) }}'
    with app.test_request_context():
        html = app.jinja_env.from_string(template).render(field=field)
    shown = BeautifulSoup(html, "html.parser").select_one("#radius-error").get_text(" ", strip=True)
    assert shown.endswith("Inte ett giltigt heltal. Ange 20–500 meter.")


def test_the_form_says_plainly_how_long_it_takes(client, kommuner):
    lead = parse_page(client.get("/k/vanersborg/").data).select_one(".lead").get_text()
    assert lead == "Det tar några minuter. Frågor märkta ”frivilligt” kan du hoppa över."


def test_lists_in_table_cells_take_the_languages_comma(app):
    from core.i18n import comma_list

    with app.test_request_context("/?lang=ar"):
        assert comma_list(["ABVB", "Polisen", "Kommunen"]) == "ABVB، Polisen، Kommunen"
    with app.test_request_context("/?lang=sv"):
        assert comma_list(["ABVB", "Polisen"]) == "ABVB, Polisen"

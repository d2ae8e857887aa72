"""A dialogue team types paper sheets with the keyboard only, in real Chromium."""

from __future__ import annotations

from sqlalchemy import select

from feedback.models import Report
from surveys.models import SheetResponse
from tests.browser.actions import log_in, screenshot

# The local safety survey, as a typist reads one sheet: twelve one-digit answers, a place,
# an empty free-text answer, then age band and gender (one digit each).
DIGITS_BEFORE_PLACE = "421112311211"


def test_sheets_by_keyboard_one_key_per_answer(
    page, live_server, kommuner, session, create_user, create_dialogue
):
    dialogue = create_dialogue(kommuner["Vänersborg"])
    log_in(page, live_server, create_user("dialog").email)
    page.goto(f"{live_server}/dialog/dialoger/{dialogue.id}/inmatning")
    assert page.evaluate("document.activeElement.id") == "q-trygg_kvall"

    keys = 0
    for digit in DIGITS_BEFORE_PLACE:
        page.keyboard.press(digit)
        keys += 1
    assert page.evaluate("document.activeElement.id") == "q-otrygg_plats"
    page.keyboard.type("Torget")
    keys += len("Torget")
    for key in ("Enter", "Enter", "3", "1"):  # on to the text, past it, age band, gender
        page.keyboard.press(key)
        keys += 1
    assert page.evaluate("document.activeElement.id") == "save-sheet"
    screenshot(page, "sheet-entry-filled")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    keys += 1
    assert keys == len(DIGITS_BEFORE_PLACE) + len("Torget") + 5

    # Saved, counted, and the next sheet starts on its first question.
    assert "1 blad inmatat" in page.locator("#running-count").inner_text()
    assert page.input_value("#sheet_number") == "2"
    assert page.evaluate("document.activeElement.id") == "q-trygg_kvall"
    stored = session.scalar(select(SheetResponse))
    assert stored.answers["trygg_kvall"] == "4" and stored.answers["oro_misshandel"] == "2"
    assert stored.answers["problem_narkotika"] == "1" and stored.answers["kon"] == "kvinna"
    assert stored.answers["alder"] == "25-34" and stored.answers["gora"] is None
    assert session.get(Report, stored.report_id).landmark.name == "Torget"

    # A slip is caught on save and the focus goes to it; nothing typed is lost.
    page.keyboard.press("7")  # trygg_kvall has six options: no move, and the sheet is refused
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert page.evaluate("document.activeElement.id") == "q-trygg_kvall"
    assert page.locator("#error-summary").is_visible()
    assert page.input_value("#q-trygg_kvall") == "7"
    screenshot(page, "sheet-entry-error")


def test_a_place_by_a_click_on_the_entry_screens_map(
    page, live_server, kommuner, session, create_user, create_dialogue
):
    dialogue = create_dialogue(kommuner["Vänersborg"], place="Skolan", method="skolbesok")
    log_in(page, live_server, create_user("dialog").email)
    page.goto(f"{live_server}/dialog/dialoger/{dialogue.id}/inmatning")
    page.locator(".sheet-map").wait_for()
    page.locator(".sheet-map").click()  # the middle of the kommun's bounds
    typed = page.input_value("#q-otrygg_plats")
    lat, lon = (float(part) for part in typed.split(","))
    assert kommuner["Vänersborg"].contains(lat, lon)
    assert page.evaluate("document.activeElement.id") == "q-gora"
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    stored = session.scalar(select(SheetResponse))
    report = session.get(Report, stored.report_id)
    assert report.location_method == "map" and abs(report.lat - lat) < 1e-6

"""Residents report in real Chromium: by clicking the map, and by keyboard alone."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from feedback.models import Report
from tests.browser.actions import screenshot, tab_to
from tests.helpers import VANERSBORG_TORGET


def test_resident_clicks_the_map_picks_reasons_and_submits(
    page, live_server, kommuner, session, create_report_at
):
    page.goto(f"{live_server}/k/vanersborg/")
    page.locator("#map.leaflet-container").wait_for()
    page.locator("#map").click(position={"x": 500, "y": 180})
    status = page.locator("#pin-status")
    assert status.inner_text().startswith("Nålen är placerad")
    lat = float(page.input_value("#lat"))
    lon = float(page.input_value("#lon"))
    assert kommuner["Vänersborg"].contains(lat, lon)

    # Others have reported here (k = 5 of them, so the public map shows the cell too):
    # moving the pin onto the same spot shows the aggregate.
    for _ in range(5):
        create_report_at(kommuner["Vänersborg"], lat, lon, reasons=["place.bushes"])
    page.locator("#map").click(position={"x": 500, "y": 180})
    page.locator("#nearby").wait_for(state="visible")
    message = page.inner_text("#nearby-message")
    assert "5 personer har rapporterat otrygghet i den här rutan på 250 × 250 m" in message
    screenshot(page, "map-journey-nearby")

    page.get_by_label("Belysning saknas, mörk plats").check()
    page.get_by_label("Kväll").check()
    page.get_by_label("Berätta mer (frivilligt)").fill("Mörkt vid cykelstället.")
    page.get_by_role("button", name="Skicka förslaget").click()

    page.locator("#receipt-code").wait_for()
    code = page.inner_text("#receipt-code")
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    screenshot(page, "map-journey-receipt")
    report = session.scalar(select(Report).where(Report.description != ""))
    assert report.receipt_display == code
    assert report.location_method == "map"
    assert report.reason_codes == ["place.dark"]
    assert abs(report.lat - lat) < 1e-5 and abs(report.lon - lon) < 1e-5


def test_resident_reports_with_the_keyboard_only_through_the_landmark_list(
    page, live_server, kommuner, session
):
    page.goto(f"{live_server}/k/vanersborg/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"

    tab_to(page, "#landmark")
    page.keyboard.type("Resecentrum")
    assert page.input_value("#landmark") == str(
        next(lm.id for lm in kommuner["Vänersborg"].landmarks if lm.name == "Resecentrum")
    )
    tab_to(page, "#place_description")
    page.keyboard.type("Trappan ner mot perrongen")
    tab_to(page, "#reason-place-tunnel")
    page.keyboard.press("Space")
    tab_to(page, "#times-2")  # natt
    page.keyboard.press("Space")
    tab_to(page, "#submit")
    screenshot(page, "keyboard-journey-form")
    page.keyboard.press("Enter")

    page.locator("#receipt-code").wait_for()
    screenshot(page, "keyboard-journey-receipt")
    report = session.scalar(select(Report))
    assert report.location_method == "address"
    assert report.landmark.name == "Resecentrum"
    assert report.place_description == "Trappan ner mot perrongen"
    assert report.reason_codes == ["place.tunnel"] and report.at_night


def test_pin_placed_from_the_keyboard(page, live_server, kommuner):
    page.goto(f"{live_server}/k/vanersborg/")
    tab_to(page, "#pin-centre")
    page.keyboard.press("Enter")
    assert page.inner_text("#pin-status").startswith("Nålen är placerad nära")
    assert page.input_value("#lat") and page.input_value("#location_method") == "map"


def test_map_works_on_grey_when_tiles_cannot_load(page, live_server, kommuner):
    page.goto(f"{live_server}/k/vanersborg/")
    page.locator("#tiles-failed").wait_for(state="visible")
    assert page.locator("#map .leaflet-overlay-pane path").count() >= 1  # boundary drawn
    page.locator("#map").click(position={"x": 500, "y": 200})
    assert page.input_value("#lat")
    screenshot(page, "grey-map")


def test_a_failed_submit_keeps_the_pin_and_explains(page, live_server, kommuner, session):
    page.goto(f"{live_server}/k/vanersborg/")
    page.locator("#map.leaflet-container").wait_for()
    page.locator("#map").click(position={"x": 500, "y": 180})
    lat = page.input_value("#lat")
    page.get_by_label("Berätta mer (frivilligt)").fill("Text som inte får försvinna")
    page.get_by_role("button", name="Skicka förslaget").click()

    summary = page.locator("#error-summary")
    summary.wait_for()
    assert "Välj minst ett skäl" in summary.inner_text()
    # The summary is in the page before the form's script (deferred) moves focus to it.
    # (Not page.wait_for_function: on a page whose CSP forbids eval, Playwright's polling
    # evaluates its predicate string again and again, and now and then the CSP refuses it.)
    expect(summary).to_be_focused()
    assert page.input_value("#lat") == lat
    assert page.inner_text("#pin-status").startswith("Nålen är placerad")
    assert page.input_value("#description") == "Text som inte får försvinna"
    screenshot(page, "failed-submit")
    assert session.scalar(select(Report)) is None


def test_outside_the_kommun_is_refused_in_the_browser_too(page, live_server, kommuner):
    page.goto(f"{live_server}/k/vanersborg/")
    page.locator("#map.leaflet-container").wait_for()
    # Zoom out to see beyond the boundary, then click near the corner of the map.
    for _ in range(4):
        page.locator(".leaflet-control-zoom-out").click()
        page.wait_for_timeout(300)
    page.locator("#map").click(position={"x": 5, "y": 5})
    assert "utanför Vänersborg" in page.inner_text("#pin-status")
    assert page.input_value("#lat") == ""


def test_arrow_keys_move_the_focused_pin_and_say_where(page, live_server, kommuner):
    page.goto(f"{live_server}/k/vanersborg/")
    tab_to(page, "#pin-centre")
    page.keyboard.press("Enter")
    before = float(page.input_value("#lat")), float(page.input_value("#lon"))
    tab_to(page, ".leaflet-marker-icon")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Shift+ArrowRight")
    after = float(page.input_value("#lat")), float(page.input_value("#lon"))
    assert after[0] > before[0] and after[1] > before[1]
    assert f"{after[0]:.5f}" in page.inner_text("#pin-status")


def test_in_arabic_without_the_map_or_javascript_by_keyboard(
    browser, live_server, kommuner, session
):
    """No map, no script, right to left: the landmark list carries the whole journey."""
    context = browser.new_context(java_script_enabled=False, locale="ar")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/k/vanersborg/")
        assert page.get_attribute("html", "dir") == "rtl"
        tab_to(page, "#landmark")
        page.keyboard.type("Torget")
        tab_to(page, "#reason-place-dark")
        page.keyboard.press("Space")
        tab_to(page, "#times-1")  # kväll
        page.keyboard.press("Space")
        tab_to(page, "#submit")
        page.keyboard.press("Enter")
        page.locator("#receipt-code").wait_for()
        assert "شكرًا" in page.locator("h1").inner_text()
        screenshot(page, "keyboard-journey-arabic-no-map-receipt")
    finally:
        context.close()
    report = session.scalar(select(Report))
    assert report.location_method == "landmark" and report.landmark.name == "Torget"
    assert report.reason_codes == ["place.dark"] and report.at_evening


def test_choosing_trygg_switches_the_questions(page, live_server, kommuner, create_report_at):
    """No "Hur otrygg?" and no "Jag känner likadant" about a place that feels safe."""
    page.goto(f"{live_server}/k/vanersborg/")
    page.locator("#map.leaflet-container").wait_for()
    page.locator("#map").click(position={"x": 500, "y": 180})
    lat, lon = float(page.input_value("#lat")), float(page.input_value("#lon"))
    for _ in range(5):
        create_report_at(kommuner["Vänersborg"], lat, lon)
    page.locator("#map").click(position={"x": 500, "y": 180})
    page.locator("#nearby").wait_for(state="visible")
    assert page.get_by_text("Hur otrygg känner du dig här?").is_visible()
    page.get_by_label("Ganska otrygg").check()

    page.get_by_label("Här känner jag mig trygg").check()
    assert not page.get_by_text("Hur otrygg känner du dig här?").is_visible()
    assert not page.get_by_role("button", name="Jag känner likadant").is_visible()
    assert not page.get_by_label("Belysning saknas, mörk plats").is_visible()
    assert page.locator("input[name=unsafe_level]:checked").count() == 0
    screenshot(page, "kind-trygg")

    page.get_by_label("Här känner jag mig otrygg").check()
    assert page.get_by_text("Hur otrygg känner du dig här?").is_visible()
    assert page.get_by_role("button", name="Jag känner likadant").is_visible()


def test_choosing_trygg_switches_the_questions_without_javascript(browser, live_server, kommuner):
    context = browser.new_context(java_script_enabled=False, locale="sv-SE")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/k/vanersborg/")
        assert page.get_by_text("Hur otrygg känner du dig här?").is_visible()
        page.get_by_label("Här känner jag mig trygg").check()
        assert not page.get_by_text("Hur otrygg känner du dig här?").is_visible()
        assert not page.get_by_label("Belysning saknas, mörk plats").is_visible()
    finally:
        context.close()


def test_landmark_dots_are_named_and_the_map_can_be_skipped(page, live_server, kommuner):
    page.goto(f"{live_server}/k/vanersborg/")
    page.locator("#map.leaflet-container").wait_for()
    dots = page.locator("#map path[data-landmark]")
    assert dots.count() == len(kommuner["Vänersborg"].landmarks) > 1
    for i in range(dots.count()):
        assert dots.nth(i).get_attribute("tabindex") == "-1"
        assert dots.nth(i).get_attribute("aria-label")
    assert page.get_attribute(".leaflet-control-zoom-in", "title") == "Zooma in"

    tab_to(page, ".skip-map")
    assert page.locator(".skip-map").is_visible()
    assert page.inner_text(".skip-map") == "Hoppa över kartan"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "landmark"


def test_a_pin_tapped_on_a_landmark_records_the_landmark(page, live_server, kommuner, session):
    resecentrum = next(lm for lm in kommuner["Vänersborg"].landmarks if lm.name == "Resecentrum")
    page.goto(f"{live_server}/k/vanersborg/")
    page.locator("#map.leaflet-container").wait_for()
    page.locator(f"#map path[data-landmark='{resecentrum.id}']").click()
    assert page.inner_text("#pin-status") == "Nålen är placerad vid Resecentrum."
    assert page.input_value("#landmark") == str(resecentrum.id)
    assert page.input_value("#location_method") == "landmark"
    page.get_by_label("Belysning saknas, mörk plats").check()
    page.get_by_role("button", name="Skicka förslaget").click()
    page.locator("#receipt-code").wait_for()
    report = session.scalar(select(Report))
    assert report.landmark_id == resecentrum.id and report.location_method == "landmark"
    assert (report.lat, report.lon) == (resecentrum.lat, resecentrum.lon)

    page.get_by_role("link", name="Se status för ditt förslag").click()
    assert page.inner_text("#place-name") == "Resecentrum"
    page.locator("#place-map.leaflet-container").wait_for()
    assert page.locator("#place-map .leaflet-overlay-pane path").count() == 1
    screenshot(page, "status-place-map")


def test_the_status_page_names_a_map_placed_report_by_the_nearest_landmark(
    page, live_server, kommuner, session
):
    page.goto(f"{live_server}/k/vanersborg/")
    tab_to(page, "#pin-centre")
    page.keyboard.press("Enter")
    lat = page.input_value("#lat")
    page.get_by_label("Belysning saknas, mörk plats").check()
    page.get_by_role("button", name="Skicka förslaget").click()
    page.get_by_role("link", name="Se status för ditt förslag").click()
    place = page.inner_text("#place-name")
    assert place.startswith("Vald på kartan, nära ")
    assert lat[:6] not in page.inner_text("main")  # no raw coordinates
    page.locator("#place-map.leaflet-container").wait_for()


def submit_quickly(page, live_server):
    page.goto(f"{live_server}/k/vanersborg/")
    page.select_option("#landmark", label="Torget")
    page.get_by_label("Belysning saknas, mörk plats").check()
    page.get_by_role("button", name="Skicka förslaget").click()
    page.locator("#receipt-code").wait_for()


def test_the_receipt_code_can_be_copied_printed_and_mailed(browser, live_server, kommuner, session):
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="sv-SE")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        submit_quickly(page, live_server)
        code = page.inner_text("#receipt-code")
        page.get_by_role("button", name="Kopiera koden").click()
        page.get_by_text("Koden är kopierad.").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == code
        screenshot(page, "receipt-360")

        page.emulate_media(media="print")
        assert page.locator("#receipt-code").is_visible()
        for hidden in ("#copy-code", "#print-receipt", "#receipt-mail", ".site-header"):
            assert not page.locator(hidden).is_visible(), hidden
        page.emulate_media(media="screen")
        assert page.get_by_role("button", name="Skriv ut / spara").is_visible()

        page.get_by_text("Mejla koden till mig").click()
        page.get_by_label("Din e-postadress").fill("boende@exempel.se")
        page.get_by_label("Jag samtycker till att kommunen sparar min e-postadress").check()
        page.get_by_role("button", name="Mejla koden", exact=True).click()
        page.locator("#mail-note").wait_for()
        assert page.locator("#receipt-mail").count() == 0
    finally:
        context.close()
    report = session.scalar(select(Report))
    session.refresh(report)
    assert report.contact_email == "boende@exempel.se"


def test_the_receipt_without_javascript_offers_no_dead_buttons(browser, live_server, kommuner):
    context = browser.new_context(java_script_enabled=False, locale="sv-SE")
    page = context.new_page()
    try:
        submit_quickly(page, live_server)
        assert not page.locator("#copy-code").is_visible()
        assert not page.locator("#print-receipt").is_visible()
        page.locator("#receipt-code").click()  # one tap selects the whole code
        assert page.evaluate("window.getSelection().toString().trim()") == page.inner_text(
            "#receipt-code"
        )
        assert page.locator("#receipt-mail summary").is_visible()
    finally:
        context.close()


def test_on_a_phone_likely_reasons_come_first_and_every_target_is_44_px(
    browser, live_server, kommuner, create_report_at
):
    vanersborg = kommuner["Vänersborg"]
    for _ in range(5):
        create_report_at(vanersborg, *VANERSBORG_TORGET, reasons=["people.youth_groups"])
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="sv-SE")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/k/vanersborg/")
        page.locator("#map.leaflet-container").wait_for()
        assert page.inner_text(".lead").startswith("Det tar några minuter.")
        assert page.get_by_label("Störande ungdomsgäng").is_visible()
        assert not page.get_by_label("Klotter", exact=True).is_visible()  # folded away
        assert page.evaluate("document.documentElement.scrollHeight") < 4600  # was 5,400
        too_small = page.evaluate(
            """Array.from(document.querySelectorAll(
                 '#report-form input:not([type=hidden]), #report-form select,'
                 + ' #report-form button, #report-form summary'))
               .filter(e => e.offsetParent && !e.closest('.leaflet-container'))
               .map(e => [e.id || e.textContent.trim(),
                          (e.closest('.choice') || e).getBoundingClientRect().height])
               .filter(([, h]) => h < 44)"""
        )
        assert too_small == []
        screenshot(page, "form-360-suggested")

        # A pin in a cell where k reports chose a reason moves that reason up.
        for _ in range(5):
            create_report_at(vanersborg, *VANERSBORG_TORGET, reasons=["place.bushes"])
        page.select_option("#landmark", label="Torget")
        page.locator("#pin-centre").click()
        page.locator("#suggested-reasons #reason-place-bushes").wait_for()
        assert page.get_by_label("Skymmande buskage och växtlighet").is_visible()
        page.get_by_text("Fler skäl").click()
        page.get_by_label("Klotter", exact=True).check()
        page.get_by_label("Skymmande buskage och växtlighet").check()
    finally:
        context.close()


def test_a_resident_adds_a_photo_from_the_phone(page, live_server, kommuner, session):
    from tests.helpers import phone_photo

    page.goto(f"{live_server}/k/vanersborg/")
    page.select_option("#landmark", label="Torget")
    page.get_by_label("Belysning saknas, mörk plats").check()
    assert page.get_attribute("#photo", "accept") == "image/jpeg,image/png,image/webp"
    page.set_input_files(
        "#photo", files=[{"name": "lampan.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()}]
    )
    page.get_by_role("button", name="Skicka förslaget").click()
    page.locator("#receipt-code").wait_for()
    report = session.scalar(select(Report))
    assert report.photo and report.photo.endswith(".jpg")

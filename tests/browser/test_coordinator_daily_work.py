"""A coordinator's daily work in real Chromium: a caller's report found, duplicates, the
lägesbild, invitations, start pages and the help page; at 1366 px and on a 360 px phone."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.browser.actions import screenshot
from tests.helpers import STAFF_PASSWORD, VANERSBORG_TORGET

LAT, LON = VANERSBORG_TORGET
WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}
M_LAT = 1 / 111_320


def log_in(page, live_server, user, lands_on):
    page.goto(f"{live_server}/inloggning")
    page.get_by_label("E-post").fill(user.email)
    page.get_by_label("Lösenord").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{live_server}{lands_on}")


def test_a_caller_reads_out_the_receipt_code_and_the_duplicate_is_suggested(
    page, live_server, kommuner, create_user, create_report_at, session
):
    vanersborg = kommuner["Vänersborg"]
    torget = next(lm for lm in vanersborg.landmarks if lm.name == "Torget")
    earlier = create_report_at(vanersborg, LAT, LON, description="Glaskross på torget varje helg")
    caller = create_report_at(vanersborg, LAT, LON, description="Mycket glaskross vid torget")
    create_report_at(
        vanersborg,
        LAT + 20 * M_LAT,
        LON,
        description="Mopeder kör fort",
        reasons=["traffic.speeding"],
    )
    for report in (earlier, caller):
        report.location_method, report.landmark_id = "landmark", torget.id
    session.commit()
    user = create_user("coordinator", ("Vänersborg",))
    page.set_viewport_size(WIDE)
    log_in(page, live_server, user, "/samordnare/vanersborg/")

    # The resident reads the code aloud; the coordinator types it as heard.
    spoken = " ".join(caller.receipt_display.lower().split("-"))
    page.get_by_label("Sök").fill(spoken)
    page.get_by_role("button", name="Visa").first.click()
    page.wait_for_url("**q=**")
    rows = page.locator("tr[id^=row-]")
    assert rows.count() == 1 and caller.registration_number in rows.first.inner_text()
    screenshot(page, "daily-queue-search-1366")

    page.get_by_role("link", name=caller.registration_number).click()
    # Counted once the report's page has loaded: a count straight after the click could read
    # the page while it was still arriving.
    page.wait_for_url(f"**/samordnare/rapport/{caller.id}")
    page.wait_for_load_state()
    suggestions = page.locator("ul.candidates > li")
    assert suggestions.count() == 1
    text = suggestions.first.inner_text()
    assert earlier.registration_number in text and "samma landmärke: Torget" in text
    assert " 0 m" not in text
    screenshot(page, "daily-duplicates-1366")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "daily-duplicates-360")
    # Staff pages carry no residents' footer.
    assert "Följ ett förslag" not in page.inner_text("footer")


def test_the_lagesbild_names_places_and_leaves_coming_weeks_empty(
    page, live_server, kommuner, create_user, create_report_at
):
    vanersborg = kommuner["Vänersborg"]
    for i in range(7):
        create_report_at(vanersborg, LAT + (i % 3) * 0.0001, LON, times=["natt"] if i < 3 else [])
    user = create_user("coordinator", ("Vänersborg",))
    page.set_viewport_size(WIDE)
    log_in(page, live_server, user, "/samordnare/vanersborg/")
    page.goto(f"{live_server}/samordnare/vanersborg/lagesbild?kind=tertial")
    names = page.locator("svg.sketch-map text.place-name")
    assert "Torget" in names.all_text_contents()
    assert page.locator("svg.sketch-map path.border").is_visible()
    # The suite's clock stands on 2 December: four weeks of the tertial are still to come.
    bars = page.locator("svg.chart rect.bar").count()
    assert bars == page.locator("svg.chart line.before").count() - 4
    assert "43\u00a0%" in page.inner_text(".key-figures")  # 3 of 7 at night
    screenshot(page, "daily-lagesbild-1366")
    page.set_viewport_size(PHONE)
    screenshot(page, "daily-lagesbild-360")

    page.get_by_role("link", name="Hjälp", exact=True).click()
    page.wait_for_url("**/personal/hjalp/")
    assert "k = 5" in page.inner_text("#k-rule")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "daily-help-360")
    page.set_viewport_size(WIDE)
    screenshot(page, "daily-help-1366")


def test_an_invited_colleague_gets_the_link_copied_and_starts_logged_in(
    page, browser, live_server, kommuner, create_user
):
    admin = create_user("admin", ("Vänersborg",))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.set_viewport_size(WIDE)
    log_in(page, live_server, admin, "/samordnare/vanersborg/")
    page.goto(f"{live_server}/admin/anvandare/ny")
    page.get_by_label("E-post").fill("dialog.ny@kommun.example")
    page.get_by_label("Namn").fill("Dana Dialog")
    page.get_by_label("Roll").select_option("dialog")
    page.get_by_label("Vänersborg").check()
    page.get_by_role("button", name="Skapa konto och länk").click()
    page.get_by_role("button", name="Kopiera länken").click()
    page.locator("#copy-status", has_text="Länken är kopierad.").wait_for()
    link = page.evaluate("navigator.clipboard.readText()")
    assert link == page.input_value("#invitation-link")
    screenshot(page, "daily-invitation-1366")

    newcomer = browser.new_context(viewport=PHONE, locale="sv-SE").new_page()
    newcomer.goto(f"{live_server}{urlsplit(link).path}")
    newcomer.get_by_label("Nytt lösenord").fill("en lång mening som lösenord")
    newcomer.get_by_label("Skriv lösenordet igen").fill("en lång mening som lösenord")
    newcomer.get_by_role("button", name="Spara lösenordet").click()
    # Logged in at once, on the dialogue team's own start page.
    newcomer.wait_for_url("**/dialog/**")
    assert "inloggad" in newcomer.inner_text(".flash-messages")
    assert newcomer.get_by_role("button", name="Logga ut").is_visible() or (
        newcomer.locator("nav.staff-nav").count() == 1
    )
    screenshot(newcomer, "daily-newcomer-360")
    newcomer.context.close()

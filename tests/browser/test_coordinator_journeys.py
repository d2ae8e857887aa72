"""Coordinators in real Chromium: log in, triage a report, merge two, draw an area."""

from __future__ import annotations

from sqlalchemy import select

from feedback.models import Report
from geo.maps import TREND_STYLE
from tests.browser.actions import log_in_via_the_queue, screenshot, tab_to
from tests.helpers import STAFF_PASSWORD, VANERSBORG_TORGET

LAT, LON = VANERSBORG_TORGET


def test_coordinator_logs_in_with_the_keyboard_and_triages_a_report(
    page, live_server, kommuner, create_user, create_report_at, session
):
    user = create_user("coordinator", ("Vänersborg",))
    report = create_report_at(
        kommuner["Vänersborg"], LAT, LON, description="Ring 070-123 45 67 om lampan"
    )
    page.goto(f"{live_server}/inloggning")
    tab_to(page, "#email")
    page.keyboard.type(user.email)
    tab_to(page, "#password")
    page.keyboard.type(STAFF_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/samordnare/vanersborg/")
    page.locator("#area-map.leaflet-container").wait_for()
    row = page.locator(f"#row-{report.id}")
    assert "[telefonnummer]" in row.inner_text() and "070-123" not in row.inner_text()
    screenshot(page, "coordinator-queue")

    page.get_by_role("link", name=report.registration_number).click()
    page.locator("#report-map .leaflet-marker-icon").wait_for()
    page.get_by_label("Ny status").select_option("avslutad")
    page.get_by_role("button", name="Spara status").click()
    # Closing without a reason is explained next to the field.
    assert "Välj varför" in page.inner_text("#error-summary")
    page.get_by_label("Skäl till att förslaget avslutas").select_option("atgardad")
    page.get_by_role("button", name="Spara status").click()
    page.locator(".flash").wait_for()
    assert page.inner_text("#report-status") == "Avslutad – Åtgärdad"
    screenshot(page, "coordinator-triaged")

    page.get_by_role("button", name="Visa original").click()
    assert "070-123 45 67" in page.inner_text("#original-text")
    session.expire_all()
    assert session.get(Report, report.id).status == "avslutad"


def test_coordinator_merges_two_reports_and_drags_the_pin(
    page, live_server, kommuner, create_user, create_report_at, session
):
    user = create_user("coordinator", ("Vänersborg",))
    first = create_report_at(kommuner["Vänersborg"], LAT, LON)
    duplicate = create_report_at(kommuner["Vänersborg"], LAT + 0.0001, LON + 0.0001)
    log_in_via_the_queue(page, live_server, user)

    page.goto(f"{live_server}/samordnare/rapport/{duplicate.id}")
    page.get_by_role("button", name=f"Sammanfoga med {first.registration_number}").click()
    page.locator(".flash").wait_for()
    assert "Dubblett av" in page.inner_text(".notice")
    page.goto(f"{live_server}/samordnare/rapport/{first.id}")
    assert page.inner_text("#supporters") == "1"
    screenshot(page, "coordinator-merged")

    # Dragging the pin writes the corrected place into the form.
    marker = page.locator("#report-map .leaflet-marker-icon")
    box = marker.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, box["y"] + 40, steps=8)
    page.mouse.up()
    assert float(page.input_value("#correct-lat")) != round(LAT, 6)
    page.get_by_role("button", name="Spara rättelsen").click()
    page.locator(".flash").wait_for()
    session.expire_all()
    assert abs(session.get(Report, first.id).lon - LON) > 1e-5


def test_coordinator_selects_reports_and_draws_an_area(
    page, live_server, kommuner, create_user, create_report_at, session
):
    user = create_user("coordinator", ("Vänersborg",))
    reports = [create_report_at(kommuner["Vänersborg"], LAT, LON) for _ in range(2)]
    log_in_via_the_queue(page, live_server, user)
    for report in reports:
        page.get_by_label(f"Välj {report.registration_number}").check()
    page.get_by_label("Åtgärd för de valda").select_option("status:granskad")
    page.get_by_role("button", name="Utför").click()
    assert "2 förslag ändrade" in page.inner_text(".flash")
    session.expire_all()
    assert {s for s in session.scalars(select(Report.status))} == {"granskad"}

    area = page.locator("#area-map.area-ready")
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    page.keyboard.down("Shift")
    page.mouse.move(box["x"] + 100, box["y"] + 60)
    page.mouse.down()
    page.mouse.move(box["x"] + 300, box["y"] + 200, steps=6)
    page.mouse.up()
    page.keyboard.up("Shift")
    values = [float(v) for v in page.input_value("#bbox").split(",")]
    assert len(values) == 4 and values[0] < values[2] and values[1] < values[3]
    assert page.locator("#area-clear").is_visible()
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url("**bbox=**")


def test_coordinator_reads_the_hot_spot_map_lagesbild_and_exports_geojson(
    page, live_server, kommuner, create_user, create_report_at, session
):
    import geojson

    user = create_user("coordinator", ("Vänersborg",))
    vanersborg = kommuner["Vänersborg"]
    for i in range(8):
        create_report_at(
            vanersborg, LAT + (i % 3) * 0.0001, LON + (i // 3) * 0.0002, times=["natt"]
        )
    log_in_via_the_queue(page, live_server, user)

    page.get_by_role("link", name="Karta över otrygga platser").click()
    page.locator(".leaflet-overlay-pane path").first.wait_for()
    row = page.locator("table.data tbody tr").first
    assert "Torget" in row.inner_text() and "100 %" in row.inner_text()
    # The polygon's popup names the place and links to its reports.
    polygon = page.locator(f".leaflet-overlay-pane path[stroke='{TREND_STYLE['new']['color']}']")
    box = polygon.bounding_box()
    # A click on the polygon itself (the points drawn inside it would take a mouse click).
    centre = {"clientX": box["x"] + box["width"] / 2, "clientY": box["y"] + box["height"] / 2}
    polygon.dispatch_event("click", {**centre, "bubbles": True})
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Torget" in popup.inner_text() and "8 förslag" in popup.inner_text()
    assert "8 förslag på 365 dagar" in popup.inner_text()  # why it is a hot spot
    screenshot(page, "coordinator-hotspot-map")
    # The map comes first; the settings are folded away and open on demand.
    assert not page.get_by_label("Radie i meter").is_visible()
    map_top = page.locator(".hotspot-map").bounding_box()["y"]
    assert map_top < page.locator("details.map-filters").bounding_box()["y"]
    assert page.locator(".heat-scale").is_visible()
    page.locator("details.map-filters summary").click()
    assert page.get_by_label("Radie i meter").is_visible()
    for width in (360, 1366):
        page.set_viewport_size({"width": width, "height": 800})
        assert page.locator(".hotspot-map").bounding_box()["y"] < 800  # on the first screen
        screenshot(page, f"coordinator-hotspot-map-{width}")
    page.set_viewport_size({"width": 1100, "height": 900})
    row.get_by_role("link").click()
    page.wait_for_url("**hotspot=**")
    assert page.locator("tr[id^=row-]").count() == 8

    page.goto(f"{live_server}/samordnare/vanersborg/lagesbild")
    assert "Torget" in page.inner_text("section[aria-labelledby=spots-title]")
    page.emulate_media(media="print")
    assert not page.locator(".period-form").is_visible()
    screenshot(page, "coordinator-lagesbild-print")
    page.emulate_media(media="screen")

    page.goto(f"{live_server}/samordnare/vanersborg/")
    page.get_by_role("link", name="Exportera").click()
    page.get_by_label("Vad").select_option("reports-geojson")
    page.get_by_label("Koordinatsystem").select_option("3006")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Ladda ner").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".geojson")
    with open(download.path(), encoding="utf-8") as file:
        collection = geojson.load(file)
    assert collection.is_valid and len(collection["features"]) == 8
    assert collection["crs"]["properties"]["name"].endswith("3006")
    east, north = collection["features"][0]["geometry"]["coordinates"]
    assert 300_000 < east < 400_000 and 6_400_000 < north < 6_500_000  # Vänersborg in SWEREF

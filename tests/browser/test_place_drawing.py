"""A coordinator draws a focus area's polygon on the map in real Chromium."""

from __future__ import annotations

from datetime import date

from shapely.geometry import shape
from sqlalchemy import select

from promises.models import FocusArea, Promise
from tests.browser.actions import log_in_via_the_queue, screenshot


def test_coordinator_draws_torpa_corner_by_corner_and_takes_one_back(
    page, live_server, kommuner, create_user, session
):
    vanersborg = kommuner["Vänersborg"]
    promise = Promise(
        kommun_id=vanersborg.id,
        title="Tryggare Torpa",
        lokalpolisomrade="Östra Fyrbodal",
        status="undertecknat",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
        signed_on=date(2025, 12, 20),
        signatories="Kommunstyrelsens ordförande",
    )
    session.add(promise)
    session.commit()
    log_in_via_the_queue(page, live_server, create_user("coordinator", ("Vänersborg",)))

    page.goto(f"{live_server}/samordnare/loften/{promise.id}")
    page.get_by_text("Lägg till ett fokusområde").click()
    page.locator("#focus-map.polygon-ready").wait_for()
    page.locator("#focus-map").scroll_into_view_if_needed()
    for _ in range(3):  # from the whole kommun in to a neighbourhood
        page.locator("#focus-map .leaflet-control-zoom-in").click()
        page.wait_for_timeout(400)
    box = page.locator("#focus-map").bounding_box()
    corners = [(0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.5, 0.9), (0.3, 0.7)]
    for fx, fy in corners:
        page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    assert page.inner_text("#focus-map-status") == "Hörn: 5"
    page.get_by_role("button", name="Ta bort senaste hörnet").click()
    assert page.inner_text("#focus-map-status") == "Hörn: 4"
    assert page.locator("#focus-map .leaflet-overlay-pane path.leaflet-interactive").count() >= 1
    page.get_by_label("Rubrik").first.fill("Torpa")
    page.select_option("#focus-theme", "bostadsomrade")

    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot(page, "place-drawing-1366")
    page.set_viewport_size({"width": 360, "height": 800})
    screenshot(page, "place-drawing-360")
    page.set_viewport_size({"width": 1366, "height": 900})

    page.get_by_role("button", name="Lägg till fokusområde").click()
    page.locator(".flash").wait_for()
    focus = session.scalar(select(FocusArea).where(FocusArea.title == "Torpa"))
    ring = focus.polygon["coordinates"][0]
    assert focus.polygon["type"] == "Polygon" and len(ring) == 5  # four corners, closed
    area = shape(focus.polygon)
    assert area.is_valid and vanersborg.boundary.geometry.buffer(0.05).contains(area)

    # The edit page shows the drawing again, ready to be cleared and redrawn.
    page.goto(f"{live_server}/samordnare/loften/{promise.id}/fokus/{focus.id}")
    page.locator("#edit-map.polygon-ready").wait_for()
    assert page.inner_text("#edit-map-status") == "Hörn: 4"
    page.get_by_role("button", name="Rensa området").click()
    assert page.input_value("#edit-shape") == ""

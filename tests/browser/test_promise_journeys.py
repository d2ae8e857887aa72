"""A resident reads the public promise page in real Chromium and answers at a focus place."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from promises.models import FocusArea, PlaceFeeling, Promise
from tests.browser.conftest import screenshot, tab_to
from tests.conftest import VANERSBORG_TORGET, square_around

LAT, LON = VANERSBORG_TORGET


def test_resident_reads_progress_sees_cells_and_answers_with_the_keyboard(
    page, live_server, kommuner, create_report_at, session
):
    vanersborg = kommuner["Vänersborg"]
    for i in range(6):
        create_report_at(vanersborg, LAT + (i % 3) * 0.0001, LON)
    square = square_around(LAT, LON, 0.001)
    promise = Promise(
        kommun_id=vanersborg.id,
        title="Tryggare torg",
        lokalpolisomrade="Vänersborg",
        status="undertecknat",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
        signed_on=date(2026, 1, 20),
        signatories="Ordföranden",
    )
    promise.focus_areas.append(FocusArea(title="Torget", theme="centrummiljo", polygon=square))
    session.add(promise)
    session.commit()

    page.goto(f"{live_server}/k/vanersborg/loften")
    page.locator(".leaflet-overlay-pane path").first.wait_for()
    assert page.locator(".leaflet-marker-icon").count() == 0  # cells, never pins
    focus_id = promise.focus_areas[0].id
    tab_to(page, f"#f{focus_id}-answer-0")
    page.keyboard.press("Space")
    tab_to(page, f"#focus-{focus_id} button[type=submit]")
    page.keyboard.press("Enter")
    page.locator(".flash").wait_for()
    assert "Tack!" in page.inner_text(".flash")
    screenshot(page, "public-promises")
    assert session.scalar(select(PlaceFeeling.answer)) == "tryggare"

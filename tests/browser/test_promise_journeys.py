"""A resident reads the public promise page in real Chromium and answers at a focus place."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from promises.models import FocusArea, PlaceFeeling, Promise
from tests.browser.actions import screenshot, tab_to
from tests.helpers import VANERSBORG_TORGET, square_around

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


def test_coordinator_corrects_a_follow_up_ends_evaluates_and_prints_the_promise(
    page, live_server, kommuner, create_user, session
):
    import io

    from pypdf import PdfReader

    from promises.models import Activity, FollowUp
    from tests.browser.actions import log_in_via_the_queue

    vanersborg = kommuner["Vänersborg"]
    promise = Promise(
        kommun_id=vanersborg.id,
        title="Medborgarlöften Torpa 2026–2027",
        lokalpolisomrade="Östra Fyrbodal",
        status="undertecknat",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
        signed_on=date(2025, 12, 18),
        signatories="Lokalpolisområdeschef\nKommunstyrelsens ordförande",
    )
    focus = FocusArea(title="Torpa", theme="bostadsomrade", polygon=square_around(LAT, LON, 0.001))
    promise.focus_areas.append(focus)
    lamps = Activity(title="Belysning på innergårdarna", owners=["Kommunen", "ABVB"])
    promise.activities.append(lamps)
    session.add(promise)
    session.flush()
    wrong = FollowUp(
        promise=promise,
        activity=lamps,
        period_start=date(2026, 9, 1),
        done_on=date(2026, 10, 6),
        text="Alla armaturer klara.",
        progress=100,
    )
    session.add(wrong)
    lamps.progress, lamps.status = 100, "klar"
    session.commit()
    log_in_via_the_queue(page, live_server, create_user("coordinator", ("Vänersborg",)))

    # The follow-up was wrong: only half of the lamps were up.
    page.goto(f"{live_server}/samordnare/loften/{promise.id}")
    page.locator(f"#follow-up-{wrong.id}").get_by_role("link", name="Rätta eller ta bort").click()
    page.get_by_label("Vad har gjorts?").fill("Hälften av armaturerna är uppe.")
    page.get_by_label("Hur långt har aktiviteten kommit (procent)?").fill("50")
    page.get_by_label("Datum").fill("2030-01-01")
    page.get_by_role("button", name="Spara ändringen").click()
    assert "i framtiden" in page.inner_text("#error-summary")
    page.get_by_label("Datum").fill("2026-10-06")
    page.get_by_role("button", name="Spara ändringen").click()
    page.locator(".flash").wait_for()
    assert "Uppföljningen är rättad" in page.inner_text(".flash")
    assert "50 % · Pågår" in page.inner_text("#activity-" + str(lamps.id))
    assert "Uppföljning rättad" in page.inner_text("section[aria-labelledby=history-heading]")

    # End the promise early; it goes to its evaluation.
    page.get_by_role("button", name="Avsluta löftet nu").click()
    page.wait_for_url(f"{live_server}/samordnare/loften/{promise.id}/utvardering")
    page.get_by_label("Mål för Torpa").fill("2")
    page.get_by_label("Slutsats för Torpa").fill("Ljusare gårdar, men arbetet fortsätter.")
    page.get_by_label("Slutsats för hela löftet").fill("Hälften av belysningen kom upp.")
    page.get_by_role("button", name="Spara utvärderingen").click()
    page.locator(".flash").wait_for()
    screenshot(page, "promise-evaluated")

    # Chromium opens the PDF in its viewer; the test fetches the same link with the
    # browser's session to read the document's text.
    link = page.get_by_role("link", name="Utvärderingen som PDF")
    href = link.get_attribute("href")
    with page.expect_response(lambda r: r.url.endswith("/utvardering.pdf")) as received:
        link.click()
    assert received.value.status == 200
    assert received.value.headers["content-type"] == "application/pdf"
    document = page.context.request.get(f"{live_server}{href}")
    reader = PdfReader(io.BytesIO(document.body()))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "Utvärdering av Medborgarlöften Torpa 2026–" in text
    assert "Hälften av belysningen kom upp." in text
    assert "Ljusare gårdar, men arbetet fortsätter." in text
    assert "50 % · Pågår" in text

    # Residents find it under the earlier promises, with the corrected follow-up only.
    page.goto(f"{live_server}/k/vanersborg/loften")
    page.get_by_role("link", name="Medborgarlöften Torpa 2026–2027").click()
    body = page.inner_text("main")
    assert "Hälften av armaturerna är uppe." in body and "Alla armaturer klara." not in body
    assert "Hälften av belysningen kom upp." in body

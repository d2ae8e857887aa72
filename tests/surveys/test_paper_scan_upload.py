"""A team prints sheets, fills them in, scans them back: the ticks are filed as the first
entry, a person checks only what the reader was unsure of and what was written by hand, and a
second person's control entry is compared with the scan."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from pages import parse_page
from PIL import Image
from sqlalchemy import select

from bench import paper_scan
from feedback.models import Report
from jobs import tasks
from paper import scan
from surveys import printing, scan_batches, services
from surveys.models import DialogueSession, PrintedSheet, ScanBatch


@pytest.fixture
def typists(create_user, login):
    first, second = create_user("dialog"), create_user("dialog")
    login(first)
    return first, second


@pytest.fixture
def dialogue(create_dialogue, kommuner, typists):
    return create_dialogue(kommuner["Vänersborg"], double_entry="all")


def _mark(image, page, code, key, how):
    box = next(b for b in page.boxes if b.code == code and b.key == key)
    px = paper_scan.PX
    how(image, box.x * px, box.y * px, box.size * px, np.random.default_rng(len(code)))


def _as_pdf(images):
    buffer = io.BytesIO()
    pictures = [Image.fromarray(image) for image in images]
    pictures[0].save(
        buffer, format="PDF", save_all=True, append_images=pictures[1:], resolution=150
    )
    return buffer.getvalue()


def test_scanned_sheets_are_filed_checked_and_compared(
    app, client, dialogue, session, typists, login
):
    printed_pdf = client.post(
        f"/dialog/dialoger/{dialogue.id}/blad", data={"count": "2", "language": "sv"}
    ).data
    sheets = session.scalars(select(PrintedSheet).order_by(PrintedSheet.sheet_number)).all()
    layout = printing.sheet_layout(dialogue.version, sheets[0].place_names)
    pages = list(scan.pdf_pages(printed_pdf, paper_scan.PAGE_DPI))
    first, second = layout.pages[0], layout.pages[1]
    _mark(pages[0], first, "trygg_kvall", "3", paper_scan._cross)
    _mark(pages[0], first, "oro_misshandel", "2", paper_scan._tick)
    _mark(pages[0], first, "undvikit", "1", paper_scan._cross)  # both: a person decides
    _mark(pages[0], first, "undvikit", "2", paper_scan._cross)
    _mark(pages[1], second, "kon", "kvinna", paper_scan._fill)
    _mark(pages[2], first, "trygg_kvall", "1", paper_scan._tick)  # sheet 2, page 1 only

    upside_down = cv2.imencode(".png", cv2.rotate(pages[1], cv2.ROTATE_180))[1].tobytes()
    response = client.post(
        f"/dialog/dialoger/{dialogue.id}/skanning",
        data={
            "files": [
                (io.BytesIO(_as_pdf([pages[0], pages[2]])), "skanner.pdf"),
                (io.BytesIO(upside_down), "foto.png"),
                (io.BytesIO(b"nonsense"), "fel.txt"),
                (
                    io.BytesIO(
                        cv2.imencode(".png", np.full((900, 700), 255, np.uint8))[1].tobytes()
                    ),
                    "tom.png",
                ),
            ]
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    page = parse_page(client.get(response.headers["Location"]).data)
    flashed = page.get_text()
    assert "Bladen läses in" in flashed  # queued; the job ran at once (JOBS_IMMEDIATE)
    batch = page.select_one("#scan-batches li")
    assert batch["data-state"] == "done"
    assert "Klar: 3 sidor lästa och sparade" in batch.get_text()
    assert not page.select('meta[http-equiv="refresh"]')  # nothing left to wait for
    assert (
        "1 filer var varken PDF eller bild" in flashed
        and "På 1 sidor hittades inget blad" in flashed
    )

    dsession = session.get(DialogueSession, dialogue.id)
    session.expire_all()
    sheet_one = services.sheet(session, dsession, 1)
    assert sheet_one.answers["trygg_kvall"] == "3" and sheet_one.answers["oro_misshandel"] == "2"
    assert sheet_one.answers["kon"] == "kvinna" and sheet_one.answers["oro_inbrott"] is None
    assert sheet_one.answers["undvikit"] is None
    assert services.sheet(session, dsession, 2).answers["trygg_kvall"] == "1"
    printed_one = session.get(PrintedSheet, sheets[0].id)
    assert printed_one.readings["pages"] == [1, 2]
    assert printed_one.pending == ["undvikit", "otrygg_plats", "gora"]
    links = [a["href"] for a in page.select("#pending-sheets a")]
    assert links[0].endswith("/inmatning?blad=1")

    check = parse_page(client.get(links[0]).data)
    visible = [i["id"] for i in check.select(".sheet-questions input")]
    assert visible == ["q-undvikit", "q-otrygg_plats", "q-gora"]
    assert check.select_one("#q-undvikit").has_attr("autofocus")
    crop_url = check.select_one("#q-undvikit-scan")["src"]
    crop = client.get(crop_url)
    assert crop.status_code == 200 and crop.mimetype == "image/png"
    assert cv2.imdecode(np.frombuffer(crop.data, np.uint8), cv2.IMREAD_GRAYSCALE).shape[1] > 500
    # A stored scan that can no longer be read (a disk fault) is missing, not a server error.
    stored = Path(app.instance_path) / "uploads" / "scans" / f"{sheets[0].code}-1.png"
    readable = stored.read_bytes()
    stored.write_bytes(b"not a picture")
    assert client.get(crop_url).status_code == 404
    stored.write_bytes(readable)

    form = {
        i["name"]: i.get("value", "") for i in check.select("#sheet-form input") if i.get("name")
    }
    form |= {
        "sheet_number": "1",
        "q-undvikit": "2",
        "q-otrygg_plats": "Torpa",
        "q-gora": "Mer ljus",
    }
    saved = client.post(links[0], data=form)
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/skanning")
    session.expire_all()
    sheet_one = services.sheet(session, dsession, 1)
    assert sheet_one.answers["undvikit"] == "2" and sheet_one.answers["trygg_kvall"] == "3"
    assert session.get(Report, sheet_one.report_id).landmark.name == "Torpa centrum"
    assert session.get(PrintedSheet, sheets[0].id).pending == []
    assert stored.is_file()  # checked, but its control entry is still to come
    again = client.post(
        f"/dialog/dialoger/{dialogue.id}/skanning",
        data={"files": [(io.BytesIO(_as_pdf([pages[0]])), "igen.pdf")]},
        content_type="multipart/form-data",
    )
    repeated = parse_page(client.get(again.headers["Location"]).data).get_text()
    assert "Blad 1 var redan skannade och lästes inte igen" in repeated
    session.expire_all()
    assert services.sheet(session, dsession, 1).answers["undvikit"] == "2"  # the check stays

    # The uploader's scan is the first entry: the control entry is someone else's.
    login(typists[1])
    typed = {
        "sheet_number": "1",
        "q-trygg_kvall": "3",
        "q-oro_misshandel": "2",
        "q-undvikit": "2",
        "q-otrygg_plats": "Torpa centrum",
        "q-gora": "Mer ljus",
        "q-kon": "1",
    }
    assert client.post(f"/dialog/dialoger/{dialogue.id}/kontroll", data=typed).status_code == 303
    agreement = parse_page(client.get(f"/dialog/dialoger/{dialogue.id}/skanning").data)
    assert (
        "100,0\xa0% av 16 svar på 1 skannade blad"
        in agreement.select_one("#scan-agreement").get_text()
    )
    # Checked and verified: the page images of sheet 1 are gone; sheet 2 still waits.
    assert not stored.exists() and not stored.with_name(f"{sheets[0].code}-2.png").exists()
    assert (stored.parent / f"{sheets[1].code}-1.png").is_file()


def test_a_sheet_of_another_dialogue_is_not_filed_here(
    client, dialogue, create_dialogue, kommuner, session
):
    other = create_dialogue(kommuner["Vänersborg"], place="Skolan")
    pdf = client.post(
        f"/dialog/dialoger/{other.id}/blad", data={"count": "1", "language": "sv"}
    ).data
    response = client.post(
        f"/dialog/dialoger/{dialogue.id}/skanning",
        data={"files": [(io.BytesIO(pdf), "annan.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert (
        "hör till en annan dialog"
        in parse_page(client.get(response.headers["Location"]).data).get_text()
    )
    assert services.sheets(session, session.get(DialogueSession, dialogue.id)) == []


def test_the_page_shows_how_far_the_reading_has_come(app, client, dialogue, session, typists):
    batch = scan_batches.queue_upload(
        session, dialogue, typists[0].id, [b"%PDF-1.4 waiting"], Path(app.instance_path)
    )
    session.commit()
    url = f"/dialog/dialoger/{dialogue.id}/skanning"
    waiting = parse_page(client.get(url).data)
    assert "Väntar på att läsas in" in waiting.select_one(f"#scan-batch-{batch.id}").get_text()
    assert waiting.select_one('meta[http-equiv="refresh"]') is not None

    batch.state, batch.pages_total, batch.pages_done = "running", 40, 17
    session.commit()
    reading = parse_page(client.get(url).data)
    item = reading.select_one(f"#scan-batch-{batch.id}")
    assert "Läser in 17 av 40 sidor" in item.get_text()
    assert item.select_one("progress")["value"] == "17"


def test_a_batch_whose_worker_died_is_taken_up_where_it_stopped(
    app, client, dialogue, session, typists, clock
):
    pdf = client.post(
        f"/dialog/dialoger/{dialogue.id}/blad", data={"count": "1", "language": "sv"}
    ).data
    pages = list(scan.pdf_pages(pdf, paper_scan.PAGE_DPI))
    instance = Path(app.instance_path)
    batch = scan_batches.queue_upload(session, dialogue, typists[0].id, [_as_pdf(pages)], instance)
    # The dead worker had read page 1 (counted as filed) and stopped before page 2.
    batch.state, batch.pages_total, batch.pages_done = "running", 2, 1
    batch.outcome = {"filed": [1], "not_found": 0, "unreadable": 0}
    session.commit()
    tasks.sweep_scans(app)  # a recent batch is not taken from its worker
    session.expire_all()
    assert session.get(ScanBatch, batch.id).state == "running"

    clock.shift(timedelta(minutes=11))
    tasks.sweep_scans(app)  # the job runs at once in the tests (JOBS_IMMEDIATE)
    session.expire_all()
    done = session.get(ScanBatch, batch.id)
    assert (done.state, done.pages_done) == ("done", 2)
    assert done.outcome["filed"] == [1, 1] and done.outcome["not_found"] == 0
    printed = session.scalars(select(PrintedSheet)).one()
    assert printed.readings["pages"] == [2]  # page 1 was not read a second time
    assert not scan_batches.incoming_folder(instance, batch.id).exists()


def test_page_images_go_after_the_retention_period(app, client, dialogue, session):
    client.post(f"/dialog/dialoger/{dialogue.id}/blad", data={"count": "2", "language": "sv"})
    old, recent = session.scalars(select(PrintedSheet).order_by(PrintedSheet.sheet_number))
    instance = Path(app.instance_path)
    for printed, days in ((old, 91), (recent, 89)):
        printed.scanned_at = datetime.now(UTC) - timedelta(days=days)
        printed.pending = ["gora"]  # not checked yet: retention does not wait for that
        path = scan_batches.page_image_path(instance, printed.code, 1)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"png")
    session.commit()
    assert app.config["SCAN_IMAGE_DAYS"] == 90
    tasks.retention(app)
    assert not scan_batches.page_image_path(instance, old.code, 1).exists()
    assert scan_batches.page_image_path(instance, recent.code, 1).is_file()


def test_an_arabic_sheet_is_printed_right_to_left_and_read_back(client, dialogue, session):
    pdf = client.post(
        f"/dialog/dialoger/{dialogue.id}/blad", data={"count": "1", "language": "ar"}
    ).data
    printed = session.scalars(select(PrintedSheet)).one()
    assert printed.language == "ar"
    layout = printing.sheet_layout(dialogue.version, printed.place_names, "ar")
    ltr = printing.sheet_layout(dialogue.version, printed.place_names, "sv")
    first, first_ltr = layout.pages[0], ltr.pages[0]
    # Mirrored: the first option of a question stands against the right margin.
    box, box_ltr = first.boxes[0], first_ltr.boxes[0]
    assert box.x + box.size == pytest.approx(210 - box_ltr.x)
    assert box.x > 150 and box_ltr.x < 60

    pages = list(scan.pdf_pages(pdf, paper_scan.PAGE_DPI))
    words = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "الورقة رقم 1" in words  # the sheet's own words in Arabic
    _mark(pages[0], first, "trygg_kvall", "3", paper_scan._cross)
    _mark(pages[0], first, "oro_inbrott", "1", paper_scan._tick)
    client.post(
        f"/dialog/dialoger/{dialogue.id}/skanning",
        data={"files": [(io.BytesIO(_as_pdf(pages[:1])), "arabiska.pdf")]},
        content_type="multipart/form-data",
    )
    session.expire_all()
    answers = services.sheet(session, session.get(DialogueSession, dialogue.id), 1).answers
    assert answers["trygg_kvall"] == "3" and answers["oro_inbrott"] == "1"
    assert answers["oro_misshandel"] is None

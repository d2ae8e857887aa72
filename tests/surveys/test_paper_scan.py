"""Scanned sheets are found, straightened and read: the benchmark of bench/paper_scan.py in a
small size, and the cases a scan pile holds besides good pages."""

from __future__ import annotations

import io
import random

import cv2
import numpy as np
import pytest
from PIL import ExifTags, Image

from bench import paper_scan
from paper import codes, layout, scan


@pytest.fixture(scope="module")
def printed_pages():
    return paper_scan.printed(1)


def test_synthetic_scans_are_read_right_and_never_silently_wrong():
    outcome = paper_scan.run(sheets=3, workers=1, seed=7)
    assert outcome.pages_found == outcome.pages == 6
    # 180 boxes cannot show 99.5 % (one box is 0.56 %); the full bench does. What a small run
    # can show: no box is silently wrong, and a wrong box is one a person is asked about.
    assert outcome.right_share >= 0.99
    assert outcome.silent == 0
    assert not any(miss.startswith("silent") for miss in outcome.missed())


def test_a_page_upside_down_is_turned_and_read(printed_pages):
    sheet, pages = printed_pages
    code, number, image = pages[1]
    found = scan.locate(cv2.rotate(image, cv2.ROTATE_180))
    assert (found.code, found.page) == (code, number)
    readings = scan.read_boxes(found.image, sheet.pages[number - 1].boxes)
    assert readings and not any(r.marked for r in readings)  # an empty sheet reads empty
    assert all(r.confidence >= scan.SURE for r in readings)


def test_a_sheet_whose_id_the_classic_qr_decoder_cannot_read_is_found():
    """OpenCV's classic QR decoder fails on "TK1 CTA4MRXX 1" however clean the print: about
    1 in 500 ids. The suite met it as a sheet of a scanned pile reported as no sheet."""
    sheet, pages = paper_scan.printed(1, codes=["CTA4MRXX"])
    code, number, image = pages[0]
    found = scan.locate(image)
    assert (found.code, found.page) == ("CTA4MRXX", 1) == (code, number)


# Ids whose QR code OpenCV's classic decoder misses on the first try, with the page number
# each was drawn with: CTA4MRXX met in a scanned pile, the other three found among 1,000
# random ids (seed 5). The binarised image or the ArUco decoder must read them.
HARD_IDS = [("CTA4MRXX", 1), ("CSKPNVQZ", 2), ("EBE3DMSG", 1), ("875CKJFJ", 2)]


def test_every_sheet_id_reads_back_from_its_qr_code():
    """Drawn at the scan's resolution where the layout puts it, the QR codes of the hard ids
    and of 250 random ids read back, each to its own id and page. (The 1,000 random ids the
    hard ones were found among took 9 s; the first try reads 99.6 % of ids, so a sample of 250
    holds one such id on average, and the hard ones are always here: still hard, or the
    OpenCV in use needs new ones.)"""
    rng = random.Random(5)
    drawn_ids = HARD_IDS + [
        ("".join(rng.choices(codes.ALPHABET, k=8)), n % 2 + 1) for n in range(250)
    ]
    side = round(layout.QR_MM * scan.PX_PER_MM)
    x, y = round(layout.QR_X_MM * scan.PX_PER_MM), round(layout.QR_Y_MM * scan.PX_PER_MM)
    blank = np.full(
        (round(layout.PAGE_H_MM * scan.PX_PER_MM), round(layout.PAGE_W_MM * scan.PX_PER_MM)),
        255,
        np.uint8,
    )
    unread = []
    for code, number in drawn_ids:
        modules = np.array(list(codes.qr(code, number).matrix_iter(border=0)), dtype=np.uint8)
        drawn = cv2.resize(
            np.where(modules > 0, 0, 255).astype(np.uint8),
            (side, side),
            interpolation=cv2.INTER_AREA,
        )
        page = blank.copy()
        page[y : y + side, x : x + side] = drawn
        if scan._read_qr(page) != (code, number):
            unread.append(code)
        if (code, number) in HARD_IDS:  # the classic decoder's first try, as _read_qr makes it
            crop = cv2.medianBlur(scan.qr_crop(page), 3)
            text, _points, _ = scan._DETECTORS.classic.detectAndDecode(crop)
            assert not text, f"{code} is no longer hard: the fallbacks go untested"
    assert unread == []


def test_a_tick_a_cross_a_fill_and_an_answer_taken_back(printed_pages):
    sheet, pages = printed_pages
    code, number, image = pages[0]
    page = sheet.pages[number - 1]
    rng = np.random.default_rng(3)
    filled = image.copy()
    first, second, third, fourth = (
        [b for b in page.boxes if b.code == c]
        for c in ("oro_misshandel", "oro_inbrott", "oro_stold", "undvikit")
    )
    px, size = paper_scan.PX, page.boxes[0].size * paper_scan.PX
    paper_scan._tick(filled, first[1].x * px, first[1].y * px, size, rng)
    paper_scan._cross(filled, second[2].x * px, second[2].y * px, size, rng)
    paper_scan._fill(filled, third[3].x * px, third[3].y * px, size, rng)
    paper_scan._cross(filled, fourth[0].x * px, fourth[0].y * px, size, rng)
    paper_scan._scribble(filled, fourth[0].x * px, fourth[0].y * px, size, rng)
    paper_scan._tick(filled, fourth[1].x * px, fourth[1].y * px, size, rng)
    found = scan.locate(filled)
    read = scan.answers(scan.read_boxes(found.image, page.boxes))
    assert read["oro_misshandel"].value == "2" and read["oro_inbrott"].value == "3"
    assert read["oro_stold"].value == "4" and read["undvikit"].value == "2"  # "ja" taken back
    assert read["trygg_kvall"].value is None
    assert all(a.confidence >= scan.SURE for a in read.values())


def test_two_ticks_on_a_one_answer_question_go_to_a_person(printed_pages):
    sheet, pages = printed_pages
    _code, number, image = pages[0]
    page = sheet.pages[number - 1]
    filled = image.copy()
    rng = np.random.default_rng(5)
    boxes = [b for b in page.boxes if b.code == "undvikit"]
    for box in boxes:
        size = box.size * paper_scan.PX
        paper_scan._cross(filled, box.x * paper_scan.PX, box.y * paper_scan.PX, size, rng)
    read = scan.answers(scan.read_boxes(scan.locate(filled).image, page.boxes))
    assert read["undvikit"].value is None and read["undvikit"].confidence < scan.SURE


def test_salt_over_an_empty_page_is_read_as_empty_and_sure(printed_pages):
    sheet, pages = printed_pages
    _code, number, image = pages[0]
    page = sheet.pages[number - 1]
    salted = image.copy()
    rng = np.random.default_rng(11)
    height, width = salted.shape
    for _ in range(int(0.001 * height * width)):  # dark blots of 2×2 px, as a dirty scanner
        x, y = int(rng.integers(0, width - 2)), int(rng.integers(0, height - 2))
        salted[y : y + 2, x : x + 2] = 0
    readings = scan.read_boxes(scan.locate(salted).image, page.boxes)
    assert max(r.ink for r in readings) < scan.EMPTY
    assert not any(r.marked for r in readings)
    assert all(r.confidence >= scan.SURE for r in readings)


@pytest.mark.parametrize("grey", [185, 200])
def test_a_pencil_tick_hardly_darker_than_the_paper_goes_to_a_person(printed_pages, grey):
    sheet, pages = printed_pages
    _code, number, image = pages[0]
    page = sheet.pages[number - 1]
    faint = image.copy()
    box = next(b for b in page.boxes if b.code == "trygg_kvall" and b.key == "2")
    px, size = paper_scan.PX, box.size * paper_scan.PX
    x, y = box.x * px, box.y * px
    tick = np.array(
        [
            (x + 0.2 * size, y + 0.55 * size),
            (x + 0.4 * size, y + 0.8 * size),
            (x + 0.85 * size, y + 0.15 * size),
        ]
    )
    cv2.polylines(faint, [np.round(tick).astype(np.int32)], False, grey, 1, cv2.LINE_AA)
    read = scan.answers(scan.read_boxes(scan.locate(faint).image, page.boxes))
    # Read as the tick, or left for a person: never "no answer" with confidence.
    assert read["trygg_kvall"].value == "2" or read["trygg_kvall"].confidence < scan.SURE


def test_what_is_not_a_sheet_is_refused():
    with pytest.raises(scan.SheetNotFound):
        scan.locate(np.full((800, 600), 255, dtype=np.uint8))
    with pytest.raises(ValueError):
        scan.pdf_pages(b"%PDF-1.4 broken")
    with pytest.raises(ValueError):
        scan.photo(b"not an image")


def _with_orientation(image: np.ndarray, orientation: int, kind: str) -> bytes:
    picture = Image.fromarray(image)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    buffer = io.BytesIO()
    picture.save(buffer, format=kind, exif=exif)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("orientation", "stored_as", "kind"),
    [
        (6, cv2.ROTATE_90_COUNTERCLOCKWISE, "JPEG"),  # phone held upright, sensor sideways
        (8, cv2.ROTATE_90_CLOCKWISE, "JPEG"),
        (3, cv2.ROTATE_180, "JPEG"),
        (6, cv2.ROTATE_90_COUNTERCLOCKWISE, "PNG"),  # a PNG can carry the tag too
    ],
)
def test_a_phone_photo_turned_only_by_its_exif_tag_arrives_upright(
    printed_pages, orientation, stored_as, kind
):
    sheet, pages = printed_pages
    code, number, upright = pages[0]
    data = _with_orientation(cv2.rotate(upright, stored_as), orientation, kind)
    with Image.open(io.BytesIO(data)) as stored:  # the pixels as stored: not upright
        raw = np.asarray(stored.convert("L"))
    assert raw.shape != upright.shape or np.abs(raw.astype(int) - upright.astype(int)).mean() > 8
    image = scan.photo(data)
    assert image.shape == upright.shape
    assert np.abs(image.astype(int) - upright.astype(int)).mean() < 4  # JPEG noise only
    found = scan.locate(image)
    assert (found.code, found.page) == (code, number)


def test_a_file_that_is_no_image_is_refused():
    with pytest.raises(ValueError):
        scan.photo(b"GIF89a but not really")

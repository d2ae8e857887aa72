"""Reading scanned or photographed sheets: find the page, straighten it, read every box.

Pure functions on numpy arrays (grey images, uint8, 0 black … 255 white). A page is found by
its four registration marks, straightened with a perspective transform onto the layout's
millimetre grid, identified by the QR code in its top-right corner, and each box is measured
where paper.layout put it: the share of its inside covered by ink, and ink just outside it.

A box is "yes" when it is ticked, crossed or filled; it is "no" when it is empty, or when it
was filled over and scribbled out past its edge (how the sheet asks to take an answer back).
Every reading has a confidence; what falls between the clear cases is left for a person.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import pypdfium2 as pdfium

from paper import codes, layout

PX_PER_MM = 6.0  # the straightened page: 1260 × 1782 pixels
SCAN_DPI = 150
SURE = 0.8  # a reading at or above this confidence needs no person
# Share of a box's inside covered by ink: under EMPTY it is empty, over MARKED it is marked;
# over SCRIBBLED with ink around it too (over RING) it was taken back.
EMPTY = 0.02
MARKED = 0.045
SCRIBBLED = 0.8
RING_CLEAR = 0.05
RING = 0.12
# A box that reads empty but holds more than this of faint grey (under the loose threshold),
# or more speckle than MARKED, and more than its page's empty boxes do, goes to a person.
FAINT = 0.05
_INSET_MM = 0.8  # inside a box: clear of its printed border even when 0.5 mm off
_RING_MM = (0.7, 1.9)  # around a box, before its number (LABEL_GAP_MM) starts
_SEARCH_MM = 1.5  # how far a box may sit from where the marks say it is
# Ink blots under 0.7 mm² and shorter than 1.2 mm are dust and salt.
_SPECK_PX = round(0.7 * PX_PER_MM**2)
_STROKE_PX = round(1.2 * PX_PER_MM)


class SheetNotFound(ValueError):
    """No sheet of ours in the image: marks or QR code missing or unreadable."""


@dataclass(frozen=True)
class Located:
    code: str
    page: int
    image: np.ndarray  # the straightened page, PX_PER_MM pixels per millimetre


@dataclass(frozen=True)
class BoxReading:
    code: str
    key: str
    ink: float  # share of the inside covered
    ring: float  # share of the band around it covered
    marked: bool
    confidence: float


@dataclass(frozen=True)
class Answer:
    """A choice question's reading: the chosen option key(s) or None, and how sure it is."""

    value: str | list[str] | None
    confidence: float


# --- images in -------------------------------------------------------------------------------


def pdf_pages(data: bytes, dpi: int = SCAN_DPI) -> Iterator[np.ndarray]:
    """Every page of a PDF as a grey image, one at a time (a scanner's PDF may hold hundreds).

    ValueError at once if the data is no PDF.
    """
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ValueError("not a PDF") from exc
    return _render(document, dpi)


def pdf_page_count(data: bytes) -> int:
    """How many pages a PDF holds; ValueError if the data is no PDF."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ValueError("not a PDF") from exc
    try:
        return len(document)
    finally:
        document.close()


def _render(document: pdfium.PdfDocument, dpi: int) -> Iterator[np.ndarray]:
    try:
        for index in range(len(document)):
            page = document[index]
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            pixels = bitmap.to_numpy()
            image = np.array(pixels if pixels.ndim == 2 else pixels[:, :, 0], dtype=np.uint8)
            bitmap.close()
            page.close()
            yield image
    finally:
        document.close()


def photo(data: bytes) -> np.ndarray:
    """A photo or a scanned image file (JPEG, PNG, TIFF …) as a grey image, upright.

    A phone stores a photo as its sensor saw it and says in the EXIF Orientation tag how to
    turn it; the turn is applied here, so a sheet photographed sideways arrives upright.
    """
    from PIL import Image, ImageOps  # only reading a scan needs Pillow, not the app's start

    try:
        with Image.open(io.BytesIO(data)) as opened:
            upright = ImageOps.exif_transpose(opened).convert("L")
            return np.asarray(upright, dtype=np.uint8).copy()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        pass  # not a format Pillow reads: perhaps OpenCV does
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise ValueError("not an image")
    return image


# --- finding the page ------------------------------------------------------------------------


def _mark_candidates(grey: np.ndarray) -> list[tuple[float, float]]:
    """Centres of solid dark squares the size a registration mark could have."""
    blurred = cv2.GaussianBlur(grey, (5, 5), 0)
    _, ink = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(ink, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    short_side = min(grey.shape)
    low, high = (0.006 * short_side) ** 2, (0.09 * short_side) ** 2
    found = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if not low <= area <= high:
            continue
        (cx, cy), (w, h), _angle = cv2.minAreaRect(contour)
        if min(w, h) <= 0 or max(w, h) / min(w, h) > 1.4 or area / (w * h) < 0.8:
            continue
        x, y, bw, bh = cv2.boundingRect(contour)
        inside = ink[y : y + bh, x : x + bw]
        mask = np.zeros_like(inside)
        cv2.drawContours(mask, [contour - [x, y]], -1, 255, -1)
        if inside[mask > 0].mean() < 0.9 * 255:  # a QR finder pattern is hollow
            continue
        found.append((float(cx), float(cy)))
    return found


def _corner_marks(candidates: list[tuple[float, float]]) -> np.ndarray | None:
    """The four candidates furthest out towards the image's corners, as TL, TR, BR, BL."""
    if len(candidates) < 4:
        return None
    points = np.array(candidates, dtype=np.float32)
    s, d = points.sum(axis=1), points[:, 0] - points[:, 1]
    picked = [points[s.argmin()], points[d.argmax()], points[s.argmax()], points[d.argmin()]]
    quad = np.array(picked, dtype=np.float32)
    if len({tuple(p) for p in quad.tolist()}) < 4:
        return None
    return quad


def _canonical_marks() -> np.ndarray:
    return np.array(layout.mark_centres(), dtype=np.float32) * PX_PER_MM


def _straighten(grey: np.ndarray, found: np.ndarray, turn: int) -> np.ndarray:
    target = np.roll(_canonical_marks(), turn, axis=0)
    matrix = cv2.getPerspectiveTransform(found, target)
    size = (round(layout.PAGE_W_MM * PX_PER_MM), round(layout.PAGE_H_MM * PX_PER_MM))
    return cv2.warpPerspective(
        grey, matrix, size, flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255)
    )


class _Detectors(threading.local):
    """A thread's own QR detectors: OpenCV's keep state between calls, and the job worker
    reads scans on several threads at once.

    OpenCV's classic decoder cannot read some codes at all, however clean: about 1 in 500 of
    our payloads ("TK1 CTA4MRXX 1" is one), so a sheet would go unread by the luck of its id.
    The ArUco-based detector reads those; it is the second try, the classic one the faster.
    """

    def __init__(self) -> None:
        self.classic = cv2.QRCodeDetector()
        self.aruco = cv2.QRCodeDetectorAruco()


_DETECTORS = _Detectors()


def qr_crop(page: np.ndarray) -> np.ndarray:
    """The straightened page's QR code and 5 mm around it, where _read_qr looks."""
    margin = 5.0
    x0 = round((layout.QR_X_MM - margin) * PX_PER_MM)
    y0 = round((layout.QR_Y_MM - margin) * PX_PER_MM)
    side = round((layout.QR_MM + 2 * margin) * PX_PER_MM)
    return page[max(0, y0) : y0 + side, max(0, x0) : x0 + side]


def _read_qr(page: np.ndarray) -> tuple[str, int] | None:
    crop = qr_crop(page)
    cleaned = cv2.medianBlur(crop, 3)  # salt noise breaks the finder patterns
    binary = cv2.threshold(cleaned, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
    detectors = _DETECTORS
    for detector in (detectors.classic, detectors.aruco):
        for attempt in (cleaned, binary, crop):
            text, _points, _ = detector.detectAndDecode(attempt)
            if text:
                return codes.parse_payload(text)
    # Last tries, slower: larger modules, then the same with salt cleaned off again.
    larger = cv2.resize(binary, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    for attempt in (larger, cv2.medianBlur(larger, 5)):
        text, _points, _ = detectors.classic.detectAndDecode(attempt)
        if text:
            return codes.parse_payload(text)
    return None


def locate(grey: np.ndarray) -> Located:
    """Find the sheet in an image, straighten it and read its id; SheetNotFound if not ours."""
    found = _corner_marks(_mark_candidates(grey))
    if found is None:
        raise SheetNotFound("marks")
    for turn in range(4):  # upright first; then a sheet scanned on its side or upside down
        page = _straighten(grey, found, turn)
        identity = _read_qr(page)
        if identity is not None:
            return Located(identity[0], identity[1], page)
    raise SheetNotFound("qr")


# --- reading boxes ---------------------------------------------------------------------------


INK = 0.85  # darker than this share of the paper's white is ink (a light pencil counts)
LOOSE_INK = 0.93  # what holds a faint stroke together when judging specks


def _ink(page: np.ndarray, share: float = INK) -> np.ndarray:
    """0/1 ink mask (uint8): darker than share of the paper's white. No smoothing: it would
    wipe out a thin pencil line."""
    white = float(np.percentile(page[::4, ::4], 90))
    return (page < share * white).astype(np.uint8)


def _despeckle(strict: np.ndarray, loose: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The strict and the loose mask without specks, as floats.

    Salt noise and dust, once a scan is warped and JPEG-compressed, leave compact blots of a
    few pixels that add up to the ink of a faint tick. A pen stroke is long, and a faint one
    that the strict threshold breaks into dots still hangs together under the loose one; so
    blots are judged by the loose mask's connected parts: small and compact ones go.
    """
    _count, labels, stats, _ = cv2.connectedComponentsWithStats(loose, connectivity=8)
    longest = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    keep = ((stats[:, cv2.CC_STAT_AREA] >= _SPECK_PX) | (longest >= _STROKE_PX)).astype(np.float32)
    keep[0] = 0.0  # the background
    kept = keep[labels]
    return kept * strict, kept


def _border_template(size_px: int, line_px: int) -> np.ndarray:
    template = np.zeros((size_px, size_px), dtype=np.float32)
    cv2.rectangle(template, (0, 0), (size_px - 1, size_px - 1), 1.0, line_px)
    return template


def _place(ink: np.ndarray, box: layout.Box, template: np.ndarray) -> tuple[int, int]:
    """Where the box's printed border really is, near where the layout says."""
    search = round(_SEARCH_MM * PX_PER_MM)
    x, y = round(box.x * PX_PER_MM), round(box.y * PX_PER_MM)
    size = template.shape[0]
    window = ink[max(0, y - search) : y + size + search, max(0, x - search) : x + size + search]
    if window.shape[0] < size or window.shape[1] < size:
        return x, y
    scores = cv2.matchTemplate(window, template, cv2.TM_CCORR)
    _, _, _, (dx, dy) = cv2.minMaxLoc(scores)
    return max(0, x - search) + dx, max(0, y - search) + dy


def _judge(ink: float, ring: float) -> tuple[bool, float]:
    """Marked or not, and how sure, from the ink inside and around a box."""
    if ink >= SCRIBBLED:
        if ring >= RING:
            return False, 0.95  # filled and scribbled past the edge: taken back
        if ring <= RING_CLEAR:
            return True, 0.95  # filled neatly
        return ring < (RING + RING_CLEAR) / 2, 0.5
    if ink <= EMPTY:
        return False, 0.99
    if ink >= MARKED:
        return True, 0.97
    return ink >= (EMPTY + MARKED) / 2, 0.5


def _ring(ink: np.ndarray, x: int, y: int, size: int) -> float:
    """Ink in the band around a box, on its second-most inked side: a box scribbled out spills
    over on every side, while a scribble on the box above only reaches one."""
    near, far = (round(mm * PX_PER_MM) for mm in _RING_MM)
    sides = [
        ink[max(0, y - far) : max(0, y - near), x : x + size],
        ink[y + size + near : y + size + far, x : x + size],
        ink[y : y + size, max(0, x - far) : max(0, x - near)],
        ink[y : y + size, x + size + near : x + size + far],
    ]
    shares = sorted(float(side.mean()) if side.size else 0.0 for side in sides)
    return shares[-2]


def _cleaned(
    raw: np.ndarray, loose: np.ndarray, boxes: list[layout.Box]
) -> tuple[np.ndarray, np.ndarray]:
    """The strict and loose ink masks as floats, despeckled where boxes are read (the whole
    page costs more than the reading itself)."""
    ink = raw.astype(np.float32)
    faint = loose.astype(np.float32)
    margin = round((_SEARCH_MM + _RING_MM[1] + 1.0) * PX_PER_MM)
    for box in boxes:
        size = round(box.size * PX_PER_MM)
        x, y = round(box.x * PX_PER_MM), round(box.y * PX_PER_MM)
        rows = slice(max(0, y - margin), y + size + margin)
        cols = slice(max(0, x - margin), x + size + margin)
        ink[rows, cols], faint[rows, cols] = _despeckle(raw[rows, cols], loose[rows, cols])
    return ink, faint


def read_boxes(page: np.ndarray, boxes: Iterable[layout.Box]) -> list[BoxReading]:
    """Measure every box on a straightened page.

    A box's ink is counted after specks are removed. A box that reads empty is then compared
    with the page's own empty boxes, which show how much speckle and faint grey this page
    has: one holding far more of either (a faint mark broken into dots, a pencil so light
    it is hardly ink) is not called empty with confidence.
    """
    wanted = list(boxes)
    raw = _ink(page)
    ink, faint = _cleaned(raw, _ink(page, LOOSE_INK), wanted)
    measured = []
    templates: dict[float, np.ndarray] = {}
    inset = round(_INSET_MM * PX_PER_MM)
    for box in wanted:
        size = round(box.size * PX_PER_MM)
        template = templates.setdefault(box.size, _border_template(size, 2))
        x, y = _place(ink, box, template)
        inner = (slice(y + inset, y + size - inset), slice(x + inset, x + size - inset))
        if not ink[inner].size:
            measured.append((box, 0.0, 0.0, 0.0, 0.0))
            continue
        covered = float(ink[inner].mean())
        specks = float(raw[inner].mean()) - covered
        measured.append((box, covered, specks, float(faint[inner].mean()), _ring(ink, x, y, size)))
    empty = [m for m in measured if m[1] <= EMPTY]
    speck_floor = _floor([m[2] for m in empty], MARKED)
    faint_floor = _floor([m[3] for m in empty], FAINT)
    readings = []
    for box, covered, specks, grey, band in measured:
        marked, confidence = _judge(covered, band)
        if not marked and covered <= EMPTY and (specks > speck_floor or grey > faint_floor):
            confidence = 0.5  # more than the page's empty boxes hold: a faint mark?
        readings.append(BoxReading(box.code, box.key, covered, band, marked, confidence))
    return readings


def _floor(values: list[float], least: float) -> float:
    """How much of something an empty box on this page may hold: well over what its empty
    boxes typically hold (salt, dust and a grey paper are spread over a whole page), and
    never under least."""
    if not values:
        return least
    return max(least, 3.0 * float(np.percentile(values, 90)))


def _stands_out(boxes: list[BoxReading]) -> bool:
    """Whether one box of an unanswered question holds clearly more ink than the others."""
    inks = sorted(b.ink for b in boxes)
    second = inks[-2] if len(inks) > 1 else 0.0
    return inks[-1] > 0.6 * EMPTY and inks[-1] > 2 * second + 0.008


def answers(readings: list[BoxReading], multi: set[str] | None = None) -> dict[str, Answer]:
    """Per question: the one marked option (or the marked ones for multi), and how sure.

    Two options marked on a one-answer question is left for a person (confidence 0.3).
    """
    multi = multi or set()
    by_code: dict[str, list[BoxReading]] = {}
    for reading in readings:
        by_code.setdefault(reading.code, []).append(reading)
    out = {}
    for code, boxes in by_code.items():
        chosen = [b.key for b in boxes if b.marked]
        sure = min(b.confidence for b in boxes)
        if not chosen and _stands_out(boxes):
            sure = min(sure, 0.5)  # a faint mark, perhaps: no answer is not sure
        if code in multi:
            out[code] = Answer(chosen or None, sure)
        elif len(chosen) > 1:
            out[code] = Answer(None, min(sure, 0.3))
        else:
            out[code] = Answer(chosen[0] if chosen else None, sure)
    return out


def crop(page: np.ndarray, x_mm: float, y_mm: float, w_mm: float, h_mm: float) -> np.ndarray:
    """A part of a straightened page (a write-in area, or a question for a person to see)."""
    x0, y0 = max(0, round(x_mm * PX_PER_MM)), max(0, round(y_mm * PX_PER_MM))
    return page[y0 : y0 + round(h_mm * PX_PER_MM), x0 : x0 + round(w_mm * PX_PER_MM)].copy()

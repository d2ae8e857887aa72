"""Scanned sheets filed as the first entry: each page found by paper.scan is matched to its
printed sheet, read with the layout it was printed with, and its answers saved; what the
reader is unsure of, and everything written by hand, waits for a person."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from paper import layout, scan
from surveys import instruments, printing, services
from surveys.models import DialogueSession, PrintedSheet

HAND_WRITTEN = frozenset({"text", "place", "number"})


@dataclass
class ScanOutcome:
    filed: list[int] = field(default_factory=list)  # sheet numbers
    not_found: int = 0  # pages with no sheet of ours on them
    other_dialogue: int = 0  # sheets printed for another dialogue
    typed_already: list[int] = field(default_factory=list)  # typed by hand before the scan
    read_already: list[int] = field(default_factory=list)  # the same page scanned twice


def printed_by_code(session: Session, code: str) -> PrintedSheet | None:
    return session.scalar(select(PrintedSheet).where(PrintedSheet.code == code))


def sheet_layout(printed: PrintedSheet) -> layout.Layout:
    return printing.sheet_layout(printed.version, printed.place_names, printed.language)


def read_page(printed: PrintedSheet, found: scan.Located) -> dict[str, dict[str, Any]]:
    """Each choice question on the page: {"value", "confidence"} from its boxes."""
    sheet = sheet_layout(printed)
    if not 1 <= found.page <= len(sheet.pages):
        return {}
    page = sheet.pages[found.page - 1]
    multi = {q["code"] for q in printed.version.questions if q["type"] == "multi"}
    read = scan.answers(scan.read_boxes(found.image, page.boxes), multi)
    return {
        code: {"value": a.value, "confidence": round(a.confidence, 3)} for code, a in read.items()
    }


def _pending(
    printed: PrintedSheet, readings: dict[str, dict[str, Any]], pages: list[int]
) -> list[str]:
    """Question codes a person must look at: unsure readings and hand-written answers."""
    sheet = sheet_layout(printed)
    on_pages = {
        code
        for number in pages
        if 1 <= number <= len(sheet.pages)
        for code in [b.code for b in sheet.pages[number - 1].boxes]
        + [a.code for a in sheet.pages[number - 1].areas]
    }
    return [
        q["code"]
        for q in printed.version.questions
        if q["code"] in on_pages
        and (
            q["type"] in HAND_WRITTEN
            or readings.get(q["code"], {}).get("confidence", 0.0) < scan.SURE
        )
    ]


def file_page(
    session: Session,
    dsession: DialogueSession,
    found: scan.Located,
    user_id: int | None,
    outcome: ScanOutcome,
) -> PrintedSheet | None:
    """Read one located page and save its sheet's answers as the first entry."""
    printed = printed_by_code(session, found.code)
    if printed is None or printed.session_id != dsession.id:
        outcome.other_dialogue += 1
        return None
    existing = services.sheet(session, dsession, printed.sheet_number, 1)
    if existing is not None and printed.scanned_at is None:
        outcome.typed_already.append(printed.sheet_number)
        return None
    readings = dict(printed.readings or {})
    if found.page in readings.get("pages", []):
        outcome.read_already.append(printed.sheet_number)  # never undo a person's check
        return None
    answers_read = dict(readings.get("answers", {})) | read_page(printed, found)
    pages = sorted(set(readings.get("pages", [])) | {found.page})
    printed.readings = {"pages": pages, "answers": answers_read}
    printed.pending = _pending(printed, answers_read, pages)
    printed.scanned_at = datetime.now(UTC)
    answers = dict(existing.answers) if existing is not None else {}
    for question in printed.version.questions:
        code = question["code"]
        if code in answers_read:
            answers[code] = answers_read[code]["value"]
        answers.setdefault(code, None)
    services.save_sheet(session, dsession, printed.sheet_number, answers, user_id)
    outcome.filed.append(printed.sheet_number)
    return printed


def printed_sheet(
    session: Session, dsession: DialogueSession, number: int | None
) -> PrintedSheet | None:
    if number is None:
        return None
    return session.scalar(
        select(PrintedSheet).where(
            PrintedSheet.session_id == dsession.id, PrintedSheet.sheet_number == number
        )
    )


def mark_checked(session: Session, dsession: DialogueSession, number: int) -> None:
    """A person saved the sheet's first entry: nothing of its scan waits any more."""
    printed = printed_sheet(session, dsession, number)
    if printed is not None and printed.pending:
        printed.pending = []
        session.flush()


def pending_sheets(session: Session, dsession: DialogueSession) -> list[PrintedSheet]:
    """Scanned sheets with answers still waiting for a person, lowest number first."""
    return [
        p
        for p in services.printed_sheets(session, dsession)
        if p.scanned_at is not None and p.pending
    ]


def question_region(printed: PrintedSheet, code: str) -> tuple[int, tuple[float, ...]] | None:
    """(page, (x, y, width, height) in mm) of a question's boxes or write-in area."""
    sheet = sheet_layout(printed)
    area = sheet.area_of(code)
    if area is not None:
        number, rect = area
        return number, (rect.x - 1, rect.y - 1, rect.width + 2, rect.height + 2)
    boxes = sheet.boxes_of(code)
    if not boxes:
        return None
    number = boxes[0][0]
    ys = [b.y for _, b in boxes]
    top, bottom = min(ys) - 1.5, max(ys) + boxes[0][1].size + 1.5
    return number, (layout.LEFT_MM - 2, top, layout.RIGHT_MM - layout.LEFT_MM + 4, bottom - top)


def crop(image: np.ndarray, region: tuple[float, ...]) -> np.ndarray:
    x, y, w, h = region
    return scan.crop(image, x, y, w, h)


def labels(printed: PrintedSheet) -> dict[str, str]:
    """How each pending reading is shown beside the field: the reader's guess in words."""
    answers = (printed.readings or {}).get("answers", {})
    out = {}
    for code in printed.pending:
        question = printed.version.question(code)
        if question is not None and code in answers:
            out[code] = instruments.label_of(question, answers[code]["value"])
    return out

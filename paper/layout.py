"""Where every box, text and write-in area sits on a sheet's pages, in millimetres.

The printed PDF is drawn from this layout and the scan reader looks in the same places, so
printing and reading can never disagree about where a box is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

PAGE_W_MM = 210.0
PAGE_H_MM = 297.0
MARK_MM = 7.0  # the solid registration squares
MARK_INSET_MM = 9.0  # from the page's edges to a mark's outer side
QR_MM = 24.0
QR_X_MM = PAGE_W_MM - MARK_INSET_MM - MARK_MM - 4.0 - QR_MM
QR_Y_MM = MARK_INSET_MM + MARK_MM + 2.0
BOX_MM = 5.0
LEFT_MM = 22.0
RIGHT_MM = PAGE_W_MM - 22.0
TOP_MM = QR_Y_MM + QR_MM + 6.0
BOTTOM_MM = PAGE_H_MM - MARK_INSET_MM - MARK_MM - 6.0
LINE_MM = 4.4  # one line of question text (9.5 pt)
CHARS_PER_LINE = 78  # conservative for 9.5 pt DejaVu Sans across the content width
OPTION_ROW_MM = 7.5
LABEL_GAP_MM = 3.0  # between a box and its number: the ring around a box stays blank
WRITE_IN_MM = 24.0
MAP_W_MM = 62.0  # the small map beside a place's write-in box
MAP_H_MM = 32.0


def mark_centres() -> list[tuple[float, float]]:
    """The registration marks' centres: top left, top right, bottom right, bottom left."""
    near = MARK_INSET_MM + MARK_MM / 2
    far_x, far_y = PAGE_W_MM - near, PAGE_H_MM - near
    return [(near, near), (far_x, near), (far_x, far_y), (near, far_y)]


@dataclass(frozen=True)
class Box:
    """A tick box: question code, option key, its number as typed, top-left corner."""

    code: str
    key: str
    number: int
    label: str
    x: float
    y: float
    size: float = BOX_MM
    label_width: float = 30.0


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    width: float
    text: str
    kind: str = "question"  # "question", "hint", "list"


@dataclass(frozen=True)
class Area:
    """A rectangle written in by hand (free text, a place, a number): cropped, not read."""

    code: str
    x: float
    y: float
    width: float
    height: float


@dataclass
class Page:
    number: int
    texts: list[Text] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    maps: list[Area] = field(default_factory=list)  # drawn, never read


@dataclass
class Layout:
    pages: list[Page]

    def boxes_of(self, code: str) -> list[tuple[int, Box]]:
        return [(p.number, b) for p in self.pages for b in p.boxes if b.code == code]

    def area_of(self, code: str) -> tuple[int, Area] | None:
        return next(((p.number, a) for p in self.pages for a in p.areas if a.code == code), None)


def _lines(text: str, width_mm: float) -> int:
    per_line = max(10, int(CHARS_PER_LINE * width_mm / (RIGHT_MM - LEFT_MM)))
    return max(1, math.ceil(len(text) / per_line))


def _columns(labels: list[str]) -> int:
    longest = max((len(label) for label in labels), default=0)
    if len(labels) > 4 and longest <= 8:
        return min(len(labels), 5)
    if longest <= 18:
        return min(len(labels), 4)
    if longest <= 36:
        return 2
    return 1


def build(
    questions: list[dict[str, Any]],
    options_of: Any,
    place_names: list[str] | None = None,
) -> Layout:
    """Lay the questions out on as many pages as they need.

    options_of(question) gives a choice question's options ({"key", "label"} dicts), the
    same numbered list the entry screen shows; place_names are printed beside a place's
    write-in box so the person filling in can name a known place.
    """
    pages = [Page(1)]
    y = TOP_MM
    width = RIGHT_MM - LEFT_MM
    for number, question in enumerate(questions, start=1):
        text = f"{number}. {question['text']}"
        text_h = _lines(text, width) * LINE_MM + 1.5
        choices = options_of(question)
        block: list[Any] = []
        height = text_h
        if choices:
            columns = _columns([c["label"] for c in choices])
            col_w = width / columns
            rows = math.ceil(len(choices) / columns)
            label_w = col_w - BOX_MM - LABEL_GAP_MM - 6
            row_h = max(
                OPTION_ROW_MM,
                max(_lines(c["label"], label_w) for c in choices) * LINE_MM + 2.5,
            )
            for i, choice in enumerate(choices):
                row, col = divmod(i, columns)
                block.append(
                    (
                        "box",
                        question["code"],
                        choice,
                        i + 1,
                        col * col_w,
                        height + row * row_h,
                        label_w,
                    )
                )
            height += rows * row_h
        else:
            area_h = WRITE_IN_MM if question["type"] in {"text", "place"} else 12.0
            area_w = width if question["type"] != "number" else 40.0
            if question["type"] == "place" and place_names:
                listed = " · ".join(f"{i} {name}" for i, name in enumerate(place_names, 1))
                list_h = _lines(listed, width) * LINE_MM + 1
                block.append(("list", listed, height))
                height += list_h
                area_w, area_h = width - MAP_W_MM - 4.0, MAP_H_MM
                block.append(("map", question["code"], height, MAP_W_MM, MAP_H_MM))
            block.append(("area", question["code"], height, area_w, area_h))
            height += area_h
        if y + height > BOTTOM_MM and (pages[-1].boxes or pages[-1].areas):
            pages.append(Page(len(pages) + 1))
            y = TOP_MM
        page = pages[-1]
        page.texts.append(Text(LEFT_MM, y, width, text))
        for item in block:
            if item[0] == "box":
                _, code, choice, typed, dx, dy, label_w = item
                page.boxes.append(
                    Box(
                        code,
                        choice["key"],
                        typed,
                        choice["label"],
                        LEFT_MM + dx,
                        y + dy,
                        label_width=label_w,
                    )
                )
            elif item[0] == "list":
                page.texts.append(Text(LEFT_MM, y + item[2], width, item[1], "list"))
            elif item[0] == "map":
                _, code, dy, map_w, map_h = item
                page.maps.append(Area(code, RIGHT_MM - map_w, y + dy, map_w, map_h))
            else:
                _, code, dy, area_w, area_h = item
                page.areas.append(Area(code, LEFT_MM, y + dy, area_w, area_h))
        y += height + 4.0  # the space between questions
    return Layout(pages)


def mirrored(sheet: Layout) -> Layout:
    """The same sheet for a right-to-left language: every box, text, map and write-in area
    mirrored across the page, so a box stands to the right of its label. The marks and the
    QR code stay where they are, so the reader finds the page the same way."""

    def flip(x: float, width: float) -> float:
        return round(PAGE_W_MM - x - width, 3)

    pages = []
    for page in sheet.pages:
        pages.append(
            Page(
                page.number,
                texts=[replace(t, x=flip(t.x, t.width)) for t in page.texts],
                boxes=[replace(b, x=flip(b.x, b.size)) for b in page.boxes],
                areas=[replace(a, x=flip(a.x, a.width)) for a in page.areas],
                maps=[replace(m, x=flip(m.x, m.width)) for m in page.maps],
            )
        )
    return Layout(pages)

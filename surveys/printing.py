"""Paper sheets as PDF: the layout from paper.layout drawn with WeasyPrint, one QR-coded
sheet id per sheet, in the language the team prints in."""

from __future__ import annotations

import base64
import math
import unicodedata

from flask import render_template
from flask_babel import force_locale

from paper import codes, layout
from surveys import instruments
from surveys.models import DialogueSession, InstrumentVersion, PrintedSheet

LANGUAGES = ("sv", "en", "ar")
RIGHT_TO_LEFT = frozenset({"ar"})


def sheet_layout(
    version: InstrumentVersion, place_names: list[str], language: str = "sv"
) -> layout.Layout:
    """Where everything sits on a sheet; place_names are the landmarks listed on it. A sheet
    in a right-to-left language is mirrored: its boxes stand to the right of their labels."""
    sheet = layout.build(version.questions, instruments.options, place_names)
    return layout.mirrored(sheet) if language in RIGHT_TO_LEFT else sheet


def text_dir(text: str) -> str:
    """The text's direction, rtl or ltr, by its first strongly directed letter (the rule of
    dir="auto", which the PDF renderer does not apply itself); ltr when it has none."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in {"R", "AL"}:
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def map_svg(places: list[tuple[str, float, float]], width_mm: float, height_mm: float) -> str:
    """A small map without tiles: the known places as numbered dots where they lie, north up
    (an SVG data URI; nothing is fetched, the numbers match the printed list)."""
    width, height = width_mm * 10, height_mm * 10
    dots = []
    if places:
        lats = [lat for _name, lat, _lon in places]
        lons = [lon for _name, _lat, lon in places]
        middle = math.cos(math.radians(sum(lats) / len(lats)))
        span_x = max((max(lons) - min(lons)) * middle, 1e-6)
        span_y = max(max(lats) - min(lats), 1e-6)
        scale = min((width - 80) / span_x, (height - 80) / span_y)
        for number, (_name, lat, lon) in enumerate(places, start=1):
            x = 40 + (lon - min(lons)) * middle * scale + (width - 80 - span_x * scale) / 2
            y = 40 + (max(lats) - lat) * scale + (height - 80 - span_y * scale) / 2
            dots.append(
                f'<circle cx="{x:.0f}" cy="{y:.0f}" r="9" fill="#000"/>'
                f'<text x="{x + 14:.0f}" y="{y + 10:.0f}" font-size="30" '
                f'font-family="DejaVu Sans">{number}</text>'
            )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}">'
        f'<rect x="2" y="2" width="{width - 4:.0f}" height="{height - 4:.0f}" fill="#f4f4f4" '
        f'stroke="#888" stroke-width="3"/>{"".join(dots)}'
        f'<text x="{width - 40:.0f}" y="40" font-size="28" font-family="DejaVu Sans">N</text>'
        "</svg>"
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def sheets_pdf(
    dsession: DialogueSession,
    printed: list[PrintedSheet],
    sheet: layout.Layout,
    language: str,
    places: list[tuple[str, float, float]] | None = None,
) -> bytes:
    """One PDF with every printed sheet's pages, in order; places are (name, lat, lon) of the
    landmarks listed on the sheet, for its small map."""
    with force_locale(language):
        html = render_template(
            "surveys/sheet_print.html",
            dsession=dsession,
            kommun=dsession.kommun,
            printed_sheets=printed,
            layout=sheet,
            language=language,
            rtl=language in RIGHT_TO_LEFT,
            text_dir=text_dir,
            marks=layout.mark_centres(),
            mark_mm=layout.MARK_MM,
            qr_mm=layout.QR_MM,
            qr_x=layout.QR_X_MM,
            qr_y=layout.QR_Y_MM,
            qr_uri=codes.qr_svg_uri,
            left=layout.LEFT_MM,
            gap=layout.LABEL_GAP_MM,
            line_mm=layout.LINE_MM,
            foot_y=layout.BOTTOM_MM + 1.5,
            map_uri=map_svg(places or [], layout.MAP_W_MM, layout.MAP_H_MM),
        )
    # Imported here, as core.documents does: WeasyPrint takes 0.6 s to import, paid by
    # every process that starts the app (web and job workers) though few ever print.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    inline_only = URLFetcher(allowed_protocols={"data"})  # a sheet never fetches anything
    pdf = HTML(string=html, url_fetcher=inline_only).write_pdf()
    assert pdf is not None
    return bytes(pdf)

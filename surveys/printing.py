"""Paper sheets as PDF: the layout from paper.layout drawn with WeasyPrint, one QR-coded
sheet id per sheet, in the language the team prints in."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from paper import codes, layout
from surveys import instruments
from surveys.models import DialogueSession, InstrumentVersion, PrintedSheet

LANGUAGES = ("sv", "en", "ar")


def sheet_layout(version: InstrumentVersion, place_names: list[str]) -> layout.Layout:
    """Where everything sits on a sheet; place_names are the landmarks listed on it."""
    return layout.build(version.questions, instruments.options, place_names)


def sheets_pdf(
    dsession: DialogueSession,
    printed: list[PrintedSheet],
    sheet: layout.Layout,
    language: str,
) -> bytes:
    """One PDF with every printed sheet's pages, in order."""
    with force_locale(language):
        html = render_template(
            "surveys/sheet_print.html",
            dsession=dsession,
            kommun=dsession.kommun,
            printed_sheets=printed,
            layout=sheet,
            language=language,
            rtl=language == "ar",
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
        )
    inline_only = URLFetcher(allowed_protocols={"data"})  # a sheet never fetches anything
    pdf = HTML(string=html, url_fetcher=inline_only).write_pdf()
    assert pdf is not None
    return bytes(pdf)

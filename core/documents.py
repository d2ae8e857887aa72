"""Printable documents as PDF: HTML from our templates, rendered by WeasyPrint.

Shared by every package that prints (promises, the walk protocols). Rendered with
static/css/document.css; nothing is fetched while rendering (local fonts, no images).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from flask import Response, current_app


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"documents fetch nothing: {url[:60]}")


def render_pdf(html: str) -> bytes:
    """The HTML as a PDF (A4, print stylesheet), without reaching for any URL."""
    from weasyprint import CSS, HTML

    stylesheet = Path(current_app.static_folder or "static") / "css" / "document.css"
    document = HTML(string=html, url_fetcher=_no_fetching)
    return document.write_pdf(stylesheets=[CSS(filename=str(stylesheet))])  # type: ignore[no-any-return]


def pdf_filename(*parts: str) -> str:
    """An ASCII file name from words in any language: "Tryggare Torpa" -> tryggare-torpa.pdf."""
    text = unicodedata.normalize("NFKD", "-".join(parts)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:80] + ".pdf"


def pdf_response(html: str, *name: str) -> Response:
    return Response(
        render_pdf(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{pdf_filename(*name)}"'},
    )

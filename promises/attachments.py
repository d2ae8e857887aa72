"""Uploaded documents (a signed samverkansöverenskommelse): PDF only, checked by content,
kept under the instance folder by a random name, sent only as a download."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

import pypdfium2
from flask import abort, current_app, send_file
from werkzeug.wrappers import Response

from promises.models import Agreement

PDF_MAX = 10 * 1024 * 1024  # a scanned, signed agreement of some twenty pages


class DocumentError(ValueError):
    """Not a document this app keeps; `code` says why: too_large, empty, not_pdf."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def check_pdf(data: bytes) -> int:
    """The number of pages of a readable PDF; DocumentError for anything else.

    The name and the browser's media type say nothing: the bytes must open as a PDF.
    """
    if len(data) > PDF_MAX:
        raise DocumentError("too_large")
    if not data:
        raise DocumentError("empty")
    if not data.lstrip()[:5] == b"%PDF-":
        raise DocumentError("not_pdf")
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        raise DocumentError("not_pdf") from None
    try:
        pages = len(document)
    finally:
        document.close()
    if pages < 1:
        raise DocumentError("not_pdf")
    return pages


def store(folder: Path, data: bytes) -> str:
    """Write a checked PDF under a random name; returns the name."""
    check_pdf(data)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(16)}.pdf"
    (folder / name).write_bytes(data)
    return name


def remove(folder: Path, name: str | None) -> None:
    if name and "/" not in name and not name.startswith("."):
        (folder / name).unlink(missing_ok=True)


def agreement_folder() -> Path:
    """Where uploaded agreements are kept: under the instance folder, never under static/."""
    return Path(current_app.instance_path) / "uploads" / "agreements"


def send_document(agreement: Agreement) -> Response:
    """The uploaded PDF as a download (never shown inline, so it runs nothing in our origin)."""
    if not agreement.document_file:
        abort(404)
    path = agreement_folder() / agreement.document_file
    if not path.is_file():
        abort(404)
    # Read whole (at most PDF_MAX): no file handle outlives the request.
    return send_file(
        io.BytesIO(path.read_bytes()),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=agreement.document_name or "overenskommelse.pdf",
        max_age=0,
    )

"""The signed samverkansöverenskommelse uploaded as a PDF: checked by its content, kept away
from the public until published, downloadable by staff."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2
import pytest
from sqlalchemy import select

import promises.attachments
from promises.models import Agreement
from tests.pages import parse_page

AVTAL = {
    "agreement-title": "Samverkansavtal Vänersborg 2023–2024",
    "agreement-parties": "Vänersborgs kommun\nLokalpolisområde Östra Fyrbodal",
    "agreement-starts_on": "2023-01-01",
    "agreement-ends_on": "2024-12-31",
    "agreement-signed_on": "2022-12-21",
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def a_pdf(pages: int = 2) -> bytes:
    document = pypdfium2.PdfDocument.new()
    for _ in range(pages):
        document.new_page(595, 842)
    out = io.BytesIO()
    document.save(out)
    document.close()
    return out.getvalue()


def _post(client, url, upload=None, **extra):
    data = dict(AVTAL) | extra
    if upload is not None:
        data["agreement-document"] = (io.BytesIO(upload[0]), upload[1])
    return client.post(url, data=data, content_type="multipart/form-data")


def test_an_uploaded_pdf_is_kept_privately_and_published_on_request(
    app, client, session, kommuner, coordinator
):
    pdf = a_pdf()
    response = _post(client, "/samordnare/vanersborg/overenskommelser", (pdf, "Avtal 2023.PDF"))
    assert response.status_code == 303
    agreement = session.scalar(select(Agreement))
    assert (agreement.document_name, agreement.document_size) == ("Avtal 2023.pdf", len(pdf))
    stored = Path(app.instance_path) / "uploads" / "agreements" / agreement.document_file
    assert stored.read_bytes() == pdf
    assert "static" not in stored.parts

    staff = client.get(f"/samordnare/overenskommelser/{agreement.id}/dokument")
    assert staff.status_code == 200 and staff.data == pdf
    assert staff.headers["Content-Type"] == "application/pdf"
    assert staff.headers["Content-Disposition"].startswith("attachment")
    page = parse_page(client.get("/samordnare/vanersborg/overenskommelser").data)
    assert "bara för personalen" in page.select_one(f"#agreement-{agreement.id}-title").parent.text

    public_url = f"/k/vanersborg/overenskommelser/{agreement.id}/dokument"
    visitor = app.test_client()
    assert visitor.get(public_url).status_code == 404
    assert visitor.get(f"/samordnare/overenskommelser/{agreement.id}/dokument").status_code in (
        302,
        303,
        401,
    )

    edit = f"/samordnare/overenskommelser/{agreement.id}"
    assert _post(client, edit, **{"agreement-document_public": "y"}).status_code == 303
    assert visitor.get(public_url).data == pdf
    assert visitor.get(f"/k/arboga/overenskommelser/{agreement.id}/dokument").status_code == 404

    # Removing the upload deletes the file and withdraws it from the public.
    assert _post(client, edit, **{"agreement-remove_document": "y"}).status_code == 303
    session.expire_all()
    assert agreement.document_file is None and not agreement.document_public
    assert not stored.exists()
    assert visitor.get(public_url).status_code == 404


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        ((PNG, "avtal.pdf"), "inte en PDF"),  # a picture named .pdf
        ((b"%PDF-1.7\nnothing else", "avtal.pdf"), "inte en PDF"),
        ((b"", "avtal.pdf"), "tom"),
        ((b"x" * 2_000, "avtal.pdf"), "högst 10 MB"),  # over the lowered limit below
    ],
)
def test_a_file_that_is_not_a_readable_pdf_is_refused_and_the_form_kept(
    client, session, kommuner, coordinator, monkeypatch, upload, message
):
    monkeypatch.setattr(promises.attachments, "PDF_MAX", 1_000)
    response = _post(client, "/samordnare/vanersborg/overenskommelser", upload)
    assert response.status_code == 400
    page = parse_page(response.data)
    assert message in page.select_one("#agreement-document-error").text
    assert page.select_one("#agreement-title")["value"] == AVTAL["agreement-title"]
    assert session.scalar(select(Agreement)) is None


def test_a_replaced_document_removes_the_old_file(app, client, session, kommuner, coordinator):
    _post(client, "/samordnare/vanersborg/overenskommelser", (a_pdf(1), "utkast.pdf"))
    agreement = session.scalar(select(Agreement))
    folder = Path(app.instance_path) / "uploads" / "agreements"
    first = folder / agreement.document_file
    edit = f"/samordnare/overenskommelser/{agreement.id}"
    assert _post(client, edit, (a_pdf(3), "undertecknat.pdf")).status_code == 303
    session.expire_all()
    assert not first.exists()
    assert agreement.document_name == "undertecknat.pdf"
    assert [p.name for p in folder.iterdir()] == [agreement.document_file]

"""A dialogue team prints a batch of numbered sheets: one PDF, one QR-coded id per sheet."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from pages import error_for, parse_page
from sqlalchemy import select

from paper import codes
from surveys.models import PrintedSheet


def pdf_texts(data: bytes) -> list[str]:
    """Each page's text."""
    pdf = pdfium.PdfDocument(data)
    texts = []
    for index in range(len(pdf)):
        page = pdf[index]
        textpage = page.get_textpage()
        texts.append(textpage.get_text_range().replace("\r\n", " "))
        textpage.close()
        page.close()
    pdf.close()
    return texts


@pytest.fixture
def dialogue(create_dialogue, kommuner, create_user, login):
    login(create_user("dialog"))
    return create_dialogue(kommuner["Vänersborg"])


def test_a_batch_of_numbered_sheets_prints_as_one_pdf(client, dialogue, session):
    page = parse_page(client.get(f"/dialog/dialoger/{dialogue.id}/blad").data)
    assert page.select_one("#count")["value"] == "20"
    response = client.post(
        f"/dialog/dialoger/{dialogue.id}/blad", data={"count": "3", "language": "sv"}
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "blad-1-3.pdf" in response.headers["Content-Disposition"]
    printed = session.scalars(select(PrintedSheet).order_by(PrintedSheet.sheet_number)).all()
    assert [p.sheet_number for p in printed] == [1, 2, 3]
    assert len({p.code for p in printed}) == 3
    assert all(p.version_id == dialogue.version_id and p.pages >= 1 for p in printed)
    texts = pdf_texts(response.data)
    assert len(texts) == 3 * printed[0].pages
    assert "Blad nr 1" in texts[0] and printed[0].code in texts[0]
    assert "4 Mycket otrygg" in texts[0]  # the entry screen's option numbers
    assert "Torpa centrum" in " ".join(texts[: printed[0].pages])  # the landmark list
    assert "Blad nr 3" in texts[-1] and printed[2].code in texts[-1]

    again = client.post(
        f"/dialog/dialoger/{dialogue.id}/blad", data={"count": "2", "language": "en"}
    )
    assert "blad-4-5.pdf" in again.headers["Content-Disposition"]  # numbers go on
    assert "Sheet no. 4" in pdf_texts(again.data)[0]
    arabic = client.post(
        f"/dialog/dialoger/{dialogue.id}/blad", data={"count": "1", "language": "ar"}
    )
    assert arabic.mimetype == "application/pdf" and len(pdf_texts(arabic.data)) >= 1
    page = parse_page(client.get(f"/dialog/dialoger/{dialogue.id}/blad").data)
    assert "Utskrivna blad: 6. Senaste numret: 6." in page.select_one("#printed-count").get_text()


def test_a_bad_count_is_refused_with_a_message(client, dialogue):
    refused = client.post(
        f"/dialog/dialoger/{dialogue.id}/blad", data={"count": "0", "language": "sv"}
    )
    assert refused.status_code == 400
    assert "1–500" in error_for(parse_page(refused.data), "count")


def test_the_qr_payload_round_trips():
    code = codes.new_code()
    assert codes.parse_payload(codes.payload(code, 2)) == (code, 2)
    assert codes.parse_payload("https://example.org") is None


def test_the_small_map_puts_places_north_up_and_fetches_nothing():
    import base64
    import re

    from surveys.printing import map_svg

    uri = map_svg(
        [("Söder", 58.36, 12.33), ("Norr", 58.39, 12.33), ("Väster", 58.37, 12.30)], 60, 32
    )
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    dots = [
        (float(x), float(y)) for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)
    ]
    assert len(dots) == 3
    south, north, west = dots
    assert north[1] < south[1] and west[0] < south[0]
    assert all(0 <= x <= 600 and 0 <= y <= 320 for x, y in dots)
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")

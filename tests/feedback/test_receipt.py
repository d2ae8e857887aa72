"""The receipt: an unguessable code, a status page and a way to ask for erasure."""

from __future__ import annotations

from sqlalchemy import select

from feedback.models import Report
from feedback.services import RECEIPT_ALPHABET, new_receipt_code, normalize_receipt
from tests.helpers import VANERSBORG_TORGET, valid_form
from tests.pages import error_for, parse_page


def open_status(client, code):
    """Type the receipt code on the lookup page, as a resident does."""
    response = client.post("/status", data={"code": code})
    assert response.status_code == 303 and response.headers["Location"] == "/status/mitt-forslag"


def submit(client, **overrides):
    response = client.post("/k/vanersborg/", data=valid_form(**overrides))
    assert response.status_code == 303
    return response.headers["Location"]


def test_receipt(client, kommuner, session):
    location = submit(client)
    page = parse_page(client.get(location).data)
    report = session.scalar(select(Report))
    assert page.select_one("#receipt-code").get_text(strip=True) == report.receipt_display
    assert report.registration_number in page.get_text()
    assert page.select_one('a[href="/status/mitt-forslag"]') is not None
    assert report.receipt_code not in location  # the code is shown, never in an address
    assert "allmän handling" in page.get_text()


def test_codes_are_random_not_sequential(client, kommuner, session):
    for _ in range(3):
        submit(client)
    codes = session.scalars(select(Report.receipt_code).order_by(Report.id)).all()
    assert len(set(codes)) == 3
    assert all(len(c) == 12 and set(c) <= set(RECEIPT_ALPHABET) for c in codes)
    # Consecutive reports share no structure: codes differ in most positions.
    for a, b in zip(codes, codes[1:], strict=False):
        assert sum(x != y for x, y in zip(a, b, strict=True)) >= 6
    assert len({new_receipt_code() for _ in range(1000)}) == 1000


def test_codes_are_read_as_people_type_them():
    assert normalize_receipt("k7px-4m2q-abcd") == "K7PX4M2QABCD"
    assert normalize_receipt(" K7PX 4M2Q ABCO ") == "K7PX4M2QABC0"
    assert normalize_receipt("K7PX4M2QABCDE") is None
    assert normalize_receipt("' OR 1=1 --") is None
    assert normalize_receipt("") is None


def test_status_page(client, kommuner, session, create_report_at):
    report = create_report_at(kommuner["Vänersborg"], *VANERSBORG_TORGET, reasons=["place.bushes"])
    open_status(client, report.receipt_display.lower())
    page = parse_page(client.get("/status/mitt-forslag").data)
    assert "Ny – inte granskad ännu" in page.get_text()
    assert "Skymmande buskage och växtlighet" in page.get_text()


def test_status_lookup_by_typed_code(client, kommuner, create_report_at):
    report = create_report_at(kommuner["Vänersborg"], *VANERSBORG_TORGET)
    response = client.post("/status", data={"code": report.receipt_display.lower()})
    assert response.status_code == 303
    assert response.headers["Location"] == "/status/mitt-forslag"


def test_forged_codes_find_nothing(client, kommuner, create_report_at):
    create_report_at(kommuner["Vänersborg"], *VANERSBORG_TORGET)
    response = client.post("/status", data={"code": "AAAA-BBBB-CCCC"})
    assert response.status_code == 400
    assert "hittar inget" in error_for(parse_page(response.data), "code")
    assert client.get("/status/AAAABBBBCCCC").status_code == 404
    assert client.get("/kvitto/1").status_code == 404


def test_erasure_request(client, kommuner, session, create_report_at):
    report = create_report_at(
        kommuner["Vänersborg"],
        *VANERSBORG_TORGET,
        email="a@exempel.se",
        age_band="25-34",
        gender="man",
    )
    open_status(client, report.receipt_code)
    unconfirmed = client.post("/status/mitt-forslag", data={})
    assert unconfirmed.status_code == 400
    assert "bekräfta" in error_for(parse_page(unconfirmed.data), "confirm")

    response = client.post("/status/mitt-forslag", data={"confirm": "y"})
    assert response.status_code == 303
    session.expire_all()
    stored = session.get(Report, report.id)
    assert stored.erasure_requested_at is not None
    assert (stored.contact_email, stored.age_band, stored.gender) == (None, None, None)
    page = parse_page(client.get("/status/mitt-forslag").data)
    assert "Du har bett att förslaget raderas" in page.get_text()

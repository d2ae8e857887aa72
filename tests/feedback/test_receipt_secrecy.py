"""A receipt code opens a report, so it never stands in an address that gets logged.

The code is shown on the receipt and typed (posted) to follow the report; the report it
opened is remembered in the session for a while. Old links with a code still work but lead
at once to an address without it, and every log line has such codes cut out.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config
from sqlalchemy import select

from core.gunicorn_log import AccessLogger
from feedback.models import Report
from tests.helpers import VANERSBORG_TORGET, valid_form
from tests.pages import parse_page

CODE = "K7PX4M2QABCD"


def _links(page):
    return [a.get("href", "") for a in page.select("a[href], form[action]")] + [
        f.get("action", "") for f in page.select("form[action]")
    ]


def test_no_address_of_the_residents_journey_holds_the_code(app, client, kommuner, session):
    response = client.post("/k/vanersborg/", data=valid_form(email="a@b.se", consent="y"))
    report = session.scalar(select(Report))
    code = report.receipt_code
    visited = [response.headers["Location"]]
    receipt = parse_page(client.get("/kvitto").data)
    assert receipt.select_one("#receipt-code").get_text(strip=True) == report.receipt_display
    status = parse_page(client.get("/status/mitt-forslag").data)
    assert report.registration_number in status.get_text()
    visited += _links(receipt) + _links(status)
    download = client.get("/status/mitt-forslag.json")
    assert download.json["epost"] == "a@b.se"
    assert all(code not in url and report.receipt_display not in url for url in visited)


def test_another_browser_sees_nothing_without_the_code(app, client, kommuner, session):
    client.post("/k/vanersborg/", data=valid_form(email="a@b.se", consent="y"))
    other = app.test_client()
    for path in ("/kvitto", "/status/mitt-forslag", "/status/mitt-forslag.json"):
        response = other.get(path)
        assert response.status_code == 303 and response.headers["Location"] == "/status", path
    erase = other.post("/status/mitt-forslag", data={"confirm": "y"})
    assert erase.status_code == 303
    session.expire_all()
    assert session.scalar(select(Report.contact_email)) == "a@b.se"


def test_old_links_with_a_code_drop_it_at_once(client, kommuner, session, create_report_at):
    report = create_report_at(kommuner["Vänersborg"], *VANERSBORG_TORGET, email="a@b.se")
    for old, new in (
        (f"/kvitto/{report.receipt_code}", "/kvitto"),
        (f"/status/{report.receipt_display.lower()}", "/status/mitt-forslag"),
        (f"/status/{report.receipt_code}/mitt-forslag.json", "/status/mitt-forslag.json"),
    ):
        response = client.get(old)
        assert response.status_code == 303 and response.headers["Location"] == new, old
        assert client.get(new).status_code == 200, new
    # An erasure posted to an old address is not carried out: the resident confirms again.
    assert client.post(f"/status/{report.receipt_code}", data={"confirm": "y"}).status_code == 303
    session.expire_all()
    assert session.get(Report, report.id).erasure_requested_at is None
    assert client.get("/kvitto/AAAABBBBCCCC").status_code == 404


def test_the_opened_report_is_forgotten_after_a_while(app, client, kommuner, create_report_at):
    report = create_report_at(kommuner["Vänersborg"], *VANERSBORG_TORGET)
    client.post("/status", data={"code": report.receipt_code})
    assert client.get("/status/mitt-forslag").status_code == 200
    app.config["RECEIPT_SESSION_MAX_AGE"] = timedelta(seconds=0)
    response = client.get("/status/mitt-forslag")
    assert response.status_code == 303 and response.headers["Location"] == "/status"


def test_the_request_log_holds_no_codes_tokens_or_keys(app, caplog):
    werkzeug = logging.getLogger("werkzeug")
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        for line in (
            f"GET /kvitto/{CODE} HTTP/1.1",
            f"GET /status/{CODE[:4]}-{CODE[4:8]}-{CODE[8:]}/mitt-forslag.json HTTP/1.1",
            "GET /inbjudan/eyJ1aWQiOjF9.aGVq.c2lnbmF0dXJl HTTP/1.1",
            "GET /open311/v2/requests.json?api_key=hemlig-nyckel&status=open HTTP/1.1",
            "GET /epost/avregistrera/eyJyIjo3fQ.aGVq.c2lnbmF0dXJl HTTP/1.1",
        ):
            werkzeug.info('%s - - [%s] "%s" %s %s', "127.0.0.1", "now", line, "303", "-")
    assert CODE not in caplog.text and CODE[:4] + "-" not in caplog.text
    assert "eyJ1aWQ" not in caplog.text and "hemlig-nyckel" not in caplog.text
    assert "eyJyIjo3" not in caplog.text
    assert caplog.text.count("[dolt]") == 5 and "status=open" in caplog.text


def test_gunicorns_access_log_holds_no_codes(app):
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/status/{CODE}?api_key=hemlig",
        "PATH_INFO": f"/status/{CODE}",
        "QUERY_STRING": "api_key=hemlig",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://tryggkartan.example/kvitto/{CODE}",
    }
    resp = SimpleNamespace(status="303 See Other", sent=0, headers=[])
    req = SimpleNamespace(headers=[("REFERER", f"https://tryggkartan.example/kvitto/{CODE}")])
    atoms = AccessLogger(Config()).atoms(resp, req, environ, timedelta(milliseconds=3))
    logged = " ".join(str(atoms[name]) for name in ("r", "U", "q", "f", "{referer}i"))
    assert CODE not in logged and "hemlig" not in logged
    assert atoms["U"] == "/status/[dolt]" and atoms["q"] == "api_key=[dolt]"

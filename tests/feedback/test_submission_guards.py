"""A form sent twice stores one report; programs filling hidden fields and floods are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from feedback.models import Report
from tests.helpers import valid_form
from tests.pages import parse_page

ONCE = "0123456789abcdef0123456789abcdef"


def _count(session):
    session.expire_all()
    return session.scalar(select(func.count(Report.id)))


def test_the_form_carries_a_fresh_submission_id(client, kommuner):
    ids = {
        parse_page(client.get("/k/vanersborg/").data).select_one("#submission_id")["value"]
        for _ in range(3)
    }
    assert len(ids) == 3 and all(len(i) == 32 for i in ids)


def test_sending_the_same_form_twice_stores_one_report(client, kommuner, session):
    first = client.post("/k/vanersborg/", data=valid_form(submission_id=ONCE))
    again = client.post("/k/vanersborg/", data=valid_form(submission_id=ONCE))
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert _count(session) == 1
    other = client.post("/k/vanersborg/", data=valid_form(submission_id="f" * 32))
    assert other.status_code == 303 and _count(session) == 2


def test_a_failed_form_keeps_its_submission_id(client, kommuner):
    response = client.post("/k/vanersborg/", data=valid_form(submission_id=ONCE, reasons=[]))
    assert response.status_code == 400
    assert parse_page(response.data).select_one("#submission_id")["value"] == ONCE


def test_honeypot_and_forged_ids_are_refused_with_a_message(client, kommuner, session):
    for bad in ({"webbplats": "http://spam.example"}, {"submission_id": "1; DROP TABLE report"}):
        response = client.post("/k/vanersborg/", data=valid_form(**bad))
        assert response.status_code == 400
        summary = parse_page(response.data).select_one("#error-summary").get_text()
        assert "Formuläret kunde inte tas emot" in summary
    assert _count(session) == 0
    page = parse_page(client.get("/k/vanersborg/").data)
    trap = page.select_one("#webbplats")
    assert trap["tabindex"] == "-1" and trap.find_parent(attrs={"aria-hidden": "true"})


def test_report_submissions_are_rate_limited_per_client(app, client, kommuners_limit, session):
    for _ in range(2):
        assert client.post("/k/vanersborg/", data=valid_form()).status_code == 303
    refused = client.post("/k/vanersborg/", data=valid_form())
    assert refused.status_code == 429
    assert "för många förfrågningar" in refused.get_data(as_text=True)
    assert client.get("/k/vanersborg/").status_code == 200  # reading the form is not limited
    assert _count(session) == 2


@pytest.fixture
def kommuners_limit(app, kommuner):
    app.config["REPORT_RATE_LIMIT"] = "2 per minute"
    return kommuner

"""CSRF is on in production: every form carries a token and a post without one is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedback.models import Report
from tests.helpers import VANERSBORG_TORGET, valid_form
from tests.pages import parse_page, textarea_value


@pytest.fixture
def csrf_client(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def token_from(client, url):
    page = parse_page(client.get(url).data)
    forms = page.select("form[method=post]")
    assert forms, f"no form on {url}"
    for form in forms:
        assert form.select_one("input[name=csrf_token]"), f"form without token on {url}"
    return forms[0].select_one("input[name=csrf_token]")["value"]


def test_every_form_has_a_token(csrf_client, kommuner, create_report_at):
    report = create_report_at(kommuner["Vänersborg"], *VANERSBORG_TORGET)
    for url in ("/k/vanersborg/", "/status"):
        assert token_from(csrf_client, url)
    csrf_client.get(f"/status/{report.receipt_code}")  # an old link opens the report
    assert token_from(csrf_client, "/status/mitt-forslag")


def test_report_without_token_is_refused_and_input_kept(csrf_client, kommuner, session):
    response = csrf_client.post("/k/vanersborg/", data=valid_form())
    assert response.status_code == 400
    page = parse_page(response.data)
    assert "Formuläret hade gått ut" in page.select_one("#error-summary").get_text()
    assert textarea_value(page, "description").startswith("Mörkt och stökigt")
    assert session.scalar(select(Report)) is None


def test_forged_token_is_refused(csrf_client, kommuner, session):
    response = csrf_client.post("/k/vanersborg/", data=valid_form(csrf_token="forged.token"))
    assert response.status_code == 400
    assert session.scalar(select(Report)) is None


def test_report_with_token_is_taken(csrf_client, kommuner, session):
    token = token_from(csrf_client, "/k/vanersborg/")
    response = csrf_client.post("/k/vanersborg/", data=valid_form(csrf_token=token))
    assert response.status_code == 303
    assert response.headers["Location"] == "/kvitto"
    assert session.scalar(select(Report)) is not None


def test_erasure_needs_a_token(csrf_client, kommuner, session, create_report_at):
    report = create_report_at(kommuner["Vänersborg"], *VANERSBORG_TORGET, email="a@exempel.se")
    csrf_client.get(f"/status/{report.receipt_code}")  # an old link opens the report
    response = csrf_client.post("/status/mitt-forslag", data={"confirm": "y"})
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Report, report.id).contact_email == "a@exempel.se"

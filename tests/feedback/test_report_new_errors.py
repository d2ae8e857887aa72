"""Every mistake re-renders the form with what the resident typed and a message by the field."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from feedback.models import Report
from tests.helpers import GOTHENBURG, valid_form
from tests.pages import error_for, parse_page, textarea_value

TEXT = "Mörkt och stökigt vid busshållplatsen på kvällarna."


def post(client, **overrides):
    response = client.post("/k/vanersborg/", data=valid_form(**overrides))
    return response, parse_page(response.data)


def assert_nothing_stored(session):
    assert session.scalar(select(func.count(Report.id))) == 0


def assert_input_kept(page, text=TEXT):
    assert textarea_value(page, "description") == text
    checked = {i["value"] for i in page.select("input[name=reasons][checked]")}
    assert checked == {"place.dark", "people.youth_groups"}
    assert page.select_one("input[name=times][value=natt]").has_attr("checked")


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        ("", "", "Välj en plats på kartan eller i listan"),
        (str(GOTHENBURG[0]), str(GOTHENBURG[1]), "utanför Vänersborg kommun"),
        ("abc", "12.3", "kunde inte läsas"),
        ("nan", "nan", "kunde inte läsas"),
        ("inf", "12.3", "kunde inte läsas"),
        ("1e999", "12.3", "kunde inte läsas"),
        ("91", "12.3", "kunde inte läsas"),
        ("58.38", "", "kunde inte läsas"),
        ("58.38; DROP TABLE report", "12.3", "kunde inte läsas"),
    ],
)
def test_bad_place(client, kommuner, session, lat, lon, message):
    response, page = post(client, lat=lat, lon=lon)
    assert response.status_code == 400
    assert message in error_for(page, "lat")
    assert message in page.select_one("#error-summary").get_text()
    assert page.select_one('#error-summary a[href="#place"]')
    assert_input_kept(page)
    assert_nothing_stored(session)


def test_text_too_long(client, kommuner, session):
    long_text = "å" * 2001
    response, page = post(client, description=long_text)
    assert response.status_code == 400
    assert "högst 2000 tecken" in error_for(page, "description")
    assert textarea_value(page, "description") == long_text
    assert page.select_one("#description")["aria-invalid"] == "true"
    assert_nothing_stored(session)


def test_exactly_2000_characters_is_fine(client, kommuner, session):
    response, _ = post(client, description="å" * 2000)
    assert response.status_code == 303


def test_no_reason(client, kommuner, session):
    response, page = post(client, reasons=[])
    assert response.status_code == 400
    assert "Välj minst ett skäl till att platsen känns otrygg" in page.get_text()
    assert textarea_value(page, "description") == TEXT
    assert_nothing_stored(session)


def test_unknown_reason_code(client, kommuner, session):
    response, page = post(client, reasons=["place.dark", "<script>alert(1)</script>"])
    assert response.status_code == 400
    assert "Välj skäl ur listan" in page.get_text()
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert_nothing_stored(session)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "kanske", "otrygg eller trygg"),
        ("times", ["midnatt"], "dag, kväll eller natt"),
        ("day_types", ["måndag"], "vardag eller helg"),
        ("age_band", "200", "åldersgrupp"),
        ("gender", "x" * 50, "ur listan"),
        ("unsafe_level", "9", ""),
        ("email", "inte-en-adress", "namn@exempel.se"),
        ("landmark", "999999", "ur listan"),
    ],
)
def test_bad_choices(client, kommuner, session, field, value, message):
    response, page = post(client, **{field: value})
    assert response.status_code == 400
    field_id = field if field not in {"times", "day_types", "unsafe_level"} else field
    shown = error_for(page, field_id)
    assert shown, f"no message by {field}"
    assert message in shown
    assert_nothing_stored(session)


def test_email_needs_consent(client, kommuner, session):
    response, page = post(client, email="namn@exempel.se")
    assert response.status_code == 400
    assert "samtycket" in error_for(page, "consent")
    assert page.select_one("#email")["value"] == "namn@exempel.se"
    assert_nothing_stored(session)


def test_user_text_is_escaped_when_shown_again(client, kommuner, session):
    evil = '<img src=x onerror="alert(1)">'
    response, page = post(client, description=evil, lat="")
    assert response.status_code == 400
    assert evil not in response.get_data(as_text=True)
    assert textarea_value(page, "description") == evil


def test_wrong_method_and_unknown_pages_are_translated_not_500(client, kommuner):
    response = client.put("/k/vanersborg/")
    assert response.status_code == 405
    assert "tar inte emot" in response.get_data(as_text=True)
    response = client.get("/kvitto/../../etc/passwd")
    assert response.status_code == 404


def test_oversize_body(client, kommuner, session):
    response = client.post("/k/vanersborg/", data=valid_form(description="x" * 300_000))
    assert response.status_code == 413
    assert "för stort" in response.get_data(as_text=True)
    assert_nothing_stored(session)

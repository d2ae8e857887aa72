"""CSRF is on for staff forms: each carries a token and a post without one is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedback.models import Report
from tests.helpers import STAFF_PASSWORD, VANERSBORG_TORGET
from tests.pages import parse_page


@pytest.fixture
def csrf_client(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def csrf_login(client, user):
    page = parse_page(client.get("/inloggning").data)
    token = page.select_one("input[name=csrf_token]")["value"]
    response = client.post(
        "/inloggning", data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303


def test_login_without_token_is_refused(csrf_client, create_user):
    user = create_user()
    response = csrf_client.post(
        "/inloggning", data={"email": user.email, "password": STAFF_PASSWORD}
    )
    assert response.status_code == 400
    assert "Formuläret hade gått ut" in parse_page(response.data).get_text()


def test_every_staff_form_has_a_token(csrf_client, create_user, kommuner, create_report_at):
    report = create_report_at(
        kommuner["Vänersborg"], *VANERSBORG_TORGET, description="x 0701234567"
    )
    create_report_at(kommuner["Vänersborg"], *VANERSBORG_TORGET)
    csrf_login(csrf_client, create_user("admin"))
    for url in ("/samordnare/vanersborg/", f"/samordnare/rapport/{report.id}", "/personal/",
                "/admin/anvandare/ny"):  # fmt: skip
        page = parse_page(csrf_client.get(url).data)
        forms = page.select("form[method=post]")
        assert forms, url
        for form in forms:
            assert form.select_one("input[name$=csrf_token]"), f"form without token on {url}"


def test_status_change_without_token_is_refused(
    csrf_client, create_user, kommuner, create_report_at, session
):
    report = create_report_at(kommuner["Vänersborg"], *VANERSBORG_TORGET)
    csrf_login(csrf_client, create_user())
    response = csrf_client.post(
        f"/samordnare/rapport/{report.id}/status", data={"status-status": "granskad"}
    )
    assert response.status_code == 400
    assert csrf_client.post(f"/samordnare/rapport/{report.id}/dolj").status_code == 400
    assert csrf_client.post("/utloggning").status_code == 400
    session.expire_all()
    stored = session.scalar(select(Report))
    assert (stored.status, stored.hidden) == ("ny", False)

    page = parse_page(csrf_client.get(f"/samordnare/rapport/{report.id}").data)
    token = page.select_one("input[name=status-csrf_token]")["value"]
    response = csrf_client.post(
        f"/samordnare/rapport/{report.id}/status",
        data={"status-status": "granskad", "status-csrf_token": token},
    )
    assert response.status_code == 303

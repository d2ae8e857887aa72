"""Staff log in and out; sessions expire, end everywhere on request, and logins are throttled."""

from __future__ import annotations

import json
import re
import time

from sqlalchemy import select

from accounts.security import LOGIN_AT_KEY, login_account_key
from audit.models import AuditEvent
from tests.helpers import STAFF_PASSWORD
from tests.pages import error_for, parse_page


def test_coordinator_logs_in_and_lands_on_the_queue(client, create_user, session):
    user = create_user("coordinator", ("Vänersborg",))
    page = parse_page(client.get("/inloggning").data)
    assert page.select_one("h1").get_text(strip=True) == "Logga in"
    assert page.select_one("#password")["type"] == "password"

    response = client.post("/inloggning", data={"email": user.email, "password": STAFF_PASSWORD})
    assert response.status_code == 303
    queue = client.get(response.headers["Location"], follow_redirects=True)
    page = parse_page(queue.data)
    assert page.select_one("h1").get_text(strip=True) == "Förslag i Vänersborg"
    assert page.select_one(".staff-nav button").get_text(strip=True) == "Logga ut"
    session.expire_all()
    assert session.get(type(user), user.id).last_login_at is not None
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.user_id == user.id)) in {
        "user.create",
        "login",
    }


def test_passwords_are_hashed_with_scrypt(real_password_hashing, create_user):
    user = create_user()
    # Werkzeug's scrypt at its full work factor (n=2**15, r=8, p=1), not the suite's cheap one.
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    assert STAFF_PASSWORD not in user.password_hash


def test_an_unknown_address_is_checked_against_a_full_strength_hash(
    real_password_hashing, client, monkeypatch
):
    """An unknown e-mail costs one check at the production work factor, like a known one."""
    import accounts.services

    checked = []
    check = accounts.services.check_password_hash

    def recording(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return check(pwhash, password)

    monkeypatch.setattr(accounts.services, "check_password_hash", recording)
    response = client.post("/inloggning", data={"email": "ingen@kommun.example", "password": "x"})
    assert response.status_code == 400
    assert len(checked) == 1 and checked[0].startswith("scrypt:32768:8:1$")


def test_wrong_password_is_refused_without_saying_which(client, create_user, session):
    user = create_user()
    for email, password in ((user.email, "fel lösenord"), ("ingen@kommun.example", "x")):
        response = client.post("/inloggning", data={"email": email, "password": password})
        assert response.status_code == 400
        assert "Fel e-post eller lösenord" in error_for(parse_page(response.data), "password")
    failed = session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()
    assert len(failed) == 2
    assert client.get("/samordnare/").status_code == 302


def test_disabled_account_cannot_log_in(client, create_user):
    user = create_user(active=False)
    response = client.post("/inloggning", data={"email": user.email, "password": STAFF_PASSWORD})
    assert response.status_code == 400


def test_login_follows_next_only_on_this_site(client, create_user, login):
    user = create_user()
    data = {"email": user.email, "password": STAFF_PASSWORD}
    response = client.post("/inloggning?next=https://evil.example/x", data=data)
    assert response.headers["Location"] == "/samordnare/"
    response = client.post("/inloggning?next=//evil.example/x", data=data)
    assert response.headers["Location"] == "/samordnare/"
    response = client.post("/inloggning?next=/samordnare/vanersborg/?status=ny", data=data)
    assert response.headers["Location"] == "/samordnare/vanersborg/?status=ny"


def test_anonymous_staff_page_asks_for_login_and_comes_back(client, create_user):
    user = create_user()
    response = client.get("/samordnare/vanersborg/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggning?next=")
    page = parse_page(client.get(response.headers["Location"]).data)
    assert "Logga in för att se sidan" in page.select_one(".flash").get_text()
    back = client.post(
        response.headers["Location"], data={"email": user.email, "password": STAFF_PASSWORD}
    )
    assert back.headers["Location"] == "/samordnare/vanersborg/"


def test_logout_ends_the_session(client, create_user, login):
    login(create_user())
    assert client.get("/samordnare/vanersborg/").status_code == 200
    response = client.post("/utloggning")
    assert response.status_code == 303
    assert client.get("/samordnare/vanersborg/").status_code == 302


def test_logout_everywhere_ends_every_session(app, client, create_user, login, session):
    user = create_user()
    phone = app.test_client()
    login(user)
    login(user, on=phone)
    assert phone.get("/samordnare/vanersborg/").status_code == 200

    page = parse_page(client.get("/personal/").data)
    assert page.select_one("#everywhere-title")
    response = client.post("/personal/", data={})
    assert response.status_code == 303
    assert phone.get("/samordnare/vanersborg/").status_code == 302
    assert client.get("/samordnare/vanersborg/").status_code == 302
    login(user)  # a new login works again
    assert client.get("/samordnare/vanersborg/").status_code == 200


def test_session_expires_after_its_lifetime(app, client, create_user, login):
    login(create_user())
    lifetime = app.permanent_session_lifetime.total_seconds()
    with client.session_transaction() as flask_session:
        assert flask_session.permanent
        flask_session[LOGIN_AT_KEY] = time.time() - lifetime - 60
    assert client.get("/samordnare/vanersborg/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client, create_user):
    user = create_user()
    response = client.post("/inloggning", data={"email": user.email, "password": STAFF_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_logins_are_throttled_per_address(app, client, create_user):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    user = create_user()
    for _ in range(3):
        response = client.post("/inloggning", data={"email": user.email, "password": "fel"})
        assert response.status_code == 400
    response = client.post("/inloggning", data={"email": user.email, "password": STAFF_PASSWORD})
    assert response.status_code == 429
    page = parse_page(response.data)
    assert "för många förfrågningar" in page.select_one("h1").get_text()
    assert client.get("/inloggning").status_code == 200  # only attempts are counted


def test_logins_are_throttled_per_account_across_addresses(app, create_user):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    user = create_user()
    for n in range(3):
        attacker = app.test_client()
        response = attacker.post(
            "/inloggning",
            data={"email": user.email.upper(), "password": "fel"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        )
        assert response.status_code == 400
    response = app.test_client().post(
        "/inloggning",
        data={"email": user.email, "password": "fel"},
        environ_base={"REMOTE_ADDR": "10.0.0.99"},
    )
    assert response.status_code == 429


def test_failed_logins_are_logged_without_what_was_typed(client, create_user, session):
    """Enough to investigate (which account, which address, the same unknown address
    again), never the typed text: people type passwords into the e-mail field."""
    user = create_user()
    for typed in ("  Ingen@Kommun.example ", "ingen@kommun.example", "mitt hemliga lösenord"):
        client.post("/inloggning", data={"email": typed, "password": "x"})
    client.post("/inloggning", data={"email": user.email, "password": "fel lösenord"})
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "login.failed").order_by(AuditEvent.id)
    ).all()
    assert len(events) == 4
    stored = json.dumps([e.details for e in events], ensure_ascii=False).lower()
    assert "ingen" not in stored and "hemliga" not in stored and user.email not in stored
    first, again, other = (e.details["email_key"] for e in events[:3])
    assert first == again != other and re.fullmatch(r"[0-9a-f]{32}", first)
    assert {e.details["address"] for e in events} == {"127.0.0.1"}
    known = events[3]
    assert (known.object_type, known.object_id, known.user_id) == ("staff_user", user.id, None)
    assert "email_key" not in known.details


def test_the_per_account_limit_counts_under_a_hash(app):
    with app.test_request_context(
        "/inloggning", method="POST", data={"email": " Anna@Kommun.example"}
    ):
        key = login_account_key()
    with app.test_request_context(
        "/inloggning", method="POST", data={"email": "anna@kommun.example"}
    ):
        assert login_account_key() == key
    assert "anna" not in key.lower()

"""Admins invite users with a link, and disable or enable them."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from accounts.models import User
from tests.helpers import STAFF_PASSWORD
from tests.pages import error_for, parse_page

NEW_PASSWORD = "en lång mening som lösenord"


def invite(client, kommun_ids, **overrides):
    data = {
        "email": "Ny.Samordnare@Kommun.example",
        "name": "Nina Ny",
        "role": "coordinator",
        "organisation": "",
        "kommuner": [str(i) for i in kommun_ids],
    }
    data.update(overrides)
    return client.post("/admin/anvandare/ny", data=data)


def test_admin_invites_a_coordinator_who_chooses_a_password_and_logs_in(
    app, client, create_user, login, kommuner, session
):
    admin = create_user("admin", ("Vänersborg", "Arboga"))
    login(admin)
    page = parse_page(client.get("/admin/anvandare/ny").data)
    offered = {lbl.get_text(strip=True) for lbl in page.select("#kommuner label")}
    assert offered == {"Vänersborg", "Arboga"}

    response = invite(client, [kommuner["Vänersborg"].id])
    assert response.status_code == 303
    page = parse_page(client.get(response.headers["Location"]).data)
    assert page.select_one("#user-status").get_text(strip=True) == "Inbjuden"
    link = page.select_one("#invitation-link")["value"]
    user = session.scalar(select(User).where(User.email == "ny.samordnare@kommun.example"))
    assert user.password_hash is None and user.invited_by_id == admin.id

    newcomer = app.test_client()
    path = urlsplit(link).path
    page = parse_page(newcomer.get(path).data)
    assert page.select_one("h1").get_text(strip=True) == "Välj lösenord"
    short = newcomer.post(path, data={"password": "kort", "confirm": "kort"})
    assert short.status_code == 400
    assert "minst 12 tecken" in error_for(parse_page(short.data), "password")
    response = newcomer.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    # Choosing the password logs the newcomer in, on the role's own start page.
    assert response.status_code == 303 and response.headers["Location"] == "/samordnare/"
    assert newcomer.get("/samordnare/vanersborg/").status_code == 200
    session.refresh(user)
    assert user.last_login_at is not None
    assert newcomer.get("/samordnare/arboga/").status_code == 403
    # The link works once.
    assert newcomer.get(path).status_code == 404


def test_invitation_links_expire(app, client, create_user, login, kommuner):
    login(create_user("admin"))
    location = invite(client, [kommuner["Vänersborg"].id]).headers["Location"]
    link = parse_page(client.get(location).data).select_one("#invitation-link")["value"]
    app.config["INVITATION_MAX_AGE"] = timedelta(seconds=-1)
    response = client.get(urlsplit(link).path)
    assert response.status_code == 404
    assert "gått ut" in parse_page(response.data).get_text()
    assert client.get("/inbjudan/forged.token").status_code == 404


def test_invitation_form_explains_what_is_missing(client, create_user, login, kommuner):
    login(create_user("admin", ("Vänersborg",)))
    response = invite(client, [], email="inte-en-adress", role="rapportor")
    assert response.status_code == 400
    page = parse_page(response.data)
    assert page.select_one("#error-summary")
    assert "e-postadress" in error_for(page, "email")
    assert "minst en kommun" in error_for(page, "kommuner")
    assert "organisation" in error_for(page, "organisation")


def test_admin_cannot_grant_a_kommun_of_their_own_lacking(
    client, create_user, login, kommuner, session
):
    login(create_user("admin", ("Vänersborg",)))
    response = invite(client, [kommuner["Arboga"].id])
    assert response.status_code == 400
    assert session.scalar(select(User).where(User.name == "Nina Ny")) is None


def test_the_same_email_cannot_be_invited_twice(client, create_user, login, kommuner):
    admin = create_user("admin")
    login(admin)
    response = invite(client, [kommuner["Vänersborg"].id], email=admin.email.upper())
    assert response.status_code == 400
    assert "finns redan" in error_for(parse_page(response.data), "email")


def test_disabling_a_user_ends_their_sessions_at_once(app, client, create_user, login, session):
    admin = create_user("admin")
    coordinator = create_user("coordinator")
    elsewhere = app.test_client()
    login(coordinator, on=elsewhere)
    login(admin)
    response = client.post(f"/admin/anvandare/{coordinator.id}/aktiv")
    assert response.status_code == 303
    assert elsewhere.get("/samordnare/vanersborg/").status_code == 302
    page = parse_page(client.get(f"/admin/anvandare/{coordinator.id}").data)
    assert page.select_one("#user-status").get_text(strip=True) == "Inaktiverad"
    client.post(f"/admin/anvandare/{coordinator.id}/aktiv")
    login(coordinator, on=elsewhere)


def test_admin_cannot_disable_themselves(client, create_user, login, session):
    admin = create_user("admin")
    login(admin)
    client.post(f"/admin/anvandare/{admin.id}/aktiv")
    session.expire_all()
    assert session.get(User, admin.id).active
    assert client.get("/admin/anvandare/").status_code == 200


def test_a_forgotten_password_gets_a_new_link(app, client, create_user, login, session):
    admin = create_user("admin")
    coordinator = create_user("coordinator")
    login(admin)
    client.post(f"/admin/anvandare/{coordinator.id}/losenord")
    page = parse_page(client.get(f"/admin/anvandare/{coordinator.id}").data)
    link = urlsplit(page.select_one("#invitation-link")["value"]).path
    other = app.test_client()
    other.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    login(coordinator, NEW_PASSWORD, on=other)


def test_admins_see_only_users_of_their_kommuner(client, create_user, login):
    admin = create_user("admin", ("Vänersborg",))
    mine = create_user("coordinator", ("Vänersborg",), name="Min Kollega")
    theirs = create_user("coordinator", ("Arboga",), name="Annan Kommun")
    login(admin)
    page = parse_page(client.get("/admin/anvandare/").data)
    names = {a.get_text(strip=True) for a in page.select("tbody a")}
    assert mine.name in names and theirs.name not in names
    assert client.get(f"/admin/anvandare/{theirs.id}").status_code == 404
    assert client.post(f"/admin/anvandare/{theirs.id}/aktiv").status_code == 404


def test_only_admins_manage_users(client, create_user, login):
    login(create_user("coordinator"))
    assert client.get("/admin/anvandare/").status_code == 403
    assert client.get("/admin/anvandare/ny").status_code == 403


def test_the_invitation_link_has_a_copy_button(client, create_user, login, kommuner):
    login(create_user("admin"))
    location = invite(client, [kommuner["Vänersborg"].id]).headers["Location"]
    page = parse_page(client.get(location).data)
    button = page.select_one("button[data-copy]")
    assert button["data-copy"] == "#invitation-link" and button["type"] == "button"
    assert page.select_one(f"#{button['aria-describedby']}")["aria-live"] == "polite"
    assert page.select_one("script[src*='copy.js']") is not None


def test_each_role_lands_on_its_own_start_page(app, create_user, kommuner):
    starts = {
        "admin": "/samordnare/",
        "coordinator": "/samordnare/",
        "dialog": "/dialog/",
        "rapportor": "/falt/",
    }
    for role, start in starts.items():
        user = create_user(role, ("Vänersborg",), email=f"{role}@kommun.example")
        client = app.test_client()
        client.get("/inloggning")
        response = client.post(
            "/inloggning", data={"email": user.email, "password": STAFF_PASSWORD}
        )
        assert response.status_code == 303, role
        assert response.headers["Location"].startswith(start), (role, response.headers)


def test_the_staff_brand_link_leads_to_the_roles_start_page(client, create_user, login):
    login(create_user("dialog"))
    page = parse_page(client.get("/personal/").data)
    brand = page.select_one("a.brand")["href"]
    response = client.get(brand)
    assert response.status_code == 303 and response.headers["Location"] == "/dialog/"

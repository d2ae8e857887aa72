"""An admin manages only users whose kommuner are all among the admin's own, never another
admin of the same or a wider scope, and never a user without kommun (that is the shell's)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from accounts.models import User
from audit.models import AuditEvent
from tests.pages import parse_page

VANERSBORG, VAGGERYD, ARBOGA = "Vänersborg", "Vaggeryd", "Arboga"
NEW_PASSWORD = "en lång mening som lösenord"


def _state(session, user_id):
    session.expire_all()
    user = session.get(User, user_id)
    return (user.password_hash, user.session_version, user.active)


def test_admin_of_one_kommun_cannot_take_over_an_admin_serving_three(
    app, client, create_user, login, session
):
    """The review's attack: an admin of 1487 asks for a new password link for an admin of
    0665, 1487 and 1984, to log in as them and export Vaggeryd's reports."""
    attacker = create_user("admin", (VANERSBORG,))
    victim = create_user("admin", (VAGGERYD, VANERSBORG, ARBOGA), name="Vida Vid")
    before = _state(session, victim.id)
    login(attacker)

    listing = client.get("/admin/anvandare/")
    assert listing.status_code == 200
    text = parse_page(listing.data).select_one("main").get_text()
    assert victim.name not in text and victim.email not in text

    assert client.post(f"/admin/anvandare/{victim.id}/losenord").status_code == 404
    assert client.post(f"/admin/anvandare/{victim.id}/aktiv").status_code == 404
    shown = client.get(f"/admin/anvandare/{victim.id}")
    assert shown.status_code == 404
    assert b"/inbjudan/" not in shown.data

    assert _state(session, victim.id) == before
    actions = session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "staff_user", AuditEvent.object_id == victim.id
        )
    ).all()
    assert actions == ["user.create"]
    # The victim still logs in with their own password, and sees Vaggeryd's queue.
    other = app.test_client()
    login(victim, on=other)
    assert other.get("/samordnare/vaggeryd/").status_code == 200


@pytest.mark.parametrize(
    ("admin_of", "role", "user_of", "manages"),
    [
        ((VANERSBORG,), "coordinator", (VANERSBORG,), True),
        ((VANERSBORG, ARBOGA), "rapportor", (ARBOGA,), True),
        ((VANERSBORG,), "coordinator", (VANERSBORG, ARBOGA), False),
        ((VANERSBORG,), "dialog", (ARBOGA,), False),
        # Admins: only of a strictly narrower scope.
        ((VANERSBORG, ARBOGA), "admin", (VANERSBORG,), True),
        ((VANERSBORG,), "admin", (VANERSBORG,), False),
        ((VANERSBORG, ARBOGA), "admin", (VANERSBORG, VAGGERYD), False),
        ((VANERSBORG,), "admin", (VANERSBORG, ARBOGA, VAGGERYD), False),
        # No kommun: managed from the shell only, whatever the admin's scope.
        ((VANERSBORG,), "coordinator", (), False),
        ((VANERSBORG, ARBOGA, VAGGERYD), "admin", (), False),
    ],
)
def test_who_an_admin_may_manage(
    client, create_user, login, session, admin_of, role, user_of, manages
):
    admin = create_user("admin", admin_of)
    user = create_user(role, user_of, name="Ulla Användare")
    login(admin)
    listed = user.email in parse_page(client.get("/admin/anvandare/").data).get_text()
    before = _state(session, user.id)
    reset = client.post(f"/admin/anvandare/{user.id}/losenord")
    page = client.get(f"/admin/anvandare/{user.id}")
    assert listed is manages
    assert reset.status_code == (303 if manages else 404)
    assert page.status_code == (200 if manages else 404)
    if manages:
        assert parse_page(page.data).select_one("#invitation-link")
    else:
        assert _state(session, user.id) == before
        assert client.post(f"/admin/anvandare/{user.id}/aktiv").status_code == 404
        assert _state(session, user.id) == before


def test_the_list_explains_the_rule(client, create_user, login):
    login(create_user("admin"))
    page = parse_page(client.get("/admin/anvandare/").data)
    help_text = page.select_one("#scope-help").get_text()
    assert "alla är bland dina" in help_text and "kommandorad" in help_text


def test_an_admin_sees_the_link_of_a_peer_admin_they_invite_until_it_is_used(
    app, client, create_user, login, kommuner, session
):
    admin = create_user("admin", (VANERSBORG,))
    login(admin)
    response = client.post(
        "/admin/anvandare/ny",
        data={
            "email": "peer@kommun.example",
            "name": "Petra Peer",
            "role": "admin",
            "kommuner": [str(kommuner[VANERSBORG].id)],
        },
    )
    assert response.status_code == 303
    link = parse_page(client.get(response.headers["Location"]).data).select_one("#invitation-link")[
        "value"
    ]
    peer = session.scalar(select(User).where(User.email == "peer@kommun.example"))
    newcomer = app.test_client()
    newcomer.post(urlsplit(link).path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    login(peer, NEW_PASSWORD, on=newcomer)
    # Accepted: now an admin of the same scope, whom the inviter no longer manages.
    assert client.get(f"/admin/anvandare/{peer.id}").status_code == 404
    assert client.post(f"/admin/anvandare/{peer.id}/losenord").status_code == 404
    assert "peer@kommun.example" not in parse_page(client.get("/admin/anvandare/").data).text


def test_every_shown_invitation_link_is_on_record(client, create_user, login, session):
    admin = create_user("admin", (VANERSBORG,))
    invited = create_user("coordinator", (VANERSBORG,), password=None)
    login(admin)
    assert client.get(f"/admin/anvandare/{invited.id}").status_code == 200
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.invitation_link_shown")
    )
    assert (event.user_id, event.object_id) == (admin.id, invited.id)


def test_the_shell_manages_users_without_kommun(runner, create_user, session, app):
    orphan = create_user("admin", ())
    assert runner.invoke(args=["accounts", "disable", orphan.email]).exit_code == 0
    assert _state(session, orphan.id)[2] is False
    assert runner.invoke(args=["accounts", "enable", orphan.email.upper()]).exit_code == 0
    assert _state(session, orphan.id)[2] is True
    result = runner.invoke(
        args=["accounts", "new-link", orphan.email, "--base-url", "https://trygg.example"]
    )
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    assert link.startswith("https://trygg.example/inbjudan/")
    assert _state(session, orphan.id)[0] is None
    page = app.test_client().get(urlsplit(link).path)
    assert page.status_code == 200
    missing = runner.invoke(args=["accounts", "disable", "ingen@kommun.example"])
    assert missing.exit_code == 1 and "No account" in missing.output


def test_an_admin_still_manages_their_own_account(client, create_user, login):
    admin = create_user("admin", (VANERSBORG,))
    login(admin)
    assert client.get(f"/admin/anvandare/{admin.id}").status_code == 200
    assert admin.email in parse_page(client.get("/admin/anvandare/").data).get_text()


def test_no_user_page_lets_an_admin_act_on_a_wider_account(
    app, client, create_user, login, session
):
    """Every user-administration endpoint, present and future, refuses the account."""
    login(create_user("admin", (VANERSBORG,)))
    victim = create_user("coordinator", (VANERSBORG, ARBOGA))
    before = _state(session, victim.id)
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("users.") or "user_id" not in rule.arguments:
            continue
        url = rule.build({"user_id": victim.id})[1]
        for method in {"GET", "POST"} & rule.methods:
            response = client.open(url, method=method, data={"role": "admin"})
            assert response.status_code == 404, f"{method} {url}"
            checked += 1
    assert checked >= 3
    assert _state(session, victim.id) == before

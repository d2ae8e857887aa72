"""Admins issue keys and set up forwarding in the web."""

from __future__ import annotations

from pages import error_for, parse_page, textarea_value
from sqlalchemy import select

from audit.models import AuditEvent
from open311.keys import create_key
from open311.models import ApiKey, Forwarding, ForwardTarget
from tests.helpers import failed_forwarding

PAGE = "/admin/open311/"


def _post_report(client, key):
    return client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "jurisdiction_id": "1487",
            "service_code": "place.dark",
            "lat": "58.38065",
            "long": "12.32265",
        },
    )


def test_an_admin_issues_and_revokes_a_key(client, create_user, login, kommuner, session):
    admin = create_user("admin")
    login(admin)
    page = client.post(
        PAGE + "nycklar",
        data={"key-name": "Trygghetsappen", "key-kommun": str(kommuner["Vänersborg"].id)},
    )
    assert page.status_code == 200
    shown = parse_page(page.data).select_one("#new-key code").get_text()
    assert shown.startswith("tk_")
    assert _post_report(client, shown).status_code == 201
    key = session.scalar(select(ApiKey).where(ApiKey.name == "Trygghetsappen"))
    assert key.kommun_id == kommuner["Vänersborg"].id and not key.staff
    listing = client.get(PAGE).get_data(as_text=True)
    assert key.prefix in listing and shown not in listing  # shown once only

    assert client.post(f"{PAGE}nycklar/{key.id}/aterkalla").status_code == 303
    assert _post_report(client, shown).status_code == 403
    actions = session.scalars(select(AuditEvent.action)).all()
    assert {"open311.key_created", "open311.key_revoked"} <= set(actions)


def test_key_form_errors_keep_what_was_typed(client, create_user, login, kommuner):
    login(create_user("admin"))
    page = client.post(PAGE + "nycklar", data={"key-name": "", "key-kommun": "999999"})
    assert page.status_code == 400
    parsed = parse_page(page.data)
    assert "Skriv vem nyckeln är till" in error_for(parsed, "key-name")
    assert parsed.select_one("#error-summary")


def test_other_kommuners_keys_and_other_roles(client, create_user, login, kommuner, session):
    arboga_key, _secret = create_key(session, "Arboga", kommun=kommuner["Arboga"])
    session.commit()
    login(create_user("admin"))  # admin of Vänersborg only
    answer = client.get(PAGE)
    assert answer.status_code == 200  # the page, without another kommun's key in it
    assert "Arboga" not in answer.get_data(as_text=True)
    assert client.post(f"{PAGE}nycklar/{arboga_key.id}/aterkalla").status_code == 404
    coordinator = create_user("coordinator")
    login(coordinator)
    assert client.get(PAGE).status_code in (302, 403)


def test_an_admin_sets_up_forwarding(client, create_user, login, kommuner, session):
    login(create_user("admin"))
    form = {
        "target-kommun": str(kommuner["Vänersborg"].id),
        "target-name": "Felanmälan",
        "target-endpoint": "ftp://fel",
        "target-api_key": "hemlig",
        "target-service_map": "place.broken_light = GATLJUS\nplace.nothing = X",
    }
    refused = client.post(PAGE + "felanmalan", data=form)
    assert refused.status_code == 400
    parsed = parse_page(refused.data)
    assert "https://" in error_for(parsed, "target-endpoint")
    assert "Rad 2" in error_for(parsed, "target-service_map")
    assert "place.nothing = X" in textarea_value(parsed, "target-service_map")
    assert session.scalars(select(ForwardTarget)).all() == []

    form |= {
        "target-endpoint": "https://felanmalan.example/open311/v2",
        "target-service_map": "place.broken_light = GATLJUS\n\ndamage.graffiti=KLOTTER",
    }
    assert client.post(PAGE + "felanmalan", data=form).status_code == 303
    target = session.scalar(select(ForwardTarget))
    assert target.service_map == {"place.broken_light": "GATLJUS", "damage.graffiti": "KLOTTER"}
    assert target.active
    assert client.post(f"{PAGE}felanmalan/{target.id}/aktiv").status_code == 303
    session.expire_all()
    assert not session.get(ForwardTarget, target.id).active


def test_a_failed_forwarding_can_be_sent_again(
    client, create_user, login, kommuner, session, create_report_at
):
    report = create_report_at(kommuner["Vänersborg"], 58.38065, 12.32265)
    item = failed_forwarding(session, kommuner["Vänersborg"], report)
    login(create_user("admin"))
    page = client.get(PAGE).get_data(as_text=True)
    assert "Misslyckades" in page
    assert client.post(f"{PAGE}vidarebefordringar/{item.id}/igen").status_code == 303
    session.expire_all()
    again = session.get(Forwarding, item.id)
    assert again.state == "queued" and again.attempts == 0

    coordinator = create_user("coordinator")
    login(coordinator)
    shown = client.get(f"/samordnare/rapport/{report.id}").get_data(as_text=True)
    assert "Felanmälan: I kö" in shown

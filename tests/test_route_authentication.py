"""Every staff endpoint refuses anonymous users and users of another kommun.

Walks app.url_map (after GOV.UK Notify's test_route_authentication): a new endpoint must be
listed as public here or be refused by its blueprint's guard, or this test fails.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from core.rooms import STAFF_PATHS
from feedback.models import Report
from mail.models import OutgoingMail
from open311.keys import create_key
from open311.models import ApiKey, Forwarding, ForwardTarget
from promises.models import (
    Activity,
    Agreement,
    ContactPerson,
    FocusArea,
    FollowUp,
    Organisation,
    Promise,
)
from surveys.models import WalkStop
from tests.helpers import VANERSBORG_TORGET, failed_forwarding
from tests.routes import (
    LOGGED_IN_ENDPOINTS,
    PUBLIC_BLUEPRINTS,
    PUBLIC_ENDPOINTS,
    STAFF_BLUEPRINTS,
)

METHODS = ("GET", "POST")


def staff_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in STAFF_BLUEPRINTS or rule.endpoint in LOGGED_IN_ENDPOINTS
    ]


def url_for_rule(rule, **values):
    defaults = {
        "slug": "vanersborg",
        "report_id": 1,
        "user_id": 1,
        "token": "x",
        "promise_id": 1,
        "agreement_id": 1,
        "organisation_id": 1,
        "contact_id": 1,
        "code": "trafik",  # a theme's code, or a printed sheet's id
        "focus_id": 1,
        "activity_id": 1,
        "follow_up_id": 1,
        "key_id": 1,
        "target_id": 1,
        "forwarding_id": 1,
        "instrument_id": 1,
        "dialogue_id": 1,
        "stop_id": 1,
        "number": 1,
        "mail_id": 1,
        "box_key": "x",
        "question": "q",
    }
    defaults.update(values)
    return rule.build({arg: defaults[arg] for arg in rule.arguments})[1]


@pytest.fixture
def vanersborg_data(kommuner, create_report_at, create_user, session, create_dialogue):
    vanersborg = kommuner["Vänersborg"]
    # With an address: its receipt is a mail in the outbox.
    report = create_report_at(vanersborg, *VANERSBORG_TORGET, email="boende@exempel.se")
    colleague = create_user("coordinator", ("Vänersborg",))
    promise = Promise(
        kommun_id=kommuner["Vänersborg"].id,
        title="Löfte",
        lokalpolisomrade="Vänersborg",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    focus = FocusArea(title="Torget")
    activity = Activity(title="Belysning")
    promise.focus_areas.append(focus)
    promise.activities.append(activity)
    follow_up = FollowUp(
        activity=activity, period_start=date(2026, 1, 1), done_on=date(2026, 3, 1), text="Klart."
    )
    promise.follow_ups.append(follow_up)
    session.add(promise)
    agreement = Agreement(
        kommun_id=kommuner["Vänersborg"].id,
        title="Samverkansavtal",
        parties="Kommunen\nPolisen",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
    )
    session.add(agreement)
    dialogue = create_dialogue(kommuner["Vänersborg"], "trygghetsvandring")
    instrument = dialogue.version.instrument
    stop = WalkStop(session_id=dialogue.id, number=1, place="Tunneln")
    session.add(stop)
    organisation = Organisation(kommun_id=vanersborg.id, name="Bostadsbolaget")
    contact = ContactPerson(name="Kim Andersson")
    organisation.contacts.append(contact)
    session.add(organisation)
    key, _secret = create_key(session, "Felanmälan", kommun=vanersborg, staff=True)
    forwarding = failed_forwarding(session, vanersborg, report)  # commits the rows above too
    # Failed, so that a retry (were it let through) would change it.
    mail = session.scalar(select(OutgoingMail).where(OutgoingMail.report_id == report.id))
    mail.state = "failed"
    session.commit()
    return {
        "slug": "vanersborg",
        "report_id": report.id,
        "user_id": colleague.id,
        "promise_id": promise.id,
        "agreement_id": agreement.id,
        "instrument_id": instrument.id,
        "dialogue_id": dialogue.id,
        "stop_id": stop.id,
        "focus_id": focus.id,
        "activity_id": activity.id,
        "follow_up_id": follow_up.id,
        "organisation_id": organisation.id,
        "contact_id": contact.id,
        "key_id": key.id,
        "target_id": forwarding.target_id,
        "forwarding_id": forwarding.id,
        "mail_id": mail.id,
    }


# Pages whose own kommun's staff are refused too, so that their refusal of another kommun
# proves nothing by itself: the role they need, or the file they serve (none is uploaded).
ROLE_ONLY = {
    "users": "admin",
    "open311_admin": "admin",
    "mail_admin": "admin",
    "field": "rapportor",
}


def opened_by(endpoint: str) -> str:
    """The role that opens a staff page in its own kommun."""
    return ROLE_ONLY.get(endpoint.split(".")[0], "coordinator")


FILES = {
    "review.report_photo",
    "promises.evaluation_pdf",
    "promises.agreement_document",
    "surveys.scan_crop",
    "surveys.stop_photo",
}


def test_every_endpoint_is_public_or_guarded(app):
    unknown = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] not in STAFF_BLUEPRINTS | PUBLIC_BLUEPRINTS
        and rule.endpoint not in PUBLIC_ENDPOINTS | LOGGED_IN_ENDPOINTS
    ]
    assert not unknown, f"classify these endpoints in {__name__}: {unknown}"
    assert len(staff_rules(app)) >= 15


def test_the_staff_pool_gets_every_staff_page_and_nothing_anyone_may_call(app):
    """A proxy sends the paths under core.rooms.STAFF_PATHS to the staff's own gunicorn pool
    (README, "A pool of its own for the staff"): a new staff page elsewhere would be served at
    the public pool's low priority, and a resident's page or a door into the staff side
    (login, which hashes a password for anyone) there would let anyone jump the queue."""
    for rule in app.url_map.iter_rules():
        first = rule.rule.split("/")[1]
        staff = (
            rule.endpoint.split(".")[0] in STAFF_BLUEPRINTS or rule.endpoint in LOGGED_IN_ENDPOINTS
        )
        assert (first in STAFF_PATHS) == staff, f"{rule.rule} ({rule.endpoint})"
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "location ~ ^/(" + "|".join(STAFF_PATHS) + ")(/|$)" in readme


def test_anonymous_users_are_sent_to_login(app, client, vanersborg_data, session):
    for rule in staff_rules(app):
        url = url_for_rule(rule, **vanersborg_data)
        for method in METHODS:
            if method not in rule.methods:
                continue
            response = client.open(url, method=method, data={"status-status": "avslutad"})
            assert response.status_code in {302, 401}, f"{method} {url}: {response.status_code}"
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/inloggning?next="), url
    session.expire_all()
    assert session.scalar(select(Report.status)) == "ny"


# Staff pages another kommun's user must be refused on: every one that names a row or a kommun,
# except a partner's activity (a partner account reaches only its organisation's activities in
# signed promises: tests/promises/test_partners.py) and a maildir file (its key is a file name
# in instance/maildir: tests/mail/test_mail_admin.py).
SCOPED_BY = {
    "slug",
    "report_id",
    "user_id",
    "promise_id",
    "agreement_id",
    "instrument_id",
    "dialogue_id",
    "organisation_id",
    "key_id",
    "target_id",
    "forwarding_id",
    "mail_id",
}
NOT_WALKED = {"partner.activity", "mail_admin.show"}


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_staff_of_another_kommun_are_refused(
    app, client, vanersborg_data, create_user, login, session, role
):
    login(create_user(role, ("Arboga",)))
    checked = 0
    refused: list[tuple[str, str]] = []
    for rule in staff_rules(app):
        if not rule.arguments & SCOPED_BY or rule.endpoint in NOT_WALKED:
            continue
        url = url_for_rule(rule, **vanersborg_data)
        for method in METHODS:
            if method not in rule.methods:
                continue
            response = client.open(
                url,
                method=method,
                data={
                    "status-status": "avslutad",
                    "status-status_reason": "atgardad",
                    "bulk-report_ids": [str(vanersborg_data["report_id"])],
                    "bulk-action": "hide",
                    "note-text": "x",
                },
            )
            assert response.status_code in {403, 404}, f"{method} {url}: {response.status_code}"
            checked += 1
            if method == "GET" and rule.endpoint not in FILES:
                refused.append((rule.endpoint, url))
    assert checked >= 40
    session.expire_all()
    report = session.get(Report, vanersborg_data["report_id"])
    assert (report.status, report.hidden) == ("ny", False)
    # Nothing the refused POSTs would have changed has changed.
    assert session.get(Forwarding, vanersborg_data["forwarding_id"]).state == "failed"
    assert session.get(OutgoingMail, vanersborg_data["mail_id"]).state == "failed"
    assert session.get(ApiKey, vanersborg_data["key_id"]).revoked_at is None
    assert session.get(ForwardTarget, vanersborg_data["target_id"]).active
    assert session.get(ContactPerson, vanersborg_data["contact_id"]) is not None
    assert session.get(Organisation, vanersborg_data["organisation_id"]) is not None
    # The same pages open for Vänersborg's own staff: the refusal was the kommun's, not a
    # missing row, a wrong id or a role nobody here has.
    client.post("/utloggning")
    for own_role in ("coordinator", *sorted(set(ROLE_ONLY.values()))):
        login(create_user(own_role, ("Vänersborg",)))
        for endpoint, url in refused:
            if opened_by(endpoint) == own_role:
                assert client.get(url).status_code == 200, f"{url} is refused to its own kommun"
        client.post("/utloggning")
    assert len(refused) >= 20


def test_roles_keep_to_their_own_blueprints(app, client, vanersborg_data, create_user, login):
    login(create_user("rapportor", ("Vänersborg",)))
    for rule in staff_rules(app):
        if rule.endpoint.split(".")[0] in {"review", "users"} and "GET" in rule.methods:
            url = url_for_rule(rule, **vanersborg_data)
            assert client.get(url).status_code == 403, url
    client.post("/utloggning")
    login(create_user("dialog", ("Vänersborg",)))
    for rule in staff_rules(app):
        blueprint = rule.endpoint.split(".")[0]
        if blueprint in STAFF_BLUEPRINTS - {"exports", "surveys"} and "GET" in rule.methods:
            url = url_for_rule(rule, **vanersborg_data)
            assert client.get(url).status_code == 403, url
    # Dialogue teams may export, with coarsened places (tests/review/test_exports.py), and
    # run their dialogues (tests/surveys/).
    assert client.get("/dialog/vanersborg/").status_code == 200
    assert client.get("/samordnare/vanersborg/export").status_code == 200
    assert client.get("/personal/").status_code == 200


def test_admin_of_another_kommun_cannot_manage_users(
    app, client, vanersborg_data, create_user, login
):
    login(create_user("admin", ("Arboga",)))
    user_id = vanersborg_data["user_id"]
    assert client.get(f"/admin/anvandare/{user_id}").status_code == 404
    assert client.post(f"/admin/anvandare/{user_id}/aktiv").status_code == 404
    assert client.post(f"/admin/anvandare/{user_id}/losenord").status_code == 404
    assert client.get(f"/samordnare/rapport/{vanersborg_data['report_id']}").status_code == 404
    assert client.get("/samordnare/vanersborg/").status_code == 403


def test_resident_pages_stay_public(client, vanersborg_data, session):
    receipt = session.scalar(select(Report.receipt_code))
    for url in ("/", "/k/vanersborg/", "/status", f"/status/{receipt}", f"/kvitto/{receipt}"):
        assert client.get(url, follow_redirects=True).status_code == 200, url

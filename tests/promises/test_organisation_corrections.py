"""A coordinator corrects the kommun's organisations: renames ABVB, merges a duplicate, deletes
one that owns nothing. What happens to activities, contacts and partner accounts is explicit."""

from __future__ import annotations

from sqlalchemy import select

from accounts.models import User
from audit.models import AuditEvent
from promises.models import Activity, ContactPerson, Organisation
from tests.pages import parse_page


def _org(session, name):
    return session.scalar(select(Organisation).where(Organisation.name == name))


def test_a_renamed_organisation_keeps_its_partner_account(
    client,
    session,
    torpa,
    create_user,
    login,
):
    partner = create_user("partner", ("Vänersborg",), organisation="ABVB")
    other_kommun = create_user("partner", ("Arboga",), organisation="ABVB")
    login(create_user(kommun_names=("Vänersborg",)))
    abvb = _org(session, "ABVB")
    url = f"/samordnare/organisationer/{abvb.id}"
    page = parse_page(client.get(url).data)
    owns = page.select_one("section[aria-labelledby=owns-title]").get_text()
    assert "Belysning på innergårdarna" in owns
    assert "1 partnerkonto" in page.get_text()

    taken = client.post(url, data={"org-name": "brf ängsvallen", "org-notes": ""})
    assert taken.status_code == 400
    assert "finns redan" in parse_page(taken.data).select_one("#org-name-error").get_text()

    renamed = client.post(url, data={"org-name": "AB Vänersborgsbostäder", "org-notes": "ABVB"})
    assert renamed.status_code == 303
    session.expire_all()
    assert session.get(Organisation, abvb.id).name == "AB Vänersborgsbostäder"
    assert session.get(User, partner.id).organisation == "AB Vänersborgsbostäder"
    assert session.get(User, other_kommun.id).organisation == "ABVB"  # Arboga's is another
    assert torpa.activities[0].owners == ["Kommunen", "AB Vänersborgsbostäder"]

    # The partner still sees the activity under the new name.
    login(partner)
    listing = parse_page(client.get("/partner/").data)
    assert [a.get_text() for a in listing.select("tbody th a")] == ["Belysning på innergårdarna"]


def test_an_organisation_with_activities_is_merged_into_another(
    client,
    session,
    torpa,
    create_user,
    login,
):
    coordinator = create_user(kommun_names=("Vänersborg",))
    login(coordinator)
    lamps = torpa.activities[0]
    # A duplicate typed by hand: "Vbg bostäder" owns the lamps beside ABVB, and a walk alone.
    lamps.owners = ["Kommunen", "ABVB", "Vbg bostäder"]
    walk = torpa.activities[1]
    walk.owners = ["Vbg bostäder"]
    session.commit()
    duplicate = _org(session, "Vbg bostäder")
    duplicate.contacts.append(ContactPerson(name="Eva Ek"))
    partner = create_user("partner", ("Vänersborg",), organisation="Vbg bostäder")
    session.commit()
    url = f"/samordnare/organisationer/{duplicate.id}/ta-bort"

    refused = client.post(url, data={"delete-replacement": ""})
    assert refused.status_code == 400
    error = parse_page(refused.data).select_one("#delete-replacement-error").get_text()
    assert "Välj vem som tar över dem" in error
    assert _org(session, "Vbg bostäder") is not None

    abvb = _org(session, "ABVB")
    assert client.post(url, data={"delete-replacement": str(abvb.id)}).status_code == 303
    session.expire_all()
    assert _org(session, "Vbg bostäder") is None
    assert session.get(Activity, lamps.id).owners == ["Kommunen", "ABVB"]  # one link, not two
    assert session.get(Activity, walk.id).owners == ["ABVB"]
    assert [c.name for c in session.get(Organisation, abvb.id).contacts] == ["Eva Ek"]
    assert session.get(User, partner.id).organisation == "ABVB"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.delete"))
    assert event.details["replacement"] == "ABVB"
    assert sorted(event.details["activities"]) == sorted([lamps.id, walk.id])


def test_an_organisation_that_owns_nothing_is_deleted_with_its_contacts(
    client,
    session,
    torpa,
    create_user,
    login,
):
    login(create_user(kommun_names=("Vänersborg",)))
    gauthiod = Organisation(kommun_id=torpa.kommun_id, name="IK Gauthiod")
    gauthiod.contacts.append(ContactPerson(name="Tränaren"))
    session.add(gauthiod)
    session.commit()
    page = parse_page(client.get(f"/samordnare/organisationer/{gauthiod.id}").data)
    assert (
        "inte för någon aktivitet"
        in page.select_one("section[aria-labelledby=delete-title]").get_text()
    )
    response = client.post(
        f"/samordnare/organisationer/{gauthiod.id}/ta-bort", data={"delete-replacement": ""}
    )
    assert response.status_code == 303
    assert _org(session, "IK Gauthiod") is None
    assert session.scalar(select(ContactPerson).where(ContactPerson.name == "Tränaren")) is None


def test_another_kommuns_organisation_cannot_be_touched(
    client,
    session,
    torpa,
    create_user,
    login,
):
    login(create_user(kommun_names=("Arboga",)))
    abvb = _org(session, "ABVB")
    assert client.get(f"/samordnare/organisationer/{abvb.id}").status_code == 404
    gone = client.post(f"/samordnare/organisationer/{abvb.id}/ta-bort", data={})
    assert gone.status_code == 404
    assert _org(session, "ABVB") is not None


def test_a_contact_who_left_is_removed(client, session, torpa, create_user, login):
    login(create_user(kommun_names=("Vänersborg",)))
    abvb = _org(session, "ABVB")
    abvb.contacts += [ContactPerson(name="Eva Ek"), ContactPerson(name="Olle Ek")]
    session.commit()
    page = parse_page(client.get(f"/samordnare/organisationer/{abvb.id}").data)
    assert len(page.select("form[action*='/kontakter/']")) == 2  # ids stay unique
    contact = abvb.contacts[0]
    url = f"/samordnare/organisationer/{abvb.id}/kontakter/{contact.id}/ta-bort"
    assert client.post(url).status_code == 303
    session.expire_all()
    assert [c.name for c in session.get(Organisation, abvb.id).contacts] == ["Olle Ek"]

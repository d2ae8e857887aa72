"""Partners as organisations: owners of activities, contact people, and a partner account
(ABVB on Torpa) that follows up its own organisation's activities and no one else's."""

from __future__ import annotations

from promises.models import FollowUp, Organisation
from tests.pages import parse_page


def test_owners_are_the_kommuns_organisations_each_named_once(session, torpa):
    names = sorted(o.name for o in session.query(Organisation).all())
    assert names == ["ABVB", "Brf Ängsvallen", "Kommunen", "Polisen"]
    lamps = torpa.activities[0]
    assert [o.name for o in lamps.organisations] == ["Kommunen", "ABVB"]
    # Naming an owner again, in other case, reuses the organisation.
    lamps.owners = ["abvb"]
    session.commit()
    assert session.query(Organisation).count() == 4
    assert lamps.owners == ["ABVB"]


def test_organisations_and_contacts_are_kept_per_kommun(client, session, torpa, create_user, login):
    login(create_user(kommun_names=("Vänersborg",)))
    assert (
        client.post(
            "/samordnare/vanersborg/organisationer", data={"org-name": "IK Gauthiod"}
        ).status_code
        == 303
    )
    again = client.post("/samordnare/vanersborg/organisationer", data={"org-name": "abvb"})
    assert again.status_code == 400 and "abvb finns redan" in again.get_data(as_text=True)
    abvb = session.query(Organisation).filter_by(name="ABVB").one()
    bad = client.post(
        "/samordnare/vanersborg/organisationer/kontakt",
        data={"contact-organisation": str(abvb.id), "contact-name": "Eva", "contact-email": "eva@"},
    )
    assert bad.status_code == 400 and "Ange en giltig e-postadress." in bad.get_data(as_text=True)
    saved = client.post(
        "/samordnare/vanersborg/organisationer/kontakt",
        data={
            "contact-organisation": str(abvb.id),
            "contact-name": "Eva Ek",
            "contact-title": "Bovärd, Torpa",
            "contact-email": "eva.ek@abvb.example",
        },
    )
    assert saved.status_code == 303
    page = parse_page(client.get("/samordnare/vanersborg/organisationer").data)
    section = page.select_one(f"section[aria-labelledby=org-{abvb.id}-title]")
    assert "Eva Ek, Bovärd, Torpa" in section.get_text()
    # The activity form offers the kommun's organisations as owners.
    show = parse_page(client.get(f"/samordnare/loften/{torpa.id}").data)
    offered = [i["value"] for i in show.select("input[name=activity-owners]")]
    assert offered[:2] == ["Kommunen", "Polisen"] and {"ABVB", "IK Gauthiod"} <= set(offered)


def test_a_partner_follows_up_its_own_activities_only(client, session, torpa, create_user, login):
    login(create_user("partner", ("Vänersborg",), organisation="ABVB"))
    lamps, walk, _police = torpa.activities
    listing = parse_page(client.get("/partner/").data)
    assert [a.get_text() for a in listing.select("tbody th a")] == [lamps.title]

    done = client.post(
        f"/partner/aktiviteter/{lamps.id}",
        data={
            "follow-done_on": "2025-03-10",
            "follow-text": "Tolv nya armaturer.",
            "follow-progress": "40",
        },
    )
    assert done.status_code == 303
    entry = session.query(FollowUp).one()
    assert (entry.activity_id, entry.progress, entry.text) == (lamps.id, 40, "Tolv nya armaturer.")

    # Brf Ängsvallen's activity, and the promise itself, are not the partner's to touch.
    other = client.post(
        f"/partner/aktiviteter/{walk.id}",
        data={
            "follow-done_on": "2025-03-10",
            "follow-text": "Inte vår.",
            "follow-activity": str(walk.id),
        },
    )
    assert other.status_code == 404
    assert client.get(f"/partner/aktiviteter/{walk.id}").status_code == 404
    assert client.get(f"/samordnare/loften/{torpa.id}").status_code == 403
    assert (
        client.post(
            f"/samordnare/loften/{torpa.id}/uppfoljning",
            data={
                "follow-activity": str(walk.id),
                "follow-done_on": "2025-03-10",
                "follow-text": "x",
            },
        ).status_code
        == 403
    )
    session.expire_all()
    assert session.query(FollowUp).count() == 1


def test_a_partner_of_another_kommun_sees_nothing(client, session, torpa, create_user, login):
    login(create_user("partner", ("Arboga",), organisation="ABVB"))
    answer = client.get("/partner/")
    assert answer.status_code == 200  # their own page, empty
    assert parse_page(answer.data).select("tbody th a") == []
    assert client.get(f"/partner/aktiviteter/{torpa.activities[0].id}").status_code == 404


def test_an_ongoing_duty_reads_pagaende_not_a_percentage(
    client, session, torpa, create_user, login
):
    login(create_user(kommun_names=("Vänersborg",)))
    police = torpa.activities[2]
    client.post(
        f"/samordnare/loften/{torpa.id}/uppfoljning",
        data={
            "follow-activity": str(police.id),
            "follow-done_on": "2025-04-02",
            "follow-text": "Fasta tider på mötesplatsen varje tisdag.",
            "follow-progress": "50",
        },
    )
    session.expire_all()
    assert session.query(FollowUp).one().progress is None
    page = parse_page(client.get("/k/vanersborg/loften").data)
    row = next(r for r in page.select("table.stack tbody tr") if police.title in r.get_text())
    assert "Pågående sedan 1 januari 2025" in row.get_text() and "%" not in row.get_text()

    refused = client.post(
        f"/samordnare/loften/{torpa.id}/aktiviteter",
        data={
            "activity-title": "Trygghetsrundor",
            "activity-owners": ["Polisen"],
            "activity-ongoing": "y",
            "activity-target_on": "2025-06-30",
        },
    )
    assert refused.status_code == 400
    assert "Ett pågående uppdrag har inget slutdatum" in refused.get_data(as_text=True)

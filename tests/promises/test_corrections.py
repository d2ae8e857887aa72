"""A coordinator corrects a promise: edits and deletes its parts, with a history of both."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from audit.models import AuditEvent
from promises.models import Activity, FocusArea, FollowUp, Promise
from tests.pages import parse_page


@pytest.fixture
def signed(session, kommuner):
    promise = Promise(
        kommun_id=kommuner["Vänersborg"].id,
        title="Tryggare Torpa",
        lokalpolisomrade="Östra Fyrbodal",
        status="undertecknat",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
        signed_on=date(2025, 12, 20),
        signatories="Kommunstyrelsens ordförande\nLokalpolisområdeschef",
    )
    focus = FocusArea(title="Torpa", theme="bostadsomrade")
    promise.focus_areas.append(focus)
    promise.activities.append(
        Activity(title="Ny belysning på innergårdarna", owners=["Kommunen"], focus_areas=[focus])
    )
    session.add(promise)
    session.commit()
    return promise


def _follow(client, promise, day, text="Armaturer monterade.", progress="40", **extra):
    return client.post(
        f"/samordnare/loften/{promise.id}/uppfoljning",
        data={
            "follow-activity": str(promise.activities[0].id),
            "follow-done_on": day,
            "follow-text": text,
            "follow-progress": progress,
        }
        | extra,
    )


def test_follow_up_dates_outside_the_period_or_in_the_future_are_refused(
    client, app, session, signed, coordinator
):
    future = _follow(client, signed, "2030-01-01")
    assert future.status_code == 400
    summary = parse_page(future.data).select_one("#error-summary").get_text()
    assert "i framtiden" in summary
    early = _follow(client, signed, "2025-12-31")
    assert early.status_code == 400
    assert "före löftets början (1 januari 2026)" in early.get_data(as_text=True)
    assert session.scalar(select(FollowUp)) is None

    # After the end, within the configured grace: fine; beyond it: explained.
    signed.ends_on = date(2026, 9, 30)
    session.commit()
    app.config["PROMISE_FOLLOWUP_GRACE_DAYS"] = 10
    late = _follow(client, signed, "2026-10-11")
    assert late.status_code == 400
    text = late.get_data(as_text=True)
    assert "efter löftets slut" in text and "10 dagar" in text and "10 oktober 2026" in text
    assert _follow(client, signed, "2026-10-10").status_code == 303

    # Ended early, the promise's last day is the day it ended.
    signed.status, signed.ended_on = "avslutat", date(2026, 6, 30)
    session.commit()
    assert _follow(client, signed, "2026-07-10").status_code == 303
    assert "senast 10 juli 2026" in _follow(client, signed, "2026-07-11").get_data(as_text=True)


def test_a_wrong_follow_up_is_corrected_and_the_history_keeps_both(
    client, session, signed, coordinator
):
    assert _follow(client, signed, "2026-03-10", "Inventering klar.", "20").status_code == 303
    assert _follow(client, signed, "2026-06-02", "Armaturer på plats.", "100").status_code == 303
    [first, second] = session.scalars(select(FollowUp).order_by(FollowUp.done_on)).all()
    activity_id = signed.activities[0].id
    url = f"/samordnare/loften/{signed.id}/uppfoljning/{second.id}"
    page = parse_page(client.get(url).data)
    assert page.select_one("#edit-done_on")["value"] == "2026-06-02"
    assert page.select_one("#edit-progress")["value"] == "100"

    # The second follow-up was wrong: half of the lamps, and in May.
    refused = client.post(
        url,
        data={
            "edit-activity": str(activity_id),
            "edit-done_on": "2031-05-20",
            "edit-text": "Hälften av armaturerna på plats.",
            "edit-progress": "50",
        },
    )
    assert refused.status_code == 400 and "i framtiden" in refused.get_data(as_text=True)
    response = client.post(
        url,
        data={
            "edit-activity": str(activity_id),
            "edit-done_on": "2026-05-20",
            "edit-text": "Hälften av armaturerna på plats.",
            "edit-progress": "50",
        },
    )
    assert response.status_code == 303
    session.expire_all()
    activity = session.get(Activity, activity_id)
    assert (activity.progress, activity.status) == (50, "pagar")
    entry = session.get(FollowUp, second.id)
    assert entry.period_start == date(2026, 5, 1)
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "promise.follow_up.update")
    )
    assert event.details["part_id"] == second.id
    assert event.details["changes"]["progress"] == [100, 50]
    assert event.details["changes"]["done_on"] == ["2026-06-02", "2026-05-20"]

    history = parse_page(client.get(url).data).select_one("#history-heading").parent
    assert "Uppföljning rättad" in history.get_text()
    assert "Armaturer på plats." in history.select_one("del").get_text() or any(
        "Armaturer på plats." in d.get_text() for d in history.select("del")
    )


def test_deleting_a_follow_up_removes_it_from_the_public_page_and_the_feed(
    client, session, signed, coordinator
):
    assert _follow(client, signed, "2026-03-10", "Inventering klar.", "20").status_code == 303
    assert _follow(client, signed, "2026-04-01", "Testinlägg, fel.", "90").status_code == 303
    wrong_id = session.scalar(select(FollowUp.id).where(FollowUp.text == "Testinlägg, fel."))
    assert "Testinlägg" in client.get("/k/vanersborg/loften/flode.atom").get_data(as_text=True)

    response = client.post(f"/samordnare/loften/{signed.id}/uppfoljning/{wrong_id}/ta-bort")
    assert response.status_code == 303
    session.expire_all()
    assert session.scalars(select(FollowUp.text)).all() == ["Inventering klar."]
    activity = session.get(Activity, signed.activities[0].id)
    assert activity.progress == 20  # rebuilt from what is left
    public = client.get("/k/vanersborg/loften").get_data(as_text=True)
    assert "Testinlägg" not in public and "Inventering klar." in public
    feed = client.get("/k/vanersborg/loften/flode.atom").get_data(as_text=True)
    assert "Testinlägg" not in feed and feed.count("<entry>") == 1
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "promise.follow_up.delete")
    )
    assert event.details["was"]["text"] == "Testinlägg, fel."
    show = parse_page(client.get(f"/samordnare/loften/{signed.id}").data)
    assert "Uppföljning borttagen" in show.select_one("#history-heading").parent.get_text()


def test_activities_and_focus_areas_are_edited_and_deleted(client, session, signed, coordinator):
    activity = signed.activities[0]
    focus = signed.focus_areas[0]
    activity_id, focus_id = activity.id, focus.id
    base = f"/samordnare/loften/{signed.id}"
    form = parse_page(client.get(f"{base}/aktiviteter/{activity.id}").data)
    assert form.select_one("#edit-title")["value"] == "Ny belysning på innergårdarna"
    response = client.post(
        f"{base}/aktiviteter/{activity.id}",
        data={
            "edit-title": "Belysning och fartgupp",
            "edit-owners": ["Kommunen"],
            "edit-other_owners": "ABVB\nBrf Ängsvallen",
            "edit-target_on": "2027-06-30",
        },
    )
    assert response.status_code == 303
    session.expire_all()
    activity = session.get(Activity, activity.id)
    assert activity.owners == ["Kommunen", "ABVB", "Brf Ängsvallen"]
    assert activity.focus_areas == []  # unticked
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "promise.activity.update"))
    assert event.details["changes"]["focus_areas"] == [["Torpa"], []]

    bad = client.post(f"{base}/fokus/{focus.id}", data={"edit-title": "", "edit-theme": "x"})
    assert bad.status_code == 400
    assert (
        client.post(
            f"{base}/fokus/{focus.id}",
            data={"edit-title": "Torpaområdet", "edit-theme": "barn_och_unga"},
        ).status_code
        == 303
    )
    session.expire_all()
    assert (session.get(FocusArea, focus.id).title, session.get(FocusArea, focus.id).theme) == (
        "Torpaområdet",
        "barn_och_unga",
    )

    assert _follow(client, signed, "2026-03-10").status_code == 303
    assert client.post(f"{base}/aktiviteter/{activity.id}/ta-bort").status_code == 303
    assert client.post(f"{base}/fokus/{focus.id}/ta-bort").status_code == 303
    session.expire_all()
    assert session.scalars(select(Activity.id)).all() == []
    assert session.scalars(select(FocusArea.id)).all() == []
    assert session.scalars(select(FollowUp.id)).all() == []
    # Gone parts, and parts of other promises, are not found.
    assert client.get(f"{base}/aktiviteter/{activity_id}").status_code == 404
    assert client.post(f"{base}/fokus/{focus_id}/ta-bort").status_code == 404


def test_only_drafts_can_be_deleted(client, session, signed, coordinator, kommuner):
    refused = client.post(f"/samordnare/loften/{signed.id}/ta-bort", follow_redirects=True)
    assert "kan inte tas bort. Avsluta det i stället" in refused.get_data(as_text=True)
    draft = Promise(
        kommun_id=kommuner["Vänersborg"].id,
        title="Testutkast",
        lokalpolisomrade="x",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    session.add(draft)
    session.commit()
    response = client.post(f"/samordnare/loften/{draft.id}/ta-bort")
    assert response.status_code == 303 and response.location.endswith("/vanersborg/loften")
    session.expire_all()
    assert session.scalars(select(Promise.title)).all() == ["Tryggare Torpa"]


def test_signatories_and_dates_are_corrected_with_a_history(client, session, signed, coordinator):
    details = {
        "details-title": "Tryggare Torpa",
        "details-lokalpolisomrade": "Östra Fyrbodal",
        "details-starts_on": "2026-01-01",
        "details-ends_on": "2027-12-31",
        "details-status": "undertecknat",
        "details-signatories": "Kommunstyrelsens ordförande\nLokalpolisområdeschef, Östra Fyrbodal",
        "details-signed_on": "2025-12-21",
        "details-cadence_months": "4",
    }
    assert client.post(f"/samordnare/loften/{signed.id}/uppgifter", data=details).status_code == 303
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "promise.update"))
    assert event.details["changes"]["signed_on"] == ["2025-12-20", "2025-12-21"]
    assert event.details["changes"]["signatories"][1].endswith("Östra Fyrbodal")
    assert set(event.details["changes"]) == {"signed_on", "signatories"}
    history = parse_page(client.get(f"/samordnare/loften/{signed.id}").data)
    text = history.select_one("#history-heading").parent.get_text()
    assert "Uppgifterna ändrades" in text and "Undertecknat den" in text

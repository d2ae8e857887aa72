"""Period reports show each activity as it stood at the period's end, years later too."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from promises.models import Activity, FollowUp, Promise
from promises.services import record_follow_up, state_as_of
from tests.pages import parse_page


def _torpa(session, kommun):
    promise = Promise(
        kommun_id=kommun.id,
        title="Medborgarlöfte Torpa 2023–2024",
        lokalpolisomrade="Östra Fyrbodal",
        status="undertecknat",
        starts_on=date(2023, 1, 1),
        ends_on=date(2024, 12, 31),
        signed_on=date(2022, 12, 20),
        signatories="Lokalpolisområdeschef\nKommunstyrelsens ordförande",
    )
    sspf = Activity(title="Starta SSPF", owners=["Kommunen", "Polisen"])
    promise.activities.append(sspf)
    session.add(promise)
    session.flush()
    return promise, sspf


def test_state_as_of_follows_the_dates_not_the_order_of_typing():
    promise = Promise(
        title="x", lokalpolisomrade="x", starts_on=date(2023, 1, 1), ends_on=date(2023, 12, 31)
    )
    activity = Activity(title="Belysning", owners=["Kommunen"])
    promise.activities.append(activity)
    for day, progress, status in (
        (date(2023, 10, 2), 100, None),
        (date(2023, 3, 20), 25, None),  # typed later, happened earlier
        (date(2023, 6, 12), None, "installd"),
    ):
        activity.follow_ups.append(
            FollowUp(done_on=day, text="-", progress=progress, status=status, period_start=day)
        )
    assert state_as_of(activity, date(2023, 2, 28)) == (0, "planerad")
    assert state_as_of(activity, date(2023, 4, 30)) == (25, "pagar")
    assert state_as_of(activity, date(2023, 8, 31)) == (25, "installd")
    assert state_as_of(activity, date(2023, 12, 31)) == (100, "klar")


def test_the_t1_report_shows_the_progress_of_then_not_of_today(
    client, session, kommuner, create_user, login
):
    promise, sspf = _torpa(session, kommuner["Vänersborg"])
    for day, text, progress in (
        (date(2023, 3, 14), "Första SSPF-mötet med skola och socialtjänst.", 25),
        (date(2023, 6, 20), "Fritid och polis med i gruppen.", 60),
        (date(2023, 11, 8), "SSPF arbetar med tolv ungdomar.", 100),
    ):
        record_follow_up(
            session, promise, activity=sspf, done_on=day, text=text, progress=progress, author=None
        )
    session.commit()
    assert (sspf.progress, sspf.status) == (100, "klar")

    login(create_user())
    base = f"/samordnare/loften/{promise.id}/rapport"
    t1 = parse_page(client.get(f"{base}?period=2023-01-01").data)
    row = t1.select_one("section[aria-labelledby=done-title] tbody tr")
    assert row.select_one("progress")["value"] == "25"
    assert "25 % · Pågår" in row.get_text() and "100 %" not in row.get_text()
    assert "Första SSPF-mötet" in row.get_text() and "Fritid och polis" not in row.get_text()
    t2 = parse_page(client.get(f"{base}?period=2023-05-01").data)
    assert (
        "60 % · Pågår" in t2.select_one("section[aria-labelledby=done-title] tbody tr").get_text()
    )
    t3 = parse_page(client.get(f"{base}?period=2023-09-01").data)
    assert (
        "100 % · Klar" in t3.select_one("section[aria-labelledby=done-title] tbody tr").get_text()
    )

    # Correcting the T1 follow-up changes the T1 report, and only it.
    first = session.scalar(select(FollowUp).order_by(FollowUp.done_on))
    response = client.post(
        f"/samordnare/loften/{promise.id}/uppfoljning/{first.id}",
        data={
            "edit-activity": str(sspf.id),
            "edit-done_on": "2023-03-14",
            "edit-text": first.text,
            "edit-progress": "30",
        },
    )
    assert response.status_code == 303
    t1 = parse_page(client.get(f"{base}?period=2023-01-01").data)
    assert (
        "30 % · Pågår" in t1.select_one("section[aria-labelledby=done-title] tbody tr").get_text()
    )
    t3 = parse_page(client.get(f"{base}?period=2023-09-01").data)
    assert (
        "100 % · Klar" in t3.select_one("section[aria-labelledby=done-title] tbody tr").get_text()
    )

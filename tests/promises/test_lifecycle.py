"""A promise's year: it runs, ends by its dates or a decision, is evaluated and archived."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from audit.models import AuditEvent
from promises.lifecycle import asks_feeling, last_day, phase
from promises.models import Activity, FocusArea, FollowUp, Promise
from tests.helpers import VANERSBORG_TORGET, square_around
from tests.pages import parse_page

LAT, LON = VANERSBORG_TORGET


def _promise(**values):
    defaults = {
        "title": "Löftet",
        "lokalpolisomrade": "Östra Fyrbodal",
        "status": "undertecknat",
        "starts_on": date(2023, 1, 1),
        "ends_on": date(2024, 12, 31),
        "signed_on": date(2022, 12, 20),
        "signatories": "A\nB",
    }
    return Promise(**(defaults | values))


@pytest.mark.parametrize(
    ("values", "today", "expected"),
    [
        ({"status": "utkast"}, date(2023, 6, 1), "draft"),
        ({}, date(2022, 12, 31), "signed"),
        ({}, date(2023, 1, 1), "running"),
        ({}, date(2024, 12, 31), "running"),  # the last day is still the promise's
        ({}, date(2025, 1, 1), "ended"),  # the next local day it is not
        ({"status": "avslutat", "ended_on": date(2024, 3, 1)}, date(2024, 3, 2), "ended"),
        ({"evaluated_on": date(2025, 2, 1)}, date(2025, 2, 2), "evaluated"),
        (
            {"evaluated_on": date(2025, 2, 1), "archived_on": date(2025, 3, 1)},
            date(2026, 1, 1),
            "archived",
        ),
    ],
)
def test_the_phase_follows_the_dates_and_the_decisions(values, today, expected):
    assert phase(_promise(**values), today) == expected


def test_ending_early_moves_the_last_day():
    promise = _promise(status="avslutat", ended_on=date(2024, 3, 1))
    assert last_day(promise) == date(2024, 3, 1)
    assert not asks_feeling(promise, date(2024, 2, 1))
    assert last_day(_promise()) == date(2024, 12, 31)


@pytest.fixture
def torpa(session, kommuner):
    """Vänersborg's Torpa promise of 2023–2024: signed, and past its end date."""
    promise = _promise(kommun_id=kommuner["Vänersborg"].id, title="Medborgarlöfte Torpa 2023–2024")
    focus = FocusArea(title="Torpa", theme="bostadsomrade", polygon=square_around(LAT, LON, 0.001))
    promise.focus_areas.append(focus)
    lamps = Activity(title="Belysning på innergårdarna", owners=["Kommunen", "ABVB"])
    promise.activities.append(lamps)
    session.add(promise)
    session.flush()
    promise.follow_ups.append(
        FollowUp(
            activity=lamps,
            period_start=date(2024, 9, 1),
            done_on=date(2024, 11, 5),
            text="Tolv nya armaturer på innergårdarna.",
            progress=100,
        )
    )
    lamps.progress, lamps.status = 100, "klar"
    session.commit()
    return promise


def test_a_promise_past_its_end_is_listed_as_earlier_with_its_full_page(client, session, torpa):
    page = parse_page(client.get("/k/vanersborg/loften").data)
    assert "inget undertecknat medborgarlöfte" in page.get_text()
    assert page.select(".feeling-form") == []  # no "Känns det tryggare här nu?"
    earlier = page.select_one("section[aria-labelledby=earlier-title]")
    assert "Tidigare löften" in earlier.get_text()
    link = earlier.select_one("a")
    assert link["href"] == f"/k/vanersborg/loften/{torpa.id}"
    assert "väntar på utvärdering" in earlier.get_text()
    focus = torpa.focus_areas[0]
    answer = client.post(
        f"/k/vanersborg/loften/plats/{focus.id}", data={f"f{focus.id}-answer": "tryggare"}
    )
    assert answer.status_code == 404

    full = parse_page(client.get(link["href"]).data)
    assert full.select_one("h1").get_text() == "Medborgarlöfte Torpa 2023–2024"
    text = full.get_text()
    assert "Belysning på innergårdarna" in text and "Kommunen, ABVB" in text
    assert "Tolv nya armaturer" in text and "5 november 2024" in text
    assert full.select_one("progress")["value"] == "100"
    assert "Det här gjorde vi" in text
    # Other kommuner's and drafts' addresses are not found.
    assert client.get(f"/k/arboga/loften/{torpa.id}").status_code == 404
    torpa.status = "utkast"
    session.commit()
    assert client.get(f"/k/vanersborg/loften/{torpa.id}").status_code == 404


def test_coordinator_ends_evaluates_and_archives_a_promise(
    client, session, kommuner, create_user, login
):
    login(create_user())
    promise = _promise(
        kommun_id=kommuner["Vänersborg"].id, starts_on=date(2026, 1, 1), ends_on=date(2027, 12, 31)
    )
    session.add(promise)
    session.commit()
    base = f"/samordnare/loften/{promise.id}"
    assert "Pågår" in parse_page(client.get(base).data).select_one(".period-title").get_text()
    assert client.post(f"{base}/arkivera").status_code == 303  # refused: not evaluated
    session.expire_all()
    assert session.get(Promise, promise.id).archived_on is None

    response = client.post(f"{base}/avsluta")
    assert response.status_code == 303 and response.location.endswith(f"{base}/utvardering")
    session.expire_all()
    ended = session.get(Promise, promise.id)
    assert ended.status == "avslutat" and ended.ended_on is not None

    empty = client.post(f"{base}/utvardering", data={"eval-summary": " "})
    assert empty.status_code == 400 and "Skriv en slutsats" in empty.get_data(as_text=True)
    saved = client.post(
        f"{base}/utvardering", data={"eval-summary": "Belysningen blev klar; fortsätt med SSPF."}
    )
    assert saved.status_code == 303
    public = parse_page(client.get(f"/k/vanersborg/loften/{promise.id}").data)
    assert "fortsätt med SSPF" in public.select_one("#evaluation-title").parent.get_text()
    assert "Utvärderat" in public.select_one(".period-title").get_text()

    assert client.post(f"{base}/arkivera").status_code == 303
    session.expire_all()
    assert session.get(Promise, promise.id).archived_on is not None
    refused = client.post(
        f"{base}/aktiviteter", data={"activity-title": "Sent tillägg"}, follow_redirects=True
    )
    assert "arkiverat och kan inte ändras" in refused.get_data(as_text=True)
    assert session.scalars(select(Activity.id)).all() == []
    archived = parse_page(client.get(base).data)
    assert archived.select("form[action$='/aktiviteter'], form[action$='/uppgifter']") == []
    assert (
        "arkiverat den" in archived.select_one("section[aria-labelledby=year-heading]").get_text()
    )
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["promise.end", "promise.evaluate", "promise.archive"]
    # Archived promises stay public, under the earlier ones.
    listing = parse_page(client.get("/k/vanersborg/loften").data)
    assert "arkiverat" in listing.select_one("section[aria-labelledby=earlier-title]").get_text()

"""An EST observation carries when the event happened: a Saturday seen and typed on Monday
counts in Saturday's week, and the lägesbild tells the observations per organisation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.clock import LOCAL_ZONE, local_today
from feedback.models import Report
from review.lagesbild import build
from review.periods import period_for
from tests.helpers import VANERSBORG_TORGET
from tests.pages import error_for, parse_page

LAT, LON = VANERSBORG_TORGET


def _observe(client, **extra):
    return client.post(
        "/falt/vanersborg/",
        data={"kind": "otrygg", "lat": str(LAT), "lon": str(LON), "reasons": ["people.intoxicated"]}
        | extra,
    )


def test_a_saturday_event_typed_later_counts_on_saturday(
    client, create_user, login, session, kommuner
):
    login(create_user("rapportor", ("Vänersborg",), organisation="ABVB"))
    today = local_today()
    saturday = today - timedelta(days=today.weekday() + 2)  # last week's Saturday
    assert (
        _observe(client, occurred_on=saturday.isoformat(), occurred_time="22:40").status_code == 303
    )
    report = session.scalar(select(Report))
    local = report.occurred_at.astimezone(LOCAL_ZONE)
    assert (local.date(), local.hour, local.minute) == (saturday, 22, 40)
    assert report.created_at.astimezone(LOCAL_ZONE).date() == today

    vänersborg = kommuner["Vänersborg"]
    that_week = build(session, vänersborg, period_for("week", saturday))
    this_week = build(session, vänersborg, period_for("week", today))
    assert (that_week.reports.current, this_week.reports.current) == (1, 0)
    assert that_week.sources["staff"].current == 1
    assert [(name, f.current) for name, f in that_week.organisations] == [("ABVB", 1)]


def test_an_event_date_in_the_future_or_long_ago_is_refused(client, create_user, login, session):
    login(create_user("rapportor", ("Vänersborg",)))
    tomorrow = local_today() + timedelta(days=1)
    future = _observe(client, occurred_on=tomorrow.isoformat())
    assert future.status_code == 400
    assert "framtiden" in error_for(parse_page(future.data), "occurred_on")
    old = _observe(client, occurred_on=(local_today() - timedelta(days=400)).isoformat())
    assert old.status_code == 400
    assert "senaste året" in error_for(parse_page(old.data), "occurred_on")
    assert session.scalar(select(Report)) is None


def test_the_lagesbild_page_breaks_observations_down_by_organisation(
    client, create_user, login, session, kommuner
):
    for organisation in ("ABVB", "ABVB", "Securitas"):
        rapportor = create_user("rapportor", ("Vänersborg",), organisation=organisation)
        client.post("/utloggning")
        login(rapportor)
        assert _observe(client).status_code == 303
    client.post("/utloggning")
    login(create_user(kommun_names=("Vänersborg",)))
    now = datetime.now(UTC).astimezone(LOCAL_ZONE).date()
    page = parse_page(
        client.get(f"/samordnare/vanersborg/lagesbild?kind=month&day={now.isoformat()}").data
    )
    table = page.select_one("table[aria-labelledby=organisations-title]")
    rows = [[c.get_text() for c in r.select("th, td")][:2] for r in table.select("tbody tr")]
    assert rows == [["ABVB", "2"], ["Securitas", "1"]]

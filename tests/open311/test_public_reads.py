"""What anyone may read through Open311 without the kommun's staff key.

A request is listed only when at least k (PUBLIC_MIN_CELL_REPORTS) reports of the past year in
its 250 m cell share its service; it has an opaque id, the cell's centre and the week, never
the registration number, the pin, the time or the text. A staff key keeps full reads.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import event, select

import db
from audit.models import AuditEvent
from core.clock import LOCAL_ZONE
from feedback.models import Report
from privacy.public import cell_centre, cell_keys
from tests.open311.client import BASE, LAT, LON, PUBLIC_ID, post

PUBLIC = f"{BASE}/requests.json?jurisdiction_id=1487"
CENTRE = cell_centre(cell_keys([LAT], [LON])[0])
LONELY = (58.3600, 12.2900)


def listed(client, query=""):
    response = client.get(f"{PUBLIC}&{query}")
    assert response.status_code == 200, response.data
    return response.get_json()


def is_week_start(text):
    moment = datetime.fromisoformat(text).astimezone(LOCAL_ZONE)
    return moment.weekday() == 0 and moment.time() == time(0, 0)


def test_only_services_k_people_share_in_a_cell_are_listed(app, client, kommuner, keys, session):
    app.config["PUBLIC_MIN_CELL_REPORTS"] = 3
    for _ in range(3):
        post(client, keys["client"], description="Ring 070-123 45 67")
    post(client, keys["client"], service_code="disorder.drugs")  # same cell, one person
    post(client, keys["client"], lat=str(LONELY[0]), long=str(LONELY[1]))  # a cell of its own

    public = listed(client)
    assert len(public) == 3
    for request in public:
        assert PUBLIC_ID.fullmatch(request["service_request_id"])
        assert request["service_code"] == "place.dark"
        assert (request["lat"], request["long"]) == CENTRE
        assert "description" not in request and "address" not in request
        assert is_week_start(request["requested_datetime"])
        assert is_week_start(request["updated_datetime"])
    assert listed(client, f"api_key={keys['client']}") == public  # a client key reads the same

    # Registration numbers are sequential and on every receipt: never shown, never answered.
    numbers = session.scalars(select(Report.registration_number)).all()
    everything = client.get(PUBLIC).get_data(as_text=True) + client.get(
        PUBLIC.replace(".json", ".xml")
    ).get_data(as_text=True)
    assert not any(number in everything for number in numbers)
    for number in numbers:
        assert client.get(f"{BASE}/requests/{number}.json?jurisdiction_id=1487").status_code == (
            404
        )

    staff = listed(client, f"api_key={keys['staff']}")
    assert len(staff) == 5 and set(numbers) == {r["service_request_id"] for r in staff}
    exact = next(r for r in staff if r["description"].startswith("Ring"))
    assert (exact["lat"], exact["long"]) == (LAT, LON)
    assert exact["description"] == "Ring [telefonnummer]"
    logged = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "open311.read_exact")
    ).all()
    assert len(logged) == 1 and logged[0].details["client"] == "Felanmälan Vänersborg"
    assert "Ring" not in str(logged[0].details)
    # A staff key of another kommun reads Vänersborg as the public does.
    assert listed(client, f"api_key={keys['arboga']}") == public


def test_dates_filter_whole_weeks_so_no_time_can_be_bisected(
    app, client, kommuner, keys, session, create_report_at
):
    app.config["PUBLIC_MIN_CELL_REPORTS"] = 2
    monday = datetime.combine(
        (datetime.now(LOCAL_ZONE) - timedelta(days=21)).date(), time.min, tzinfo=LOCAL_ZONE
    )
    monday -= timedelta(days=monday.weekday())
    sent = monday + timedelta(days=2, hours=14, minutes=37, seconds=12)
    for offset in (0, 3600):
        create_report_at(
            kommuner["Vänersborg"], LAT, LON, created_at=(sent + timedelta(seconds=offset))
        )
    week = {r["service_request_id"] for r in listed(client)}
    assert len(week) == 2
    for moment in (monday, sent - timedelta(seconds=1), sent, sent + timedelta(hours=2)):
        since = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
        until = (moment + timedelta(seconds=1)).astimezone(UTC).isoformat().replace("+00:00", "Z")
        assert {r["service_request_id"] for r in listed(client, f"start_date={since}")} == week
        assert {r["service_request_id"] for r in listed(client, f"end_date={until}")} == week
    next_week = (monday + timedelta(days=7)).astimezone(UTC).isoformat()
    assert listed(client, f"start_date={next_week.replace('+00:00', 'Z')}") == []
    requested = {r["requested_datetime"] for r in listed(client)}
    assert requested == {monday.isoformat(timespec="seconds")}


def test_a_service_code_filter_returns_only_requests_presented_with_that_code(
    app, client, kommuner, keys, create_report_at
):
    """A report with several reasons is one request under its first reason, found there only."""
    app.config["PUBLIC_MIN_CELL_REPORTS"] = 2
    vanersborg = kommuner["Vänersborg"]
    for _ in range(2):
        create_report_at(vanersborg, LAT, LON, reasons=["place.dark", "place.bushes"])
        create_report_at(vanersborg, LAT, LON, reasons=["place.dark"])
    for reader in ("", f"api_key={keys['staff']}"):
        everything = listed(client, reader)
        assert len(everything) == 4
        for code in ("place.bushes", "place.dark", "disorder.drugs"):
            found = listed(client, f"{reader}&service_code={code}")
            assert {r["service_code"] for r in found} <= {code}
            assert len(found) == (0 if code == "disorder.drugs" else 2)
            assert all(r in everything for r in found)  # presented as in the whole list
        both = listed(client, f"{reader}&service_code=place.bushes,place.dark")
        assert sorted(json.dumps(r, sort_keys=True) for r in both) == sorted(
            json.dumps(r, sort_keys=True) for r in everything
        )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_id_of_a_quiet_cell_answers_like_no_id(app, client, kommuner, keys, fmt):
    answer = post(client, keys["client"], lat=str(LONELY[0]), long=str(LONELY[1]))
    public = answer.get_json()[0]["service_request_id"]
    quiet = client.get(f"{BASE}/requests/{public}.{fmt}?jurisdiction_id=1487")
    never = client.get(f"{BASE}/requests/1487-aaaaaaaaaaaaaaaa.{fmt}?jurisdiction_id=1487")
    assert quiet.status_code == never.status_code == 404
    assert quiet.data.replace(public.encode(), b"ID") == never.data.replace(
        b"1487-aaaaaaaaaaaaaaaa", b"ID"
    )


def test_pages_of_the_public_list_are_the_whole_list_cut_in_order(
    app, client, kommuner, session, create_report_at
):
    """Newest week first, by id within a week; each page is the next slice of that order and
    the total counts what the filters admit, whichever weeks the page falls in."""
    app.config["PUBLIC_MIN_CELL_REPORTS"] = 2
    vanersborg = kommuner["Vänersborg"]
    now = datetime.now(LOCAL_ZONE)
    for weeks_ago, n in ((0, 3), (1, 1), (2, 4), (5, 2)):
        for i in range(n):
            report = create_report_at(
                vanersborg, LAT, LON, created_at=now - timedelta(weeks=weeks_ago, hours=i)
            )
            if i == 0:
                report.status = "avslutad"
    # A group of one in the same cell: never listed, never counted.
    create_report_at(vanersborg, LAT, LON, reasons=["damage.fire"])
    session.commit()

    since = "start_date=" + (now - timedelta(days=60)).isoformat().replace("+", "%2B")
    response = client.get(f"{PUBLIC}&{since}&page_size=1000")
    everything = response.get_json()
    assert response.headers["X-Total-Count"] == "10" and len(everything) == 10
    order = [
        (-datetime.fromisoformat(r["requested_datetime"]).timestamp(), r["service_request_id"])
        for r in everything
    ]
    assert order == sorted(order)
    for size in (1, 3, 4):
        pages, page = [], 1
        while True:
            answer = client.get(f"{PUBLIC}&{since}&page_size={size}&page={page}")
            assert answer.headers["X-Total-Count"] == "10"
            pages += answer.get_json()
            if 'rel="next"' not in answer.headers.get("Link", ""):
                break
            page += 1
        assert pages == everything, size
    closed = listed(client, f"{since}&status=closed&page_size=2&page=2")
    all_closed = [r for r in everything if r["status"] == "closed"]
    assert len(all_closed) == 4 and closed == all_closed[2:]
    wanted = [all_closed[1]["service_request_id"], everything[0]["service_request_id"]]
    by_id = listed(client, "service_request_id=" + ",".join([*wanted, "1487-aaaaaaaaaaaaaaaa"]))
    assert by_id == [r for r in everything if r["service_request_id"] in wanted]


# A Monday, two minutes before the public year moves on: 365 days after a Monday is a
# Tuesday, so the year's first week leaves it at Tuesday's midnight, not Monday's.
MONDAY_NIGHT = datetime(2026, 11, 30, 23, 58, tzinfo=LOCAL_ZONE)


@pytest.mark.clock(MONDAY_NIGHT)
def test_a_group_that_falls_below_k_at_midnight_is_gone_at_once(
    app, client, kommuner, create_report_at, clock
):
    """The list's counts are cached per year, not per week: a group that loses its oldest
    report when the year moves on is not listed from the Tuesday's first minute."""
    app.config["PUBLIC_MIN_CELL_REPORTS"] = 3
    vanersborg = kommuner["Vänersborg"]
    oldest = datetime(2025, 11, 26, 12, tzinfo=LOCAL_ZONE)  # in the year until Tuesday
    for when in (oldest, datetime(2026, 11, 24, 12, tzinfo=LOCAL_ZONE), MONDAY_NIGHT):
        create_report_at(vanersborg, LAT, LON, created_at=when - timedelta(minutes=5))
    assert len(listed(client)) == 2  # three reports in the year: the two recent are listed
    clock.move_to(MONDAY_NIGHT + timedelta(minutes=4))
    assert listed(client) == []


@pytest.mark.parametrize(
    "query",
    ["end_date=9999-12-31", "start_date=0001-01-01T00:00:00%2B05:00", "end_date=1066-10-14"],
)
def test_dates_beyond_what_a_week_can_hold_are_refused_not_a_500(client, kommuner, query):
    answer = client.get(f"{PUBLIC}&{query}")
    assert answer.status_code == 400, answer.data
    assert "1900" in answer.get_data(as_text=True)


def test_an_id_of_a_quiet_group_costs_what_an_unknown_id_costs(
    app, client, kommuner, session, create_report_at
):
    """No timing to tell a report still counted (but quiet) from one never made or hidden."""
    app.config["PUBLIC_MIN_CELL_REPORTS"] = 3
    report = create_report_at(kommuner["Vänersborg"], LAT, LON)
    token = session.scalar(select(Report.public_token).where(Report.id == report.id))
    seen: list[str] = []
    engine = db.get_engine(app)
    event.listen(engine, "before_cursor_execute", lambda _c, _k, text, *_a: seen.append(text))
    counts = {}
    for name, public in (("quiet", f"1487-{token}"), ("unknown", "1487-aaaaaaaaaaaaaaaa")):
        seen.clear()
        answer = client.get(f"{BASE}/requests/{public}.json?jurisdiction_id=1487")
        assert answer.status_code == 404
        counts[name] = len(seen)
    assert counts["quiet"] == counts["unknown"]

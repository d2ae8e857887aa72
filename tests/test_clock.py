"""Days, periods and follow-ups at the hard hours of the Swedish calendar.

A report made "now" must land on the kommun's day, whatever UTC's date or the machine's zone
say: in the queue's date filter, the lägesbild's chart, a promise's follow-up period and its
registration number. Each instant below is a moment when a UTC date, a naive date or a
careless DST conversion gives another answer than the Stockholm day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.clock import LOCAL_ZONE, local_day, local_midnight, local_today, now
from promises.models import FocusArea, Promise
from promises.services import evaluate, follow_up_period, record_follow_up
from review.lagesbild import build
from review.periods import KINDS, period_for
from review.queue import QueueFilters, queue_page
from tests.helpers import SUITE_NOW, VANERSBORG_TORGET, square_around
from tests.pages import parse_page

LAT, LON = VANERSBORG_TORGET


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# id, instant, its Stockholm day, first day of its tertial
HARD_INSTANTS = [
    ("weekday-23:30", _utc(2026, 12, 2, 22, 30), date(2026, 12, 2), date(2026, 9, 1)),
    ("weekday-00:30", _utc(2026, 12, 2, 23, 30), date(2026, 12, 3), date(2026, 9, 1)),
    # Summer time begins at 02:00 on 29 March 2026: 02:30 does not exist that night.
    ("spring-00:30", _utc(2026, 3, 28, 23, 30), date(2026, 3, 29), date(2026, 1, 1)),
    ("spring-01:30", _utc(2026, 3, 29, 0, 30), date(2026, 3, 29), date(2026, 1, 1)),
    ("spring-03:30", _utc(2026, 3, 29, 1, 30), date(2026, 3, 29), date(2026, 1, 1)),
    # Summer time ends at 03:00 on 25 October 2026: 02:30 happens twice.
    ("autumn-02:30-summer", _utc(2026, 10, 25, 0, 30), date(2026, 10, 25), date(2026, 9, 1)),
    ("autumn-02:30-winter", _utc(2026, 10, 25, 1, 30), date(2026, 10, 25), date(2026, 9, 1)),
    ("autumn-23:30", _utc(2026, 10, 25, 22, 30), date(2026, 10, 25), date(2026, 9, 1)),
    ("new-years-eve-23:30", _utc(2026, 12, 31, 22, 30), date(2026, 12, 31), date(2026, 9, 1)),
    ("new-year-00:30", _utc(2026, 12, 31, 23, 30), date(2027, 1, 1), date(2027, 1, 1)),
    ("tertial-end-23:30", _utc(2026, 4, 30, 21, 30), date(2026, 4, 30), date(2026, 1, 1)),
    ("tertial-start-00:30", _utc(2026, 4, 30, 22, 30), date(2026, 5, 1), date(2026, 5, 1)),
    ("leap-day-00:30", _utc(2028, 2, 28, 23, 30), date(2028, 2, 29), date(2028, 1, 1)),
    ("leap-day-23:30", _utc(2028, 2, 29, 22, 30), date(2028, 2, 29), date(2028, 1, 1)),
]

AT_HARD_INSTANTS = pytest.mark.parametrize(
    ("day", "tertial"),
    [
        pytest.param(day, tertial, id=name, marks=pytest.mark.clock(instant))
        for name, instant, day, tertial in HARD_INSTANTS
    ],
)


def test_the_suite_runs_at_its_awkward_hour():
    assert now() - SUITE_NOW < timedelta(minutes=5)
    assert local_today() == date(2026, 12, 2)
    assert date.today() == date(2026, 12, 3)  # the machine's zone is already tomorrow


@pytest.mark.clock(_utc(2027, 6, 1, 12, 0))
def test_a_test_can_choose_its_instant(clock):
    assert local_today() == date(2027, 6, 1)
    clock.shift(timedelta(hours=11))  # 01:00 on 2 June in Stockholm, still 1 June in UTC
    assert local_today() == date(2027, 6, 2) and now().date() == date(2027, 6, 1)


@AT_HARD_INSTANTS
def test_today_and_its_periods(day, tertial):
    moment = now()
    assert local_today() == day == local_day(moment)
    assert local_midnight(day) <= moment < local_midnight(day + timedelta(days=1))
    for kind in KINDS:
        period = period_for(kind, day)
        assert period.contains(day)
        assert period.start <= moment < period.end, kind
        assert period.previous().end == period.start and period.next().start == period.end
    assert period_for("tertial", day).first == tertial


def test_days_and_weeks_across_the_daylight_saving_switches():
    hours = lambda a, b: (b - a) / timedelta(hours=1)  # noqa: E731
    assert local_midnight(date(2026, 3, 29)) == _utc(2026, 3, 28, 23)
    assert hours(local_midnight(date(2026, 3, 29)), local_midnight(date(2026, 3, 30))) == 23
    assert hours(local_midnight(date(2026, 10, 25)), local_midnight(date(2026, 10, 26))) == 25
    spring = period_for("week", date(2026, 3, 29))
    assert (spring.first, spring.last) == (date(2026, 3, 23), date(2026, 3, 29))
    assert hours(spring.start, spring.end) == 7 * 24 - 1
    autumn = period_for("week", date(2026, 10, 25))
    assert hours(autumn.start, autumn.end) == 7 * 24 + 1
    # Summer time: a tertial from 1 May starts at 22:00 UTC the day before.
    assert period_for("tertial", date(2026, 5, 1)).start == _utc(2026, 4, 30, 22)


def test_year_and_leap_day_edges():
    new_year = period_for("week", date(2027, 1, 1))  # ISO week 53 of 2026
    assert (new_year.first, new_year.last, new_year.number) == (
        date(2026, 12, 28),
        date(2027, 1, 3),
        53,
    )
    february = period_for("month", date(2028, 2, 29))
    assert (february.last, february.days) == (date(2028, 2, 29), 29)
    assert period_for("tertial", date(2028, 2, 29)).days == 31 + 29 + 31 + 30
    assert period_for("month", date(2028, 3, 1)).previous() == february


@AT_HARD_INSTANTS
def test_a_report_made_now_counts_on_todays_swedish_day(
    day, tertial, kommuner, session, create_report_at
):
    vanersborg = kommuner["Vänersborg"]
    report = create_report_at(vanersborg, LAT, LON)
    assert local_day(report.created_at) == day
    assert report.registration_number.split("-")[1] == str(day.year)

    # The coordinators' queue filters by Swedish days.
    def found(**filters):
        page = queue_page(session, vanersborg, QueueFilters(**filters))
        return [r.id for r, _supporters in page.rows] == [report.id]

    one_day = timedelta(days=1)
    assert found(date_from=day, date_to=day)
    assert not found(date_to=day - one_day)
    assert not found(date_from=day + one_day)

    # The lägesbild's week chart has it in today's bar, and nowhere else.
    picture = build(session, vanersborg, period_for("week", day))
    assert picture.reports.current == 1
    bars = {(first, last): n for first, last, n, _before in picture.series}
    assert bars[(day, day)] == 1 and sum(bars.values()) == 1

    # A promise's follow-up made today belongs to today's tertial; the report counts in
    # the evaluation up to and including today.
    promise = Promise(
        kommun_id=vanersborg.id,
        title="Löftet",
        lokalpolisomrade="Vänersborg",
        status="undertecknat",
        starts_on=date(2026, 1, 1),
        ends_on=date(2028, 12, 31),
        cadence_months=4,
    )
    promise.focus_areas.append(
        FocusArea(title="Torget", theme="centrummiljo", polygon=square_around(LAT, LON, 0.001))
    )
    session.add(promise)
    session.flush()
    entry = record_follow_up(
        session, promise, activity=None, done_on=day, text="Gjort.", progress=None, author=None
    )
    assert entry.period_start == follow_up_period(promise, day) == tertial
    [place] = evaluate(session, promise, local_today())
    assert place.after.last == day and place.after.otrygg == 1


@pytest.mark.clock(datetime(2026, 12, 31, 23, 30, tzinfo=LOCAL_ZONE))
def test_a_new_dialogue_is_proposed_for_todays_swedish_date(client, create_user, login):
    login(create_user("dialog"))
    made = client.post(
        "/dialog/vanersborg/enkater", data={"template": "lokal_trygghet", "name": "Enkät"}
    )
    assert made.status_code == 303
    page = parse_page(client.get("/dialog/vanersborg/dialoger/ny").data)
    assert page.select_one("#held_on")["value"] == "2026-12-31"  # the machine says 1 January


def test_the_databases_sql_day_is_the_kommuns_day():
    import db
    from core.clock import LOCAL_ZONE

    assert db._LOCAL_ZONE.key == LOCAL_ZONE.key
    # 22:30 UTC on 31 March 2026 is already 1 April in Sweden (summer time).
    assert db.sqlite_local_day("2026-03-31 22:30:00.000000") == "2026-04-01"

"""The lägesbild: periods, figures against the previous period, hot-spot trends, print."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, update

from feedback.models import Report
from review.lagesbild import build
from review.periods import period_for
from tests.helpers import VANERSBORG_TORGET
from tests.pages import parse_page

LAT, LON = VANERSBORG_TORGET
# Tertial 2 2026 (May–August) and the one before it (January–April).
IN_T2 = datetime(2026, 6, 10, 21, 30, tzinfo=UTC)
IN_T1 = datetime(2026, 2, 3, 12, 0, tzinfo=UTC)


def test_periods_follow_the_swedish_calendar():
    t2 = period_for("tertial", date(2026, 6, 10))
    assert (t2.first, t2.last, t2.number) == (date(2026, 5, 1), date(2026, 8, 31), 2)
    assert (t2.previous().first, t2.previous().last) == (date(2026, 1, 1), date(2026, 4, 30))
    assert t2.next().first == date(2026, 9, 1) and t2.next().last == date(2026, 12, 31)
    assert period_for("tertial", date(2026, 1, 5)).previous().first == date(2025, 9, 1)
    # Local midnight: 1 May in Stockholm (summer time) is 30 April 22:00 UTC.
    assert t2.start == datetime(2026, 4, 30, 22, 0, tzinfo=UTC)
    assert t2.end == datetime(2026, 8, 31, 22, 0, tzinfo=UTC)
    week = period_for("week", date(2026, 11, 25))  # a Wednesday
    assert (week.first, week.last, week.number) == (date(2026, 11, 23), date(2026, 11, 29), 48)
    assert len(week.buckets()) == 7
    feb = period_for("month", date(2028, 2, 10))
    assert feb.last == date(2028, 2, 29) and feb.previous().first == date(2028, 1, 1)
    # A tertial's chart has a bar per week, the first and last ones cut at the edges.
    buckets = t2.buckets()
    assert buckets[0] == (date(2026, 5, 1), date(2026, 5, 3))
    assert buckets[-1][1] == date(2026, 8, 31)
    assert sum((last - first).days + 1 for first, last in buckets) == t2.days == 123


def _at(session, report, when):
    session.execute(update(Report).where(Report.id == report.id).values(created_at=when))
    session.commit()
    return report


def test_figures_count_each_place_once_and_compare_with_the_period_before(
    kommuner, session, create_report_at
):
    vanersborg, arboga = kommuner["Vänersborg"], kommuner["Arboga"]

    def report(when, **fields):
        return _at(session, create_report_at(vanersborg, LAT, LON, **fields), when)

    report(IN_T2, reasons=["place.dark"], times=["natt"])
    report(IN_T2 + timedelta(days=1), reasons=["place.dark", "place.bushes"])
    original = report(IN_T2 + timedelta(days=20), reasons=["place.bushes"], times=["natt"])
    duplicate = report(IN_T2, reasons=["place.dark"])
    duplicate.merged_into_id = original.id
    hidden = report(IN_T2, reasons=["place.dark"])
    hidden.hidden = True
    session.commit()
    report(IN_T2, kind="trygg", reasons=["positive.lighting"])
    report(IN_T1, reasons=["place.dark"])
    # Another kommun's report and one after the period are not counted.
    _at(session, create_report_at(arboga, 59.3937, 15.8389), IN_T2)
    report(datetime(2026, 9, 1, 8, 0, tzinfo=UTC))

    picture = build(session, vanersborg, period_for("tertial", IN_T2.date()))
    assert (picture.reports.current, picture.reports.previous) == (3, 1)
    assert picture.reports.change == 2 and picture.reports.change_share == 2.0
    assert (picture.trygga.current, picture.trygga.previous) == (1, 0)
    assert dict((code, (f.current, f.previous)) for code, f in picture.reasons) == {
        "place.dark": (2, 1),
        "place.bushes": (2, 0),
    }
    assert (picture.times["natt"].current, picture.times["natt"].previous) == (2, 0)
    assert picture.sources["online"].current == 3
    # Every report of the period by status: the merged and hidden ones are still handled.
    assert picture.statuses["ny"] == 6
    assert sum(n for _f, _l, n, _b in picture.series) == 3
    assert sum(b for _f, _l, _n, b in picture.series) == 1


def test_hot_spots_of_the_period_carry_a_trend(kommuner, session, create_report_at):
    vanersborg = kommuner["Vänersborg"]
    for i in range(6):
        for when in (IN_T1, IN_T2):
            _at(
                session,
                create_report_at(
                    vanersborg,
                    LAT + (i % 3) * 0.0001,
                    LON + (i // 3) * 0.0002,
                    reasons=["place.dark"],
                ),
                when + timedelta(hours=i),
            )
    for i in range(4):  # a growing place: 4 more in the second tertial
        _at(
            session,
            create_report_at(
                vanersborg, LAT + 0.0001, LON + 0.0001, reasons=["people.youth_groups"]
            ),
            IN_T2 + timedelta(days=i),
        )
    picture = build(session, vanersborg, period_for("tertial", IN_T2.date()))
    [spot] = picture.hotspots
    assert (spot.name, spot.count, spot.previous, spot.trend) == ("Torget", 10, 6, "growing")
    assert spot.reasons[0] == "place.dark"
    assert picture.gone == []


def test_lagesbild_page_is_a_printable_document(
    client, kommuner, session, create_user, create_report_at, login
):
    vanersborg = kommuner["Vänersborg"]
    for i in range(6):
        _at(
            session,
            create_report_at(vanersborg, LAT + (i % 3) * 0.0001, LON, reasons=["place.dark"]),
            IN_T2,
        )
    login(create_user())
    response = client.get("/samordnare/vanersborg/lagesbild?kind=tertial&day=2026-06-10")
    assert response.status_code == 200
    page = parse_page(response.data)
    assert "Lägesbild för Vänersborg" in page.h1.get_text()
    assert "Tertial 2 2026" in page.select_one(".period-title").get_text()
    figures = page.select_one(".key-figures").get_text(" ", strip=True)
    assert "6 ▲ +6" in figures
    row = page.select("section[aria-labelledby=spots-title] table tbody tr")[0]
    assert "Torget" in row.get_text() and "Ny" in row.get_text()
    # Its seven columns scroll in a region of their own on a phone, not the whole page.
    region = page.select_one("section[aria-labelledby=spots-title] .table-scroll[role=region]")
    assert region is not None and region.select_one("table") is not None
    link = row.select_one("a")["href"]
    assert "date_from=2026-05-01" in link and "date_to=2026-08-31" in link and "bbox=" in link
    assert page.select_one("svg.sketch-map circle") is not None
    assert page.select_one("svg.chart desc") is not None
    nav = {a["rel"][0]: a["href"] for a in page.select(".period-nav a")}
    assert "day=2026-01-01" in nav["prev"] and "day=2026-09-01" in nav["next"]
    # The queue link of a hot spot opens its reports.
    queue = client.get(link)
    assert queue.status_code == 200 and queue.get_data(as_text=True).count('id="row-') == 6
    with client.get("/static/css/app.css") as css:
        assert "@media print" in css.get_data(as_text=True)


def test_lagesbild_refuses_bad_periods_with_a_message(client, kommuner, create_user, login):
    login(create_user())
    response = client.get("/samordnare/vanersborg/lagesbild?kind=decennium&day=igår")
    assert response.status_code == 400
    summary = parse_page(response.data).select_one("#error-summary").get_text()
    assert "Period" in summary or "giltigt" in summary


def test_the_chart_draws_no_bars_for_weeks_still_to_come(client, kommuner, create_user, login):
    """The suite's clock stands on Wednesday 2 December 2026, in tertial 3 (September–December)."""
    login(create_user())
    page = parse_page(client.get("/samordnare/vanersborg/lagesbild?kind=tertial").data)
    weeks = page.select("section.chart-section tbody tr")
    started = [w for w in weeks if w.select("td")[2].get_text() != "–"]
    # Weeks from 31 August to the week of 30 November have begun; 7, 14, 21 and 28 Dec not.
    assert started[-1].select_one("td").get_text() == "30 nov."
    assert len(weeks) - len(started) == 4
    assert len(page.select("svg.chart rect.bar")) == len(started)
    # The previous tertial's lines are drawn for every week, to compare with.
    assert len(page.select("svg.chart line.before")) == len(weeks)


def test_the_sketch_shows_the_border_and_place_names(
    app, client, kommuner, session, create_user, create_report_at, login
):
    vanersborg = kommuner["Vänersborg"]
    login(create_user())
    page = parse_page(client.get("/samordnare/vanersborg/lagesbild?kind=year&day=2026-06-10").data)
    sketch_map = page.select_one("svg.sketch-map")
    assert sketch_map.select_one("path.border")["d"].startswith("M")
    names = [t.get_text() for t in sketch_map.select("text.place-name")]
    assert names and set(names) <= {lm.name for lm in vanersborg.landmarks}
    # With hot spots the sketch zooms in on them, and the names nearby are written out.
    # Reports typed in now about events in June (a report's created_at is when it came in,
    # which is what tells the stored run of the year that it is out of date).
    made = [create_report_at(vanersborg, LAT + (i % 3) * 0.0001, LON) for i in range(6)]
    session.execute(
        update(Report).where(Report.id.in_([r.id for r in made])).values(occurred_at=IN_T2)
    )
    session.commit()
    # A page asks for the same run at most every HOTSPOTS_REQUEST_S (a reload); here it may
    # ask again at once, and the suite's jobs run at once, so this view shows the hot spots.
    app.config["HOTSPOTS_REQUEST_S"] = 0.0
    page = parse_page(client.get("/samordnare/vanersborg/lagesbild?kind=year&day=2026-06-10").data)
    names = [t.get_text() for t in page.select("svg.sketch-map text.place-name")]
    assert "Torget" in names
    width = float(page.select_one("svg.sketch-map")["viewbox"].split()[2])
    for dot in page.select("svg.sketch-map circle.place-dot"):
        assert 0 <= float(dot["cx"]) <= width


def test_figures_follow_a_report_hidden_edited_or_deleted(kommuners_for_lagesbild):
    session, vanersborg, reports = kommuners_for_lagesbild
    t2 = period_for("tertial", IN_T2.date())
    before = build(session, vanersborg, t2)
    assert before.reports.current == 3 and before.sources["online"].current == 3
    reports[0].hidden = True
    reports[1].occurred_at = IN_T1  # the event was in the previous tertial
    session.commit()
    session.execute(delete(Report).where(Report.id == reports[2].id))
    session.commit()
    after = build(session, vanersborg, t2)
    assert (after.reports.current, after.reports.previous) == (0, 1)
    assert dict((c, (f.current, f.previous)) for c, f in after.reasons) == {}
    assert after.statuses["ny"] == 1  # the hidden one is still a report of the period


@pytest.fixture
def kommuners_for_lagesbild(kommuner, session, create_report_at):
    vanersborg = kommuner["Vänersborg"]
    reports = [
        _at(session, create_report_at(vanersborg, LAT, LON, reasons=["place.dark"]), IN_T2)
        for _ in range(3)
    ]
    return session, vanersborg, reports


def test_the_hot_spots_the_job_worker_stores_show_at_the_next_visit(
    client, kommuners_for_lagesbild_jobs, create_user, login, another_process, monkeypatch
):
    """The "räknar om" page is cached like any other (a reload while the job runs costs
    nothing); the job commits in the worker process of its own, and that commit reaches the
    cache the web process reads, so the first visit after the job shows the hot spots."""
    from jobs import get_jobs
    from review import lagesbild_page

    worker = another_process()  # `flask jobs worker` beside the web process
    built = []

    def counted(*args):
        built.append(args)
        return build(*args)

    monkeypatch.setattr(lagesbild_page, "build", counted)
    login(create_user())
    url = "/samordnare/vanersborg/lagesbild?kind=tertial&day=2026-06-10"
    waiting = parse_page(client.get(url).data)
    assert waiting.select_one(".recomputing") is not None
    # Neither "no hot spots" nor a count of zero while they are computed.
    assert "Inga otrygga platser i perioden" not in waiting.get_text()
    figures = waiting.select_one(".key-figures").get_text(" ", strip=True)
    assert "Otrygga platser –" in figures
    reload = parse_page(client.get(url).data)
    assert reload.select_one(".recomputing") is not None and len(built) == 1  # from the cache

    queue = get_jobs(worker).huey  # the worker takes both periods' runs off the queue
    assert queue.pending_count() == 2
    while queue.pending_count():
        queue.execute(queue.dequeue())

    shown = parse_page(client.get(url).data)
    assert shown.select_one(".recomputing") is None
    row = shown.select("section[aria-labelledby=spots-title] table tbody tr")[0]
    assert "Torget" in row.get_text()


def test_a_lost_hot_spot_job_is_asked_for_again_when_the_waiting_page_lapses(
    app, client, kommuners_for_lagesbild_jobs, create_user, login, another_process
):
    """The waiting page is kept only as long as a request for its job: a job that never ran
    (a worker killed, a queue emptied) is queued again at the next visit after that."""
    from jobs import get_jobs

    app.config["HOTSPOTS_REQUEST_S"] = 1
    queue = get_jobs(another_process()).huey
    login(create_user())
    url = "/samordnare/vanersborg/lagesbild?kind=tertial&day=2026-06-10"
    assert parse_page(client.get(url).data).select_one(".recomputing") is not None
    assert queue.pending_count() == 2
    queue.flush()  # the jobs are lost
    assert parse_page(client.get(url).data).select_one(".recomputing") is not None
    assert queue.pending_count() == 0  # within the second: the cached page, nothing asked
    time.sleep(1.1)
    assert parse_page(client.get(url).data).select_one(".recomputing") is not None
    assert queue.pending_count() == 2


@pytest.fixture
def kommuners_for_lagesbild_jobs(app, kommuner, session, create_report_at):
    """Six reports at Torget in tertial 2 2026, and hot-spot jobs that wait for a worker."""
    app.config["JOBS_IMMEDIATE"] = False
    vanersborg = kommuner["Vänersborg"]
    for i in range(6):
        _at(session, create_report_at(vanersborg, LAT + (i % 3) * 0.0001, LON), IN_T2)
    return vanersborg

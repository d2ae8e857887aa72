"""The heavy pages at two sizes: the same queries, and only a page's worth of reports loaded.

The small version of bench.pages: 1,000 and then 2,000 reports in one kommun. Each page must
run the same number of SQL statements at both sizes (nothing per report) and build at most a
bounded number of Report objects (the queue's page, a few duplicate candidates, none for the
public map, the lägesbild, the report form and the public answer for a cell). The
lägesbild's counts come from the day roll-ups and its hot spots from the runs the background
job stored: the page clusters nothing and writes nothing. The report form's likely reasons
are a job's count too.
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import event, insert

import db
from core.cache import bump_generation
from feedback.models import Report, ReportReason
from jobs import get_jobs
from review.queue import PAGE_SIZE
from tests.towns import town_reports

REASONS = ["place.dark", "place.bushes", "people.groups"]
OPEN311 = "/open311/v2/requests.json?jurisdiction_id=1487&start_date=2025-01-01T00:00:00Z"
WRITES = ("INSERT", "UPDATE", "DELETE")


def seed(session, kommun, start: int, n: int) -> None:
    rows = town_reports(kommun.id, start, n, prefix="S")
    reasons = [{"report_id": row["id"], "code": REASONS[row["id"] % 3]} for row in rows]
    session.execute(insert(Report), rows)
    session.execute(insert(ReportReason), reasons)
    session.commit()


def nearby_url(session, report_id: int) -> str:
    report = session.get(Report, report_id)
    return f"/api/k/vanersborg/nara?lat={report.lat}&lon={report.lon}"


@pytest.fixture
def watch(app):
    """Counts SQL statements and Report objects built while a block runs."""
    counts = {"statements": 0, "reports": 0}
    seen: list[str] = []

    def statement(_conn, _cursor, text, parameters, *_args):
        counts["statements"] += 1
        seen.append((text, parameters))

    def loaded(*_args):
        counts["reports"] += 1

    engine = db.get_engine(app)
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(Report, "load", loaded)
    counts["seen"] = seen  # type: ignore[assignment]
    yield counts
    event.remove(engine, "before_cursor_execute", statement)
    event.remove(Report, "load", loaded)


def measure(app, client, watch, kommun, url: str, *, miss: bool = False) -> dict[str, int]:
    if miss:
        with app.app_context():
            bump_generation(kommun.id)
    watch.update(statements=0, reports=0)
    watch["seen"].clear()
    response = client.get(url)
    assert response.status_code == 200, (url, response.data[:300])
    return {"sql": list(watch["seen"])} | {k: v for k, v in watch.items() if k != "seen"}


def test_pages_cost_the_same_at_twice_the_reports(
    app, client, session, kommuner, create_user, login, watch
):
    vbg = kommuner["Vänersborg"]
    login(create_user("coordinator"))
    # A page never clusters: the lägesbild's hot spots come from runs a job stores. Queue the
    # jobs, run them before measuring, and measure the page reading what they stored.
    app.config["JOBS_IMMEDIATE"] = False
    huey = get_jobs(app).huey
    results = []
    for start, n in ((1, 1000), (1001, 1000)):
        seed(session, vbg, start, n)
        client.get("/samordnare/vanersborg/lagesbild?kind=tertial")
        client.get("/k/vanersborg/")  # the report form asks for a count of its likely reasons
        while huey.pending_count():
            huey.execute(huey.dequeue())
        queue = BeautifulSoup(client.get("/samordnare/vanersborg/").data, "html.parser")
        last = queue.select_one(".pager a[rel=last]")["href"]
        assert "last=1" in last
        pages = {
            "form": ("/k/vanersborg/", False),
            "public": ("/k/vanersborg/loften", True),
            "lagesbild": ("/samordnare/vanersborg/lagesbild?kind=tertial", True),
            "report": ("/samordnare/rapport/4", False),  # in the densest cluster
            "nearby": (nearby_url(session, 4), False),  # the public "others reported here"
            "queue": (last, False),
            # Open311 without a key: the public list, a page deep into it, as a cache miss.
            "open311": (f"{OPEN311}&page=7&page_size=5", True),
        }
        results.append(
            {
                name: measure(app, client, watch, vbg, url, miss=miss)
                for name, (url, miss) in pages.items()
            }
        )
    small, large = results
    for name in small:
        assert small[name]["statements"] == large[name]["statements"], name
    assert large["public"]["reports"] == 0 and large["lagesbild"]["reports"] == 0
    # The report form shows likely reasons a job counted: it counts no reports itself.
    assert large["form"]["reports"] == 0
    assert not [sql for sql, _p in large["form"]["sql"] if "FROM report" in sql]
    likely = BeautifulSoup(client.get("/k/vanersborg/").data, "html.parser")
    assert likely.select("#suggested-reasons input[name=reasons]")
    assert large["report"]["reports"] <= 1 + 10  # the report and its candidates
    # The public answer for a cell counts its reports in SQL, never loads them.
    assert large["nearby"]["reports"] == 0
    assert large["queue"]["reports"] <= PAGE_SIZE
    # Open311's public list sums the weekly roll-up of its groups (this week's reports are
    # grouped from their rows), reads the keys of one week or two and then the page's rows.
    assert large["open311"]["reports"] == 0
    open311_sql = large["open311"]["sql"]
    assert any("FROM report_service_week" in sql for sql, _p in open311_sql)
    # The database sums the groups and their weeks (two statements); the reports it groups
    # are this week's, bounded by the time of receipt.
    grouped = [sql for sql, _p in open311_sql if "GROUP BY" in sql]
    assert len(grouped) == 2 and all("created_at >=" in sql for sql in grouped)
    rows = [
        (sql, p)
        for sql, p in open311_sql
        if re.search(r"FROM report\s", sql) and "GROUP" not in sql
    ]
    assert any("created_at <" in sql for sql, _p in rows)
    by_token = [p for sql, p in rows if "created_at <" not in sql]
    assert by_token and all(
        "public_token IN" in sql for sql, _p in rows if "created_at <" not in sql
    )
    assert all(len(p) <= 5 for p in by_token)  # the page's five
    # The queue's last page is found by a cursor, not by skipping every row before it.
    # (SQLite's dialect always writes an OFFSET, last of the parameters; it must be 0.)
    offsets = [params for sql, params in large["queue"]["sql"] if "OFFSET" in sql]
    assert all(params[-1] == 0 for params in offsets)
    # The public map reads reports only as counts per cell.
    from_report = [sql for sql, _p in large["public"]["sql"] if "FROM report" in sql]
    assert from_report and all("GROUP BY" in sql for sql in from_report)
    # The public map sums the week roll-up per cell; only this week's reports are read as rows.
    assert any("report_cell_week" in sql for sql, _p in large["public"]["sql"])
    # The lägesbild: its counts are sums over the day roll-ups, its hot spots the stored runs
    # the job made; the page neither aggregates the reports nor writes anything.
    lagesbild_sql = [sql for sql, _p in large["lagesbild"]["sql"]]
    assert any("FROM report_day" in sql for sql in lagesbild_sql)
    assert any("FROM report_reason_day" in sql for sql in lagesbild_sql)
    # (A statement whose first FROM is the report table and that groups: an aggregate of
    # the reports. Looking a row up by its key inside EXISTS is not one.)
    assert not [
        sql
        for sql in lagesbild_sql
        if re.search(r"\bFROM\s+(\w+)", sql).group(1) == "report" and "GROUP BY" in sql
    ]
    assert not [sql for sql in lagesbild_sql if sql.lstrip().upper().startswith(WRITES)]
    page = BeautifulSoup(
        client.get("/samordnare/vanersborg/lagesbild?kind=tertial").data, "html.parser"
    )
    assert page.select_one(".recomputing") is None
    assert page.select("section[aria-labelledby=spots-title] table.data th[scope=row]")
    # A cached visit reads nothing of the reports.
    assert measure(app, client, watch, vbg, "/k/vanersborg/loften")["reports"] == 0

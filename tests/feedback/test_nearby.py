"""Before submitting, a resident sees what the public map knows of the place and can agree.

The answer is the public map's: the 250 m cell holding the point, nothing for a cell with
fewer than PUBLIC_MIN_CELL_REPORTS (k, 5 here) reports, and reasons only when k reports give
them. A support copies nothing of the report it agrees with.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from feedback.models import Report
from privacy.public import cell_centre, cell_keys
from tests.helpers import VANERSBORG_TORGET, valid_form

LAT, LON = VANERSBORG_TORGET
CELL = cell_keys([LAT], [LON])[0]
CENTRE = cell_centre(CELL)
# Points inside the square's cell, up to about 100 m from its centre, and one in the next cell.
INSIDE = [(CENTRE[0] + dy * 0.0009, CENTRE[1] + dx * 0.0017) for dy in (-1, 0, 1) for dx in (-1, 1)]
NEXT_CELL = (CENTRE[0] + 0.0045, CENTRE[1])
NEAR = INSIDE[0]
URL = "/api/k/vanersborg/nara?lat={}&lon={}"


def nearby(client, lat=LAT, lon=LON):
    response = client.get(URL.format(lat, lon))
    assert response.status_code == 200, response.data
    return response.get_json()


def test_inside_points_share_the_cell():
    assert all(cell_keys([lat], [lon])[0] == CELL for lat, lon in INSIDE)
    assert cell_keys(*zip(NEXT_CELL, strict=True))[0] != CELL


def test_a_public_cell_gives_its_count_and_common_reasons_only(client, kommuner, create_report_at):
    vanersborg = kommuner["Vänersborg"]
    for lat, lon in INSIDE[:3]:
        create_report_at(vanersborg, lat, lon, reasons=["place.dark"], description="Hemligt")
    create_report_at(vanersborg, *INSIDE[3], reasons=["place.bushes", "place.dark"])
    create_report_at(vanersborg, *INSIDE[4], reasons=["disorder.drugs", "place.dark"])
    create_report_at(vanersborg, *NEXT_CELL, reasons=["disorder.drugs"])
    create_report_at(vanersborg, *NEAR, kind="trygg", reasons=["positive.lighting"])

    data = nearby(client)
    assert data["count"] == 5
    assert data["message"] == (
        "5 personer har rapporterat otrygghet i den här rutan på 250 × 250 m det senaste året, "
        "oftast belysning saknas, mörk plats."
    )
    # Bushes and drugs were given by one person each: named, they would point at them.
    assert data["reasons"] == [
        {"code": "place.dark", "count": 5, "label": "Belysning saknas, mörk plats"}
    ]
    assert data["cell"] == {"size_m": 250, "lat": CENTRE[0], "lon": CENTRE[1]}
    assert "Hemligt" not in json.dumps(data)


def test_the_answer_is_the_cells_wherever_in_it_one_asks(client, kommuner, create_report_at):
    """No bisection: every point of a cell gets the same answer, so no pin can be found."""
    for lat, lon in INSIDE[:5]:
        create_report_at(kommuner["Vänersborg"], lat, lon)
    answers = {json.dumps(nearby(client, lat, lon), sort_keys=True) for lat, lon in INSIDE}
    assert len(answers) == 1
    assert nearby(client, *NEXT_CELL)["count"] == 0


def test_a_cell_below_k_says_nothing(client, kommuner, create_report_at):
    empty = nearby(client)
    for lat, lon in INSIDE[:4]:
        create_report_at(kommuner["Vänersborg"], lat, lon, reasons=["disorder.drugs"])
    assert (
        nearby(client)
        == empty
        == {
            "count": 0,
            "cell": {"size_m": 250, "lat": CENTRE[0], "lon": CENTRE[1]},
            "message": "",
            "reasons": [],
        }
    )


def test_only_the_public_maps_reports_count(app, client, kommuner, session, create_report_at):
    app.config["PUBLIC_MIN_CELL_REPORTS"] = 2
    vanersborg = kommuner["Vänersborg"]
    kept = create_report_at(vanersborg, *NEAR)
    hidden = create_report_at(vanersborg, *NEAR)
    duplicate = create_report_at(vanersborg, *NEAR)
    erased = create_report_at(vanersborg, *NEAR)
    create_report_at(vanersborg, *NEAR, created_at=datetime.now(UTC) - timedelta(days=400))
    hidden.hidden = True
    duplicate.merged_into_id = kept.id
    erased.erasure_requested_at = datetime.now(UTC)
    session.add_all([hidden, duplicate, erased])
    session.commit()
    assert nearby(client)["count"] == 0  # one counted report: below k
    create_report_at(vanersborg, *NEAR)
    assert nearby(client)["count"] == 2


def test_nearby_is_rate_limited(app, client, kommuner):
    app.config["NEARBY_RATE_LIMIT"] = "3 per minute"
    codes = [client.get(URL.format(LAT, LON)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_bad_input(client, kommuner):
    assert client.get("/api/k/vanersborg/nara?lat=x&lon=1").status_code == 400
    assert client.get("/api/k/vanersborg/nara?lat=nan&lon=nan").status_code == 400
    response = client.get("/api/k/vanersborg/nara?lat=59.39&lon=15.84")
    assert response.status_code == 400
    assert "utanför Vänersborg" in response.get_json()["error"]


def test_jag_kanner_likadant_copies_nothing_of_the_report_it_agrees_with(
    client, kommuner, session, create_report_at
):
    vanersborg = kommuner["Vänersborg"]
    others = [
        create_report_at(vanersborg, lat, lon, reasons=["disorder.drugs"], description="Hemligt")
        for lat, lon in INSIDE[1:6]
    ]
    data = valid_form(reasons=[], description="", likadant="Jag känner likadant")
    response = client.post("/k/vanersborg/", data=data)
    assert response.status_code == 303
    support = session.scalar(select(Report).where(Report.source == "support"))
    assert support.supports_id in {r.id for r in others}  # a link for staff
    assert support.reason_codes == []  # the supporter chose none: none are copied

    client.post("/status", data={"code": support.receipt_code})
    download = client.get("/status/mitt-forslag.json").get_json()
    assert download["skal"] == [] and download["kanner_likadant"] is True
    assert "drugs" not in json.dumps(download) and "Hemligt" not in json.dumps(download)
    page = client.get("/status/mitt-forslag").get_data(as_text=True)
    assert "narkotikahandel" not in page and "Du instämde med andra" in page

    supported = session.get(Report, support.supports_id)
    client.post("/status", data={"code": supported.receipt_code})
    original_page = client.get("/status/mitt-forslag").get_data(as_text=True)
    assert "1 person till" in original_page


def test_a_supporter_keeps_their_own_reasons(client, kommuner, session, create_report_at):
    for lat, lon in INSIDE[:5]:
        create_report_at(kommuner["Vänersborg"], lat, lon, reasons=["disorder.drugs"])
    data = valid_form(reasons=["place.dark"], likadant="Jag känner likadant")
    assert client.post("/k/vanersborg/", data=data).status_code == 303
    support = session.scalar(select(Report).where(Report.source == "support"))
    assert support.reason_codes == ["place.dark"]


def test_likadant_in_a_cell_below_k_is_answered_as_where_nobody_reported(
    client, kommuner, session, create_report_at
):
    """Whether a support is taken must not tell that someone reported in a quiet cell."""
    lonely = create_report_at(kommuner["Vänersborg"], *NEAR, reasons=["place.bushes"])
    data = valid_form(reasons=[], likadant="Jag känner likadant")
    response = client.post("/k/vanersborg/", data=data)
    assert response.status_code == 400
    assert "Ingen har rapporterat just här" in response.get_data(as_text=True)
    assert session.scalar(select(Report).where(Report.id != lonely.id)) is None

    with_reasons = valid_form(likadant="Jag känner likadant")
    assert client.post("/k/vanersborg/", data=with_reasons).status_code == 303
    report = session.scalar(select(Report).where(Report.id != lonely.id))
    assert report.source == "online" and report.supports_id is None


def test_likadant_with_nobody_nearby_is_a_plain_report(client, kommuner, session):
    data = valid_form(likadant="Jag känner likadant")
    assert client.post("/k/vanersborg/", data=data).status_code == 303
    report = session.scalar(select(Report))
    assert report.source == "online" and report.supports_id is None


def test_likadant_without_reasons_where_nobody_reported(client, kommuner, session):
    data = valid_form(reasons=[], likadant="Jag känner likadant")
    response = client.post("/k/vanersborg/", data=data)
    assert response.status_code == 400
    assert "Ingen har rapporterat just här" in response.get_data(as_text=True)
    assert session.scalar(select(Report)) is None


def test_a_safe_place_is_never_counted_as_agreeing_with_unsafe_reports(
    client, kommuner, session, create_report_at
):
    """ "Jag känner likadant" is about feeling unsafe: a trygg report is its own, or refused."""
    vanersborg = kommuner["Vänersborg"]
    for lat, lon in INSIDE[1:6]:
        create_report_at(vanersborg, lat, lon, reasons=["disorder.drugs"])
    without_reasons = valid_form(kind="trygg", reasons=[], likadant="Jag känner likadant")
    response = client.post("/k/vanersborg/", data=without_reasons)
    assert response.status_code == 400
    assert "Välj minst ett skäl till att platsen känns trygg." in response.text

    with_reason = valid_form(
        kind="trygg", reasons=["positive.lighting"], likadant="Jag känner likadant"
    )
    assert client.post("/k/vanersborg/", data=with_reason).status_code == 303
    report = session.scalar(select(Report).where(Report.kind == "trygg"))
    assert report.source == "online" and report.supports_id is None


def test_the_answer_is_counted_without_loading_a_report(app, kommuner, session, create_report_at):
    """The densest cell holds tens of thousands of reports at a million: the endpoint anyone
    can call counts them in SQL (it took 9.5 s loading them as objects)."""
    from sqlalchemy import event

    from privacy.public import cell_summary

    vanersborg = kommuner["Vänersborg"]
    for lat, lon in INSIDE[:5]:
        create_report_at(vanersborg, lat, lon, reasons=["place.dark"])
    session.expunge_all()
    loaded = []

    def on_load(target, _context):
        loaded.append(target)

    event.listen(Report, "load", on_load)
    try:
        vanersborg = session.merge(vanersborg, load=False)
        with app.app_context():
            summary = cell_summary(session, vanersborg, LAT, LON, datetime.now(UTC))
    finally:
        event.remove(Report, "load", on_load)
    assert (summary.count, summary.reasons) == (5, [("place.dark", 5)])
    assert summary.anchor_id is not None
    assert loaded == []


def test_the_anchor_is_the_nearest_original_near_or_far(app, kommuner, session, create_report_at):
    """'Jag känner likadant' agrees with the original report nearest the point: looked for
    within NEAR_M first, then in the whole cell, never a supporter's report."""
    from privacy.public import NEAR_M, cell_summary

    vanersborg = kommuner["Vänersborg"]
    metre = 1 / 111_000.0
    lat, lon = CENTRE
    far = create_report_at(vanersborg, lat + (NEAR_M + 15) * metre, lon)
    farther = create_report_at(vanersborg, lat - (NEAR_M + 40) * metre, lon)
    for step in (1, 2, 3):  # supporters' reports, nearer than any original
        support = create_report_at(vanersborg, lat + step * metre, lon)
        support.supports_id = farther.id
    session.commit()
    with app.app_context():
        summary = cell_summary(session, vanersborg, lat, lon, datetime.now(UTC))
        assert (summary.count, summary.anchor_id) == (5, far.id)
        near = create_report_at(vanersborg, lat - 10 * metre, lon)
        summary = cell_summary(session, vanersborg, lat, lon, datetime.now(UTC))
        assert (summary.count, summary.anchor_id) == (6, near.id)


def test_the_cells_reports_are_counted_from_the_cell_index_alone(
    app, kommuner, session, create_report_at
):
    """SQLite without statistics (a new database) picks an index by its columns: the count of
    the cell's week and the join of its reports to their reasons must read an index that
    holds every column they filter on. Given the report page's index with (kommun, cell,
    kind) leading, it took that one for the join and read the densest cell's rows: 243 to
    478 ms at a million reports."""
    from sqlalchemy import event

    from privacy.public import cell_summary

    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans by its statistics (bench.pages measures it at 1M)")
    vanersborg = kommuner["Vänersborg"]
    for lat, lon in INSIDE[:5]:
        create_report_at(vanersborg, lat, lon, reasons=["place.dark"])
    statements = []

    def on_execute(_conn, _cursor, statement, parameters, _context, _many):
        if "report.cell_250 = " in statement and "FROM report" in statement:
            statements.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        with app.app_context():
            cell_summary(session, vanersborg, LAT, LON, datetime.now(UTC), anchor=False)
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    assert len(statements) == 2  # this week's count and the reasons
    for statement, parameters in statements:
        plan = " ".join(
            str(row[-1])
            for row in session.connection().exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters
            )
        )
        assert "SEARCH report USING COVERING INDEX" in plan, plan
        assert "ix_report_cell_newest" not in plan, plan

"""The k-rule of privacy.public: one grid, one population, one threshold for every answer."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from shapely.geometry import Point, shape

from core.clock import LOCAL_ZONE
from privacy.public import (
    cell_centre,
    cell_keys,
    cell_summary,
    common_reasons,
    map_cells,
    public_id,
    public_requests,
    window_start,
)
from tests.helpers import VANERSBORG_TORGET

LAT, LON = VANERSBORG_TORGET
# A Wednesday noon: two hours later is the same week.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=LOCAL_ZONE)


def test_map_nearby_and_open311_name_the_same_cell(app, kommuner, session, create_report_at):
    app.config["PUBLIC_MIN_CELL_REPORTS"] = 2
    vanersborg = kommuner["Vänersborg"]
    for _ in range(2):
        create_report_at(vanersborg, LAT, LON, created_at=NOW - timedelta(days=3))
    with app.test_request_context():
        [cell] = map_cells(session, vanersborg, NOW)
        first, second = public_requests(session, vanersborg, NOW)
        summary = cell_summary(session, vanersborg, LAT, LON, NOW)
    centre = cell_centre(cell_keys([LAT], [LON])[0])
    assert first.centre == second.centre == summary.centre == centre
    assert shape(cell.polygon).contains(Point(centre[1], centre[0]))
    assert cell.count == summary.count == 2


def test_the_public_year_moves_a_whole_week_at_a_time(app, kommuner, session, create_report_at):
    """A report leaving the year the minute it turned a year old would tell its time."""
    app.config["PUBLIC_MIN_CELL_REPORTS"] = 2
    vanersborg = kommuner["Vänersborg"]
    year_ago = NOW - timedelta(days=365) + timedelta(hours=1)
    for minutes in (0, 30):
        create_report_at(vanersborg, LAT, LON, created_at=year_ago + timedelta(minutes=minutes))
    assert window_start(NOW).astimezone(LOCAL_ZONE).weekday() == 0
    with app.test_request_context():
        answers = [
            (
                [r.public_id for r in public_requests(session, vanersborg, now)],
                [c.count for c in map_cells(session, vanersborg, now)],
                cell_summary(session, vanersborg, LAT, LON, now).count,
            )
            for now in (NOW, NOW + timedelta(hours=2), NOW + timedelta(days=4, hours=11))
        ]
        gone = NOW + timedelta(days=5, hours=12)  # the next Monday
        assert public_requests(session, vanersborg, gone) == []
        assert map_cells(session, vanersborg, gone) == []
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][1:] == ([2], 2)


def test_public_ids_are_random_and_kept(app, kommuner, session, create_report_at):
    """Not derived from the sequential report id, nor from a key that may be changed: a
    request keeps the id it was listed under."""
    app.config["PUBLIC_MIN_CELL_REPORTS"] = 2
    vanersborg = kommuner["Vänersborg"]
    reports = [create_report_at(vanersborg, LAT, LON, created_at=NOW) for _ in range(2)]
    with app.test_request_context():
        ids = [public_id(vanersborg, str(r.public_token)) for r in reports]
        listed = {r.public_id for r in public_requests(session, vanersborg, NOW)}
        app.config["SECRET_KEY"] = "another-secret"
        again = {r.public_id for r in public_requests(session, vanersborg, NOW)}
    assert ids[0] != ids[1] and listed == again == set(ids)
    assert all(re.fullmatch(r"1487-[a-z2-7]{16}", i) for i in ids)


def test_the_forms_suggested_reasons_come_from_public_cells_and_k_reports(
    app, kommuner, session, create_report_at
):
    """Four reports in one cell suggest nothing; a fifth makes the cell public, and then
    only reasons five of its reports give are suggested, commonest first."""
    app.config["PUBLIC_MIN_CELL_REPORTS"] = 5
    vanersborg = kommuner["Vänersborg"]
    when = NOW - timedelta(days=3)
    for reasons in (["place.dark", "place.bushes"],) * 4:
        create_report_at(vanersborg, LAT, LON, created_at=when, reasons=reasons)
    # A quiet cell elsewhere, with a rare reason: never counted.
    create_report_at(vanersborg, 58.36, 12.29, created_at=when, reasons=["damage.fire"])
    with app.test_request_context():
        assert common_reasons(session, vanersborg, NOW, 6) == []
        create_report_at(vanersborg, LAT, LON, created_at=when, reasons=["place.dark"])
        assert common_reasons(session, vanersborg, NOW, 6) == ["place.dark"]
        create_report_at(vanersborg, LAT, LON, created_at=when, reasons=["place.bushes"])
        for _ in range(3):
            create_report_at(vanersborg, LAT, LON, created_at=when, reasons=["place.dark"])
        assert common_reasons(session, vanersborg, NOW, 6) == ["place.dark", "place.bushes"]
        assert common_reasons(session, vanersborg, NOW, 1) == ["place.dark"]

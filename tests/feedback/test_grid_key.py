"""Every report knows its 250 m grid cell, and keeps it in step with its place."""

from __future__ import annotations

from sqlalchemy import insert, select

from feedback.models import Report
from geo.cells import cell_key
from review.services import correct_location
from tests.conftest import VANERSBORG_TORGET


def test_a_new_report_is_stored_with_its_cell(kommuner, create_report_at):
    report = create_report_at(kommuner["Vänersborg"], *VANERSBORG_TORGET)
    assert report.cell_250 == cell_key(*VANERSBORG_TORGET)


def test_a_bulk_insert_gets_its_cells_too(session, kommuner):
    kommun = kommuner["Vänersborg"]
    rows = [
        {
            "kommun_id": kommun.id,
            "receipt_code": f"BULK{i:012d}",
            "lat": VANERSBORG_TORGET[0] + i * 0.003,
            "lon": VANERSBORG_TORGET[1],
            "location_method": "map",
        }
        for i in range(3)
    ]
    session.execute(insert(Report), rows)
    got = session.execute(
        select(Report.lat, Report.lon, Report.cell_250).where(Report.receipt_code.like("BULK%"))
    ).all()
    assert [cell for _lat, _lon, cell in got] == [cell_key(lat, lon) for lat, lon, _c in got]
    assert len({cell for _lat, _lon, cell in got}) == 3


def test_a_moved_report_moves_to_its_new_cell(session, kommuner, create_report_at, create_user):
    report = create_report_at(kommuner["Vänersborg"], *VANERSBORG_TORGET)
    user = create_user()
    correct_location(session, report, user, VANERSBORG_TORGET[0] + 0.01, VANERSBORG_TORGET[1])
    session.commit()
    stored = session.scalar(select(Report.cell_250).where(Report.id == report.id))
    assert stored == cell_key(VANERSBORG_TORGET[0] + 0.01, VANERSBORG_TORGET[1])
    assert stored != cell_key(*VANERSBORG_TORGET)

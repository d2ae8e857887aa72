"""Every report knows its 250 m grid cell, and keeps it in step with its place."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from feedback.models import Report, ReportReason
from geo.cells import cell_key
from review.services import correct_location
from tests.helpers import VANERSBORG_TORGET


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


def test_a_reports_service_is_its_least_reason_whatever_writes_the_reasons(
    session, kommuner, create_report_at
):
    """report.service_code (Open311's service of a report) follows its reasons: set at intake,
    and kept by the database when reasons are added, removed or changed by any statement."""
    report = create_report_at(kommuner["Vänersborg"], 58.38, 12.32, reasons=["place.dark"])
    assert report.service_code == "place.dark"

    def service() -> str | None:
        return session.scalar(select(Report.service_code).where(Report.id == report.id))

    session.execute(insert(ReportReason), [{"report_id": report.id, "code": "people.groups"}])
    assert service() == "people.groups"
    session.execute(insert(ReportReason), [{"report_id": report.id, "code": "place.bushes"}])
    assert service() == "people.groups"
    session.execute(
        update(ReportReason)
        .where(ReportReason.report_id == report.id, ReportReason.code == "people.groups")
        .values(code="damage.fire")
    )
    assert service() == "damage.fire"
    session.execute(
        delete(ReportReason).where(
            ReportReason.report_id == report.id, ReportReason.code == "damage.fire"
        )
    )
    assert service() == "place.bushes"
    session.execute(delete(ReportReason).where(ReportReason.report_id == report.id))
    assert service() is None
    session.commit()
    session.refresh(report)
    report.reasons = [ReportReason(code="place.dark"), ReportReason(code="disorder.drugs")]
    session.commit()
    assert service() == "disorder.drugs"

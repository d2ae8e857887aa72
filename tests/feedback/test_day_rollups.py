"""The roll-ups always hold what counting the reports gives: through new reports, bulk
inserts, edits, hiding, merging, erasure requests, changed reasons (and so services) and
deletions."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, insert, select, update

from core.clock import local_day
from feedback.models import Report, ReportReason
from feedback.rollups import ReportCellWeek, ReportDay, ReportReasonDay, ReportServiceWeek
from tests.helpers import VANERSBORG_TORGET

PLACE = (
    Report.erasure_requested_at.is_(None),
    Report.kind == "otrygg",
    Report.hidden.is_(False),
    Report.merged_into_id.is_(None),
)


def _counted_from_reports(session) -> dict[str, set[tuple]]:
    counted = Report.hidden.is_(False) & Report.merged_into_id.is_(None)
    day_key = (
        Report.kommun_id,
        Report.counted_day,
        Report.kind,
        counted,
        Report.source,
        Report.status,
        Report.at_day,
        Report.at_evening,
        Report.at_night,
        func.coalesce(Report.organisation, ""),
    )
    days = session.execute(
        select(*day_key, func.count())
        .where(Report.erasure_requested_at.is_(None))
        .group_by(*day_key)
    ).all()
    cells = Counter(
        (kommun_id, day - timedelta(days=day.weekday()), cell)
        for kommun_id, day, cell in session.execute(
            select(Report.kommun_id, Report.created_day, Report.cell_250).where(
                *PLACE, Report.cell_250.is_not(None)
            )
        )
    )
    reasons = session.execute(
        select(Report.kommun_id, Report.counted_day, ReportReason.code, func.count())
        .join(Report, Report.id == ReportReason.report_id)
        .where(*PLACE)
        .group_by(Report.kommun_id, Report.counted_day, ReportReason.code)
    ).all()
    services = Counter(
        (kommun_id, day - timedelta(days=day.weekday()), cell, code, status)
        for kommun_id, day, cell, code, status in session.execute(
            select(
                Report.kommun_id,
                Report.created_day,
                Report.cell_250,
                Report.service_code,
                Report.status,
            ).where(
                Report.erasure_requested_at.is_(None),
                Report.hidden.is_(False),
                Report.merged_into_id.is_(None),
                Report.cell_250.is_not(None),
                Report.service_code.is_not(None),
            )
        )
    )
    return {
        "days": {tuple(r) for r in days},
        "cells": {(*key, n) for key, n in cells.items()},
        "reasons": {tuple(r) for r in reasons},
        "services": {(*key, n) for key, n in services.items()},
    }


def _rolled_up(session) -> dict[str, set[tuple]]:
    def rows(table) -> set[tuple]:
        columns = [c for c in table.__table__.columns]
        return {tuple(r) for r in session.execute(select(*columns).where(table.n != 0)).all()}

    return {
        "days": rows(ReportDay),
        "cells": rows(ReportCellWeek),
        "reasons": rows(ReportReasonDay),
        "services": rows(ReportServiceWeek),
    }


def assert_in_step(session) -> None:
    session.expire_all()
    assert _rolled_up(session) == _counted_from_reports(session)


@pytest.mark.clock(datetime(2026, 6, 10, 21, 30, tzinfo=UTC))  # 23:30 in Sweden
def test_the_roll_ups_follow_every_change(session, kommuner, create_report_at):
    vbg = kommuner["Vänersborg"]
    lat, lon = VANERSBORG_TORGET
    a = create_report_at(vbg, lat, lon, reasons=["place.dark", "people.groups"], times=["natt"])
    b = create_report_at(vbg, lat + 0.01, lon, reasons=["place.bushes"])
    c = create_report_at(vbg, lat, lon + 0.01, kind="trygg", reasons=[])
    assert a.created_day == date(2026, 6, 10)  # the Swedish day, not UTC's
    assert_in_step(session)
    # Bulk insert (as an import does), then its reasons.
    session.execute(
        insert(Report),
        [
            {
                "id": 900 + i,
                "kommun_id": vbg.id,
                "receipt_code": f"ROLL{i:012d}",
                "lat": lat + i * 0.002,
                "lon": lon,
                "location_method": "map",
                "source": "staff",
                "organisation": "Vakt AB" if i % 2 else None,
                "created_at": datetime(2026, 5, 1, tzinfo=UTC) + timedelta(hours=7 * i),
            }
            for i in range(6)
        ],
    )
    session.execute(
        insert(ReportReason), [{"report_id": 900 + i, "code": "place.dark"} for i in range(6)]
    )
    session.commit()
    assert_in_step(session)
    # Reviewed, hidden, merged, moved, re-dated, reasons changed.
    a.status = "atgard_planerad"
    b.hidden = True
    session.commit()
    assert_in_step(session)
    b.hidden = False
    b.merged_into_id = a.id
    a.lat += 0.01
    a.occurred_at = datetime(2026, 4, 2, 12, tzinfo=UTC)
    session.commit()
    assert a.counted_day == date(2026, 4, 2)
    assert_in_step(session)
    a.reasons = [r for r in a.reasons if r.code != "people.groups"]
    session.add(ReportReason(report_id=c.id, code="place.dark"))
    session.commit()
    assert_in_step(session)
    session.execute(update(Report).where(Report.id == 901).values(kind="trygg", at_day=True))
    session.commit()
    assert_in_step(session)
    # Re-dated by a bulk statement: the database moves its days.
    session.execute(
        update(Report)
        .where(Report.id == 905)
        .values(created_at=datetime(2026, 3, 31, 22, 30, tzinfo=UTC))
    )
    session.execute(
        update(Report)
        .where(Report.id == 901)
        .values(occurred_at=datetime(2026, 2, 1, 23, 30, tzinfo=UTC))
    )
    session.commit()
    days = dict(
        session.execute(select(Report.id, Report.created_day).where(Report.id == 905)).all()
    )
    assert days == {905: date(2026, 4, 1)}
    assert session.scalar(select(Report.counted_day).where(Report.id == 901)) == date(2026, 2, 2)
    assert_in_step(session)
    # Asked to be erased: counted nowhere.
    session.execute(
        update(Report).where(Report.id == 902).values(erasure_requested_at=datetime.now(UTC))
    )
    session.commit()
    assert_in_step(session)
    # Deleted through the ORM (reasons first) and in bulk (the reasons cascade).
    session.delete(b)
    session.commit()
    assert_in_step(session)
    session.execute(delete(Report).where(Report.id.in_([900, 903, 904])))
    session.commit()
    assert_in_step(session)
    assert session.scalar(select(func.sum(ReportReasonDay.n))) == len(
        session.execute(select(ReportReason).join(Report).where(*PLACE)).all()
    )


def test_a_report_changed_in_the_transaction_that_made_it_counts_once(
    session, kommuner, create_report_at
):
    """On PostgreSQL a new report's counts are added at the commit (migration 0029), after
    the updates and deletes of the same transaction have taken off what they saw."""
    vbg = kommuner["Vänersborg"]
    lat, lon = VANERSBORG_TORGET
    kept = create_report_at(vbg, lat, lon, reasons=["place.dark"])
    rows = [
        {
            "id": 950 + i,
            "kommun_id": vbg.id,
            "receipt_code": f"SAME{i:012d}",
            "lat": lat + i * 0.003,
            "lon": lon,
            "location_method": "map",
            "created_at": datetime(2026, 11, 20, 12, tzinfo=UTC),
        }
        for i in range(4)
    ]
    session.execute(insert(Report), rows)
    session.execute(
        insert(ReportReason), [{"report_id": 950 + i, "code": "people.groups"} for i in range(4)]
    )
    # Hidden, re-dated, closed, merged and back, deleted: all before the commit.
    session.execute(update(Report).where(Report.id == 950).values(hidden=True))
    session.execute(
        update(Report)
        .where(Report.id == 951)
        .values(occurred_at=datetime(2026, 10, 1, 12, tzinfo=UTC), status="avslutad")
    )
    session.execute(update(Report).where(Report.id == 952).values(merged_into_id=kept.id))
    session.execute(delete(Report).where(Report.id == 953))
    session.execute(update(Report).where(Report.id == 952).values(merged_into_id=None))
    session.commit()
    assert_in_step(session)
    assert session.scalar(select(func.sum(ReportDay.n))) == 4


# 22:30 UTC on 31 March is 00:30 on 1 April in Sweden (summer time).
@pytest.mark.clock(datetime(2026, 3, 31, 22, 30, tzinfo=UTC))
def test_a_report_counts_on_its_swedish_day(session, kommuner, create_report_at):
    report = create_report_at(kommuner["Vänersborg"], *VANERSBORG_TORGET)
    assert report.created_day == local_day(report.created_at) == date(2026, 4, 1)
    day = session.scalar(select(ReportDay.day).where(ReportDay.n > 0))
    assert day == date(2026, 4, 1)

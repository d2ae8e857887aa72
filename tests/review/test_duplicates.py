"""Duplicate candidates: the nearest few within the radius, found without loading the rest."""

from __future__ import annotations

from review.services import duplicate_candidates
from tests.conftest import VANERSBORG_TORGET

LAT, LON = VANERSBORG_TORGET
M_LAT = 1 / 111_320  # degrees of latitude per metre


def test_the_nearest_within_the_radius_nearest_first(session, kommuner, create_report_at):
    vbg = kommuner["Vänersborg"]
    report = create_report_at(vbg, LAT, LON)
    at = {m: create_report_at(vbg, LAT + m * M_LAT, LON) for m in (60, 5, 30, 74, 120)}
    create_report_at(kommuner["Arboga"], LAT, LON)  # another kommun
    found = duplicate_candidates(session, report, radius_m=75, limit=3)
    assert [r.id for r, _d in found] == [at[5].id, at[30].id, at[60].id]
    assert [round(d) for _r, d in found] == [5, 30, 60]
    assert at[120].id not in [r.id for r, _d in duplicate_candidates(session, report, limit=10)]


def test_in_a_dense_spot_the_nearest_come_first(session, kommuner, create_report_at):
    vbg = kommuner["Vänersborg"]
    report = create_report_at(vbg, LAT, LON)
    far = create_report_at(vbg, LAT + 50 * M_LAT, LON)
    dense = [create_report_at(vbg, LAT + m * M_LAT, LON) for m in (4, 1, 3, 2, 6, 5, 7)]
    found = duplicate_candidates(session, report, radius_m=75, limit=5)
    assert [round(d) for _r, d in found] == [1, 2, 3, 4, 5]
    assert far.id not in [r.id for r, _d in found] and len(dense) == 7

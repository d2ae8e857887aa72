"""The demo data: hundreds of reports per kommun, inside it, with real hot spots."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select

from feedback.models import Report
from geo.projection import plane


@pytest.mark.slow
def test_demo_load(runner, session):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    rows = session.execute(
        select(Report.kommun_id, func.count(Report.id)).group_by(Report.kommun_id)
    ).all()
    counts = {kommun_id: n for kommun_id, n in rows}
    assert len(counts) == 3 and all(n >= 300 for n in counts.values())
    again = runner.invoke(args=["demo", "load"])
    assert "0 new reports" in again.output
    reports = session.scalars(select(Report)).all()
    assert all(r.kommun.contains(r.lat, r.lon) for r in reports)
    assert {r.location_method for r in reports} == {"map", "gps", "landmark"}
    assert {r.kind for r in reports} == {"otrygg", "trygg"}

    # Real hot spots: the busiest 100 m around some report holds far more than a uniform share.
    vanersborg = [r for r in reports if r.kommun.code == "1487"]
    x, y = plane(3006).to_metres([r.lat for r in vanersborg], [r.lon for r in vanersborg])
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    assert (d <= 100).sum(axis=1).max() >= 25

"""Many reports in one town, inserted in bulk, for the tests that compare two sizes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from tests.helpers import VANERSBORG_TORGET

# Three tight clusters (three hot spots at any size) in thin noise over the town.
CLUSTERS = [(0.0, 0.0), (0.004, 0.006), (-0.005, -0.004)]


def town_reports(kommun_id: int, start: int, n: int, *, prefix: str) -> list[dict[str, Any]]:
    """Rows for `insert(Report)`: ids start..start+n-1, three in four in the clusters, the
    rest scattered, every second one at night, created over the last 300 days. The same
    start gives the same rows; receipt codes are prefix + the id."""
    rng = np.random.default_rng(start)
    now = datetime.now(UTC)
    rows = []
    for i in range(start, start + n):
        if i % 4:
            dlat, dlon = CLUSTERS[i % 3]
            lat = VANERSBORG_TORGET[0] + dlat + rng.normal(0, 0.00012)
            lon = VANERSBORG_TORGET[1] + dlon + rng.normal(0, 0.0002)
        else:
            lat = VANERSBORG_TORGET[0] + rng.uniform(-0.03, 0.03)
            lon = VANERSBORG_TORGET[1] + rng.uniform(-0.05, 0.05)
        rows.append(
            {
                "id": i,
                "kommun_id": kommun_id,
                "receipt_code": f"{prefix}{i:015d}",
                "lat": float(lat),
                "lon": float(lon),
                "location_method": "map",
                "at_night": bool(i % 2),
                "created_at": now - timedelta(days=float(rng.uniform(0, 300))),
            }
        )
    return rows

"""Points and groups of reports whose hot spots are known, for the hot-spot tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from tests.helpers import VANERSBORG_TORGET

TORGET = VANERSBORG_TORGET
M_LAT = 1 / 111_320  # degrees per metre, roughly

# Two places about 700 m apart, each a tight group of reports.
PLACE_A = TORGET
PLACE_B = (TORGET[0] - 0.0063, TORGET[1])


def blob(
    centre: tuple[float, float], n: int, spread_m: float = 20.0, seed: int = 0
) -> tuple[Any, Any]:
    """n points scattered normally around centre (spread_m metres): latitudes, longitudes."""
    rng = np.random.default_rng(seed)
    lat = centre[0] + rng.normal(0, spread_m, n) * M_LAT
    lon = centre[1] + rng.normal(0, spread_m, n) * M_LAT / np.cos(np.radians(centre[0]))
    return lat, lon


def cluster(
    create: Any,
    kommun: Any,
    centre: tuple[float, float],
    n: int,
    *,
    days_ago: int = 5,
    **fields: Any,
) -> None:
    """n reports in a tight grid at centre, made with create_report_at, days_ago days old."""
    now = datetime.now(UTC)
    for i in range(n):
        create(
            kommun,
            centre[0] + (i % 3) * 0.00012,
            centre[1] + (i // 3) * 0.0002,
            created_at=now - timedelta(days=days_ago, minutes=i),
            **fields,
        )

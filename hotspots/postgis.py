"""The same clustering inside PostgreSQL/PostGIS, for national-scale data.

`ST_ClusterDBSCAN` runs on the reports' points transformed to SWEREF 99 TM (EPSG:3006),
so eps is in metres as in geo.dbscan. Only the labels come back; the hot spots are then
described in Python exactly as for the in-process path.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from sqlalchemy import Select, func, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from feedback.models import Report

# ST_ClusterDBSCAN's work grows with the points times their neighbours: measured 2.6 s at
# 25,000 reports in one town, 16.7 s at 100,000, 48.9 s at 200,000 (about n^1.6) and no answer
# within 120 s at a million, and the function does not stop for a cancel or a statement
# timeout. Above this many reports a run is refused before it starts (the in-process density
# method, the default, takes under 3 s at a million).
MAX_REPORTS = 200_000


class TooManyReports(ValueError):
    """The in-database clustering was asked for more reports than it can finish in time."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(
            f"{count:,} reports are too many for the postgis method (at most {limit:,}: "
            "ST_ClusterDBSCAN takes minutes beyond that and cannot be stopped); "
            "use the default method, density"
        )
        self.count = count
        self.limit = limit


def postgis_available(session: Session) -> bool:
    """Whether this database is PostgreSQL with the PostGIS extension installed."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    try:
        with session.begin_nested():
            session.execute(text("SELECT postgis_version()"))
    except DBAPIError:
        return False
    return True


def cluster_sql(counted: Select, *, radius_m: float, min_reports: int) -> Select:  # type: ignore[type-arg]
    """(id, label) of the reports `counted` selects, clustered by ST_ClusterDBSCAN.

    The counting query itself selects the points, inside the database: no list of ids
    travels to the server (a million ids as `id = ANY(:ids)` did not finish).
    """
    point = func.ST_Transform(
        func.ST_SetSRID(func.ST_MakePoint(Report.lon, Report.lat), 4326), 3006
    )
    label = func.ST_ClusterDBSCAN(point, float(radius_m), int(min_reports)).over()
    return counted.with_only_columns(Report.id, label)


def cluster_labels(
    session: Session,
    counted: Select,  # type: ignore[type-arg]
    *,
    radius_m: float,
    min_reports: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Report ids and their DBSCAN labels computed by PostGIS (-1 for noise), as arrays."""
    rows = session.execute(cluster_sql(counted, radius_m=radius_m, min_reports=min_reports))
    table = np.fromiter(
        ((rid, -1 if cluster is None else cluster) for rid, cluster in rows),
        dtype=np.dtype([("id", "i8"), ("label", "i8")]),
    )
    return np.ascontiguousarray(table["id"]), np.ascontiguousarray(table["label"])

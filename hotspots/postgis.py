"""The same clustering inside PostgreSQL/PostGIS, for national-scale data.

`ST_ClusterDBSCAN` runs on the reports' points transformed to SWEREF 99 TM (EPSG:3006),
so eps is in metres as in geo.dbscan. Only the labels come back; the hot spots are then
described in Python exactly as for the in-process path.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

CLUSTER_SQL = text(
    """
    SELECT id, ST_ClusterDBSCAN(
               ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 3006),
               eps => :eps, minpoints => :minpoints
           ) OVER () AS cluster
    FROM report
    WHERE id = ANY(:ids)
    ORDER BY id
    """
)


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


def cluster_labels(
    session: Session, report_ids: list[int], *, radius_m: float, min_reports: int
) -> dict[int, int]:
    """DBSCAN labels per report id computed by PostGIS (-1 for noise)."""
    rows = session.execute(
        CLUSTER_SQL, {"ids": report_ids, "eps": radius_m, "minpoints": min_reports}
    )
    return {int(rid): (-1 if cluster is None else int(cluster)) for rid, cluster in rows}

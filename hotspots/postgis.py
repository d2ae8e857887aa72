"""The density method with its counting inside PostgreSQL/PostGIS, for national-scale data.

The in-process path reads every counted report into memory. This one leaves them in the
database: PostGIS projects each report (`ST_Transform` to the run's metric plane, SWEREF 99
TM in Sweden) and counts them per grid cell of the density method, with their recency
weight summed, so only the occupied cells travel (about 40,000 at a million reports in one
town). `geo.hotspots.density_patches` finds the hot cells from those counts exactly as the
in-process path does, and a second query returns only the reports lying in a hot cell, with
the hot spot each belongs to: what a run stores and describes. Memory follows the cells and
the hot spots' members, not the reports.

It replaces `ST_ClusterDBSCAN`, whose work grew with the points times their neighbours
(48.9 s at 200,000 reports in one town, no answer within 120 s at a million) and which did
not stop for a cancel.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, Float, Select, and_, bindparam, cast, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from feedback.models import Report


class Unavailable(ValueError):
    """The postgis method was asked for on a database without PostGIS."""

    def __init__(self) -> None:
        super().__init__(
            "the postgis method needs PostgreSQL with the PostGIS extension; "
            "use the default method, density"
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


# Planner settings for the statements of a run, and why (1M reports in one town, EXPLAIN
# ANALYZE): PostGIS prices ST_Transform high, so a million projected reports look costly
# enough to JIT-compile, and compiling took 1.7 s of a 2.3 s query that runs in 1.5 s without
# it; the same pricing made the members' join sort a million rows to disk for a merge join
# (2.8 s) where hashing the few thousand hot cells and probing them takes 1.1 s.
PLANNER = {"jit": "off", "enable_mergejoin": "off"}


@contextmanager
def planned(session: Session) -> Iterator[None]:
    """PLANNER's settings for the statements inside, back as they were after."""
    was = {
        name: session.execute(text("SELECT current_setting(:n)"), {"n": name}).scalar_one()
        for name in PLANNER
    }
    for name, value in PLANNER.items():
        session.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})
    try:
        yield
    finally:
        for name, value in was.items():
            session.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})


CELLS = np.dtype([("col", "i8"), ("row", "i8"), ("n", "i8"), ("w", "f8")])


def _projected(counted: Select, epsg: int, *columns: Any) -> Any:  # type: ignore[type-arg]
    """The counted reports' labelled `columns` and their point in the plane ("g").

    OFFSET 0 keeps PostgreSQL from folding the subquery into the outer one, which would
    project each report twice (once for x, once for y): 25 % of the query at a million.
    """
    point = func.ST_Transform(
        func.ST_SetSRID(func.ST_MakePoint(Report.lon, Report.lat), 4326), int(epsg)
    )
    return counted.with_only_columns(*columns, point.label("g")).offset(0).subquery("projected")


def _cell(column: Any, cell: float) -> Any:
    return cast(func.floor(column / float(cell)), BigInteger)


def cells_sql(
    counted: Select,  # type: ignore[type-arg]
    *,
    epsg: int,
    cell: float,
    weight: Any,
) -> Select:  # type: ignore[type-arg]
    """(col, row, reports, summed weight) per occupied cell of `cell` plane units (CELLS)."""
    projected = _projected(counted, epsg, weight.label("w"))
    col, row = _cell(func.ST_X(projected.c.g), cell), _cell(func.ST_Y(projected.c.g), cell)
    return select(
        col, row, cast(func.count(), BigInteger), cast(func.sum(projected.c.w), Float(53))
    ).group_by(col, row)


def members_sql(
    counted: Select,  # type: ignore[type-arg]
    columns: Sequence[Any],
    *,
    epsg: int,
    cell: float,
    cols: Sequence[int],
    rows: Sequence[int],
    labels: Sequence[int],
) -> Select:  # type: ignore[type-arg]
    """The labelled `columns` of the reports lying in the given cells, and each cell's label.

    The cells go as three arrays (a few thousand numbers), never the reports' ids.
    """
    projected = _projected(counted, epsg, *columns)
    array = postgresql.ARRAY(BigInteger)
    kept = select(
        func.unnest(cast(bindparam("cols", list(cols), type_=array), array)).label("col"),
        func.unnest(cast(bindparam("rows", list(rows), type_=array), array)).label("row"),
        func.unnest(cast(bindparam("labels", list(labels), type_=array), array)).label("label"),
    ).subquery("kept")
    return select(
        *(projected.c[c.name] for c in columns), cast(kept.c.label, BigInteger)
    ).join_from(
        projected,
        kept,
        and_(
            _cell(func.ST_X(projected.c.g), cell) == kept.c.col,
            _cell(func.ST_Y(projected.c.g), cell) == kept.c.row,
        ),
    )

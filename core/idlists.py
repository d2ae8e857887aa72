"""`id IN (...)` for sets of any size: a town-wide hot spot of a large kommun holds hundreds
of thousands of report ids, and drivers cap the parameters of one statement (psycopg at
65,535, SQLite at 250,000 here). Above a few thousand the ids travel as one JSON parameter
that the database unpacks itself."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, cast, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

# Up to this many ids stay a plain IN list (the planner sees the values).
PLAIN_UP_TO = 5000


class _json_values(FunctionElement[Any]):
    """The elements of a JSON array as a one-column table named `value`."""

    name = "json_values"
    inherit_cache = True


@compiles(_json_values, "sqlite")
def _sqlite(element: _json_values, compiler: Any, **kw: Any) -> str:
    return f"json_each({compiler.process(element.clauses, **kw)})"


@compiles(_json_values, "postgresql")
def _postgresql(element: _json_values, compiler: Any, **kw: Any) -> str:
    return f"json_array_elements_text(CAST({compiler.process(element.clauses, **kw)} AS json))"


def in_ids(column: Any, ids: Collection[int]) -> ColumnElement[bool]:
    """`column IN ids` (false for no ids), as one parameter when there are many."""
    if len(ids) <= PLAIN_UP_TO:
        return column.in_(ids or {-1})  # type: ignore[no-any-return]
    values = _json_values(json.dumps(sorted(int(i) for i in ids))).table_valued("value")
    return column.in_(select(cast(values.c.value, BigInteger)))  # type: ignore[no-any-return]

"""What makes the suite fast: caches shared by every test's app and engine, and the copying
of often-built rows. Imported once, by tests/conftest.py (and by the tests of these patches,
tests/test_suite_speed.py, which get the same module); the patches apply at import.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import pytest
import werkzeug.routing
import werkzeug.routing.rules
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import text
from sqlalchemy.orm import Session

import db


class _SharedTemplateCache(BytecodeCache):
    """Compiled templates kept for the whole run: every test has a fresh app (and Jinja
    environment), and compiling the same templates again for each was a large share of the
    suite's time. A changed template has another checksum and is compiled anew."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._compiled:
            bucket.bytecode_from_string(self._compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = _SharedTemplateCache()


# Werkzeug writes, compiles and execs two small URL-builder functions for each of the app's
# ~600 rules whenever an app is made: 0.5 s of every test's setup, most of the suite's CPU.
# The function's code depends only on the values below (the rule's parsed parts, the defaults
# folded into it); it reads its converters from the rule it is bound to at call time. So the
# tests keep one builder per key for the whole run. tests/test_suite_speed.py proves that
# every rule of the app gets the same code as an uncached compile would give it.
uncached_compile_builder = werkzeug.routing.rules.Rule._compile_builder
BUILDERS: dict[tuple[Any, ...], Callable[..., tuple[str, str]]] = {}


def builder_key(rule: werkzeug.routing.Rule, append_unknown: bool) -> tuple[Any, ...]:
    defaults = rule.defaults or {}
    folded = sorted(
        (name, rule._converters[name].to_url(value))
        for name, value in defaults.items()
        if name in rule._converters
    )
    return (append_unknown, tuple(rule._trace), tuple(sorted(map(str, defaults))), tuple(folded))


def _shared_builder(
    self: werkzeug.routing.Rule, append_unknown: bool = True
) -> Callable[..., tuple[str, str]]:
    key = builder_key(self, append_unknown)
    builder = BUILDERS.get(key)
    if builder is None:
        builder = BUILDERS[key] = uncached_compile_builder(self, append_unknown)
    return builder


werkzeug.routing.rules.Rule._compile_builder = _shared_builder  # type: ignore[method-assign]


# The rest of a rule's compile, parsing its text into parts with a regular expression, was
# then half of making an app (~10 ms a test). The parts depend only on the key below; each
# rule still gets converters of its own map, made from the recorded names and arguments.
uncached_compile = werkzeug.routing.rules.Rule.compile
PARSED: dict[tuple[Any, ...], tuple[list[Any], list[Any], list[tuple[Any, ...]]]] = {}


def parse_key(rule: werkzeug.routing.Rule) -> tuple[Any, ...]:
    assert rule.map is not None
    domain = rule.host if rule.map.host_matching else rule.subdomain
    converters = tuple(sorted(rule.map.converters.items()))
    return (rule.rule, domain or "", rule.merge_slashes, rule.map.host_matching, converters)


def _compile_parsed_once(self: werkzeug.routing.Rule) -> None:
    key = parse_key(self)
    parsed = PARSED.get(key)
    if parsed is None:
        made: list[tuple[Any, ...]] = []
        get_converter = self.get_converter

        def recording(name: str, converter: str, args: Any, kwargs: Any) -> Any:
            made.append((name, converter, args, kwargs))
            return get_converter(name, converter, args, kwargs)

        self.get_converter = recording  # type: ignore[method-assign]
        try:
            uncached_compile(self)
        finally:
            del self.get_converter
        PARSED[key] = (list(self._parts), list(self._trace), made)
        return
    parts, trace, made = parsed
    self._parts, self._trace = list(parts), list(trace)
    self._converters = {}
    for name, converter, args, kwargs in made:
        self._converters[name] = self.get_converter(name, converter, args, kwargs)
        self.arguments.add(name)
    self._build = self._compile_builder(False).__get__(self, None)
    self._build_unknown = self._compile_builder(True).__get__(self, None)


werkzeug.routing.rules.Rule.compile = _compile_parsed_once  # type: ignore[method-assign]


# SQLAlchemy keeps the SQL it compiled per engine, keyed by the engine's dialect, and every
# test's app makes a new engine: each test compiled the same statements again, about a
# tenth of the suite's CPU. The tests' engines of one database URL share the first one's
# dialect and compiled-statement cache (on SQLite each keeps its own pool; see below for
# PostgreSQL). tests/test_suite_speed.py checks that they do, and that they still work apart.
uncached_make_engine = db._make_engine
_COMPILED: dict[str, tuple[Any, Any]] = {}


# On PostgreSQL they also share one pool. A new connection is a new server process, whose
# first statement on each table reads that table from the catalog again: a test's app and
# the emptying of ~60 tables after it cost 20 ms more a test than on SQLite. A shared pool
# keeps warm connections from test to test. What a connection carries over is bounded: the
# pool rolls back each one it takes back, and the app and tests set options only for a
# transaction (SET LOCAL, set_config(..., true)). Disposing such an engine only lets go of
# the shared pool; the pools themselves are closed when the run ends (close_shared_pools in
# tests/conftest.py).
POOLS: dict[tuple[int, str], Any] = {}


def _engine_sharing_compiled_sql(url: str) -> Any:
    engine = uncached_make_engine(url)
    key = engine.url.render_as_string(hide_password=False)
    first = _COMPILED.setdefault(key, (engine.dialect, engine._compiled_cache))
    engine.dialect, engine._compiled_cache = first
    if engine.dialect.name == "postgresql":
        # Per process: a forked child never gets the parent's connections (db.py).
        shared = POOLS.setdefault((os.getpid(), key), engine.pool)
        engine.pool = shared
        engine.dispose = functools.partial(_leave_shared_pool, engine, shared)
    return engine


def fail_if_connections_held(held: int) -> None:
    """Fail the test that left connections checked out (its app's pool, at teardown): on
    PostgreSQL the next tests share the pool, and a connection kept out would fail one of
    them, far from its cause."""
    if held:
        pytest.fail(f"the test left {held} database connection(s) checked out", pytrace=False)


def _leave_shared_pool(engine: Any, shared: Any, close: bool = True) -> None:
    """Engine.dispose for an engine made on a shared pool: it lets go of that pool (a pool
    of its own from now on), and a pool of its own it disposes as usual."""
    if engine.pool is shared:
        engine.pool = shared.recreate()
    else:
        type(engine).dispose(engine, close)


db._make_engine = _engine_sharing_compiled_sql


@functools.cache
def _tables() -> list[Any]:
    """The app's tables, parents first: sorted once (after the app has imported every
    model), not at every test (a few milliseconds each time)."""
    return list(db.Base.metadata.sorted_tables)


@functools.cache
def _emptying_sql() -> list[str]:
    """DELETE statements that empty every table, children first; the day roll-ups, kept by
    triggers while the reports go, last. Written out once as SQL: each test's new engine
    would compile them again."""
    ordered = sorted(reversed(_tables()), key=lambda t: bool(t.info.get("derived")))
    return [f'DELETE FROM "{t.name}"' for t in ordered]


@functools.cache
def _any_row_sql() -> str:
    """Whether any table holds a row, as one statement (not a round trip per table).
    Compiled by each test's new engine, this select of ~60 EXISTS took 40 ms."""
    return "SELECT " + ", ".join(f'EXISTS (SELECT 1 FROM "{t.name}")' for t in _tables())


def empty_tables(engine: Any) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # One round trip for all of them (psycopg runs several statements without
            # parameters at once): a statement each was a fifth of a test's setup.
            conn.exec_driver_sql("; ".join(_emptying_sql()))
            return
        for statement in _emptying_sql():
            conn.exec_driver_sql(statement)
        # And the planner's statistics a test took (ANALYZE): kept, they changed the plans
        # of the tests that ran after it in this worker, which check the plans of a new
        # database. On PostgreSQL they stay (autovacuum takes new ones when it will): no test
        # there checks a plan that depends on them (those skip, or turn sequential scans off).
        conn.exec_driver_sql("DROP TABLE IF EXISTS sqlite_stat1")
        conn.exec_driver_sql("DROP TABLE IF EXISTS sqlite_stat4")


# Rows that many tests start from (the demo kommuner, the whole demo), written once per worker
# and copied back into the emptied tables for each later test that asks for them.
_SNAPSHOTS: dict[Any, dict[str, list[dict[str, Any]]]] = {}


def _all_empty(conn: Any) -> bool:
    """Whether no table holds a row."""
    return not any(conn.exec_driver_sql(_any_row_sql()).one())


def restore_or_build(session: Session, key: Any, build: Callable[[], None]) -> None:
    """Give an empty database the rows build() writes: by running it the first time for
    this key in this worker, by inserting the rows it wrote every later time. A database
    that is not empty (another fixture wrote first) always runs build()."""
    engine = session.get_bind()
    with engine.connect() as conn:
        empty = _all_empty(conn)
    stored = _SNAPSHOTS.get(key)
    if not empty:
        build()
        return
    if stored is None:
        build()
        with engine.connect() as conn:
            _SNAPSHOTS[key] = {
                table.name: [dict(row) for row in conn.execute(table.select()).mappings()]
                for table in _tables()
            }
        return
    tables = db.Base.metadata.tables
    with engine.begin() as conn:
        for table in _tables():
            # Derived tables (the day roll-ups) are filled by triggers as the rows go in.
            if stored[table.name] and not table.info.get("derived"):
                conn.execute(table.insert(), stored[table.name])
        if conn.dialect.name == "postgresql":
            # Explicit ids leave the sequences behind: the test's own rows come after them.
            for name, rows in stored.items():
                column = tables[name].autoincrement_column
                if rows and column is not None:
                    conn.execute(
                        text("SELECT setval(pg_get_serial_sequence(:t, :c), :n)"),
                        {"t": name, "c": column.name, "n": max(row[column.name] for row in rows)},
                    )

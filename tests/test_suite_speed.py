"""The suite's own speed-ups must not change what the app does."""

from __future__ import annotations

from typing import Any

import pytest

from tests import speedups


def _code(builder: Any) -> tuple[Any, ...]:
    code = builder.__code__
    return (code.co_code, code.co_consts, code.co_names, code.co_varnames, builder.__defaults__)


def test_shared_url_builders_are_the_ones_werkzeug_would_compile(app: Any) -> None:
    """Every rule's cached builder has the code an uncached compile gives that rule."""
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 100
    for rule in rules:
        for append_unknown in (False, True):
            fresh = speedups.uncached_compile_builder(rule, append_unknown)
            shared = speedups.BUILDERS[speedups.builder_key(rule, append_unknown)]
            assert _code(shared) == _code(fresh), rule.rule


def test_a_shared_builder_converts_with_the_rule_it_is_bound_to() -> None:
    """Two apps whose rules share a builder still build with their own converters."""
    from flask import Flask, url_for
    from werkzeug.routing import BaseConverter

    class Shout(BaseConverter):
        def to_url(self, value: Any) -> str:
            return str(value).upper()

    plain, shouting = Flask("plain"), Flask("shouting")
    shouting.url_map.converters["shout"] = Shout
    plain.add_url_rule("/p/<word>", "p", lambda word: word)
    shouting.add_url_rule("/p/<shout:word>", "p", lambda word: word)
    keys = {speedups.builder_key(next(a.url_map.iter_rules("p")), True) for a in (plain, shouting)}
    assert len(keys) == 1  # the same builder serves both rules
    with plain.test_request_context():
        assert url_for("p", word="hej") == "/p/hej"
    with shouting.test_request_context():
        assert url_for("p", word="hej") == "/p/HEJ"


def _rows(session: Any) -> dict[str, list[dict[str, Any]]]:
    import db

    with session.get_bind().connect() as conn:
        # In key order: a table's rows come back in the order they lie in the table, which on
        # PostgreSQL depends on the space earlier tests' deleted rows left.
        return {
            t.name: [dict(r) for r in conn.execute(t.select().order_by(*t.primary_key)).mappings()]
            for t in db.Base.metadata.sorted_tables
        }


def test_restored_rows_are_the_rows_built_and_new_ones_follow_them(app: Any, session: Any) -> None:
    """A snapshot copied back equals what build() wrote; the next insert gets a fresh id."""
    from demo import load_places
    from kommun.models import Landmark

    key = object()  # a key no other test uses: the first call builds

    def build() -> None:
        load_places(session)
        session.commit()

    speedups.restore_or_build(session, key, build)
    built = _rows(session)
    session.close()
    speedups.empty_tables(session.get_bind())
    speedups.restore_or_build(session, key, lambda: pytest.fail("built again"))
    assert _rows(session) == built
    kommun_id = built["kommun"][0]["id"]
    landmark = Landmark(kommun_id=kommun_id, name="Nytt torg", lat=58.38, lon=12.32)
    session.add(landmark)
    session.commit()
    assert landmark.id > max(row["id"] for row in built["landmark"])


def test_emptied_tables_leave_no_planner_statistics_behind(app: Any, session: Any) -> None:
    """The statistics a test takes (ANALYZE) go with its rows: the tests that check SQLite's
    plans check a new database's, and with another test's statistics left behind in the
    worker's database, one of them failed whenever it ran after that test."""
    from sqlalchemy import text

    engine = session.get_bind()
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL takes statistics by itself (autovacuum)")
    session.execute(text("ANALYZE"))
    session.commit()
    names = "SELECT name FROM sqlite_master WHERE name LIKE 'sqlite_stat%'"
    assert session.scalars(text(names)).all()
    session.close()
    speedups.empty_tables(engine)
    assert session.scalars(text(names)).all() == []


def test_engines_of_one_database_share_compiled_sql_and_stay_apart(
    app: Any, another_process: Any
) -> None:
    """The tests' engines of one URL compile a statement once between them. On SQLite each
    keeps a pool of its own; on PostgreSQL they share one pool of warm connections, and two
    sessions at once still get two connections. One engine disposed, the other answers."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    import db
    from kommun.models import Kommun

    first, second = db.get_engine(app), db.get_engine(another_process())
    assert first is not second
    assert first.dialect is second.dialect
    statement = select(Kommun.id).where(Kommun.slug == "nowhere")
    with first.connect() as conn:
        assert conn.execute(statement).first() is None
    compiled = len(first._compiled_cache)
    with second.connect() as conn:
        assert conn.execute(statement).first() is None
    assert len(second._compiled_cache) == compiled  # found, not compiled again
    shared = first.dialect.name == "postgresql"
    assert (first.pool is second.pool) == shared
    with Session(first) as one, Session(second) as other:
        assert one.connection().connection.dbapi_connection is not (
            other.connection().connection.dbapi_connection
        )
    pool = second.pool
    first.dispose()
    assert second.pool is pool
    with second.connect() as conn:
        assert conn.execute(statement).first() is None
    assert first.pool is not pool
    with first.connect() as conn:
        assert conn.execute(statement).first() is None


def test_a_rule_parsed_once_is_the_rule_werkzeug_would_parse(another_process: Any) -> None:
    """Every rule of an app made after the first (so from the shared parse), has the parts,
    trace, arguments and converters an uncached compile gives it, with converters of its
    own map."""
    from werkzeug.routing import Map

    app = another_process()
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 100
    for rule in rules:
        assert speedups.parse_key(rule) in speedups.PARSED, rule.rule
        fresh = rule.empty()
        fresh.merge_slashes, fresh.subdomain = rule.merge_slashes, rule.subdomain
        fresh.map = Map()
        fresh.map.converters = app.url_map.converters
        speedups.uncached_compile(fresh)
        assert rule._parts == fresh._parts, rule.rule
        assert rule._trace == fresh._trace, rule.rule
        assert rule.arguments == fresh.arguments, rule.rule
        assert {n: (type(c), c.regex) for n, c in rule._converters.items()} == {
            n: (type(c), c.regex) for n, c in fresh._converters.items()
        }, rule.rule
        assert all(c.map is app.url_map for c in rule._converters.values()), rule.rule


def test_a_test_that_keeps_a_connection_fails_at_its_teardown(app: Any) -> None:
    """The app fixture's check (tests/conftest.py) sees a connection still checked out."""
    import db

    engine = db.get_engine(app)
    with engine.connect():
        with pytest.raises(pytest.fail.Exception, match="left 1 database connection"):
            speedups.fail_if_connections_held(engine.pool.checkedout())
    speedups.fail_if_connections_held(engine.pool.checkedout())  # all back: passes

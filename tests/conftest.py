"""Fixtures shared by the whole suite.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
Both get the schema through the Alembic migrations, never through create_all. Under
pytest-xdist every worker has a database of its own.

Every test runs under a fixed clock (see "a fixed clock" below).
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import hypothesis
import pytest
import time_machine
import werkzeug.routing
import werkzeug.routing.rules
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import make_url, select, text
from sqlalchemy.orm import Session

import accounts.models
import accounts.services
import db
from app import create_app
from core.clock import LOCAL_ZONE
from demo import load_places
from feedback.services import ReportInput, create_report
from kommun.models import Kommun

# The loopback SMTP server and mail helpers (tests/mail_fixtures.py).
pytest_plugins = ("tests.mail_fixtures",)

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TRYGGKARTAN_SHARED_DATA", ROOT.parent / "shared" / "data"))

# Points well inside the demo kommuner (the squares of their main towns).
VANERSBORG_TORGET = (58.38065, 12.32265)


def square_around(lat: float, lon: float, half: float) -> dict[str, Any]:
    """A GeoJSON square of ±half degrees around a point."""
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


GOTHENBURG = (57.7089, 11.9746)


def shared_data(name: str) -> Path:
    """A file from the shared data beside the project; missing, it fails the test in CI."""
    path = SHARED_DATA / name
    if not path.exists():
        message = f"{path} is missing (fetch ../shared/data or set TRYGGKARTAN_SHARED_DATA)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: CI must run the tests that need it", pytrace=False)
        pytest.skip(message)
    return path


# --- hypothesis ----------------------------------------------------------------------------
# In CI every property test runs the same examples every time (derandomize: drawn from a seed
# fixed by the test's own source), so a run cannot fail on an example no one has seen before,
# and no deadline (a busy machine is slow, not wrong). Locally the examples stay random and a
# failing one prints the blob that replays it (@reproduce_failure).
hypothesis.settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, print_blob=True
)
hypothesis.settings.register_profile("dev", print_blob=True)
hypothesis.settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


# --- order and parallel runs ---------------------------------------------------------------


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first (a stable sort): under xdist they start early on different workers
    instead of one of them ending the run alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


# --- no traffic leaves the machine ----------------------------------------------------------

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise RuntimeError(f"test tried to open a network connection to {host}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


# --- a fixed clock -------------------------------------------------------------------------
# Every test starts at SUITE_NOW, or at the instant of its @pytest.mark.clock(datetime), and
# the clock then ticks on (timeouts, sessions and rate-limit windows keep working). Only this
# process is moved: subprocesses (gunicorn) and the browser's own clock keep the real time.
#
# SUITE_NOW is an awkward hour on purpose: late on a winter weekday in Sweden, 40 days after
# summer time, so a date taken in UTC is often not the kommun's date. The machine's own zone
# is set to one where it is already tomorrow, so code that asks the machine for "today"
# (date.today(), naive datetime.now()) instead of core.clock fails here too.

SUITE_NOW = datetime(2026, 12, 2, 23, 30, tzinfo=LOCAL_ZONE)  # a Wednesday, 22:30 UTC
MACHINE_ZONE = ZoneInfo("Asia/Tokyo")  # 07:30 on Thursday there


@pytest.fixture(autouse=True)
def clock(
    request: pytest.FixtureRequest, time_machine: time_machine.TimeMachineFixture
) -> time_machine.TimeMachineFixture:
    """The test's clock; move_to() or shift() it to test what happens later."""
    marker = request.node.get_closest_marker("clock")
    instant: datetime = marker.args[0] if marker else SUITE_NOW
    if instant.tzinfo is None:
        raise ValueError("@pytest.mark.clock needs an aware datetime")
    time_machine.move_to(instant.astimezone(MACHINE_ZONE), tick=True)
    return time_machine


# --- the database --------------------------------------------------------------------------


def _worker_database(url: str) -> str:
    """This xdist worker's own database beside TEST_DATABASE_URL's, created when missing."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    admin = db.make_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        # tmp_path_factory is per worker under xdist: each one gets its own file.
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")
        return
    database = make_url(url).database
    if not database or not database.endswith("_test"):
        pytest.exit("TEST_DATABASE_URL must name a database ending in _test (it is wiped)")
    url = _worker_database(url)
    engine = db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    yield url


@pytest.fixture(scope="session")
def migrated_url(database_url: str) -> str:
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    engine.dispose()
    return database_url


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


_TEMPLATE_CACHE = _SharedTemplateCache()


def _original(function: Any) -> Any:
    """The function a patch of ours replaced, or the function itself."""
    return getattr(function, "__wrapped__", function)


# Werkzeug writes, compiles and execs two small URL-builder functions for each of the app's
# ~600 rules whenever an app is made: 0.5 s of every test's setup, most of the suite's CPU.
# The function's code depends only on the values below (the rule's parsed parts, the defaults
# folded into it); it reads its converters from the rule it is bound to at call time. So the
# tests keep one builder per key for the whole run. tests/test_suite_speed.py proves that
# every rule of the app gets the same code as an uncached compile would give it.
# This file is imported twice, as the rootdir's conftest and as tests.conftest (tests import
# helpers from it): each patch below wraps the original, never the other copy's patch.
_compile_builder = _original(werkzeug.routing.rules.Rule._compile_builder)
_BUILDERS: dict[tuple[Any, ...], Callable[..., tuple[str, str]]] = {}


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
    builder = _BUILDERS.get(key)
    if builder is None:
        builder = _BUILDERS[key] = _compile_builder(self, append_unknown)
    return builder


_shared_builder.__wrapped__ = _compile_builder  # type: ignore[attr-defined]
werkzeug.routing.rules.Rule._compile_builder = _shared_builder  # type: ignore[method-assign]


# The rest of a rule's compile, parsing its text into parts with a regular expression, was
# then half of making an app (~10 ms a test). The parts depend only on the key below; each
# rule still gets converters of its own map, made from the recorded names and arguments.
_compile = _original(werkzeug.routing.rules.Rule.compile)
_PARSED: dict[tuple[Any, ...], tuple[list[Any], list[Any], list[tuple[Any, ...]]]] = {}


def parse_key(rule: werkzeug.routing.Rule) -> tuple[Any, ...]:
    assert rule.map is not None
    domain = rule.host if rule.map.host_matching else rule.subdomain
    converters = tuple(sorted(rule.map.converters.items()))
    return (rule.rule, domain or "", rule.merge_slashes, rule.map.host_matching, converters)


def _compile_parsed_once(self: werkzeug.routing.Rule) -> None:
    key = parse_key(self)
    parsed = _PARSED.get(key)
    if parsed is None:
        made: list[tuple[Any, ...]] = []
        get_converter = self.get_converter

        def recording(name: str, converter: str, args: Any, kwargs: Any) -> Any:
            made.append((name, converter, args, kwargs))
            return get_converter(name, converter, args, kwargs)

        self.get_converter = recording  # type: ignore[method-assign]
        try:
            _compile(self)
        finally:
            del self.get_converter
        _PARSED[key] = (list(self._parts), list(self._trace), made)
        return
    parts, trace, made = parsed
    self._parts, self._trace = list(parts), list(trace)
    self._converters = {}
    for name, converter, args, kwargs in made:
        self._converters[name] = self.get_converter(name, converter, args, kwargs)
        self.arguments.add(name)
    self._build = self._compile_builder(False).__get__(self, None)
    self._build_unknown = self._compile_builder(True).__get__(self, None)


_compile_parsed_once.__wrapped__ = _compile  # type: ignore[attr-defined]
werkzeug.routing.rules.Rule.compile = _compile_parsed_once  # type: ignore[method-assign]


# SQLAlchemy keeps the SQL it compiled per engine, keyed by the engine's dialect, and every
# test's app makes a new engine: each test compiled the same statements again, about a
# tenth of the suite's CPU. The tests' engines of one database URL share the first one's
# dialect and compiled-statement cache (on SQLite each keeps its own pool; see below for
# PostgreSQL). tests/test_suite_speed.py checks that they do, and that they still work apart.
_make_engine = _original(db._make_engine)
_COMPILED: dict[str, tuple[Any, Any]] = {}


# On PostgreSQL they also share one pool. A new connection is a new server process, whose
# first statement on each table reads that table from the catalog again: a test's app and
# the emptying of ~60 tables after it cost 20 ms more a test than on SQLite. A shared pool
# keeps warm connections from test to test. What a connection carries over is bounded: the
# pool rolls back each one it takes back, and the app and tests set options only for a
# transaction (SET LOCAL, set_config(..., true)). Disposing such an engine only lets go of
# the shared pool; the pools themselves are closed when the run ends (close_shared_pools).
_POOLS: dict[tuple[int, str], Any] = {}


def _engine_sharing_compiled_sql(url: str) -> Any:
    engine = _make_engine(url)
    key = engine.url.render_as_string(hide_password=False)
    first = _COMPILED.setdefault(key, (engine.dialect, engine._compiled_cache))
    engine.dialect, engine._compiled_cache = first
    if engine.dialect.name == "postgresql":
        # Per process: a forked child never gets the parent's connections (db.py).
        shared = _POOLS.setdefault((os.getpid(), key), engine.pool)
        engine.pool = shared
        engine.dispose = functools.partial(_leave_shared_pool, engine, shared)
    return engine


@pytest.fixture(scope="session", autouse=True)
def close_shared_pools() -> Iterator[None]:
    yield
    # The pools of the patch in effect (this file's other copy may have made it).
    for (pid, _url), pool in list(getattr(db._make_engine, "pools", {}).items()):
        if pid == os.getpid():
            pool.dispose()


def _leave_shared_pool(engine: Any, shared: Any, close: bool = True) -> None:
    """Engine.dispose for an engine made on a shared pool: it lets go of that pool (a pool
    of its own from now on), and a pool of its own it disposes as usual."""
    if engine.pool is shared:
        engine.pool = shared.recreate()
    else:
        type(engine).dispose(engine, close)


_engine_sharing_compiled_sql.__wrapped__ = _make_engine  # type: ignore[attr-defined]
_engine_sharing_compiled_sql.pools = _POOLS  # type: ignore[attr-defined]
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


def _empty_tables(engine: Any) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # One round trip for all of them (psycopg runs several statements without
            # parameters at once): a statement each was a fifth of a test's setup.
            conn.exec_driver_sql("; ".join(_emptying_sql()))
            return
        for statement in _emptying_sql():
            conn.exec_driver_sql(statement)


@pytest.fixture
def app(migrated_url: str, tmp_path: Path) -> Iterator[Any]:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": migrated_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png",
            "HOTSPOTS_RECOMPUTE": "off",
            "JOBS_IMMEDIATE": True,
        },
        instance_path=str(tmp_path),  # its own uploads, job queue and cache
    )
    app.jinja_env.bytecode_cache = _TEMPLATE_CACHE
    yield app
    engine = db.get_engine(app)
    _empty_tables(engine)
    engine.dispose()


@pytest.fixture
def another_process(app: Any) -> Iterator[Callable[[], Any]]:
    """Factory: another process of the embedded mode beside `app` (`flask jobs worker` beside
    `flask run`, or the app started again): an app of its own on the same database and
    instance folder, so the same job queue and cache."""
    made: list[Any] = []

    def make() -> Any:
        config = {key: app.config[key] for key in ("DATABASE_URL", "SECRET_KEY", "TILE_URL")}
        other = create_app(config | {"HOTSPOTS_RECOMPUTE": "off"}, instance_path=app.instance_path)
        other.jinja_env.bytecode_cache = _TEMPLATE_CACHE
        made.append(other)
        return other

    yield make
    for other in made:
        db.get_engine(other).dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def session(app: Any) -> Iterator[Session]:
    """A session of its own, for arranging data and checking what the app stored."""
    with Session(db.get_engine(app), expire_on_commit=False) as s:
        yield s


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


@pytest.fixture
def kommuner(session: Session) -> dict[str, Kommun]:
    """The three demo kommuner with their landmarks, by name."""

    def build() -> None:
        load_places(session)
        session.commit()

    restore_or_build(session, "kommuner", build)
    return {k.name: k for k in session.scalars(select(Kommun).order_by(Kommun.id))}


@pytest.fixture
def create_report_at(session: Session) -> Callable[..., Any]:
    """Factory: store a report at a point (defaults: otrygg, dark place)."""

    def create(kommun: Kommun, lat: float, lon: float, **fields: Any) -> Any:
        fields.setdefault("reasons", ["place.dark"])
        report = create_report(
            session, kommun, ReportInput(lat=lat, lon=lon, location_method="map", **fields)
        )
        session.commit()
        return report

    return create


@pytest.fixture
def create_dialogue(session: Session) -> Callable[..., Any]:
    """Factory: an instrument copied from a template and a dialogue session using it."""
    from surveys.models import DialogueSession
    from surveys.services import copy_template

    def create(kommun: Kommun, template: str = "lokal_trygghet", **fields: Any) -> Any:
        instrument = copy_template(session, kommun, template)
        values = {
            "held_on": date(2026, 11, 14),
            "place": "Torget",
            "method": "trygghetsvandring" if template == "trygghetsvandring" else "gatuenkat",
        } | fields
        dialogue = DialogueSession(kommun_id=kommun.id, version_id=instrument.current.id, **values)
        session.add(dialogue)
        session.commit()
        return dialogue

    return create


# --- staff accounts ------------------------------------------------------------------------

STAFF_PASSWORD = "rätt häst batteri häftapparat"

# scrypt at a test's work factor: at the production one (n=2**15) a hash took a quarter of a
# second, and hashing the staff's passwords was the largest single share of the suite's CPU.
# tests/accounts/test_login.py checks the production method itself (real_password_hashing).
TEST_PASSWORD_METHOD = "scrypt:1024:8:1"
_PRODUCTION_PASSWORD_METHOD = accounts.models.PASSWORD_METHOD


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts.models, "PASSWORD_METHOD", TEST_PASSWORD_METHOD)


@pytest.fixture
def real_password_hashing(cheap_password_hashing: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """The production hashing for one test; returns its method."""
    monkeypatch.setattr(accounts.models, "PASSWORD_METHOD", _PRODUCTION_PASSWORD_METHOD)
    return _PRODUCTION_PASSWORD_METHOD


@pytest.fixture
def create_user(session: Session, kommuner: dict[str, Kommun]) -> Callable[..., Any]:
    """Factory: a staff account with STAFF_PASSWORD, member of the kommuner named."""
    from accounts.services import create_user as create_account

    counter = iter(range(1, 1000))

    def create(
        role: str = "coordinator",
        kommun_names: tuple[str, ...] = ("Vänersborg",),
        *,
        email: str | None = None,
        name: str | None = None,
        password: str | None = STAFF_PASSWORD,
        organisation: str | None = None,
        active: bool = True,
    ) -> Any:
        n = next(counter)
        user = create_account(
            session,
            email=email or f"{role}{n}@kommun.example",
            name=name or f"{role.title()} {n}",
            role=role,
            kommuner=[kommuner[k] for k in kommun_names],
            organisation=organisation or ("Bostadsbolaget AB" if role == "rapportor" else None),
            password=password,
        )
        user.active = active
        session.commit()
        return user

    return create


@pytest.fixture
def login(client: Any) -> Callable[..., Any]:
    """Log a user in (on the suite's client unless another is given); returns the response."""

    def do(user: Any, password: str = STAFF_PASSWORD, *, on: Any = None) -> Any:
        response = (on or client).post(
            "/inloggning", data={"email": user.email, "password": password}
        )
        assert response.status_code == 303, response.data[:500]
        return response

    return do

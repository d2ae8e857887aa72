"""Fixtures shared by the whole suite.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
Both get the schema through the Alembic migrations, never through create_all. Under
pytest-xdist every worker has a database of its own.

Every test runs under a fixed clock (see "a fixed clock" below).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import time_machine
from sqlalchemy import make_url, select, text
from sqlalchemy.orm import Session

import accounts.models
import db
from app import create_app
from demo import load_places
from feedback.services import ReportInput, create_report
from kommun.models import Kommun
from tests import speedups
from tests.helpers import MACHINE_ZONE, STAFF_PASSWORD, SUITE_NOW, TEST_PASSWORD_METHOD

# The loopback SMTP server and mail helpers (tests/mail_fixtures.py).
pytest_plugins = ("tests.mail_fixtures",)

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

# (SUITE_NOW and MACHINE_ZONE are in tests/helpers.py.)


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


@pytest.fixture(scope="session", autouse=True)
def close_shared_pools() -> Iterator[None]:
    """The PostgreSQL pools the tests' engines share (tests/speedups.py), closed at the end."""
    yield
    for (pid, _url), pool in list(speedups.POOLS.items()):
        if pid == os.getpid():
            pool.dispose()


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
    app.jinja_env.bytecode_cache = speedups.TEMPLATE_CACHE
    yield app
    engine = db.get_engine(app)
    held = engine.pool.checkedout()
    speedups.empty_tables(engine)
    engine.dispose()
    speedups.fail_if_connections_held(held)


@pytest.fixture
def another_process(app: Any) -> Iterator[Callable[[], Any]]:
    """Factory: another process of the embedded mode beside `app` (`flask jobs worker` beside
    `flask run`, or the app started again): an app of its own on the same database and
    instance folder, so the same job queue and cache."""
    made: list[Any] = []

    def make() -> Any:
        config = {key: app.config[key] for key in ("DATABASE_URL", "SECRET_KEY", "TILE_URL")}
        other = create_app(config | {"HOTSPOTS_RECOMPUTE": "off"}, instance_path=app.instance_path)
        other.jinja_env.bytecode_cache = speedups.TEMPLATE_CACHE
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


@pytest.fixture
def kommuner(session: Session) -> dict[str, Kommun]:
    """The three demo kommuner with their landmarks, by name."""

    def build() -> None:
        load_places(session)
        session.commit()

    speedups.restore_or_build(session, "kommuner", build)
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

# The staff's password and the tests' cheap hashing method are in tests/helpers.py.
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

"""One transaction per request: the request layer commits once, or leaves nothing behind."""

from __future__ import annotations

import os
from typing import Any

from flask import abort, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import after_commit, get_engine, get_session
from kommun.models import Kommun, Landmark
from kommun.services import load_landmarks
from tests.helpers import VANERSBORG_TORGET

INSIDE = {"name": "Nya torget", "lat": VANERSBORG_TORGET[0], "lon": VANERSBORG_TORGET[1]}
OUTSIDE = {"name": "Långt bort", "lat": 67.85, "lon": 20.22}  # Kiruna


def _landmarks(session: Any) -> set[str]:
    session.expire_all()
    return set(session.scalars(select(Landmark.name)))


def _route(app: Any, view: Any) -> str:
    app.add_url_rule(f"/_test/{view.__name__}", view.__name__, view, methods=["POST"])
    return f"/_test/{view.__name__}"


def _vanersborg() -> Kommun:
    kommun = get_session().scalar(select(Kommun).where(Kommun.name == "Vänersborg"))
    assert kommun is not None
    return kommun


def test_a_service_raising_mid_request_leaves_nothing_half_written(
    app: Any, client: Any, session: Any, kommuner: Any
) -> None:
    """The first service wrote and flushed; the second raises: neither write is kept."""
    before = _landmarks(session)

    def write_then_fail() -> str:
        kommun = _vanersborg()
        load_landmarks(get_session(), kommun, [INSIDE])
        assert get_session().scalar(select(func.count()).select_from(Landmark)) > len(before)
        load_landmarks(get_session(), kommun, [OUTSIDE])  # raises ValueError
        return "not reached"

    assert client.post(_route(app, write_then_fail)).status_code == 500
    assert _landmarks(session) == before


def test_a_refused_request_keeps_nothing(
    app: Any, client: Any, session: Any, kommuner: Any
) -> None:
    before = _landmarks(session)

    def write_then_refuse() -> str:
        load_landmarks(get_session(), _vanersborg(), [INSIDE])
        abort(400)

    assert client.post(_route(app, write_then_refuse)).status_code == 400
    assert _landmarks(session) == before


def test_a_successful_request_is_committed_once_by_the_request_layer(
    app: Any, client: Any, session: Any, kommuner: Any
) -> None:
    """The view only flushes (through the service); the answer is 200 and the row is stored."""

    def write() -> str:
        load_landmarks(get_session(), _vanersborg(), [INSIDE])
        return "ok"

    assert client.post(_route(app, write)).status_code == 200
    assert INSIDE["name"] in _landmarks(session)


def test_a_commit_that_fails_is_a_500_not_a_success(
    app: Any, client: Any, session: Any, kommuner: Any
) -> None:
    """The answer leaves only after the commit: a failing commit is never reported as done."""

    def write_a_duplicate() -> str:
        kommun = _vanersborg()
        copied = ("code", "name", "slug", "boundary_geojson", "min_lat", "min_lon", "max_lat")
        twin = Kommun(**{c: getattr(kommun, c) for c in copied}, max_lon=kommun.max_lon)
        get_session().add(twin)
        return "ok"

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production, not re-raised in the test
    assert client.post(_route(app, write_a_duplicate)).status_code == 500
    assert session.scalar(select(func.count()).select_from(Kommun)) == len(kommuner)


def test_what_waits_for_the_commit_runs_after_it_and_only_then(
    app: Any, client: Any, session: Any, kommuner: Any
) -> None:
    """after_commit: the callback sees the row from a session of its own (as a job would);
    on a refused request it never runs."""
    seen: list[set[str]] = []

    def look() -> None:
        with Session(get_engine(app)) as other:
            seen.append(set(other.scalars(select(Landmark.name))))

    def write_and_wait() -> str:
        load_landmarks(get_session(), _vanersborg(), [INSIDE])
        after_commit(get_session(), look)
        if request.args.get("refuse"):
            abort(400)
        return "ok"

    url = _route(app, write_and_wait)
    assert client.post(url + "?refuse=1").status_code == 400
    assert seen == []
    assert client.post(url).status_code == 200
    assert len(seen) == 1 and INSIDE["name"] in seen[0]


def test_work_after_a_commit_that_fails_stops_neither_the_rest_nor_the_answer(
    app: Any, client: Any, session: Any, kommuner: Any, caplog: Any
) -> None:
    """The commit stands: a callback that raises is logged, the ones after it run, and the
    request answers as it would have."""
    ran: list[str] = []

    def fail() -> None:
        raise OSError("a file that could not be deleted")

    def write_and_queue() -> str:
        load_landmarks(get_session(), _vanersborg(), [INSIDE])
        after_commit(get_session(), fail)
        after_commit(get_session(), lambda: ran.append("signal"))
        return "ok"

    assert client.post(_route(app, write_and_queue)).status_code == 200
    assert ran == ["signal"]
    assert INSIDE["name"] in set(session.scalars(select(Landmark.name)))
    assert "work after a commit failed" in caplog.text


def test_a_forked_process_opens_connections_of_its_own(app):
    """gunicorn forks its workers from the master that made the app (preload_app): a
    connection the master opened stays the master's, and the child opens its own."""
    engine = get_engine(app)
    engine.dispose()  # a pool of its own, as the master has (tests share one on PostgreSQL)
    with engine.connect() as conn:
        conn.execute(select(1))
        parents = conn.connection.dbapi_connection
    assert engine.pool.checkedin() == 1
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what it finds, then leave at once
        try:
            untouched = engine.pool.checkedin() == 0
            with engine.connect() as conn:
                ok = conn.scalar(select(1)) == 1 and conn.connection.dbapi_connection is not parents
            os.write(write, b"1" if untouched and ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.close(read)
    os.waitpid(pid, 0)
    assert answer == b"1"
    with engine.connect() as conn:  # the parent's own connection still works
        assert conn.connection.dbapi_connection is parents
        assert conn.scalar(select(1)) == 1

"""The public page's map data come from a cache, fresh after every change, per language,
whichever process made the change."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

import db
from app import create_app
from feedback.models import Report
from tests.helpers import VANERSBORG_TORGET, valid_form
from tests.pages import parse_page
from tests.servers import require_redis

LAT, LON = VANERSBORG_TORGET
PAGE = "/k/vanersborg/loften"


def cell_total(response) -> int:
    page = parse_page(response.data)
    return sum(int(r.select("td")[1].get_text()) for r in page.select("details table tbody tr"))


@pytest.fixture
def report_queries(app):
    """Counts the statements that read the report table."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        if "FROM report" in statement:
            seen.append(statement)

    engine = db.get_engine(app)
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def test_a_second_visit_reads_no_report_and_a_new_report_shows_at_once(
    client, kommuner, create_report_at, report_queries
):
    vbg = kommuner["Vänersborg"]
    for _ in range(5):
        create_report_at(vbg, LAT, LON)
    assert cell_total(client.get("/k/vanersborg/loften")) == 5
    report_queries.clear()
    assert cell_total(client.get("/k/vanersborg/loften")) == 5
    assert report_queries == []
    create_report_at(vbg, LAT, LON)  # committed outside any request
    assert cell_total(client.get("/k/vanersborg/loften")) == 6


def test_reports_changed_gives_the_kommun_a_new_generation(app, kommuner):
    from core.cache import generation
    from feedback.signals import reports_changed

    vbg, arboga = kommuner["Vänersborg"], kommuner["Arboga"]
    with app.app_context():
        before, other = generation(vbg.id), generation(arboga.id)
        reports_changed.send(app, kommun_id=vbg.id)
        assert generation(vbg.id) != before
        assert generation(arboga.id) == other


def test_each_language_and_request_gets_its_own_map_text_and_nonce(
    client, kommuner, create_report_at
):
    for _ in range(5):
        create_report_at(kommuner["Vänersborg"], LAT, LON)
    swedish = client.get("/k/vanersborg/loften")
    english = client.get("/k/vanersborg/loften?lang=en")
    assert "Otrygga platser (rutor" in swedish.get_data(as_text=True)
    assert "Otrygga platser (rutor" not in english.get_data(as_text=True)
    assert "Unsafe places (250 m squares)" in english.get_data(as_text=True)
    again = client.get("/k/vanersborg/loften")  # a cache hit
    for response in (swedish, again):
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])[1]
        html = response.get_data(as_text=True)
        assert f'nonce="{nonce}"' in html and "tk-nonce-placeholder" not in html


def test_public_page_is_rate_limited_per_address(app, client, kommuner):
    app.config["PUBLIC_PAGE_RATE_LIMIT"] = "2 per minute"
    assert client.get("/k/vanersborg/loften").status_code == 200
    assert client.get("/k/vanersborg/loften").status_code == 200
    assert client.get("/k/vanersborg/loften").status_code == 429
    other = {"REMOTE_ADDR": "127.0.0.9"}
    assert client.get("/k/vanersborg/loften", environ_overrides=other).status_code == 200


def test_redis_in_production_files_under_instance_embedded(migrated_url, tmp_path):
    def cache_type(**config):
        app = create_app(
            {"DATABASE_URL": migrated_url, "SECRET_KEY": "x", "HOTSPOTS_RECOMPUTE": "off"} | config,
            instance_path=str(tmp_path),
        )
        db.get_engine(app).dispose()
        where = app.config.get("CACHE_REDIS_URL") or app.config.get("CACHE_DIR")
        return app.config["CACHE_TYPE"], where

    kind, folder = cache_type()
    assert kind == "FileSystemCache" and Path(folder).parent == tmp_path / "cache"
    # One folder per database: the same instance folder on another database reads none of it.
    other = tmp_path / "other.sqlite"
    assert cache_type(DATABASE_URL=f"sqlite:///{other}")[1] != folder
    assert cache_type()[1] == folder
    url = "redis://127.0.0.1:6379/0"
    assert cache_type(RATELIMIT_STORAGE_URI=url) == ("core.cache.RedisCacheOrMiss", url)
    assert cache_type(REDIS_URL=url) == ("core.cache.RedisCacheOrMiss", url)
    assert cache_type(CACHE_TYPE="SimpleCache", REDIS_URL=url)[0] == "SimpleCache"


# --- the embedded mode's processes share the cache ------------------------------------------


def test_a_report_the_job_worker_deletes_leaves_the_served_page_at_once(
    client, kommuner, create_report_at, report_queries, another_process
):
    """The job worker (the nightly retention, a scanned batch) commits in a process of its
    own; the web process's next visit shows its change, not the page it had cached."""
    worker = another_process()
    vbg = kommuner["Vänersborg"]
    reports = [create_report_at(vbg, LAT, LON) for _ in range(6)]
    assert cell_total(client.get(PAGE)) == 6
    report_queries.clear()
    assert cell_total(client.get(PAGE)) == 6
    assert report_queries == []  # served from the cache
    with Session(db.get_engine(worker)) as session:  # outside any request, as a job does
        session.delete(session.get(Report, reports[0].id))
        session.commit()
    assert cell_total(client.get(PAGE)) == 5


def test_a_page_cached_before_a_restart_is_computed_anew(
    app, client, kommuner, create_report_at, another_process
):
    """The cache's files outlive the processes; what changed the database while the app was
    stopped (a restored backup, a migration) made no commit that bumped a generation."""
    reports = [create_report_at(kommuner["Vänersborg"], LAT, LON) for _ in range(6)]
    assert cell_total(client.get(PAGE)) == 6
    with db.get_engine(app).begin() as conn:  # beneath the app: no session, no commit hook
        conn.execute(delete(Report.__table__).where(Report.__table__.c.id == reports[0].id))
    restarted = another_process().test_client()
    assert cell_total(restarted.get(PAGE)) == 5


def test_a_full_cache_drops_values_before_tokens_and_a_lost_token_is_a_miss(migrated_url, tmp_path):
    from core.cache import ALL, cache, generation, per_kommun

    app = create_app(
        {"DATABASE_URL": migrated_url, "SECRET_KEY": "x", "HOTSPOTS_RECOMPUTE": "off"}
        | {"CACHE_THRESHOLD": 4},
        instance_path=str(tmp_path),
    )
    computed: list[int] = []

    @per_kommun("test")
    def value(_kommun: object, n: int) -> int:
        computed.append(n)
        return n

    kommun = SimpleNamespace(id=7)
    with app.test_request_context():
        tokens = generation(kommun.id), generation(ALL)
        for n in range(10):
            assert value(kommun, n) == n
        assert len(list(Path(app.config["CACHE_DIR"]).iterdir())) < 12  # some were pruned
        assert (generation(kommun.id), generation(ALL)) == tokens  # pruned were the values
        assert value(kommun, 9) == 9 and computed.count(9) == 1
        cache.delete(f"generation:{kommun.id}")  # a token lost
        assert value(kommun, 9) == 9 and computed.count(9) == 2
    db.get_engine(app).dispose()


def test_a_staff_look_at_a_report_leaves_the_cached_pages_fresh(
    app, client, kommuner, create_report_at, create_user, login, session
):
    """Opening a report writes the audit log (tests/privacy), which no cached page shows: the
    kommun's pages stay cached. A change to the report still makes them stale."""
    from audit.models import AuditEvent
    from core.cache import ALL, generation

    vbg = kommuner["Vänersborg"]
    report = create_report_at(vbg, *VANERSBORG_TORGET)
    login(create_user("coordinator", ("Vänersborg",)))
    with app.app_context():
        tokens = generation(vbg.id), generation(ALL)
    logged = session.query(AuditEvent).count()
    assert client.get(f"/samordnare/rapport/{report.id}").status_code == 200
    assert session.query(AuditEvent).count() > logged
    with app.app_context():
        assert (generation(vbg.id), generation(ALL)) == tokens
    report.hidden = True
    session.commit()
    with app.app_context():
        assert generation(vbg.id) != tokens[0]


def test_a_residents_report_gives_its_kommun_one_new_generation(app, client, kommuner, monkeypatch):
    """The commit bumps the kommun's token, and the reports_changed signal sent after it
    finds it bumped: one write of a token to the shared cache per report, not two."""
    from core.cache import cache, generation

    vbg = kommuner["Vänersborg"]
    with app.app_context():
        before = generation(vbg.id)
    written: list[str] = []
    real_set = cache.set

    def noting_set(key, *args, **kwargs):
        written.append(key)
        return real_set(key, *args, **kwargs)

    monkeypatch.setattr(cache, "set", noting_set)
    response = client.post("/k/vanersborg/", data=valid_form())
    assert response.status_code == 303
    assert [key for key in written if key.startswith("generation:")] == [f"generation:{vbg.id}"]
    with app.app_context():
        assert generation(vbg.id) != before


def test_a_cache_that_cannot_be_written_stops_no_after_commit_work(
    app, client, kommuner, session, monkeypatch, caplog
):
    """The report is committed before its cache generation is renewed: with the cache
    failing (Redis gone), the resident still gets the receipt, the reports_changed signal is
    still sent and the failure is logged."""
    from core.cache import cache
    from core.signals import reports_changed

    sent: list[int] = []

    def failing_set(key, *_args, **_kwargs):
        raise ConnectionError(f"cache down, {key} not written")

    def noted(_app, **extra):
        sent.append(extra["kommun_id"])

    monkeypatch.setattr(cache, "set", failing_set)
    reports_changed.connect(noted, sender=app)
    try:
        response = client.post("/k/vanersborg/", data=valid_form())
    finally:
        reports_changed.disconnect(noted, sender=app)
    assert response.status_code == 303
    assert session.scalar(select(func.count()).select_from(Report)) == 1
    assert sent == [kommuner["Vänersborg"].id]
    assert "could not renew the cache generation" in caplog.text


@pytest.fixture
def redis_cache_state(monkeypatch):
    """RedisCacheOrMiss's per-process state (a pause, a renewal owed), put back afterwards."""
    from core.cache import RedisCacheOrMiss

    for name in ("_down_until", "_warned_at", "_owes_renewal"):
        monkeypatch.setattr(RedisCacheOrMiss, name, getattr(RedisCacheOrMiss, name))


def test_with_redis_out_of_reach_residents_still_report_and_read(
    migrated_url, tmp_path, kommuner, caplog, redis_cache_state
):
    """Production with its Redis restarting: the cache misses, the rate limits count in the
    process's memory, a queued job waits for the sweep, and no resident sees an error page."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        gone = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    app = create_app(
        {
            "DATABASE_URL": migrated_url,
            "SECRET_KEY": "x",
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": gone,
            "RATELIMIT_STORAGE_URI": gone,
            "REPORT_RATE_LIMIT": "2 per minute",
            "PROPAGATE_EXCEPTIONS": False,
        },
        instance_path=str(tmp_path),
    )
    client = app.test_client()
    try:
        for path in ("/", "/k/vanersborg/", "/k/vanersborg/loften"):
            assert client.get(path).status_code == 200, path
        sent = client.post("/k/vanersborg/", data=valid_form())
        assert sent.status_code == 303
        assert client.get(sent.headers["Location"]).status_code == 200
        assert client.post("/k/vanersborg/", data=valid_form()).status_code == 303
        # The limit still holds, counted in memory meanwhile.
        assert client.post("/k/vanersborg/", data=valid_form()).status_code == 429
    finally:
        db.get_engine(app).dispose()
    assert "the cache (Redis) could not" in caplog.text


def test_after_an_outage_every_kommuns_pages_are_computed_anew(
    migrated_url, tmp_path, monkeypatch, redis_cache_state
):
    """Commits made while Redis was out of reach could not renew their kommuner's tokens; a
    Redis that comes back with its keys would serve the pages from before them. The first
    operation once it answers renews the token all keys carry."""
    from redis.exceptions import ConnectionError as RedisDown

    from core.cache import ALL, RedisCacheOrMiss, cache, generation

    require_redis()
    app = create_app(
        {
            "DATABASE_URL": migrated_url,
            "SECRET_KEY": "x",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "RATELIMIT_KEY_PREFIX": f"outage-{tmp_path.name}",
        },
        instance_path=str(tmp_path),
    )
    try:
        with app.app_context():
            backend = app.extensions["cache"][cache]
            before = generation(ALL)
            assert generation(ALL) == before
            cache.set("held", 7)
            with monkeypatch.context() as outage:

                def refused(*_args, **_kwargs):
                    raise RedisDown("Redis is restarting")

                outage.setattr(backend._read_client, "get", refused)
                outage.setattr(backend._write_client, "set", refused)
                outage.setattr(backend._write_client, "setex", refused)
                assert cache.get("held") is None  # a miss, not an error
                assert cache.set("held", 8) is False
            assert cache.get("held") is None  # Redis answers again, but is left alone a while
            monkeypatch.setattr(RedisCacheOrMiss, "_down_until", float("-inf"))
            assert cache.get("held") == 7
            assert generation(ALL) != before  # renewed before that first read
            assert generation(ALL) == generation(ALL)
    finally:
        db.get_engine(app).dispose()

"""The production run: /healthz, SQLite backups that restore, gunicorn with Redis limits."""

from __future__ import annotations

import os
import runpy
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

import db
from app import create_app
from core.backup import BackupError, backup, restore
from feedback.models import Report
from hotspots.models import HotSpotRun
from kommun.models import Kommun
from tests.helpers import VANERSBORG_TORGET
from tests.servers import answers_within, children, free_port, gunicorn, require_redis

ROOT = Path(__file__).resolve().parents[1]


def test_healthz_checks_the_database(client, tmp_path):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}
    broken = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "HOTSPOTS_RECOMPUTE": "off",
            # Nothing listens on port 9: the database is down.
            "DATABASE_URL": "postgresql://postgres@127.0.0.1:9/tryggkartan",
        },
        instance_path=str(tmp_path),
    )
    down = broken.test_client().get("/healthz")
    assert down.status_code == 503 and down.json == {"status": "error", "database": "unreachable"}
    assert "127.0.0.1" not in down.get_data(as_text=True)
    db.get_engine(broken).dispose()


def test_backup_is_consistent_and_restores(app, session, kommuners_and_report, tmp_path):
    engine = db.get_engine(app)
    if engine.url.get_backend_name() != "sqlite":
        with pytest.raises(BackupError, match="pg_dump"):
            backup(engine, tmp_path / "x.sqlite")
        return
    kommun, first = kommuners_and_report
    target = tmp_path / "backups" / "tryggkartan.sqlite"
    assert backup(engine, target) > 0
    with pytest.raises(BackupError, match="exists already"):
        backup(engine, target)
    # A report after the backup is gone after the restore; the one before is back.
    from feedback.services import ReportInput, create_report

    create_report(
        session,
        kommun,
        ReportInput(lat=first.lat, lon=first.lon, location_method="map", reasons=["place.dark"]),
    )
    session.commit()
    assert session.scalar(select(func.count(Report.id))) == 2
    session.close()
    restore(engine, target)
    with db.Session(engine) as fresh:
        assert fresh.scalars(select(Report.receipt_code)).all() == [first.receipt_code]
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database")
    with pytest.raises(BackupError):
        restore(engine, junk)


def test_backup_commands(app, runner, kommuners_and_report, tmp_path):
    if db.get_engine(app).url.get_backend_name() != "sqlite":
        result = runner.invoke(args=["backup", "create", str(tmp_path / "b.sqlite")])
        assert result.exit_code == 1 and "pg_dump" in result.output
        return
    result = runner.invoke(args=["backup", "create", str(tmp_path / "b.sqlite")])
    assert result.exit_code == 0 and "Backup written" in result.output
    refused = runner.invoke(args=["backup", "restore", str(tmp_path / "b.sqlite")], input="n\n")
    assert refused.exit_code == 1
    done = runner.invoke(args=["backup", "restore", "--yes", str(tmp_path / "b.sqlite")])
    assert done.exit_code == 0 and "restored" in done.output


@pytest.fixture
def kommuners_and_report(kommuner, create_report_at):
    kommun = kommuner["Vänersborg"]
    return kommun, create_report_at(kommun, *VANERSBORG_TORGET)


@pytest.mark.slow
def test_gunicorn_pools_share_login_limits_in_redis_and_send_a_secure_cookie(
    migrated_url, tmp_path, monkeypatch
):
    """gunicorn as `./dev prod` starts it, with a pool of its own for the staff: the login
    limit is counted in Redis across both pools' workers, the public pool's workers yield the
    CPU to the staff's, and the session cookie (the login form keeps its CSRF token there) is
    sent over HTTPS only."""
    require_redis()
    import redis

    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)

    prefix = f"tryggkartan-test-{os.getpid()}"
    staff_port = free_port()
    env = {
        "DATABASE_URL": migrated_url,
        "SECRET_KEY": "test-" + prefix,
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_RATE_LIMIT": "3 per minute",
        "HOTSPOTS_RECOMPUTE": "off",
        "WEB_CONCURRENCY": "2",
        "STAFF_BIND": f"127.0.0.1:{staff_port}",
        "STAFF_CONCURRENCY": "1",
        "JOBS_WORKER": "0",
    }
    try:
        with gunicorn(env, wait_path="/inloggning") as server:
            staff_base = f"http://127.0.0.1:{staff_port}"
            assert answers_within(staff_base + "/inloggning", 60)
            with urllib.request.urlopen(f"{staff_base}/inloggning") as r:
                cookie = r.headers["Set-Cookie"]
            assert "; Secure" in cookie and "HttpOnly" in cookie
            codes = []
            for n in range(6):  # new connections: different workers and pools answer
                base = (server.base, staff_base)[n % 2]
                request = urllib.request.Request(
                    f"{base}/inloggning", data=b"email=a%40b.se&password=x", method="POST"
                )
                try:
                    with urllib.request.urlopen(request, timeout=60) as r:
                        codes.append(r.status)
                except urllib.error.HTTPError as error:
                    codes.append(error.code)
            under_master = children(server.pid)
            staff_master = [p for p, c in under_master.items() if "-m gunicorn" in c]
            assert len(staff_master) == 1
            public_workers = set(under_master) - set(staff_master)
            staff_workers = set(children(staff_master[0]))
            assert len(public_workers) == 2 and len(staff_workers) == 1
            assert {os.getpriority(os.PRIO_PROCESS, p) for p in public_workers} == {10}
            assert {os.getpriority(os.PRIO_PROCESS, p) for p in staff_workers} == {0}
            assert os.getpriority(os.PRIO_PROCESS, server.pid) == 0
            # The staff's pool gone (a crash, the OOM killer): gunicorn stops too, with an
            # error status, for its supervisor to start both again.
            os.kill(staff_master[0], signal.SIGKILL)
            assert server.process.wait(timeout=30) == 1
        # Three tries are let through (refused for the CSRF token or the password), then
        # every worker of either pool answers 429: the count lives in Redis.
        assert codes[3:] == [429, 429, 429], codes
    finally:
        client = redis.Redis(host="127.0.0.1", port=6379)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


def test_the_masters_children_die_with_it_however_it_dies():
    """A SIGKILLed master (the OOM killer, kill -9) leaves no job worker or staff pool behind
    to hold its port and run jobs twice beside the next start."""
    script = (
        "import runpy, sys, time\n"
        f"conf = runpy.run_path({str(ROOT / 'gunicorn.conf.py')!r})\n"
        "child = conf['_start']([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    master = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=ROOT)
    try:
        child = int(master.stdout.readline())
        assert _alive(child)
    finally:
        master.kill()
        master.wait()
        master.stdout.close()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    """Running, not gone or a zombie waiting for whoever adopted it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def _app_config(migrated_url: str, instance_path: Path) -> dict:
    app = create_app(
        {"DATABASE_URL": migrated_url, "HOTSPOTS_RECOMPUTE": "off"},
        instance_path=str(instance_path),
    )
    db.get_engine(app).dispose()
    return dict(app.config)


def test_session_cookie_is_secure_in_production_only(migrated_url, monkeypatch, tmp_path):
    """`./dev prod` (gunicorn.conf.py) sends the session cookie over HTTPS only, unless
    SESSION_COOKIE_SECURE=0; the embedded `flask run` of `./dev serve` over plain HTTP too."""
    for name in ("SESSION_COOKIE_SECURE", "HOTSPOTS_RECOMPUTE"):
        monkeypatch.delenv(name, raising=False)
    assert _app_config(migrated_url, tmp_path)["SESSION_COOKIE_SECURE"] is False
    runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert _app_config(migrated_url, tmp_path)["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "0")
    runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert _app_config(migrated_url, tmp_path)["SESSION_COOKIE_SECURE"] is False


def test_each_instance_and_the_staff_pool_has_a_control_socket_of_its_own(monkeypatch, tmp_path):
    """gunicorn's control socket (gunicornc) is per address: at its default, one path per
    user, a second instance on the machine or the staff's pool took the first one's over.
    It is named after the addresses gunicorn serves, however they were given, unless the
    operator chose a path."""
    from gunicorn.config import Config

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")  # what the file would set by default
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    for_addresses = conf["control_socket_for"]
    long_unix = ["unix:/srv/tryggkartan/instance/" + "sockets/" * 12 + "web.sock"]
    paths = [
        for_addresses(addresses)
        for addresses in (["127.0.0.1:8000"], ["127.0.0.1:8001"], ["0.0.0.0:8000"], long_unix)
    ]
    assert len(set(paths)) == 4
    # In the runtime folder, with a name short enough to leave it most of a Unix socket's
    # 107 bytes.
    assert all(os.path.dirname(p) == str(tmp_path) for p in paths)
    assert all(len(os.path.basename(p).encode()) <= 60 for p in paths)

    class Server:
        cfg = Config()

    Server.cfg.set("bind", ["127.0.0.1:8001"])  # as -b or GUNICORN_CMD_ARGS would give it
    conf["_own_control_socket"](Server)
    assert Server.cfg.control_socket == for_addresses(["127.0.0.1:8001"])
    Server.cfg.set("control_socket", "/run/chosen.ctl")
    conf["_own_control_socket"](Server)
    assert Server.cfg.control_socket == "/run/chosen.ctl"


@pytest.mark.slow
def test_gunicorn_recomputes_hot_spots_in_a_process_of_its_own(
    migrated_url, kommuner, create_report_at, session, tmp_path, monkeypatch
):
    """Under gunicorn the web workers only mark kommuner stale; the one job worker process
    clusters, so a recomputation never holds up a web worker, and it stops with gunicorn."""
    vanersborg = kommuner["Vänersborg"]
    for i in range(8):
        create_report_at(vanersborg, VANERSBORG_TORGET[0] + i * 0.00005, VANERSBORG_TORGET[1])
    vanersborg.hotspots_stale_since = datetime.now(UTC)
    session.commit()
    env = {
        "DATABASE_URL": migrated_url,
        "SECRET_KEY": "test-hot-spot-process",
        "WEB_CONCURRENCY": "2",
        "HOTSPOTS_MIN_INTERVAL_S": "0",
        "JOBS_SQLITE_PATH": str(tmp_path / "jobs.sqlite"),
    }
    monkeypatch.delenv("HOTSPOTS_RECOMPUTE", raising=False)  # the default: a job
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    with gunicorn(env) as server:
        # The claim clears the mark first; the run is stored when the clustering is done.
        runs = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not runs:
            time.sleep(0.3)
            session.expire_all()
            runs = session.scalar(select(func.count()).select_from(HotSpotRun)) or 0
        assert runs >= 1
        assert session.get(Kommun, vanersborg.id).hotspots_stale_since is None
        workers = [p for p, c in children(server.pid).items() if c.strip().endswith("-m jobs")]
        assert len(workers) == 1
        consumers = [p for p, c in children(workers[0]).items() if "jobs consume" in c]
        assert len(consumers) == 1
    assert not Path(f"/proc/{workers[0]}").exists()
    assert not Path(f"/proc/{consumers[0]}").exists()

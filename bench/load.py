"""Load, a crash in the middle, and not one report lost or stored twice.

    .venv/bin/python -m bench.load [--db sqlite|postgresql|both] [--reports 10000]
                                   [--clients 50] [--paced-seconds 20]

Against gunicorn on loopback (gunicorn.conf.py, WEB_CONCURRENCY workers), with CSRF on as in
production. Each client fetches the form once (cookie and token), then posts reports with a
fresh one-time submission id each; on a lost answer (refused connection, reset, 5xx,
timeout) it sends the same form again, as a browser's resend would.

1. Steady: a quarter of the reports, closed loop, against ours, and as many one-row inserts
   against a bare Flask endpoint (bench/bare_app.py) on the same database and workers:
   throughput of each and the ratio (target >= 0.7).
2. Crash: the rest of the reports; when half of them have a receipt, the server's whole
   process group gets SIGKILL and a new gunicorn starts. Afterwards every receipt a client
   got must be in the database (lost = 0) and no submission may be stored twice.
3. Paced: 100 reports per second for --paced-seconds, latency percentiles (target p99 <=
   100 ms on SQLite).

Everything is bounded: a client gives up on a report after 60 s of retries.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

import db
from demo import load_places
from feedback.models import Report

ROOT = Path(__file__).resolve().parents[1]
LAT, LON = 58.38065, 12.32265  # Vänersborg, Torget
GIVE_UP_S = 60.0
PG_URL = os.environ.get("LOAD_PG_URL", "postgresql://postgres@127.0.0.1:5432/tryggkartan_load")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    command: list[str]
    env: dict[str, str]
    port: int
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                try:
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status in (200, 404):
                        return
                finally:
                    conn.close()
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        """SIGKILL the master and every worker: no graceful anything."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


@dataclass
class Client:
    port: int
    path: str
    form: bool  # fetch the form for a CSRF token first (ours) or not (bare)
    conn: http.client.HTTPConnection | None = None
    cookie: str = ""
    token: str = ""

    def _connect(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return self.conn

    def close(self) -> None:
        self._reset()

    def _reset(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def prepare(self) -> None:
        if not self.form:
            return
        self.token = ""
        conn = self._connect()
        conn.request("GET", self.path)
        response = conn.getresponse()
        body = response.read().decode()
        self.cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body)
        if not match:
            match = re.search(
                r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', body
            )
        if not match:  # e.g. an error page from a server that is restarting
            raise http.client.HTTPException("no CSRF token on the form")
        self.token = match.group(1)

    def post_once(self, submission_id: str) -> tuple[int, str]:
        fields = {
            "kind": "otrygg",
            "lat": str(LAT),
            "lon": str(LON),
            "location_method": "map",
            "reasons": "place.dark",
            "times": "kvall",
            "description": "Mörkt vid torget.",
            "submission_id": submission_id,
            "csrf_token": self.token,
        }
        body = urllib.parse.urlencode(fields if self.form else {"text": fields["description"]})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        conn = self._connect()
        conn.request("POST", self.path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
        if cookie:
            self.cookie = cookie
        return response.status, response.getheader("Location") or ""

    def receipt_page(self, location: str) -> str:
        """The receipt code on the page the app sends the resident to (never in its address)."""
        conn = self._connect()
        conn.request("GET", location, headers={"Cookie": self.cookie})
        response = conn.getresponse()
        body = response.read().decode()
        match = re.search(r'id="receipt-code">([0-9A-Z-]+)<', body)
        assert response.status == 200 and match, f"no receipt on {location}"
        return match.group(1).replace("-", "")

    def send(self, submission_id: str, stop_at: float) -> tuple[str | None, float, int]:
        """Send one report until a receipt comes back; (receipt, seconds, attempts)."""
        began = time.perf_counter()
        attempts = 0
        while time.monotonic() < stop_at:
            attempts += 1
            try:
                if self.form and not self.token:  # the form was lost in a crash
                    self.prepare()
                status, location = self.post_once(submission_id)
                if status == 303 and location.endswith("/kvitto"):
                    receipt = self.receipt_page(location)
                    return receipt, time.perf_counter() - began, attempts
                if status == 303 and "/kvitto/" in location:  # the bare app puts it there
                    return location.rsplit("/", 1)[1], time.perf_counter() - began, attempts
                if status == 400 and self.form:  # e.g. a session lost in the crash
                    self._reset()
                    self.prepare()
                    continue
            except (OSError, http.client.HTTPException):
                self._reset()
            time.sleep(0.05)
        return None, time.perf_counter() - began, attempts


@dataclass
class Phase:
    receipts: dict[str, str] = field(default_factory=dict)  # submission id -> receipt
    latencies: list[float] = field(default_factory=list)
    retried: int = 0
    gave_up: int = 0
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.receipts) / self.seconds if self.seconds else 0.0

    def percentiles(self) -> str:
        if not self.latencies:
            return "-"
        p50, p95, p99 = np.percentile(np.asarray(self.latencies) * 1000, [50, 95, 99])
        return f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms"


def drive(
    port: int,
    path: str,
    form: bool,
    starts: list[float | None],
    clients: int,
    on_progress: Callable[[int], None] | None = None,
) -> Phase:
    """Send one report per entry of `starts` from `clients` threads: as fast as answers come
    (None) or not before that monotonic time (an open loop, whatever the answers take)."""
    phase = Phase()
    lock = threading.Lock()
    jobs = iter(starts)

    def work() -> None:
        client = Client(port, path, form)
        try:
            try:
                client.prepare()
            except (OSError, http.client.HTTPException):
                client.close()  # the server went down meanwhile: send() fetches the form again
            while True:
                with lock:
                    start = next(jobs, "done")
                if start == "done":
                    return
                if start is not None and (wait := start - time.monotonic()) > 0:
                    time.sleep(wait)
                submission_id = uuid.uuid4().hex
                receipt, took, attempts = client.send(submission_id, time.monotonic() + GIVE_UP_S)
                with lock:
                    if receipt is None:
                        phase.gave_up += 1
                        continue
                    phase.receipts[submission_id] = receipt
                    phase.latencies.append(took)
                    phase.retried += attempts > 1
                    done = len(phase.receipts)
                if on_progress is not None:
                    on_progress(done)
        finally:
            client.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.seconds = time.perf_counter() - began
    return phase


def closed_loop(
    port: int,
    path: str,
    form: bool,
    total: int,
    clients: int,
    on_progress: Callable[[int], None] | None = None,
) -> Phase:
    return drive(port, path, form, [None] * total, clients, on_progress)


def paced(port: int, path: str, rate: float, seconds: float, clients: int) -> Phase:
    """One report every 1/rate seconds for `seconds`."""
    start = time.monotonic() + 0.5
    starts: list[float | None] = [start + i / rate for i in range(int(rate * seconds))]
    return drive(port, path, True, starts, clients)


def prepare_database(kind: str, tmp: Path, pg_url: str) -> str:
    if kind == "sqlite":
        url = "sqlite:///" + str(tmp / "load.sqlite")
    else:
        url = pg_url
        admin = db.make_engine(url.rsplit("/", 1)[0] + "/postgres")
        name = url.rsplit("/", 1)[1]
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    engine = db.make_engine(url)
    db.upgrade(engine)
    with Session(engine) as session:
        load_places(session)
        session.commit()
    engine.dispose()
    return url


def run(kind: str, reports: int, clients: int, paced_seconds: float, pg_url: str = PG_URL) -> bool:
    tmp = Path(tempfile.mkdtemp(prefix="tryggkartan-load-"))
    url = prepare_database(kind, tmp, pg_url)
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    workers = os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1))
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": url,
        "SECRET_KEY": "load-test-" + uuid.uuid4().hex,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": workers,
        "REPORT_RATE_LIMIT": "1000000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        # The job worker gunicorn starts keeps its queue with the run, not in instance/.
        "JOBS_SQLITE_PATH": str(tmp / "jobs.sqlite"),
    }
    ours = Server([gunicorn, "-c", "gunicorn.conf.py"], env, port)
    bare_port = free_port()
    bare = Server(
        [
            gunicorn,
            "-w",
            workers,
            "--threads",
            "2",
            "-b",
            f"127.0.0.1:{bare_port}",
            "bench.bare_app:create()",
        ],
        env | {"BIND": f"127.0.0.1:{bare_port}"},
        bare_port,
    )
    steady_n = max(clients * 4, reports // 4)
    crash_n = reports - steady_n
    print(f"\n== {kind}: {reports:,} reports, {clients} clients, {workers} workers ==", flush=True)
    try:
        ours.start()
        steady = closed_loop(port, "/k/vanersborg/", True, steady_n, clients)
        bare.start()
        baseline = closed_loop(bare_port, "/bare", False, steady_n, clients)
        bare.stop()
        print(f"steady, ours:  {steady.throughput:7.1f} reports/s  ({steady.percentiles()})")
        print(f"steady, bare:  {baseline.throughput:7.1f} inserts/s  ({baseline.percentiles()})")
        print(f"ratio ours/bare: {steady.throughput / baseline.throughput:.2f} (target >= 0.7)")

        killed = threading.Event()
        once = threading.Lock()

        def crash_when_half(done: int) -> None:
            if done >= crash_n // 2 and once.acquire(blocking=False):
                killed.set()
                ours.kill()
                ours.start()

        crash = closed_loop(port, "/k/vanersborg/", True, crash_n, clients, crash_when_half)
        print(
            f"crash: SIGKILL after {crash_n // 2:,} receipts, restarted; "
            f"{crash.throughput:.1f} reports/s overall, {crash.retried} reports resent, "
            f"{crash.gave_up} given up ({crash.percentiles()})"
        )
        fast = (
            paced(port, "/k/vanersborg/", 100.0, paced_seconds, clients) if paced_seconds else None
        )
        if fast is not None:
            print(
                f"paced 100/s for {paced_seconds:.0f} s: {fast.percentiles()}, "
                f"{fast.gave_up} given up"
            )
    finally:
        ours.stop()
        bare.stop()

    engine = db.make_engine(url)
    receipts = steady.receipts | crash.receipts | (fast.receipts if fast else {})
    with Session(engine) as session:
        stored = dict(session.execute(select(Report.submission_id, Report.receipt_code)).all())
        total = session.scalar(select(func.count(Report.id)))
    engine.dispose()
    lost = [sid for sid, code in receipts.items() if stored.get(sid) != code]
    doubles = total - len(stored)
    print(f"receipts {len(receipts):,}, stored {total:,}: lost {len(lost)}, stored twice {doubles}")
    if kind == "sqlite":
        shutil.rmtree(tmp, ignore_errors=True)
    ok = not lost and doubles == 0 and crash.gave_up == 0 and killed.is_set()
    print("OK" if ok else "FAILED", flush=True)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--paced-seconds", type=float, default=20.0)
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results = [run(k, args.reports, args.clients, args.paced_seconds) for k in kinds]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()

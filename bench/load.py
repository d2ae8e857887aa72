"""Load, a crash in the middle, and not one report lost or stored twice.

    .venv/bin/python -m bench.load [--db sqlite|postgresql|both] [--reports 10000]
                                   [--clients 50] [--paced-seconds 20]

Against gunicorn on loopback (gunicorn.conf.py, WEB_CONCURRENCY workers), with CSRF on as in
production. Each client fetches the form once (cookie and token), then posts reports with a
fresh one-time submission id each; on a lost answer (refused connection, reset, 5xx,
timeout) it sends the same form again, as a browser's resend would.

1. Steady: a quarter of the reports, closed loop, against ours, and as many one-row inserts
   against a bare Flask endpoint (bench/bare_app.py) on the same database, workers and
   threads, one after the other (each warmed up first, the other one stopped meanwhile).
   Both are timed the same way: the POST and the GET of the receipt page it redirects to.
   Throughput of each, min/median/p99 latency and the ratio (target >= 0.7), and the CPU
   the server side (web and job workers, database, Redis) spent per report: where the rate
   is bound by the cores, how much heavier one report is than the bare insert.
2. Crash: the rest of the reports; when half of them have a receipt, the server's whole
   process group gets SIGKILL and a new gunicorn starts. Afterwards every receipt a client
   got must be in the database (lost = 0) and no submission may be stored twice.
3. Paced: 100 reports per second for --paced-seconds against each, an open loop whose
   latency runs from the intended send time, so a late answer delays no measurement
   (no coordinated omission); target p99 <= 100 ms for ours.

The exit status is 1 when a target is missed, a receipt is lost or a report stored twice.
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
from typing import Any

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

import db
from bench import bare_app
from demo import load_places
from feedback.models import Report

ROOT = Path(__file__).resolve().parents[1]
LAT, LON = 58.38065, 12.32265  # Vänersborg, Torget
GIVE_UP_S = 60.0
PG_URL = os.environ.get("LOAD_PG_URL", "postgresql://postgres@127.0.0.1:5432/tryggkartan_load")
# Rate limits, cache and job queue in Redis, as `./dev prod` runs them (README); memory://
# and an SQLite job queue when it is set empty.
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/0")
RATIO_TARGET = 0.7
P99_TARGET_S = 0.100
WARM_UP_PER_CLIENT = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def reachable(url: str) -> bool:
    """Whether something listens at the host and port of a redis:// URL."""
    if not url:
        return False
    parsed = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 1):
            return True
    except OSError:
        return False


@dataclass
class Server:
    command: list[str]
    env: dict[str, str]
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None
    # A line the server's log shows once it is all up: ours starts its job worker (a process
    # of its own, which builds the app) after gunicorn answers, and its start-up is
    # not to be counted in the steady phase.
    ready_line: str = ""

    @classmethod
    def app(
        cls, env: dict[str, str], port: int, log: Path, *, wait_for_worker: bool = True
    ) -> Server:
        """The app as `./dev prod` serves it (gunicorn.conf.py), ready once its job worker is,
        or with wait_for_worker=False once gunicorn answers (the worker still starting)."""
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        command = [gunicorn, "-c", "gunicorn.conf.py"]
        ready = "Huey consumer started" if wait_for_worker else ""
        return cls(command, env, port, log, ready_line=ready)

    def start(self) -> None:
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + 180  # slow to boot on a busy machine
        while time.monotonic() < deadline:
            if self.process.poll() is not None:  # gunicorn halted: a worker failed to boot
                raise RuntimeError(f"the server stopped while starting (its log: {self.log})")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                try:
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status in (200, 404) and self._logged_ready(offset):
                        return
                finally:
                    conn.close()
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not start (its log: {self.log})")

    def _logged_ready(self, offset: int) -> bool:
        if not self.ready_line:
            return True
        with self.log.open("rb") as log:
            log.seek(offset)
            return self.ready_line.encode() in log.read()

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
        """The receipt code on the page the server sends the resident to."""
        conn = self._connect()
        headers = {"Cookie": self.cookie} if self.cookie else {}
        conn.request("GET", location, headers=headers)
        response = conn.getresponse()
        body = response.read().decode()
        match = re.search(r'id="receipt-code">([0-9A-Za-z-]+)<', body)
        if response.status != 200 or not match:
            raise http.client.HTTPException(f"no receipt on {location} ({response.status})")
        return match.group(1).replace("-", "")

    def send(
        self, submission_id: str, stop_at: float, since: float | None = None
    ) -> tuple[str | None, float, int]:
        """Send one report until its receipt page comes back; (receipt, seconds, attempts).

        The seconds run from `since` (a monotonic instant: the intended send time of a paced
        report), else from now.
        """
        began = time.monotonic() if since is None else since
        attempts = 0
        while time.monotonic() < stop_at:
            attempts += 1
            try:
                if self.form and not self.token:  # the form was lost in a crash
                    self.prepare()
                status, location = self.post_once(submission_id)
                if status == 303 and "/kvitto" in location:
                    receipt = self.receipt_page(location)
                    return receipt, time.monotonic() - began, attempts
                if status == 400 and self.form:  # e.g. a session lost in the crash
                    self._reset()
                    self.prepare()
                    continue
            except (OSError, http.client.HTTPException):
                self._reset()
            time.sleep(0.05)
        return None, time.monotonic() - began, attempts


@dataclass
class Phase:
    receipts: dict[str, str] = field(default_factory=dict)  # submission id -> receipt
    latencies: list[float] = field(default_factory=list)
    retried: int = 0
    gave_up: int = 0
    seconds: float = 0.0

    # CPU seconds the whole machine spent meanwhile, less this process's own (the clients):
    # the server's workers, its job worker, the database and Redis. Set for steady phases.
    server_cpu_s: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.receipts) / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_report(self) -> float:
        return self.server_cpu_s * 1000 / len(self.receipts) if self.receipts else float("inf")

    def percentiles(self) -> str:
        if not self.latencies:
            return "-"
        ms = np.asarray(self.latencies) * 1000
        return f"min {ms.min():.0f} ms, median {np.median(ms):.0f} ms, p99 {self.p99 * 1000:.0f} ms"

    @property
    def p99(self) -> float:
        return float(np.percentile(self.latencies, 99)) if self.latencies else float("inf")


def busy_cpu_s() -> float:
    """CPU seconds all cores have been busy since boot (/proc/stat: user, nice, system, irq,
    softirq; not idle, I/O wait or time stolen by the host). 0 where there is no /proc."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def server_cpu(phase: Callable[..., Phase], *args: Any) -> Phase:
    """Run a phase and note the server side's CPU time: the machine's, less the clients'.

    It says whether a rate is bound by the cores, and how much heavier one report is than
    the bare insert. It is no steadier than the rates on a shared host, whose other guests
    slow every instruction: compare runs of the same day only."""
    machine, clients = busy_cpu_s(), time.process_time()
    result = phase(*args)
    result.server_cpu_s = (busy_cpu_s() - machine) - (time.process_time() - clients)
    return result


def _wait_until(start: float | None) -> float | None:
    """Sleep until a paced report is due; its latency counts from then, late or not."""
    if start is not None and (wait := start - time.monotonic()) > 0:
        time.sleep(wait)
    return start


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
                if isinstance(start, str):
                    return
                since = _wait_until(start)
                submission_id = uuid.uuid4().hex
                receipt, took, attempts = client.send(
                    submission_id, time.monotonic() + GIVE_UP_S, since
                )
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
    # Daemons: a run stopped from outside ends without waiting for its clients' retries.
    threads = [threading.Thread(target=work, daemon=True) for _ in range(clients)]
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


def paced(port: int, path: str, form: bool, rate: float, seconds: float, clients: int) -> Phase:
    """One report every 1/rate seconds for `seconds`."""
    start = time.monotonic() + 0.5
    starts: list[float | None] = [start + i / rate for i in range(int(rate * seconds))]
    return drive(port, path, form, starts, clients)


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
    # The baseline's table too, before its workers start: each creating it at once raced on
    # PostgreSQL (a duplicate pg_type row), a worker failed to boot and the run hung.
    bare_app.metadata.create_all(engine)
    with Session(engine) as session:
        load_places(session)
        session.commit()
    engine.dispose()
    return url


def _compared(
    contenders: dict[str, tuple[Server, int, str, bool]],
    clients: int,
    steady_n: int,
    paced_seconds: float,
) -> tuple[dict[str, Phase], dict[str, Phase], float]:
    """Each contender warmed up, then steady (and paced) in turn; the phases and the ratio."""
    steady: dict[str, Phase] = {}
    fast: dict[str, Phase] = {}
    for name, (server, at, path, form) in contenders.items():
        server.start()
        closed_loop(at, path, form, clients * WARM_UP_PER_CLIENT, clients)
        steady[name] = server_cpu(closed_loop, at, path, form, steady_n, clients)
        if paced_seconds:
            fast[name] = paced(at, path, form, 100.0, paced_seconds, clients)
        server.stop()
    ratio = steady["ours"].throughput / steady["bare"].throughput
    for name in contenders:
        print(
            f"steady, {name}: {steady[name].throughput:7.1f} reports/s "
            f"({steady[name].percentiles()}), server CPU {steady[name].cpu_ms_per_report:.1f} "
            "ms per report"
        )
    print(f"ratio ours/bare: {ratio:.2f} (target >= {RATIO_TARGET})")
    cpu = steady["bare"].cpu_ms_per_report / steady["ours"].cpu_ms_per_report
    print(f"server CPU per report, bare/ours: {cpu:.2f}")
    for name, phase in fast.items():
        print(
            f"paced 100/s for {paced_seconds:.0f} s, {name}: {phase.percentiles()}, "
            f"{phase.gave_up} given up"
        )
    return steady, fast, ratio


def run(
    kind: str,
    reports: int,
    clients: int,
    paced_seconds: float,
    pg_url: str = PG_URL,
    *,
    compare: bool = True,
    wait_for_worker: bool = True,
) -> tuple[bool, bool]:
    """(no receipt lost and no report stored twice across the crash, the targets met).

    `compare=False` runs the crash alone: no bare endpoint, no steady or paced phase, so
    the targets are not measured (and reported as missed). `wait_for_worker=False` sends
    the reports as soon as gunicorn answers, while its job worker (which runs the hot-spot
    recomputes the reports queue, beside their inserts) is still starting; the steady phases
    must not count that start-up, the crash alone need not wait for it.
    """
    tmp = Path(tempfile.mkdtemp(prefix="tryggkartan-load-"))
    url = prepare_database(kind, tmp, pg_url)
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    workers = os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1))
    port = free_port()
    redis_url = REDIS_URL if reachable(REDIS_URL) else ""
    env = os.environ | {
        "DATABASE_URL": url,
        "SECRET_KEY": "load-test-" + uuid.uuid4().hex,
        "BIND": f"127.0.0.1:{port}",
        # gunicorn's control sockets in the run's folder: a killed server leaves its own.
        "XDG_RUNTIME_DIR": str(tmp),
        "WEB_CONCURRENCY": workers,
        "REPORT_RATE_LIMIT": "1000000 per minute",
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "REDIS_URL": redis_url,
        # This run's own keys and queue in Redis, or in SQLite beside the run.
        "RATELIMIT_KEY_PREFIX": "load-" + uuid.uuid4().hex[:8],
        "JOBS_SQLITE_PATH": str(tmp / "jobs.sqlite"),
    }
    ours = Server.app(env, port, tmp / "ours.log", wait_for_worker=wait_for_worker)
    bare_port = free_port()
    bare = Server(
        [
            gunicorn,
            "-w",
            workers,
            "--threads",
            env.get("THREADS", "2"),
            "-b",
            f"127.0.0.1:{bare_port}",
            "bench.bare_app:create()",
        ],
        # The same gunicorn.conf.py (gunicorn reads it from the folder), but no job worker.
        env | {"BIND": f"127.0.0.1:{bare_port}", "JOBS_WORKER": "0"},
        bare_port,
        tmp / "bare.log",
    )
    contenders = {
        "ours": (ours, port, "/k/vanersborg/", True),
        "bare": (bare, bare_port, "/bare", False),
    }
    steady_n = max(clients * 4, reports // 4)
    crash_n = reports - steady_n
    print(
        f"\n== {kind}: {reports:,} reports, {clients} clients, {workers} workers, "
        f"rate limits in {env['RATELIMIT_STORAGE_URI'].split(':')[0]} ==",
        flush=True,
    )
    steady: dict[str, Phase] = {}
    fast: dict[str, Phase] = {}
    ratio = 0.0
    try:
        if compare:
            steady, fast, ratio = _compared(contenders, clients, steady_n, paced_seconds)
        killed = threading.Event()
        once = threading.Lock()

        def crash_when_half(done: int) -> None:
            if done >= crash_n // 2 and once.acquire(blocking=False):
                killed.set()
                ours.kill()
                ours.start()

        ours.start()
        crash = closed_loop(port, "/k/vanersborg/", True, crash_n, clients, crash_when_half)
        print(
            f"crash: SIGKILL after {crash_n // 2:,} receipts, restarted; "
            f"{crash.throughput:.1f} reports/s overall, {crash.retried} reports resent, "
            f"{crash.gave_up} given up ({crash.percentiles()})"
        )
    finally:
        ours.stop()
        bare.stop()

    engine = db.make_engine(url)
    receipts = (steady["ours"].receipts if compare else {}) | crash.receipts
    if "ours" in fast:
        receipts |= fast["ours"].receipts
    with Session(engine) as session:
        stored = dict(session.execute(select(Report.submission_id, Report.receipt_code)).all())
        total = session.scalar(select(func.count(Report.id))) or 0
    engine.dispose()
    lost = [sid for sid, code in receipts.items() if stored.get(sid) != code]
    doubles = total - len(stored)
    print(f"receipts {len(receipts):,}, stored {total:,}: lost {len(lost)}, stored twice {doubles}")
    safe = not lost and doubles == 0 and crash.gave_up == 0 and killed.is_set()
    targets = compare and ratio >= RATIO_TARGET
    if "ours" in fast:
        targets &= fast["ours"].p99 <= P99_TARGET_S and fast["ours"].gave_up == 0
    print(
        f"crash: {'OK' if safe else 'FAILED'}; "
        f"targets: {'met' if targets else 'MISSED' if compare else 'not measured'}"
        + ("" if safe and (targets or not compare) else f" (server logs in {tmp})"),
        flush=True,
    )
    if safe and (targets or not compare):
        shutil.rmtree(tmp, ignore_errors=True)
    return safe, targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--paced-seconds", type=float, default=20.0)
    args = parser.parse_args()
    # Stopped from outside (a timeout, a CI job cancelled): unwind, so the servers, which run
    # in sessions of their own, are stopped by run()'s finally instead of left serving.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results = [run(k, args.reports, args.clients, args.paced_seconds) for k in kinds]
    sys.exit(0 if all(safe and targets for safe, targets in results) else 1)


if __name__ == "__main__":
    main()

"""The app under gunicorn as `./dev prod` serves it (gunicorn.conf.py), for the tests that need
real processes: started on a free port, waited for, stopped with its whole process group."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """Ports free now, all different: each probe holds its port until all are read (two
    probes in a row may otherwise get the same one)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


@contextmanager
def serving(app: Any, *, threaded: bool = False) -> Iterator[BaseWSGIServer]:
    """A WSGI app on a free loopback port, served from a thread of this process until the
    block ends. The thread looks for the stop every 20 ms: at Werkzeug's default, half a
    second, stopping cost each test a quarter of a second on average."""
    server = make_server("127.0.0.1", 0, app, threaded=threaded)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def require_redis() -> None:
    """Skip without Redis on 127.0.0.1:6379, except in CI, where it must run."""
    if not redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis must run on 127.0.0.1:6379 in CI (.ci/run starts it)")
        pytest.skip("Redis is not running on 127.0.0.1:6379")


@dataclass
class Gunicorn:
    process: subprocess.Popen[bytes]
    port: int
    runtime: str  # its XDG_RUNTIME_DIR, where it opens its control socket (gunicorn.conf.py)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def gunicorn(env: dict[str, str], *, wait_path: str = "/healthz") -> Iterator[Gunicorn]:
    """Serve with `gunicorn -c gunicorn.conf.py` and these environment variables on a free
    port; yield once wait_path answers, stop it (and its job worker) afterwards."""
    with gunicorns(env, wait_path=wait_path) as (server,):
        yield server


@contextmanager
def gunicorns(*envs: dict[str, str], wait_path: str = "/healthz") -> Iterator[tuple[Gunicorn, ...]]:
    """One gunicorn per env, as gunicorn() does, started together: each takes seconds to
    import the app, and waiting for one before starting the next doubled that."""
    command = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    servers: list[tuple[Gunicorn, Any]] = []
    # Their control sockets in a folder of their own, not the user's: a killed server leaves
    # its socket behind.
    runtime = tempfile.TemporaryDirectory()
    try:
        for env, port in zip(envs, free_ports(len(envs)), strict=True):
            log = tempfile.TemporaryFile()  # its error log (the access log goes nowhere)
            try:
                process = subprocess.Popen(
                    [command, "-c", str(ROOT / "gunicorn.conf.py")],
                    cwd=ROOT,
                    env=os.environ
                    | env
                    | {"BIND": f"127.0.0.1:{port}", "XDG_RUNTIME_DIR": runtime.name},
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                )
            except BaseException:
                log.close()
                raise
            servers.append((Gunicorn(process, port, runtime.name), log))
        for server, log in servers:
            if not answers_within(server.base + wait_path, 60, server.process):
                log.seek(0)
                pytest.fail("gunicorn did not start: " + log.read().decode()[-3000:])
        yield tuple(server for server, _log in servers)
    finally:
        for server, _log in servers:  # all told at once: each takes a second or two to stop
            if server.process.poll() is None:
                server.process.send_signal(signal.SIGTERM)
        for server, log in servers:
            try:
                server.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()
            log.close()
        runtime.cleanup()


def answers_within(
    url: str, seconds: float, process: subprocess.Popen[bytes] | None = None
) -> bool:
    """Whether url answers within the time, asked again while it is not listening yet; False
    at once when the process serving it has stopped."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30):
                return True
        except OSError:  # not listening yet (URLError, refused, reset)
            if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
                return False
            time.sleep(0.2)


def children(pid: int) -> dict[int, str]:
    """Child processes of pid: their pid -> command line (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in status:
            found[int(entry.name)] = command
    return found

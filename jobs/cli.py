"""`flask jobs …`: the worker that runs the job queue, and running one job by hand."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup

from core.current import app_object

jobs_cli = AppGroup("jobs", help="The background job queue (Huey).")

# A consumer that keeps dying is restarted after 1, 2, 4 … seconds, at most a minute apart.
LONGEST_PAUSE_S = 60.0
# One that ran this long before dying starts the count again.
HEALTHY_S = 60.0


@jobs_cli.command("worker")
@click.option("--workers", type=click.IntRange(1, 32), help="Threads (JOBS_WORKERS, 2).")
def worker_command(workers: int | None) -> None:
    """Run the job queue until stopped, restarting it should it die."""
    sys.exit(supervise(consume(workers or int(app_object().config["JOBS_WORKERS"]))))


def configured_workers() -> int:
    """The consumer's threads: JOBS_WORKERS, else 2."""
    return int(os.environ.get("JOBS_WORKERS", "2"))


def consume(workers: int) -> list[str]:
    """The command that runs the consumer (`flask jobs consume`) in a process of its own."""
    target = os.environ.get("FLASK_APP", "app:create_app")
    return [
        *(sys.executable, "-m", "flask", "--app", target, "jobs", "consume"),
        *("--workers", str(workers)),
    ]


def _die_with_parent() -> None:
    """In the child: if the supervisor is killed outright, the consumer ends too (Linux)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def supervise(command: list[str]) -> int:
    """Run command as a child and start it again whenever it dies, until SIGTERM or SIGINT."""
    stopping = False
    child: subprocess.Popen[bytes] | None = None

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGINT)  # Huey's graceful stop: running jobs finish

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    pause = 1.0
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command, preexec_fn=_die_with_parent)
        code = child.wait()
        if stopping:
            return 0
        if time.monotonic() - started > HEALTHY_S:
            pause = 1.0
        click.echo(f"jobs: the worker stopped with code {code}; starting it again", err=True)
        deadline = time.monotonic() + pause
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.1)
        if stopping:
            return 0
        pause = min(pause * 2, LONGEST_PAUSE_S)


@jobs_cli.command("consume")
@click.option("--workers", type=click.IntRange(1, 32), default=2, show_default=True)
def consume_command(workers: int) -> None:
    """Run Huey's consumer in this process (what `flask jobs worker` supervises)."""
    from jobs import get_jobs

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = app_object()
    jobs = get_jobs(app)
    if jobs.huey.immediate:
        raise click.ClickException("JOBS_IMMEDIATE is set: jobs run where they are added.")
    os.nice(5)  # residents' requests first
    # What a dead worker left behind is looked at now, not only at the next minute.
    jobs.tasks["mail.sweep"]()
    jobs.tasks["hotspots.sweep"]()
    consumer = jobs.huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=True,
        initial_delay=0.1,
        backoff=1.15,
        max_delay=float(app.config["JOBS_POLL_MAX_S"]),
        check_worker_health=True,
    )
    consumer.run()


@jobs_cli.command("run")
@click.argument("name")
def run_command(name: str) -> None:
    """Run one job now, in this process (e.g. mail.sweep, privacy.retention)."""
    from jobs import get_jobs

    tasks = get_jobs(app_object()).tasks
    if name not in tasks:
        raise click.ClickException(f"No job {name}; there are {', '.join(sorted(tasks))}.")
    tasks[name].call_local()
    click.echo(f"{name} done.")


def init_app(app: Flask) -> None:
    app.cli.add_command(jobs_cli)

"""Background jobs on Huey: mail, hot spots, forwarding to felanmälan, retention.

The queue lives in an SQLite file under instance/ (the embedded default) or in Redis when
REDIS_URL (or a redis:// RATELIMIT_STORAGE_URI) is set. Requests only add jobs; one worker
command, `flask jobs worker`, runs them (started by `./dev serve` and by gunicorn.conf.py).
Every job's real state is in the database (outbox rows, stale marks, forwarding rows), and
periodic sweeps pick up whatever a dead worker left, so a job lost with its worker only waits.
With JOBS_IMMEDIATE (the tests) a job runs at once in the process that adds it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey

log = logging.getLogger(__name__)

_KEY = "tryggkartan.jobs"


@dataclass
class Jobs:
    huey: Huey
    tasks: dict[str, Any]


def redis_url(config: Any) -> str | None:
    """The Redis the jobs use: REDIS_URL, else the rate limiter's Redis, else none."""
    url = config.get("REDIS_URL") or ""
    if not url and str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("redis://"):
        url = config["RATELIMIT_STORAGE_URI"]
    return url or None


def sqlite_path(app: Flask) -> Path:
    return Path(app.config.get("JOBS_SQLITE_PATH") or Path(app.instance_path) / "jobs.sqlite")


def make_huey(app: Flask) -> Huey:
    config = app.config
    name = config["JOBS_NAME"]
    immediate = bool(config["JOBS_IMMEDIATE"])
    url = redis_url(config)
    if url:
        # A Redis host that does not answer is given up on within half a second: a report's
        # POST queues its jobs, and a job not queued is logged and left to the sweeps.
        # (Reads keep Huey's own timeouts: the worker waits on the queue with a blocking pop.)
        from redis import ConnectionPool

        pool = ConnectionPool.from_url(url, socket_connect_timeout=0.5)
        return RedisHuey(name, connection_pool=pool, results=False, immediate=immediate)
    path = sqlite_path(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False, immediate=immediate)


def get_jobs(app: Flask) -> Jobs:
    """The app's queue and tasks, made on first use (the instance path is settled by then)."""
    jobs: Jobs | None = app.extensions.get(_KEY)
    if jobs is None:
        from jobs.tasks import register

        huey = make_huey(app)
        jobs = Jobs(huey, register(huey, app))
        app.extensions[_KEY] = jobs
    return jobs


def enqueue(app: Flask, name: str, *args: Any, eta: datetime | None = None) -> None:
    """Add a job; never fails the caller (the periodic sweeps make up for a lost one)."""
    try:
        task = get_jobs(app).tasks[name]
        delay = (eta - datetime.now(UTC)).total_seconds() if eta is not None else 0.0
        if delay > 0.5:
            task.schedule(args, delay=delay)
        else:
            task(*args)
    except Exception:
        log.exception("could not queue %s; the next sweep will do it", name)


def _on_job_wanted(app: Flask, *, name: str, args: tuple[Any, ...] = ()) -> None:
    enqueue(app, name, *args)


def init_app(app: Flask) -> None:
    from core.signals import job_wanted
    from jobs import cli

    cli.init_app(app)
    job_wanted.connect(_on_job_wanted, sender=app)

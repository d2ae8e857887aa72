"""The jobs, registered on the app's Huey instance. Each runs inside the app's context.

| job | when |
|---|---|
| mail.send | after the commit that queued a mail; retried with back-off |
| mail.sweep | every minute and when a worker starts: every due mail, claims of dead workers |
| mail.questionnaires | hourly: "Känns det tryggare där nu?" N weeks after action or closing |
| mail.digests | daily: a promise's follow-ups to its followers, once per follow-up period |
| feedback.suggestions | when the report form's likely reasons are five minutes old |
| hotspots.recompute | shortly after reports change |
| hotspots.sweep | every minute and when a worker starts: kommuner left stale |
| hotspots.compute | when a page needs a run with settings not computed yet |
| open311.forward | every minute: queued reports to felanmälan, statuses read back |
| privacy.retention | nightly |
| surveys.scan | after an upload of scanned sheets |
| surveys.scan_sweep | every minute: scan batches whose job was lost |
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey, crontab
from sqlalchemy.orm import Session

from db import get_engine

log = logging.getLogger(__name__)


class MailNotSentYet(Exception):
    """A mail's attempt failed and it will be tried again: Huey retries the job."""


def send_mail(app: Flask, mail_id: int) -> None:
    from mail.outbox import send_one

    outcome = send_one(app, mail_id)
    if outcome.state == "queued":
        raise MailNotSentYet(f"mail {mail_id}: {outcome.error}")


def sweep_mail(app: Flask) -> None:
    from mail.outbox import send_due

    counts = send_due(app)
    if counts:
        log.info("mail sweep: %s", counts)


def questionnaires(app: Flask) -> None:
    from feedback.questionnaire import queue_due

    with Session(get_engine(app)) as session:
        queue_due(session, weeks=float(app.config["QUESTIONNAIRE_WEEKS"]))
        session.commit()


def digests(app: Flask) -> None:
    from promises.subscriptions import queue_digests

    with Session(get_engine(app)) as session:
        queue_digests(session)
        session.commit()


def count_suggestions(app: Flask, kommun_id: int) -> None:
    from feedback.suggestions import count_suggestions as count

    count(app, kommun_id)


def recompute_hotspots(app: Flask) -> None:
    from hotspots.worker import recompute_once

    recompute_once(app, float(app.config.get("HOTSPOTS_MIN_INTERVAL_S", 0.0)))


def compute_hotspots(app: Flask, kommun_id: int, params_key: str) -> None:
    from hotspots.worker import compute_requested

    compute_requested(app, kommun_id, params_key)


def forward(app: Flask) -> None:
    import httpx

    from open311 import forward as forwarding

    with Session(get_engine(app)) as session, httpx.Client(timeout=10.0) as client:
        result = forwarding.run(session, client, datetime.now(UTC))
    if result.sent or result.failed or result.retrying:
        log.info("forwarding: %s", result)


def retention(app: Flask) -> None:
    from privacy.retention import run
    from surveys.scan_batches import forget_old_images

    with Session(get_engine(app)) as session:
        result = run(
            session,
            retention_days=int(app.config["RETENTION_DAYS"]),
            contact_days=int(app.config["CONTACT_DAYS"]),
        )
        session.commit()
        images = forget_old_images(
            session, Path(app.instance_path), timedelta(days=int(app.config["SCAN_IMAGE_DAYS"]))
        )
    log.info("retention: %s; %d scanned page images deleted", result, images)


def read_scans(app: Flask, batch_id: int) -> None:
    from surveys.scan_batches import run

    with Session(get_engine(app)) as session:
        batch = run(session, Path(app.instance_path), batch_id)
        kommun_id = batch.session.kommun_id if batch is not None else None
        if batch is not None and batch.outcome.get("filed"):
            from feedback.signals import reports_changed

            # The sheets' reports marked the kommun's hot spots stale as they were saved.
            reports_changed.send(app, kommun_id=kommun_id, stale_marked=True)


def sweep_scans(app: Flask) -> None:
    from jobs import enqueue
    from surveys.scan_batches import left_behind

    with Session(get_engine(app)) as session:
        lost = left_behind(session, datetime.now(UTC))
    for batch_id in lost:
        enqueue(app, "surveys.scan", batch_id)


EVERY_MINUTE = {"minute": "*"}
# name -> (function, crontab for a periodic job or None)
JOBS: dict[str, tuple[Callable[..., None], dict[str, str] | None]] = {
    "mail.send": (send_mail, None),
    "mail.sweep": (sweep_mail, EVERY_MINUTE),
    "mail.questionnaires": (questionnaires, {"minute": "7"}),
    "mail.digests": (digests, {"hour": "5", "minute": "11"}),
    "feedback.suggestions": (count_suggestions, None),
    "hotspots.recompute": (recompute_hotspots, None),
    "hotspots.sweep": (recompute_hotspots, EVERY_MINUTE),
    "hotspots.compute": (compute_hotspots, None),
    "open311.forward": (forward, EVERY_MINUTE),
    "privacy.retention": (retention, {"hour": "2", "minute": "17"}),
    "surveys.scan": (read_scans, None),
    "surveys.scan_sweep": (sweep_scans, EVERY_MINUTE),
}


def _in_app(app: Flask, fn: Callable[..., None], name: str) -> Callable[..., None]:
    def run(*args: Any) -> None:
        with app.app_context():
            fn(app, *args)

    run.__name__ = name.replace(".", "_")
    return run


def register(huey: Huey, app: Flask) -> dict[str, Any]:
    """Register every job on huey; returns the task handles by name."""
    tasks: dict[str, Any] = {}
    for name, (fn, schedule) in JOBS.items():
        job = _in_app(app, fn, name)
        if schedule is not None:
            tasks[name] = huey.periodic_task(crontab(**schedule), name=name)(job)
        elif name == "mail.send":
            tasks[name] = huey.task(
                name=name,
                retries=max(int(app.config["MAIL_MAX_ATTEMPTS"]) - 1, 0),
                retry_delay=float(app.config["MAIL_RETRY_DELAY_S"]),
                retry_backoff=2,
            )(job)
        else:
            tasks[name] = huey.task(name=name)(job)
    return tasks

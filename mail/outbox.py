"""The outbox: mails are rows written with their cause, then sent once by a job.

`add_mail` stores a row inside the caller's transaction; when that transaction commits, the
row's id goes to the job queue (a hint for speed). The send job claims the row (a committed
state change that only one worker can win), renders and hands the mail over, and marks it
sent. A worker that dies leaves nothing behind but a claim: the next sweep (every minute,
and when a worker starts) sends every row that is due, so a lost job only delays a mail.

A mail is sent at least once and, but for a crash in the instant between the server's "250
OK" and our commit, exactly once; a repeat would carry the same Message-ID (the row's key),
which mail stores use to drop duplicates.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, has_app_context
from sqlalchemy import and_, event, or_, select, update
from sqlalchemy.orm import Session

from core.current import app_object
from db import get_engine
from mail import transport
from mail.models import OutgoingMail
from privacy.masking import mask

log = logging.getLogger(__name__)

_NEW = "tryggkartan.new_mail"
LONGEST_RETRY = timedelta(hours=6)


def _now() -> datetime:
    return datetime.now(UTC)


def add_mail(
    session: Session,
    *,
    kind: str,
    kommun_id: int,
    language: str,
    report_id: int | None = None,
    subscription_id: int | None = None,
    params: dict[str, Any] | None = None,
    not_before: datetime | None = None,
) -> OutgoingMail:
    """Queue one mail in the caller's transaction; it is sent after the commit."""
    mail = OutgoingMail(
        key=secrets.token_hex(16),
        kind=kind,
        kommun_id=kommun_id,
        report_id=report_id,
        subscription_id=subscription_id,
        params=params or {},
        language=language,
        state="queued",
        next_attempt_at=not_before or _now(),
        attempts=0,
    )
    session.add(mail)
    session.flush()
    session.info.setdefault(_NEW, []).append((mail.id, mail.next_attempt_at))
    return mail


@event.listens_for(Session, "after_commit")
def _queue_committed(session: Session) -> None:
    new = session.info.pop(_NEW, None)
    if not new or not has_app_context():
        return  # no app (a script): the sweep sends them
    from jobs import enqueue

    app: Flask = app_object()
    for mail_id, not_before in new:
        enqueue(app, "mail.send", mail_id, eta=not_before)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_NEW, None)


# --- sending --------------------------------------------------------------------------------


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff(attempts: int, first_s: float) -> timedelta:
    """The wait after the n-th failed attempt: first_s, doubling, at most six hours."""
    return min(timedelta(seconds=first_s * 2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def _claim(
    session: Session, mail_id: int, now: datetime, timeout: timedelta, *, due_only: bool
) -> bool:
    queued = OutgoingMail.state == "queued"
    if due_only:
        queued = and_(queued, OutgoingMail.next_attempt_at <= now)
    won = session.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.id == mail_id,
            or_(
                queued,
                and_(OutgoingMail.state == "sending", OutgoingMail.claimed_at < now - timeout),
            ),
        )
        .values(state="sending", claimed_at=now, claimed_by=worker_id())
        .execution_options(synchronize_session=False)
    )
    session.commit()  # the claim is seen by every other worker before anything is sent
    return bool(won.rowcount == 1)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Outcome:
    state: str  # sent, queued (to be retried), failed, cancelled, or "" when not claimed
    error: str | None = None


def send_one(
    app: Flask, mail_id: int, *, now: datetime | None = None, due_only: bool = False
) -> Outcome:
    """Claim one mail and send it; the outcome says whether to try again later."""
    from mail.compose import NoRecipient, compose

    now = now or _now()
    config = app.config
    timeout = timedelta(seconds=float(config["MAIL_CLAIM_TIMEOUT_S"]))
    with app.app_context(), Session(get_engine(app), expire_on_commit=False) as session:
        if not _claim(session, mail_id, now, timeout, due_only=due_only):
            return Outcome("")
        mail = session.get_one(OutgoingMail, mail_id)
        try:
            message = compose(session, mail)
        except NoRecipient:
            # The address was withdrawn or erased after the mail was queued: write to no one.
            mail.state, mail.claimed_at, mail.claimed_by = "cancelled", None, None
            session.commit()
            return Outcome("cancelled")
        mail.subject = str(message["Subject"])[:300]
        try:
            transport.deliver(config.get("MAIL_URL"), app.instance_path, message)
        except transport.DeliveryError as exc:
            mail.attempts += 1
            # An SMTP answer may quote the address: never keep it in the error.
            mail.last_error = mask(str(exc)).text[:500]
            mail.claimed_at = mail.claimed_by = None
            if exc.permanent or mail.attempts >= int(config["MAIL_MAX_ATTEMPTS"]):
                mail.state = "failed"
                log.warning("mail %s failed for good: %s", mail.id, mail.last_error)
            else:
                mail.state = "queued"
                mail.next_attempt_at = now + backoff(
                    mail.attempts, float(config["MAIL_RETRY_DELAY_S"])
                )
            session.commit()
            return Outcome(mail.state, mail.last_error)
        mail.attempts += 1
        mail.state, mail.sent_at, mail.last_error = "sent", now, None
        mail.claimed_at = mail.claimed_by = None
        session.commit()
        return Outcome("sent")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_dead_claims(session: Session) -> int:
    """Give back the claims of workers on this machine that are no longer running."""
    host = socket.gethostname()
    released = 0
    for mail in session.scalars(select(OutgoingMail).where(OutgoingMail.state == "sending")):
        claimer_host, _sep, pid = (mail.claimed_by or "").rpartition(":")
        if claimer_host == host and pid.isdigit() and not _alive(int(pid)):
            mail.state, mail.claimed_at, mail.claimed_by = "queued", None, None
            released += 1
    session.commit()
    return released


def due_ids(session: Session, now: datetime, claim_timeout: timedelta) -> list[int]:
    return list(
        session.scalars(
            select(OutgoingMail.id)
            .where(
                or_(
                    and_(OutgoingMail.state == "queued", OutgoingMail.next_attempt_at <= now),
                    and_(
                        OutgoingMail.state == "sending",
                        OutgoingMail.claimed_at < now - claim_timeout,
                    ),
                )
            )
            .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
        )
    )


def send_due(app: Flask, *, now: datetime | None = None) -> dict[str, int]:
    """Send every mail that is due (the sweep); returns how many ended in each state."""
    now = now or _now()
    timeout = timedelta(seconds=float(app.config["MAIL_CLAIM_TIMEOUT_S"]))
    with Session(get_engine(app)) as session:
        release_dead_claims(session)
        ids = due_ids(session, now, timeout)
    counts: dict[str, int] = {}
    for mail_id in ids:
        outcome = send_one(app, mail_id, now=now, due_only=True)
        if outcome.state:
            counts[outcome.state] = counts.get(outcome.state, 0) + 1
    return counts


def cancel_for_report(session: Session, report_id: int) -> None:
    """The resident withdrew consent or asked for erasure: nothing more goes out."""
    session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.report_id == report_id, OutgoingMail.state == "queued")
        .values(state="cancelled")
        .execution_options(synchronize_session=False)
    )

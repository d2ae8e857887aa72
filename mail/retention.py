"""Retention of what the mail loop keeps: called by privacy.retention.run every night.

- the questionnaire's free text goes with the report's (after RETENTION_DAYS);
- sent, failed and cancelled outbox rows go after CONTACT_DAYS (they hold no address);
- unconfirmed promise subscriptions go after SUBSCRIBE_LINK_DAYS, the rest CONTACT_DAYS after
  their promise ended;
- the demo's maildir keeps no mail longer than CONTACT_DAYS.
"""

from __future__ import annotations

import mailbox
import time
from datetime import UTC, datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from feedback.models import Questionnaire, Report
from mail.models import OutgoingMail
from mail.transport import maildir_path
from promises.subscriptions import drop_stale


def run(
    session: Session, *, retention_days: int, contact_days: int, now: datetime | None = None
) -> int:
    """Erase what is no longer needed; returns how many rows and files went."""
    now = now or datetime.now(UTC)
    old_reports = select(Report.id).where(
        (Report.created_at < now - timedelta(days=retention_days))
        | Report.anonymised_at.is_not(None)
    )
    comments = session.execute(
        update(Questionnaire)
        .where(Questionnaire.report_id.in_(old_reports), Questionnaire.comment.is_not(None))
        .values(comment=None)
        .execution_options(synchronize_session=False)
    )
    mails = session.execute(
        delete(OutgoingMail)
        .where(
            OutgoingMail.state.in_(("sent", "failed", "cancelled")),
            OutgoingMail.created_at < now - timedelta(days=contact_days),
        )
        .execution_options(synchronize_session=False)
    )
    confirm_days = 7
    if has_app_context():
        confirm_days = int(current_app.config["SUBSCRIBE_LINK_DAYS"])
    subscriptions = drop_stale(
        session, confirm_days=confirm_days, after_end_days=contact_days, now=now
    )
    files = _prune_maildir(contact_days) if has_app_context() else 0
    return (
        int(comments.rowcount or 0)  # type: ignore[attr-defined]
        + int(mails.rowcount or 0)  # type: ignore[attr-defined]
        + subscriptions
        + files
    )


def _prune_maildir(days: int) -> int:
    path = maildir_path(current_app.instance_path)
    if not path.exists():
        return 0
    box = mailbox.Maildir(path, create=False)
    cutoff = time.time() - days * 86400
    old = [key for key, message in box.iteritems() if message.get_date() < cutoff]
    for key in old:
        box.remove(key)
    return len(old)

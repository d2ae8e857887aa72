"""Which report this browser may see: the receipt code is typed, never put in an address.

A receipt code is enough to read a report's exact place, text and e-mail and to ask for its
erasure, and addresses end up in access logs, browser history and Referer headers. So the
code is only ever posted (or followed once from an old link and dropped at once); the report
it opened is remembered in the signed session cookie for RECEIPT_SESSION_MAX_AGE, and the
pages that show it have addresses without any secret.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app, session
from sqlalchemy.orm import Session, joinedload

from feedback.models import Report
from kommun.models import Kommun

KEY = "receipt"


def remember(report_id: int) -> None:
    """Let this browser see a report for a while (its receipt code was shown or typed)."""
    session[KEY] = {"id": report_id, "at": time.time()}


def forget() -> None:
    session.pop(KEY, None)


def remembered(db: Session) -> Report | None:
    """The report this browser opened with its receipt code, unless that was too long ago."""
    entry = session.get(KEY)
    if not isinstance(entry, dict):
        return None
    max_age: timedelta = current_app.config["RECEIPT_SESSION_MAX_AGE"]
    if time.time() - float(entry.get("at", 0)) > max_age.total_seconds():
        forget()
        return None
    # The receipt page shows the kommun's name and links to its form: one query, not a
    # second lazy load, and without its boundary (a JSON document decoded for nothing).
    kommun = joinedload(Report.kommun).load_only(Kommun.name, Kommun.slug)
    return db.get(Report, entry.get("id"), options=[kommun])

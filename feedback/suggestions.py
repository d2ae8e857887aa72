"""The report form's likely reasons: counted by the job worker, never in a request.

They are the commonest reasons in the kommun's public cells (privacy.public.common_reasons),
which reads a year of the kommun's reports: 200 ms at 100,000 reports and growing with them,
too much for the page every resident opens. The form reads the last count from the cache
shared by every process. Once it is SUGGESTED_REASONS_S old, the next visit asks the job
worker for a new one (one request per period, whichever process asks) and still shows the
old one; until the first count is there, the form shows every reason, as for a kommun with
no public cells. A list that moves every few minutes at most ties a change in it to no
single report.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy.orm import Session

from core.cache import cache
from core.current import app_object
from core.signals import job_wanted
from db import get_engine
from feedback import reasons
from kommun.models import Kommun
from privacy.public import common_reasons

# Reasons shown first on the form; the rest fold away under "Fler skäl".
SUGGESTED_REASONS = 6
SUGGESTED_REASONS_S = 300  # recounted at most this often
KEPT_S = 24 * 3600  # an old count is still shown while a new one is made


def _key(kommun_id: int) -> str:
    return f"suggested-reasons:{kommun_id}"


def suggested_reasons(kommun: Kommun) -> list[str]:
    """The likely reasons to show first on the kommun's form (possibly none yet)."""
    key = _key(kommun.id)
    found = cache.get(key)
    now = time.time()
    if found is None or now - found[0] > SUGGESTED_REASONS_S:
        # One job per period from all the processes (give or take two asking at the same
        # moment: the job is harmless twice), and a lost one is asked for again. The time is
        # kept in the value: an expired FileSystemCache file still blocks cache.add().
        asked = cache.get(f"{key}:asked")
        if asked is None or now - asked > SUGGESTED_REASONS_S:
            cache.set(f"{key}:asked", now, timeout=SUGGESTED_REASONS_S)
            job_wanted.send(app_object(), name="feedback.suggestions", args=(kommun.id,))
            found = cache.get(key) or found  # a job run at once (JOBS_IMMEDIATE) stored it
    return list(found[1]) if found else []


def count_suggestions(app: Flask, kommun_id: int) -> None:
    """The job: count the kommun's likely reasons and keep them for the form."""
    with Session(get_engine(app)) as session:
        kommun = session.get(Kommun, kommun_id)
        if kommun is None:
            return
        codes = [
            code
            for code in common_reasons(session, kommun, datetime.now(UTC), SUGGESTED_REASONS)
            if code in reasons.UNSAFE_CODES
        ]
    cache.set(_key(kommun_id), (time.time(), codes), timeout=KEPT_S)

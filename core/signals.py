"""Signals other parts of the app listen to, so intake never waits for them.

They live low (every package may send or receive them without importing the others):
feedback, review, open311 and surveys send, the cache and the hot-spot worker listen.
"""

from __future__ import annotations

from blinker import Namespace
from sqlalchemy.orm import Session

from core.current import app_object
from db import after_commit

_signals = Namespace()

# Sent after a commit that added or changed reports; sender is the app, kommun_id a keyword.
# In a request, reports_changed_after_commit sends it once the request layer has committed.
reports_changed = _signals.signal("reports-changed")

# A package asks for a background job without importing the job queue (which sits above
# it): sender is the app, `name` and `args` keywords. jobs.init_app queues it.
job_wanted = _signals.signal("job-wanted")


def reports_changed_after_commit(
    session: Session, kommun_id: int, *, stale_marked: bool = False
) -> None:
    """Send reports_changed for the kommun once the session's transaction has committed.

    Its listeners read and write in sessions of their own (the hot-spot worker, a job run at
    once): before the commit they would not see the change, and on SQLite they would wait for
    the request's write lock."""
    app = app_object()
    after_commit(
        session,
        lambda: reports_changed.send(app, kommun_id=kommun_id, stale_marked=stale_marked),
    )

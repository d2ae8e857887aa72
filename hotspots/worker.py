"""Recompute hot spots in the background when reports arrive.

The resident's request only marks the kommun stale and wakes this thread (or, with
HOTSPOTS_RECOMPUTE=external as under gunicorn, a separate `flask hotspots worker` process,
so clustering never holds a web worker's interpreter); the clustering runs afterwards,
outside the request. Several arrivals within the debounce interval cause
one recomputation. A kommun left stale (a crash, another process) is picked up by the next
wake-up or by `flask hotspots recompute`.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db import get_engine
from feedback.signals import reports_changed
from kommun.models import Kommun

log = logging.getLogger(__name__)


class HotSpotWorker:
    def __init__(self, app: Flask, debounce_s: float, min_interval_s: float = 0.0) -> None:
        self.app = app
        self.debounce_s = debounce_s
        self.min_interval_s = min_interval_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def notify(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="hotspot-worker", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.is_set():
                return
            # Let a burst of reports settle, then compute once for all of them.
            self._stop.wait(self.debounce_s)
            self._wake.clear()
            if recompute_once(self.app, self.min_interval_s):
                self._wake.set()  # held back by the interval: look again later


def _stale_left(session: Session) -> bool:
    return (
        session.scalar(select(Kommun.id).where(Kommun.hotspots_stale_since.is_not(None)).limit(1))
        is not None
    )


def recompute_once(app: Flask, min_interval_s: float) -> bool:
    """Recompute the kommuner this process can claim; True if some stay stale for later."""
    from hotspots.services import claim_stale, compute_run

    try:
        with app.app_context(), Session(get_engine(app)) as session:
            kommuner = claim_stale(session, min_interval_s=min_interval_s)
            session.commit()  # other workers see the claim; residents' writes go on
            for kommun in kommuner:
                compute_run(session, kommun)
                session.commit()
            return not kommuner and _stale_left(session)
    except Exception:  # the worker must outlive one bad run
        log.exception("hot-spot recomputation failed")
        return False


def run_forever(app: Flask, poll_s: float, stop: threading.Event | None = None) -> None:
    """The separate recomputation process (HOTSPOTS_RECOMPUTE=external): web processes only
    mark kommuner stale, so clustering never takes a web worker's time."""
    stop = stop or threading.Event()
    min_interval_s = float(app.config.get("HOTSPOTS_MIN_INTERVAL_S", 0.0))
    while not stop.is_set():
        recompute_once(app, min_interval_s)
        stop.wait(poll_s)


def mark_stale(app: Flask, kommun_id: int) -> None:
    with Session(get_engine(app)) as session:
        # Under load the kommun is stale already: a read, not another write transaction.
        if session.scalar(select(Kommun.hotspots_stale_since).where(Kommun.id == kommun_id)):
            return
        session.execute(
            update(Kommun)
            .where(Kommun.id == kommun_id, Kommun.hotspots_stale_since.is_(None))
            .values(hotspots_stale_since=datetime.now(UTC))
        )
        session.commit()


def _on_reports_changed(app: Flask, **extra: Any) -> None:
    mode = app.config.get("HOTSPOTS_RECOMPUTE", "background")
    if mode == "off":
        return
    if not extra.get("stale_marked"):  # else the sender marked it in its own transaction
        mark_stale(app, int(extra["kommun_id"]))
    if mode == "sync":
        from hotspots.services import recompute_stale

        with Session(get_engine(app)) as session:
            recompute_stale(session)
            session.commit()
        return
    if mode == "background":
        app.extensions["tryggkartan.hotspot_worker"].notify()
    # "external": `flask hotspots worker` (started by gunicorn.conf.py) picks the mark up.


def init_app(app: Flask) -> None:
    app.extensions["tryggkartan.hotspot_worker"] = HotSpotWorker(
        app,
        float(app.config.get("HOTSPOTS_DEBOUNCE_S", 2.0)),
        float(app.config.get("HOTSPOTS_MIN_INTERVAL_S", 0.0)),
    )
    reports_changed.connect(_on_reports_changed, sender=app)

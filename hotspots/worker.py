"""Recompute hot spots off the request, as a job (jobs/) when reports arrive.

The resident's request only marks the kommun stale; the `hotspots.recompute` job clusters
afterwards in the job worker, so clustering never holds a web worker. Several arrivals within
HOTSPOTS_DEBOUNCE_S add one job. A kommun left stale (a crash, a job lost with its worker,
the minimum interval) is picked up by the `hotspots.sweep` job every minute or by
`flask hotspots recompute`.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db import get_engine
from feedback.signals import reports_changed
from kommun.models import Kommun

log = logging.getLogger(__name__)


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


def compute_requested(app: Flask, kommun_id: int, params_key: str) -> None:
    """Compute the run a page asked for, unless one is stored that no report came after."""
    from hotspots.services import HotSpotParams, compute_run, current_run, outdated

    params = HotSpotParams.from_key(params_key)
    with app.app_context(), Session(get_engine(app)) as session:
        kommun = session.get(Kommun, kommun_id)
        if kommun is None:
            return
        run = current_run(session, kommun, params)
        if run is not None and not outdated(session, kommun, run):
            return
        compute_run(session, kommun, params)
        session.commit()


def request_interval_s(app: Flask) -> float:
    """How often a page may ask for the same missing run (HOTSPOTS_REQUEST_S, app.py)."""
    return float(app.config["HOTSPOTS_REQUEST_S"])


def request_run(app: Flask, kommun_id: int, params_key: str) -> None:
    """Queue the computation of a run a page needs; a page never clusters itself.

    Asked again within HOTSPOTS_REQUEST_S (a coordinator reloading the page) it queues
    nothing more; the job itself skips a run another job has stored meanwhile.
    """
    interval_s = request_interval_s(app)
    if app.extensions["tryggkartan.hotspot_requests"].due(interval_s, (kommun_id, params_key)):
        from jobs import enqueue

        enqueue(app, "hotspots.compute", kommun_id, params_key)


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


class _Debounce:
    """At most one job per interval (and per key) from this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[object, float] = {}

    def due(self, interval_s: float, key: object = None) -> bool:
        with self._lock:
            now = time.monotonic()
            if now - self._last.get(key, float("-inf")) < float(interval_s):
                return False
            if len(self._last) > 1000:  # requests for many settings: forget the old ones
                self._last = {k: t for k, t in self._last.items() if now - t < interval_s}
            self._last[key] = now
            return True


def _on_reports_changed(app: Flask, **extra: Any) -> None:
    mode = app.config.get("HOTSPOTS_RECOMPUTE", "queue")
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
    debounce_s = float(app.config.get("HOTSPOTS_DEBOUNCE_S", 2.0))
    if app.extensions["tryggkartan.hotspot_debounce"].due(debounce_s):
        from jobs import enqueue

        # Let a burst of reports settle, then compute once for all of them.
        enqueue(app, "hotspots.recompute", eta=datetime.now(UTC) + timedelta(seconds=debounce_s))


def init_app(app: Flask) -> None:
    app.extensions["tryggkartan.hotspot_debounce"] = _Debounce()
    app.extensions["tryggkartan.hotspot_requests"] = _Debounce()
    reports_changed.connect(_on_reports_changed, sender=app)

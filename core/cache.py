"""A cache for what pages compute from many reports, shared by every process of the app.

Entries are never deleted to invalidate them. Each kommun has a generation token, and every
cached value's key holds the token current when it was computed; a change replaces the
token, so the next request misses and the old entries expire on their own. The token
changes when a commit touches a row of the kommun (a report, a promise, the kommun itself;
also a plain INSERT or UPDATE given its kommun_id) and when `reports_changed` is sent; rows
without a kommun, and ORM bulk updates, change the token shared by all kommuner. A token
that is lost (expired, pruned, a cache emptied) is made anew: a miss, never a stale hit.
A table that no cached page reads says so (`info={CACHE_NEUTRAL: True}`): its rows change
no token (the audit log, which a staff look at a report writes).

Every process must see the same tokens: a commit in the job worker (hot spots, retention,
scanned sheets) has to reach the pages the web process serves. RedisCache when REDIS_URL or
RATELIMIT_STORAGE_URI names a Redis server (shared by every worker and instance); in the
embedded mode a FileSystemCache in instance/cache, shared by `flask run` and `flask jobs
worker`. CACHE_TYPE (and CACHE_DIR) in the config choose another.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import uuid
import weakref
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import Flask, current_app, g, has_app_context, has_request_context
from flask_babel import get_locale
from flask_caching import Cache
from flask_caching.backends import FileSystemCache, RedisCache
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from core.signals import reports_changed

cache = Cache()
log = logging.getLogger(__name__)

ALL = "all"  # the generation every kommun's keys also carry
CACHE_NEUTRAL = "cache_neutral"  # in a table's info: no cached page reads it
# A token lives longer than the values named by it (CACHE_DEFAULT_TIMEOUT, 600 s): a full
# FileSystemCache prunes the files that expire first, so values go before tokens. A token
# kept forever (timeout 0) would sort first, and each pruning would make a kommun miss.
GENERATION_TIMEOUT_S = 24 * 3600
P = ParamSpec("P")
T = TypeVar("T")


def _redis_url(app: Flask) -> str | None:
    for name in ("REDIS_URL", "RATELIMIT_STORAGE_URI"):
        url = str(app.config.get(name) or "")
        if url.startswith(("redis://", "rediss://")):
            return url
    return None


def init_app(app: Flask) -> None:
    if "CACHE_TYPE" not in app.config:
        redis_url = _redis_url(app)
        if redis_url:
            app.config["CACHE_TYPE"] = "core.cache.RedisCacheOrMiss"
            app.config.setdefault("CACHE_REDIS_URL", redis_url)
            app.config.setdefault("CACHE_OPTIONS", dict(REDIS_TIMEOUTS))
        else:  # the embedded mode: `flask run` and `flask jobs worker` share the folder
            app.config["CACHE_TYPE"] = "FileSystemCache"
            app.config.setdefault("CACHE_DIR", _cache_dir(app))
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", 600)
    app.config.setdefault("CACHE_KEY_PREFIX", app.config.get("RATELIMIT_KEY_PREFIX", "tk") + ":c:")
    cache.init_app(app)
    if isinstance(app.extensions["cache"][cache], FileSystemCache):
        # A new process, a new generation: the files outlive the processes, and what was done
        # while none ran (a restore, a migration, new code reading the values) bumped nothing.
        with app.app_context():
            bump_generation(ALL)
    reports_changed.connect(_on_reports_changed, sender=app)
    # Commits made outside a request (CLI, jobs, scripts) find their app by the engine.
    import db

    _apps[db.get_engine(app)] = weakref.ref(app)


class RedisCacheOrMiss(RedisCache):
    """Flask-Caching's RedisCache, with Redis out of reach as a miss instead of an error.

    Nothing the cache holds is needed to answer: a value is computed again and a generation
    token made anew. So while Redis restarts the pages are slower, not error pages:
    - after a failure the process leaves Redis alone for PAUSE_S (a Redis that hangs costs
      one request a short timeout, not every request a long one); one warning a minute;
    - the commits meanwhile could not renew their kommuner's tokens, and a Redis that comes
      back with its keys would serve pages from before them: the first write or read once
      it answers renews the token every kommun's keys carry (ALL) first.
    """

    PAUSE_S = 5.0
    WARN_EVERY_S = 60.0
    # Per process, shared by every thread: Redis is up or down for all of them.
    _down_until = float("-inf")
    _warned_at = float("-inf")
    _owes_renewal = False

    @classmethod
    def _failed(cls, action: str) -> None:
        now = time.monotonic()
        cls._down_until = now + cls.PAUSE_S
        cls._owes_renewal = True
        if now - cls._warned_at >= cls.WARN_EVERY_S:
            cls._warned_at = now
            log.warning("the cache (Redis) could not %s; computing without it", action)

    def _run(self, action: str, operation: Callable[[], T], missed: T) -> T:
        cls = RedisCacheOrMiss
        if time.monotonic() < cls._down_until:
            return missed
        try:
            if cls._owes_renewal:
                renewal = super().set(_generation_key(ALL), uuid.uuid4().hex, GENERATION_TIMEOUT_S)
                cls._owes_renewal = not renewal
            return operation()
        except RedisError:
            cls._failed(action)
            return missed

    def get(self, key: str) -> Any:
        return self._run("be read", lambda: super(RedisCacheOrMiss, self).get(key), None)

    def get_many(self, *keys: str) -> list[Any]:
        return self._run(
            "be read", lambda: super(RedisCacheOrMiss, self).get_many(*keys), [None] * len(keys)
        )

    def has(self, key: str) -> bool:
        return self._run("be read", lambda: bool(super(RedisCacheOrMiss, self).has(key)), False)

    def set(self, key: str, value: Any, timeout: int | timedelta | None = None) -> Any:
        return self._run(
            "be written", lambda: super(RedisCacheOrMiss, self).set(key, value, timeout), False
        )

    def add(self, key: str, value: Any, timeout: int | timedelta | None = None) -> Any:
        return self._run(
            "be written", lambda: super(RedisCacheOrMiss, self).add(key, value, timeout), False
        )

    def delete(self, key: str) -> bool:
        return self._run(
            "be written", lambda: bool(super(RedisCacheOrMiss, self).delete(key)), False
        )


# A Redis that does not answer is given up on quickly; the cache goes on without it.
REDIS_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}


def _cache_dir(app: Flask) -> str:
    """instance/cache/<database>: processes on another database never read these pages
    (kommun ids repeat across databases), however they share the instance folder."""
    import db

    url = db.get_engine(app).url.render_as_string(hide_password=True)
    return os.path.join(app.instance_path, "cache", hashlib.sha1(url.encode()).hexdigest()[:12])


def _generation_key(scope: int | str) -> str:
    return f"generation:{scope}"


def generation(scope: int | str) -> str:
    """The current token of a kommun (by id) or of ALL; made on first use."""
    token = cache.get(_generation_key(scope))
    if token is None:
        token = uuid.uuid4().hex
        cache.set(_generation_key(scope), token, timeout=GENERATION_TIMEOUT_S)
    return str(token)


def bump_generation(scope: int | str) -> bool:
    """Make every cached value of the kommun (or of all kommuner) stale; whether it could."""
    return bool(cache.set(_generation_key(scope), uuid.uuid4().hex, timeout=GENERATION_TIMEOUT_S))


def per_kommun(
    name: str,
    timeout: int | None = None,
    *,
    timeout_of: Callable[[Any], int | None] | None = None,
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Cache fn(kommun, *args) per kommun, language, generation and args (plain values).

    `timeout_of(value)`, when given and not None, is that value's own lifetime: a page
    waiting for a background job is kept only until the job would be asked for again, so a
    job that was lost is asked for again at the next visit after that.
    """

    def decorate(fn: Callable[P, T]) -> Callable[P, T]:
        @wraps(fn)
        def cached(*args: P.args, **kwargs: P.kwargs) -> T:
            kommun, *rest = args
            kommun_id = kommun.id  # type: ignore[attr-defined]
            parts = [name, str(kommun_id), str(get_locale()), generation(kommun_id)]
            parts += [generation(ALL), *map(repr, rest), *map(repr, sorted(kwargs.items()))]
            key = ":".join(parts)
            hit = cache.get(key)
            if hit is not None:
                return hit  # type: ignore[no-any-return]
            value = fn(*args, **kwargs)
            own = timeout_of(value) if timeout_of is not None else None
            cache.set(key, value, timeout=timeout if own is None else own)
            return value

        return cached

    return decorate


def _on_reports_changed(_app: Flask, **extra: Any) -> None:
    kommun_id = extra.get("kommun_id")
    scope = kommun_id if kommun_id is not None else ALL
    # The request's latest commit bumped this scope already (a resident's report carries its
    # kommun_id): one write to Redis per report is enough.
    if has_request_context() and scope in g.get(_BUMPED, ()):
        return
    _bump_committed({scope})


# --- commits change generations ----------------------------------------------------------

_TOUCHED = "tryggkartan.cache_touched"
_BUMPED = "tryggkartan_cache_bumped"  # in flask.g: the scopes this request's commits bumped
_apps: weakref.WeakKeyDictionary[Any, weakref.ref[Flask]] = weakref.WeakKeyDictionary()


def _neutral(model: type) -> bool:
    table = getattr(model, "__table__", None)
    return table is not None and bool(table.info.get(CACHE_NEUTRAL))


@event.listens_for(Session, "after_flush")
def _note_touched(session: Session, _context: Any) -> None:
    touched: set[int | str] = session.info.setdefault(_TOUCHED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if _neutral(type(obj)):
            continue
        if type(obj).__name__ == "Kommun":
            touched.add(obj.id)
            continue
        kommun_id = getattr(obj, "kommun_id", None)
        touched.add(kommun_id if isinstance(kommun_id, int) else ALL)


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    """Statements outside the unit of work: by their kommun_id, or all for a bulk ORM change."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if state.bind_mapper is not None and _neutral(state.bind_mapper.class_):
        return
    params = state.parameters
    rows = params if isinstance(params, list) else [params] if params else []
    kommuner = {row.get("kommun_id") for row in rows if isinstance(row, dict)} - {None}
    if kommuner:
        state.session.info.setdefault(_TOUCHED, set()).update(kommuner)
    elif state.bind_mapper is not None and not state.is_insert:
        state.session.info.setdefault(_TOUCHED, set()).add(ALL)


def _bump_committed(scopes: set[int | str]) -> set[int | str]:
    """Bump each scope a commit touched; the ones bumped. The data is committed by now: a
    cache that cannot be written (Redis gone) is logged and must not stop the after-commit
    work that follows (signals, queued jobs and mails, files deleted)."""
    bumped: set[int | str] = set()
    for scope in scopes:
        try:
            if bump_generation(scope):
                bumped.add(scope)
            else:
                log.warning("could not renew the cache generation of %s", scope)
        except Exception:
            log.exception("could not renew the cache generation of %s", scope)
    return bumped


# insert=True: before db's after-commit callbacks, which send reports_changed. Its listener
# here skips a scope this commit bumped already, and can tell only once this has run.
@event.listens_for(Session, "after_commit", insert=True)
def _bump_touched(session: Session) -> None:
    touched = session.info.pop(_TOUCHED, set())
    if has_request_context():
        g.pop(_BUMPED, None)  # only the latest commit's bumps may stand in for a signal
    if not touched:
        return
    if has_app_context() and "cache" in current_app.extensions:
        bumped = _bump_committed(touched)
        if has_request_context():
            setattr(g, _BUMPED, bumped)  # a scope that failed is tried again by the signal
        return
    ref = _apps.get(session.get_bind())
    app = ref() if ref is not None else None
    if app is not None:
        with app.app_context():
            _bump_committed(touched)


@event.listens_for(Session, "after_rollback")
def _forget_touched(session: Session) -> None:
    session.info.pop(_TOUCHED, None)

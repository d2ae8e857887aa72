"""Following a medborgarlöfte by mail: subscribe, confirm (double opt-in), a digest per period.

A subscription is confirmed from a signed link in the first mail; until then nothing else is
sent. Once a follow-up period (a tertial by default, the promise's cadence) is over, its
follow-ups go out as one digest. Services flush; the caller commits.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.clock import LOCAL_ZONE
from mail.outbox import add_mail
from promises.models import FollowUp, Promise, PromiseSubscription
from promises.services import period_end, periods_of


def _today(now: datetime) -> date:
    return now.astimezone(LOCAL_ZONE).date()


def subscribe(session: Session, promise: Promise, email: str, language: str) -> PromiseSubscription:
    """Store an unconfirmed subscription and queue the mail that asks to confirm it."""
    subscription = PromiseSubscription(
        promise_id=promise.id, email=email.strip(), language=language
    )
    session.add(subscription)
    session.flush()
    add_mail(
        session,
        kind="subscribe",
        kommun_id=promise.kommun_id,
        subscription_id=subscription.id,
        language=language,
    )
    return subscription


def last_finished_period(promise: Promise, today: date) -> date | None:
    """The first day of the latest follow-up period that is over by today."""
    done = [p for p in periods_of(promise, today) if period_end(promise, p) < today]
    return done[-1] if done else None


def confirm(
    subscription: PromiseSubscription, *, now: datetime | None = None
) -> PromiseSubscription:
    """Confirm once; the first digest is for the period the resident subscribed in."""
    now = now or datetime.now(UTC)
    if subscription.confirmed_at is None:
        subscription.confirmed_at = now
        subscription.last_period = last_finished_period(subscription.promise, _today(now))
    return subscription


def queue_digests(session: Session, *, now: datetime | None = None) -> int:
    """A digest to each confirmed follower for a period that is over and had follow-ups."""
    now = now or datetime.now(UTC)
    today = _today(now)
    queued = 0
    for subscription in session.scalars(
        select(PromiseSubscription)
        .join(Promise, Promise.id == PromiseSubscription.promise_id)
        .where(PromiseSubscription.confirmed_at.is_not(None), Promise.status != "utkast")
        .order_by(PromiseSubscription.id)
    ):
        period = last_finished_period(subscription.promise, today)
        if period is None or (
            subscription.last_period is not None and period <= subscription.last_period
        ):
            continue
        subscription.last_period = period
        has_news = session.scalar(
            select(FollowUp.id)
            .where(FollowUp.promise_id == subscription.promise_id, FollowUp.period_start == period)
            .limit(1)
        )
        if has_news is None:
            continue
        add_mail(
            session,
            kind="digest",
            kommun_id=subscription.promise.kommun_id,
            subscription_id=subscription.id,
            language=subscription.language,
            params={"period": period.isoformat()},
        )
        queued += 1
    session.flush()
    return queued


def follow_ups_in(session: Session, promise_id: int, period: date) -> list[FollowUp]:
    return list(
        session.scalars(
            select(FollowUp)
            .where(FollowUp.promise_id == promise_id, FollowUp.period_start == period)
            .order_by(FollowUp.done_on, FollowUp.id)
        )
    )


def unsubscribe(session: Session, subscription: PromiseSubscription) -> None:
    """Forget the subscription and its address."""
    session.delete(subscription)
    session.flush()


def drop_stale(session: Session, *, confirm_days: int, after_end_days: int, now: datetime) -> int:
    """Retention: unconfirmed subscriptions after confirm_days, all of a promise that ended
    after_end_days ago."""
    today = _today(now)
    unconfirmed = session.execute(
        delete(PromiseSubscription)
        .where(
            PromiseSubscription.confirmed_at.is_(None),
            PromiseSubscription.created_at < now - timedelta(days=confirm_days),
        )
        .execution_options(synchronize_session=False)
    )
    ended = select(Promise.id).where(Promise.ends_on < today - timedelta(days=after_end_days))
    finished = session.execute(
        delete(PromiseSubscription)
        .where(PromiseSubscription.promise_id.in_(ended))
        .execution_options(synchronize_session=False)
    )
    return int(unconfirmed.rowcount or 0) + int(finished.rowcount or 0)  # type: ignore[attr-defined]

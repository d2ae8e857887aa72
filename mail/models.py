from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db import Base, utcnow

KINDS = ("confirmation", "update", "questionnaire", "subscribe", "digest")
# queued -> sending -> sent; failed after the last retry; cancelled when the address went.
STATES = ("queued", "sending", "sent", "failed", "cancelled")


class OutgoingMail(Base):
    """One mail to send. The row is the idempotency key: it is sent once, with a Message-ID
    made from `key`, whatever happens to the workers in between.

    No address is stored here: it is read from the report or subscription when the mail is
    sent, so an address erased in between is never written to.
    """

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    kommun_id: Mapped[int] = mapped_column(ForeignKey("kommun.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("report.id", ondelete="CASCADE"), index=True
    )
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("promise_subscription.id", ondelete="CASCADE"), index=True
    )
    # What the kind needs besides the report or subscription (e.g. the digest's period).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(5), default="sv")
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    # Not sent before this moment: the hour between update mails, or the next retry.
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    claimed_at: Mapped[datetime | None] = mapped_column()
    # host:pid of the worker that claimed it, so a restarted worker can take back its own.
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    subject: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()

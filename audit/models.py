from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.cache import CACHE_NEUTRAL
from db import Base, utcnow


class AuditEvent(Base):
    """One staff action, or one look at unmasked personal data. Never deleted, and updated only
    by retention (privacy.retention), which coarsens the places a correction logged."""

    __tablename__ = "audit_event"
    # A look at a report writes one of these: that must not make the kommun's cached pages
    # (core.cache) stale, since none of them shows the log.
    __table_args__ = (
        Index("ix_audit_event_object", "object_type", "object_id"),
        {"info": {CACHE_NEUTRAL: True}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kept when the account goes: the log must outlive the people in it.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column()
    kommun_id: Mapped[int | None] = mapped_column(ForeignKey("kommun.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

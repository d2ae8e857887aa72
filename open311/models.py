"""API keys for the Open311 server, and forwarding of reports to a kommun's felanmälan."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db import Base, utcnow
from kommun.models import Kommun


class ApiKey(Base):
    """A client of the Open311 API. Only a hash of the key is stored; the key is shown once."""

    __tablename__ = "open311_api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # The first characters, to tell keys apart in lists; not enough to use one.
    prefix: Mapped[str] = mapped_column(String(12))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A key bound to a kommun may only post there; a staff key also reads exact places.
    kommun_id: Mapped[int | None] = mapped_column(ForeignKey("kommun.id", ondelete="CASCADE"))
    staff: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    kommun: Mapped[Kommun | None] = relationship()


class ForwardTarget(Base):
    """A kommun's felanmälan system, reached over Open311 GeoReport v2."""

    __tablename__ = "open311_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    kommun_id: Mapped[int] = mapped_column(ForeignKey("kommun.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    endpoint: Mapped[str] = mapped_column(String(300))  # base URL, e.g. https://…/open311/v2
    api_key: Mapped[str] = mapped_column(String(200))
    jurisdiction_id: Mapped[str | None] = mapped_column(String(100))
    # Our reason code -> their service code; only these reasons are forwarded.
    service_map: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Reports from this moment on are forwarded; older ones were handled before.
    since: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    kommun: Mapped[Kommun] = relationship()


class Forwarding(Base):
    """One report on its way to (or in) a felanmälan system."""

    __tablename__ = "open311_forwarding"
    __table_args__ = (UniqueConstraint("report_id", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(
        ForeignKey("open311_target.id", ondelete="CASCADE"), index=True
    )
    service_code: Mapped[str] = mapped_column(String(100))
    # queued -> sending -> sent; failed after too many attempts (an admin can retry)
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column()
    remote_id: Mapped[str | None] = mapped_column(String(100))
    remote_token: Mapped[str | None] = mapped_column(String(100))
    remote_status: Mapped[str | None] = mapped_column(String(20))
    remote_status_notes: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column()
    synced_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    target: Mapped[ForwardTarget] = relationship()

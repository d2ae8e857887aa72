"""Writing the audit log. Like every service it adds and flushes; the view commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from audit.models import AuditEvent


def record(
    session: Session,
    user: Any,
    action: str,
    obj: Any = None,
    *,
    kommun_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Log that user did action (e.g. "report.status") to obj, with JSON-able details."""
    event = AuditEvent(
        user_id=getattr(user, "id", None),
        action=action,
        object_type=type(obj).__tablename__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        kommun_id=kommun_id if kommun_id is not None else getattr(obj, "kommun_id", None),
        details=details,
    )
    session.add(event)
    session.flush()
    return event

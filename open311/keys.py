"""Issuing, finding and revoking Open311 API keys. Services flush; callers commit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommun.models import Kommun
from open311.models import ApiKey

KEY_PREFIX = "tk_"


def _hash(key: str) -> str:
    # The key is 32 random bytes: a plain hash is enough, no slow password hashing needed.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(
    session: Session,
    name: str,
    *,
    kommun: Kommun | None = None,
    staff: bool = False,
    created_by_id: int | None = None,
) -> tuple[ApiKey, str]:
    """A new key for a client; returns the stored record and the key, which is never stored."""
    if staff and kommun is None:
        raise ValueError("a staff key belongs to one kommun")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(
        name=name.strip(),
        prefix=key[:10],
        key_hash=_hash(key),
        kommun=kommun,
        staff=staff,
        created_by_id=created_by_id,
    )
    session.add(record)
    session.flush()
    return record, key


def find_key(session: Session, key: str | None) -> ApiKey | None:
    """The active record of a key as a client sent it, or None."""
    if not key or len(key) > 200:
        return None
    record = session.scalar(select(ApiKey).where(ApiKey.key_hash == _hash(key.strip())))
    if record is None or record.revoked_at is not None:
        return None
    return record


def revoke_key(record: ApiKey) -> None:
    record.revoked_at = record.revoked_at or datetime.now(UTC)

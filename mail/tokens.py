"""Signed links in mails: unsubscribe, the questionnaire, confirming a subscription.

Each purpose has its own salt, so a link made for one cannot be used for another. The
payload is a small dict of ids; nothing personal is put in a URL.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

PURPOSES = ("unsubscribe", "questionnaire", "subscribe")

__all__ = ["BadSignature", "SignatureExpired", "read", "sign"]


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"tryggkartan.{purpose}")


def sign(purpose: str, **payload: int) -> str:
    return _serializer(purpose).dumps(payload)


def read(purpose: str, token: str, max_age_s: int | None = None) -> dict[str, Any]:
    """The payload of a token; BadSignature when forged, SignatureExpired when too old."""
    data = _serializer(purpose).loads(token, max_age=max_age_s)
    if not isinstance(data, dict):
        raise BadSignature("not a payload")
    return data

"""Photos of walk stops: checked by their first bytes, stored under the instance folder."""

from __future__ import annotations

import secrets
from pathlib import Path

PHOTO_MAX = 8 * 1024 * 1024
SIGNATURES = {
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
}


class PhotoError(ValueError):
    """Not a photo this app keeps."""


def photo_type(data: bytes) -> tuple[str, str]:
    """(media type, extension) of a JPEG or PNG; WebP too. PhotoError for anything else."""
    if len(data) > PHOTO_MAX:
        raise PhotoError("too large")
    for signature, kind in SIGNATURES.items():
        if data.startswith(signature):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ("image/webp", "webp")
    raise PhotoError("not a photo")


def store(folder: Path, data: bytes) -> tuple[str, str]:
    """Write the photo under a random name; returns (file name, media type)."""
    media_type, extension = photo_type(data)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(16)}.{extension}"
    (folder / name).write_bytes(data)
    return name, media_type


def remove(folder: Path, name: str | None) -> None:
    if name and "/" not in name and not name.startswith("."):
        (folder / name).unlink(missing_ok=True)

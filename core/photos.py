"""Photos people send (walk stops, residents' reports): checked, stored under the instance
folder, served to staff only."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import current_app

PHOTO_MAX = 8 * 1024 * 1024
LONGEST_SIDE_PX = 1600  # enough to see a broken lamp; small enough to keep many
MAX_PIXELS = 50_000_000  # a larger picture is refused before it is decoded
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


def folder(kind: str) -> Path:
    """Where one kind of photo is kept: under the instance folder, never under static/."""
    return Path(current_app.instance_path) / "uploads" / kind


def remove(folder: Path, name: str | None) -> None:
    if name and "/" not in name and not name.startswith("."):
        (folder / name).unlink(missing_ok=True)


def clean(data: bytes, longest_side_px: int = LONGEST_SIDE_PX) -> bytes:
    """The photo as a new JPEG: decoded (so it really is an image), turned upright, scaled
    to at most longest_side_px and written without any metadata (EXIF, GPS, XMP, comments).

    PhotoError when the bytes are not a JPEG, PNG or WebP picture this can decode.
    """
    # Pillow is imported here, not at start-up: only a photo upload needs it.
    from PIL import Image, ImageOps, UnidentifiedImageError

    photo_type(data)  # size and signature first: no decoder sees anything else
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise PhotoError("too many pixels")
            opened.load()
            upright = ImageOps.exif_transpose(opened)
            picture = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise PhotoError("not a photo") from None
    picture.thumbnail((longest_side_px, longest_side_px), Image.Resampling.LANCZOS)
    # Pillow carries some of the source's info (a JPEG comment, ICC, XMP) through convert and
    # would write it again: nothing of the original's metadata goes with the picture.
    picture.info = {}
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()

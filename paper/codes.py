"""Sheet ids and the QR codes that carry them: "TK1 <sheet id> <page>"."""

from __future__ import annotations

import re
import secrets

import segno

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I to misread when typed
CODE_LENGTH = 8
_PAYLOAD = re.compile(rf"TK1 ([{ALPHABET}]{{{CODE_LENGTH}}}) ([1-9]\d?)")


def new_code() -> str:
    """A fresh sheet id: 8 characters, 40 bits of chance, easy to read aloud."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def payload(code: str, page: int) -> str:
    return f"TK1 {code} {page}"


def parse_payload(text: str) -> tuple[str, int] | None:
    """(sheet id, page) from a QR code's text, None when it is not one of ours."""
    found = _PAYLOAD.fullmatch(text.strip())
    return (found.group(1), int(found.group(2))) if found else None


def qr(code: str, page: int) -> segno.QRCode:
    """The QR code printed on a sheet's page."""
    return segno.make(payload(code, page), error="h", micro=False)


def qr_svg_uri(code: str, page: int) -> str:
    """The QR code as an SVG data URI without a quiet zone (the layout leaves room for it)."""
    return str(qr(code, page).svg_data_uri(border=0, scale=1))

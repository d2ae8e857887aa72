"""Text that cannot be stored: one rule for every form, API and import.

Refused, the same on SQLite and PostgreSQL (which cannot hold NUL in text at all): control
characters other than tab, line feed and carriage return (NUL included), lone surrogates
(what broken UTF-8 such as %ED%A0%80 turns into), the noncharacters U+FFFE and U+FFFF, and
U+FFFD, the replacement character a decoder leaves where bytes were not UTF-8. None of them
belongs in what a person types, and most are not even allowed in XML (feeds, Open311).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl

from flask_babel import lazy_gettext as _l

ODD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd\ufffe\uffff]")
# What XML 1.0 does not allow at all, for output built from text stored before this rule.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

MESSAGE = _l(
    "Texten innehåller tecken som inte går att spara (till exempel nolltecken, styrtecken "
    "eller trasigt kodade tecken). Ta bort dem och försök igen."
)
FILE_MESSAGE = _l(
    "Filen innehåller tecken som inte går att spara (till exempel nolltecken, styrtecken "
    "eller trasigt kodade tecken). Ta bort dem och försök igen."
)


def is_odd(value: object) -> bool:
    """Whether value is a string holding a character that is never stored."""
    return isinstance(value, str) and ODD.search(value) is not None


def any_odd(values: Iterable[object]) -> bool:
    return any(is_odd(value) for value in values)


def without_odd(text: str) -> str:
    """The text with those characters taken out (to show back what the person typed)."""
    return ODD.sub("", text)


def xml_safe(value: str) -> str:
    """The text without the characters an XML document cannot hold."""
    return NOT_XML.sub("", value)


def decodes_strictly(raw: bytes | str) -> bool:
    """Whether a query string or urlencoded body is valid UTF-8 once percent-decoded.

    Werkzeug keeps bytes that are not UTF-8 percent-encoded ("%ED%A0%80" stays as those nine
    characters), so broken input can only be told apart here, before it is parsed.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        return False
    return True

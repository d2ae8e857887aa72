"""Secrets never reach a log: receipt codes, invitation tokens and API keys are cut out.

Residents' receipt codes (/kvitto/<code>, /status/<code>), staff invitations
(/inbjudan/<token>), the signed links in residents' mails (/epost/<page>/<token>) and Open311
keys (?api_key=…) each open something on their own. The
app no longer puts a receipt code in an address it links to, but old links and printed
receipts still arrive, so every log line that holds a path or a query string passes
through `redact`: werkzeug's request log (./dev serve), gunicorn's access log (./dev prod,
via gunicorn.conf.py) and the app's own error log.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask

HIDDEN = "[dolt]"
# A path segment after these prefixes is a secret (but not the pages' own names).
_SECRET_PATH = re.compile(
    r"(?P<prefix>/(?:kvitto|inbjudan|status|open311/v2/tokens|epost/[a-z]+)/)"
    r"(?!mitt-forslag(?:\.json)?(?=[/?#\s\"]|$))(?P<secret>[^/?#\s\"]+)"
)
_SECRET_PARAM = re.compile(
    r"(?P<name>(?:^|[?&;\s])(?:api_key|key|token|code|kod)=)(?P<secret>[^&#\s\"]*)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """The text with every secret path segment and query parameter replaced by [dolt]."""
    text = _SECRET_PATH.sub(lambda m: m.group("prefix") + HIDDEN, text)
    return _SECRET_PARAM.sub(lambda m: m.group("name") + HIDDEN, text)


def _redacted(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactFilter(logging.Filter):
    """Redacts a record's message and its string arguments (as werkzeug logs a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redacted(arg) for key, arg in record.args.items()}
        return True


def init_app(app: Flask) -> None:
    for name in ("werkzeug", app.logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactFilter) for f in logger.filters):
            logger.addFilter(RedactFilter())

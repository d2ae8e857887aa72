"""The link a resident follows to a report's status page: one place to change it.

Mails and pages build the link here, so when the receipt code leaves the URL (a form, a
short-lived signed link) only this function changes.
"""

from __future__ import annotations

from flask import url_for

from feedback.models import Report


def status_url(report: Report, *, external: bool = False) -> str:
    """Where the holder of the receipt reads the report's status and timeline."""
    # The code opens the report, is remembered in the session and the page moves on at once
    # to an address without it; core.logs cuts it out of every log line on the way.
    return url_for("feedback.status_by_code", code=report.receipt_code, _external=external)

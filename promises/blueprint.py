"""The coordinators' blueprint for medborgarlöften: its guard and its template labels."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from accounts.access import kommun_scope
from feedback.reasons import GROUPS
from promises.attachments import PDF_MAX
from promises.models import Agreement, Organisation, Promise
from promises.public_forms import (
    ACTIVITY_STATUS_LABELS,
    FEELING_LABELS,
    INDICATOR_LABELS,
    PHASE_LABELS,
    PROMISE_STATUS_LABELS,
)
from review.statuses import TREND_LABELS

bp = Blueprint("promises", __name__, url_prefix="/samordnare")


@bp.app_context_processor
def labels() -> dict[str, Any]:
    from promises.themes import ThemeLabels  # it puts routes on bp, so not at the top

    return {
        "theme_labels": ThemeLabels(),
        "promise_status_labels": PROMISE_STATUS_LABELS,
        "phase_labels": PHASE_LABELS,
        "activity_status_labels": ACTIVITY_STATUS_LABELS,
        "feeling_labels": FEELING_LABELS,
        "indicator_labels": INDICATOR_LABELS,
        "reason_group_labels": {g.code: g.label for g in GROUPS},
        "trend_labels": TREND_LABELS,
    }


bp.before_request(
    kommun_scope(
        "admin",
        "coordinator",
        promise_id=Promise,
        agreement_id=Agreement,
        organisation_id=Organisation,
    )
)

# Forms that take a file; every other form keeps the app's small limit.
UPLOAD_LIMITS: dict[str, int] = {
    "promises.add_focus": 1_100_000,  # a GeoJSON area of at most 1 MB (geo.areas)
    "promises.edit_focus": 1_100_000,
    "promises.agreements": PDF_MAX + 64 * 1024,  # a signed agreement (promises.attachments)
    "promises.edit_agreement": PDF_MAX + 64 * 1024,
}


@bp.before_request
def allow_uploads() -> None:
    """Uploaded areas and documents are larger than any form's text."""
    limit = UPLOAD_LIMITS.get(request.endpoint or "")
    if limit is not None:
        request.max_content_length = limit

"""The dialogue teams' blueprint: its guards, its template helpers, and the small helpers
every page module shares. The pages live in surveys/*_pages.py and surveys/import_page.py."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    request,
)
from sqlalchemy import select

from accounts.access import kommun_scope
from core import numbers, photos
from core import text as odd_text
from db import get_session
from kommun.models import Kommun
from surveys import instruments
from surveys.forms import (
    decision_label,
    method_label,
)
from surveys.models import DialogueSession, Instrument
from surveys.stats import SMALL_N

bp = Blueprint("surveys", __name__, url_prefix="/dialog")
UPLOAD_ENDPOINTS = frozenset({"surveys.edit_stop", "surveys.import_csv"})
SCAN_MAX = 60 * 1024 * 1024  # a scanner's PDF of a few hundred pages
SURVEY_ROLES = ("admin", "coordinator", "dialog")
bp.add_app_template_global(method_label, "method_label")
bp.add_app_template_global(decision_label, "decision_label")
bp.add_app_template_global(instruments.label_of, "answer_label")
bp.add_app_template_global(instruments.headline_counts, "headline_counts")
bp.record_once(lambda state: state.app.jinja_env.globals.update(small_n=SMALL_N))
bp.add_app_template_filter(numbers.decimal, "decimal")
bp.add_app_template_filter(numbers.percent, "percent")
bp.add_app_template_filter(numbers.number_range, "number_range")
bp.add_app_template_filter(numbers.percent_range, "percent_range")


bp.before_request(kommun_scope(*SURVEY_ROLES, dialogue_id=DialogueSession))


@bp.before_request
def allow_uploads() -> None:
    """Photos and CSV files are larger than any form's text."""
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = photos.PHOTO_MAX + 64 * 1024
    elif request.endpoint == "surveys.scan_sheets":
        request.max_content_length = SCAN_MAX


def form_status() -> int:
    """400 for a form sent back with its errors, 200 for a page shown."""
    return 400 if request.method == "POST" else 200


def kommun_instruments(kommun: Kommun) -> list[Instrument]:
    return list(
        get_session().scalars(
            select(Instrument).where(Instrument.kommun_id == kommun.id).order_by(Instrument.name)
        )
    )


def odd_text_sent() -> bool:
    """Whether a field read by hand (not through a form class) holds odd characters."""
    return odd_text.any_odd(value for _name, value in request.form.items(multi=True))


def instance_path() -> Path:
    """The app's instance folder, where uploads and scanned page images are kept."""
    return Path(current_app.instance_path)

"""The coordinators' blueprint: its guard, its template helpers and the helper every page
module shares. The pages live in review/views.py (queue, report page, actions),
review/maps.py (the hot-spot map) and review/lagesbild_page.py; each imports bp from here, and
app.py imports them for their routes."""

from __future__ import annotations

from flask import Blueprint, g

from accounts.access import kommun_scope
from feedback.models import Report
from kommun.models import Kommun
from review import statuses

bp = Blueprint("review", __name__, url_prefix="/samordnare")
bp.add_app_template_global(statuses.staff_status, "staff_status")
bp.add_app_template_global(statuses.close_reason, "close_reason")
bp.add_app_template_global(statuses.forward_target, "forward_target")
bp.add_app_template_global(statuses.source_label, "source_label")
bp.add_app_template_filter(statuses.when_label, "when_label")
bp.add_app_template_filter(statuses.change_label, "change_label")


# Coordinators and admins only, and only for their own kommuner's data.
bp.before_request(kommun_scope("admin", "coordinator", report_id=Report))


def current_kommun() -> Kommun:
    """The kommun of the page's <slug>, checked by the guard above."""
    kommun: Kommun = g.kommun
    return kommun

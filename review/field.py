"""EST rapportörer file observations from the field for their own kommuner."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from accounts.access import allowed_kommun, require_role, staff_user
from core.clock import local_today
from core.signals import reports_changed_after_commit
from db import get_session
from feedback import reasons as taxonomy
from kommun.models import Kommun
from kommun.services import active_landmarks
from review.forms import FieldReportForm
from review.services import create_field_report

bp = Blueprint("field", __name__, url_prefix="/falt")


@bp.before_request
def guard() -> Response | None:
    """Rapportörer only, and only for their own kommuner."""
    refused = require_role("rapportor")
    if refused is not None:
        return refused
    slug = (request.view_args or {}).get("slug")
    if slug is not None:
        g.kommun = allowed_kommun(slug)
    return None


@bp.get("/")
def index() -> Response | str:
    """Choose a kommun (straight to the form when the rapportör has one)."""
    kommuner = staff_user().kommuner
    if len(kommuner) == 1:
        return redirect(url_for("field.new", slug=kommuner[0].slug))
    return render_template("review/field_index.html", kommuner=kommuner)


@bp.route("/<slug>/", methods=["GET", "POST"])
def new(slug: str) -> Response | tuple[str, int]:
    """Take an observation: place, reasons, when and what was seen."""
    session = get_session()
    kommun: Kommun = g.kommun
    landmarks = active_landmarks(session, kommun)
    form = FieldReportForm(kommun, landmarks)
    if not form.is_submitted():
        form.occurred_on.data = local_today()
    if form.validate_on_submit() and form.point is not None:
        report = create_field_report(
            session, kommun, staff_user(), form.report_input(source="staff")
        )
        report.occurred_at = form.occurred_at
        session.flush()  # the registration number shown below
        reports_changed_after_commit(session, kommun.id)
        flash(
            _("Observationen är sparad med nummer %(number)s.", number=report.registration_number)
        )
        return redirect(url_for("field.new", slug=kommun.slug), code=303)
    return render_template(
        "review/field_new.html",
        form=form,
        kommun=kommun,
        unsafe_groups=taxonomy.groups(positive=False),
        safe_groups=taxonomy.groups(positive=True),
    ), (400 if request.method == "POST" else 200)

"""Results of a dialogue or a period, and the answers and codebook as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    g,
    render_template,
    request,
)
from flask_babel import gettext as _
from sqlalchemy import select

from accounts.access import allowed_object, staff_user
from audit.services import record
from db import get_session
from kommun.models import Kommun
from review.exports import spreadsheet_cell
from surveys import services
from surveys.blueprint import bp, kommun_instruments
from surveys.forms import (
    ResultsFilterForm,
)
from surveys.models import DialogueSession, Instrument


def _answers(dsessions: list[DialogueSession]) -> list[dict[str, Any]]:
    session = get_session()
    return [r.answers for d in dsessions for r in services.sheets(session, d, 1)]


@bp.get("/dialoger/<int:dialogue_id>/resultat")
def session_results(dialogue_id: int) -> str:
    """One session's results, beside an earlier session's when asked (?jamfor=id)."""
    dsession: DialogueSession = g.dialogue
    other = None
    compare_id = request.args.get("jamfor", type=int)
    if compare_id:
        other = allowed_object(DialogueSession, compare_id)
        if other.version.instrument_id != dsession.version.instrument_id:
            other = None
    min_group = int(current_app.config["SURVEY_MIN_GROUP"])
    earlier = (
        get_session()
        .scalars(
            select(DialogueSession)
            .join(DialogueSession.version)
            .where(
                DialogueSession.kommun_id == dsession.kommun_id,
                DialogueSession.id != dsession.id,
            )
            .order_by(DialogueSession.held_on.desc())
        )
        .all()
    )
    same = [d for d in earlier if d.version.instrument_id == dsession.version.instrument_id]
    return render_template(
        "surveys/results.html",
        kommun=dsession.kommun,
        title=_(
            "Resultat: %(place)s %(day)s", place=dsession.place, day=dsession.held_on.isoformat()
        ),
        dsession=dsession,
        results=services.results(dsession.version, _answers([dsession]), min_group),
        other=other,
        other_results=(
            services.results(dsession.version, _answers([other]), min_group) if other else None
        ),
        comparable=same,
    )


@bp.get("/<slug>/resultat")
def period_results(slug: str) -> tuple[str, int]:
    """Results of every session with one instrument in a period."""
    kommun: Kommun = g.kommun
    choices = [(str(i.id), i.name) for i in kommun_instruments(kommun)]
    # The overview's link opens the page with no filter: the first questionnaire, all dates.
    form = ResultsFilterForm(request.args, instrument=choices[0][0] if choices else None)
    form.instrument.choices = [(v, n) for v, n in choices]
    results = None
    chosen: list[DialogueSession] = []
    if choices and form.validate():
        instrument = get_session().get(Instrument, int(form.instrument.data or choices[0][0]))
        if instrument is None or instrument.kommun_id != kommun.id:
            abort(404)
        query = (
            select(DialogueSession)
            .join(DialogueSession.version)
            .where(DialogueSession.kommun_id == kommun.id)
            .where(DialogueSession.version.has(instrument_id=instrument.id))
        )
        if form.date_from.data:
            query = query.where(DialogueSession.held_on >= form.date_from.data)
        if form.date_to.data:
            query = query.where(DialogueSession.held_on <= form.date_to.data)
        chosen = list(get_session().scalars(query.order_by(DialogueSession.held_on)))
        if chosen:
            results = services.results(
                instrument.current, _answers(chosen), int(current_app.config["SURVEY_MIN_GROUP"])
            )
    return render_template(
        "surveys/results.html",
        kommun=kommun,
        title=_("Resultat för en period"),
        filter_form=form,
        results=results,
        chosen=chosen,
        other=None,
        other_results=None,
        comparable=[],
        dsession=None,
    ), (400 if form.errors else 200)


def _csv_response(rows: Any, filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in rows:
        writer.writerow([spreadsheet_cell(c) for c in row])
    return Response(
        "\ufeff" + buffer.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/dialoger/<int:dialogue_id>/svar.csv")
def export_sheets(dialogue_id: int) -> Response:
    dsession: DialogueSession = g.dialogue
    record(get_session(), staff_user(), "survey.export", dsession)
    rows = services.export_rows(dsession, services.sheets(get_session(), dsession, 1))
    return _csv_response(rows, f"dialog-{dsession.id}-svar.csv")


@bp.get("/dialoger/<int:dialogue_id>/kodbok.csv")
def export_codebook(dialogue_id: int) -> Response:
    dsession: DialogueSession = g.dialogue
    return _csv_response(
        services.codebook_rows(dsession.version), f"dialog-{dsession.id}-kodbok.csv"
    )

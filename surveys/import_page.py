"""Sheets imported from a CSV file, with a dry run and errors in plain Swedish."""

from __future__ import annotations

from flask import (
    g,
    render_template,
    request,
)
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from accounts.access import staff_user
from audit.services import record
from core.signals import reports_changed_after_commit
from db import get_session
from surveys import instruments, services
from surveys.blueprint import bp
from surveys.forms import (
    ImportForm,
)
from surveys.models import DialogueSession


def _row_problem(dsession: DialogueSession, problem: services.RowProblem) -> str:
    """A CSV row's problem in plain words, with the line and the column to look at."""
    where = {"line": problem.line, "column": problem.column, "value": problem.value}
    if problem.kind == "number":
        return _(
            "Rad %(line)d: bladnumret i kolumnen %(column)s ska vara ett heltal från 1, "
            "men där står ”%(value)s”.",
            **where,
        )
    if problem.kind == "twice":
        return _(
            "Rad %(line)d: blad %(value)s finns redan, i filen eller bland de inmatade.", **where
        )
    question = dsession.version.question(problem.code) or {"type": "text"}
    detail = problem.detail
    if question["type"] in instruments.CHOICE_TYPES or question["type"] == "multi":
        message = _(
            "”%(value)s” är inget av svarsalternativen. Skriv alternativets nummer (%(range)s) "
            "eller dess text, eller lämna rutan tom.",
            value=problem.value,
            range=detail,
        )
    elif question["type"] == "number":
        message = _("”%(value)s” är inte ett heltal i rätt intervall.", value=problem.value)
    elif detail == "outside":
        message = _("Punkten ”%(value)s” ligger utanför kommunen.", value=problem.value)
    elif detail == "ambiguous":
        message = _("”%(value)s” passar flera platser. Skriv hela namnet.", value=problem.value)
    elif question["type"] == "place":
        message = _(
            "”%(value)s” finns inte bland kommunens platser. Skriv platsens namn som i "
            "listan, eller lämna rutan tom.",
            value=problem.value,
        )
    else:
        message = _("Texten är för lång (högst %(n)d tecken).", n=instruments.TEXT_MAX)
    return _("Rad %(line)d, kolumnen %(column)s: %(message)s", message=message, **where)


@bp.route("/dialoger/<int:dialogue_id>/import", methods=["GET", "POST"])
def import_csv(dialogue_id: int) -> BaseResponse | tuple[str, int]:
    """Sheets from a CSV file: a dry run lists every bad row; nothing is half-imported."""
    session = get_session()
    dsession: DialogueSession = g.dialogue
    form = ImportForm()
    outcome, upload = None, None
    if form.validate_on_submit():
        upload = form.read_file(dsession.version.questions)
    if upload is not None:
        outcome = services.import_sheets(
            session,
            dsession,
            upload.rows,
            upload.mapping,
            upload.sheet_column,
            staff_user().id,
            dry_run=bool(form.dry_run.data),
        )
        _keep_or_undo(session, dsession, outcome)
    failed = request.method == "POST" and (
        outcome is None or bool(outcome.errors) or any(f.errors for f in form)
    )
    return render_template(
        "surveys/import.html",
        dsession=dsession,
        kommun=dsession.kommun,
        form=form,
        outcome=outcome,
        problems=[_row_problem(dsession, p) for p in outcome.errors] if outcome else [],
        unmapped=upload.unmapped if upload else [],
    ), (400 if failed else 200)


def _keep_or_undo(
    session: Session, dsession: DialogueSession, outcome: services.ImportResult
) -> None:
    """Commit what was imported (and say so to the hot spots), or roll a dry run back."""
    if not outcome.imported:
        session.rollback()
        return
    record(session, staff_user(), "survey.import", dsession, sheets=outcome.imported)
    reports_changed_after_commit(session, dsession.kommun_id, stale_marked=True)

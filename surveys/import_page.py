"""Sheets imported from a CSV file, with a dry run and errors in plain Swedish."""

from __future__ import annotations

from flask import (
    g,
    render_template,
    request,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from accounts.access import staff_user
from audit.services import record
from core import text as odd_text
from core.current import app_object
from db import get_session
from feedback.signals import reports_changed
from surveys import instruments, services
from surveys.blueprint import bp
from surveys.forms import (
    ImportForm,
)
from surveys.models import DialogueSession


def _csv_problem(exc: services.CsvError) -> str:
    if isinstance(exc, services.OddCsvText):
        return str(odd_text.FILE_MESSAGE)
    return _("Filen kunde inte läsas som CSV. Spara den som CSV och försök igen.")


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
    outcome = None
    unmapped: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        raw = upload.read() if upload else b""
        codes = {q["code"] for q in dsession.version.questions}
        try:
            header, rows = services.read_csv(raw)
        except UnicodeDecodeError:
            form.file.errors = [_("Filen är inte UTF-8. Spara den som CSV UTF-8 och försök igen.")]
        except services.CsvError as exc:
            form.file.errors = [_csv_problem(exc)]
        else:
            mapping = services.auto_mapping(header, dsession.version.questions)
            given, bad_lines = services.parse_mapping(form.mapping.data or "", codes)
            mapping |= given
            if bad_lines:
                form.mapping.errors = [
                    _(
                        "Raderna kunde inte läsas: %(lines)s. Skriv kolumnens namn, ett "
                        "likhetstecken och frågans kortnamn från kodboken.",
                        lines="; ".join(bad_lines),
                    )
                ]
            elif not rows:
                form.file.errors = [_("Filen har inga rader.")]
            elif form.sheet_column.data not in header:
                form.sheet_column.errors = [
                    _("Kolumnen %(name)s finns inte i filen.", name=form.sheet_column.data)
                ]
            else:
                missing = [c for c in mapping.values() if c not in header]
                if missing:
                    form.mapping.errors = [
                        _("Kolumnerna finns inte i filen: %(names)s", names=", ".join(missing))
                    ]
                else:
                    unmapped = [
                        q["code"] for q in dsession.version.questions if q["code"] not in mapping
                    ]
                    outcome = services.import_sheets(
                        session,
                        dsession,
                        rows,
                        mapping,
                        form.sheet_column.data or "blad",
                        staff_user().id,
                        dry_run=bool(form.dry_run.data),
                    )
                    if outcome.imported:
                        record(
                            session,
                            staff_user(),
                            "survey.import",
                            dsession,
                            sheets=outcome.imported,
                        )
                        session.commit()
                        reports_changed.send(
                            app_object(),
                            kommun_id=dsession.kommun_id,
                            stale_marked=True,
                        )
                    else:
                        session.rollback()
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
        unmapped=unmapped,
    ), (400 if failed else 200)

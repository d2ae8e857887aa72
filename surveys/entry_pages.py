"""Paper sheets typed in: the first entry, the control entry and their disagreements."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from accounts.access import staff_user
from accounts.forms import ButtonForm
from audit.services import record
from core import text as odd_text
from core.errors import OddText
from core.signals import reports_changed_after_commit
from db import get_session
from kommun.services import active_landmarks
from surveys import instruments, scan_batches, scanning, services
from surveys.blueprint import bp, instance_path, odd_text_sent
from surveys.forms import (
    SheetNumberForm,
)
from surveys.models import DialogueSession

RECENT_SHEETS = 8


def _typed_fields() -> dict[str, str]:
    return {k[2:]: v for k, v in request.form.items() if k.startswith("q-")}


def _entry(dsession: DialogueSession, entry_pass: int) -> BaseResponse | tuple[str, int]:
    session = get_session()
    landmarks = active_landmarks(session, dsession.kommun)
    editing = request.args.get("blad", type=int)
    existing = services.sheet(session, dsession, editing, entry_pass) if editing else None
    if entry_pass == 2 and existing is not None and existing.entered_by_id != staff_user().id:
        existing = None
    # A scanned sheet opened for checking shows only what the reader left for a person.
    printed = scanning.printed_sheet(session, dsession, editing) if entry_pass == 1 else None
    review = list(printed.pending) if printed is not None and existing is not None else []
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    if existing is not None:
        typed = {
            q["code"]: instruments.typed_form(q, existing.answers.get(q["code"]))
            for q in dsession.version.questions
        }
    default_number = editing or (
        services.next_sheet_number(session, dsession) if entry_pass == 1 else None
    )
    form = SheetNumberForm(sheet_number=default_number)
    if request.method == "POST":
        typed = _typed_fields()
        sheet = services.read_sheet(
            dsession.version,
            typed,
            services.landmark_index(landmarks),
            dsession.kommun.contains,
        )
        errors = sheet.errors
        ok = form.validate_on_submit()
        number = form.sheet_number.data
        if ok and number is not None and entry_pass == 2:
            ok = _second_entry_allowed(session, dsession, number, form)
        if ok and not errors and number is not None:
            if _store(session, dsession, number, sheet.answers, entry_pass, form):
                return _saved(dsession, number, entry_pass, bool(review))
    entered = services.sheets(session, dsession, entry_pass)
    count = len(entered)
    recent = entered[-RECENT_SHEETS:][::-1]
    if entry_pass == 2:
        recent = [r for r in recent if r.entered_by_id == staff_user().id]
    return render_template(
        "surveys/entry.html",
        dsession=dsession,
        kommun=dsession.kommun,
        form=form,
        typed=typed,
        errors=errors,
        count=count,
        recent=recent,
        entry_pass=entry_pass,
        editing=existing,
        delete_form=ButtonForm(prefix="delete"),
        landmarks=landmarks,
        waiting=services.double_entry(session, dsession).waiting if entry_pass == 2 else [],
        options_of=instruments.options,
        one_key=instruments.one_key,
        odd_answer=instruments.ODD_TEXT,
        odd_text_message=odd_text.MESSAGE,
        review=review,
        printed=printed if review else None,
        guesses=scanning.labels(printed) if review and printed else {},
    ), (400 if request.method == "POST" else 200)


def _saved(dsession: DialogueSession, number: int, entry_pass: int, reviewed: bool) -> BaseResponse:
    """Commit a saved sheet and go on: to the next sheet, or back to the scans checked."""
    session = get_session()
    if entry_pass == 2:
        services.mark_agreeing_verified(session, dsession)
    else:
        scanning.mark_checked(session, dsession, number)  # a person has now seen it all
    scan_batches.forget_finished_after_commit(session, dsession, instance_path())
    reports_changed_after_commit(session, dsession.kommun_id, stale_marked=True)
    flash(_("Blad %(n)d är sparat.", n=number))
    target = "surveys.enter_sheets" if entry_pass == 1 else "surveys.second_entry"
    if reviewed:
        target = "surveys.scan_sheets"
    return redirect(url_for(target, dialogue_id=dsession.id), code=303)


def _store(
    session: Any,
    dsession: DialogueSession,
    number: int,
    answers: dict[str, Any],
    entry_pass: int,
    form: SheetNumberForm,
) -> bool:
    """Save a typed sheet; False with the reason on the sheet number when it may not be."""
    try:
        services.save_sheet(
            session, dsession, number, answers, staff_user().id, entry_pass=entry_pass
        )
    except services.SameTypistError:
        form.sheet_number.errors = [
            _("Kontrollen ska göras av någon annan än den som matade in bladet första gången.")
            if entry_pass == 2
            else _(
                "Du har kontrollinmatat det här bladet, så någon annan får rätta den "
                "första inmatningen."
            )
        ]
        return False
    except services.SurveyError:
        form.sheet_number.errors = [_("Bladet matades in av någon annan.")]
        return False
    return True


def _second_entry_allowed(
    session: Any, dsession: DialogueSession, number: int, form: SheetNumberForm
) -> bool:
    first = services.sheet(session, dsession, number, 1)
    if first is None:
        form.sheet_number.errors = [_("Blad %(n)d finns inte i första inmatningen.", n=number)]
        return False
    if first.entered_by_id == staff_user().id:
        form.sheet_number.errors = [
            _("Kontrollen ska göras av någon annan än den som matade in bladet första gången.")
        ]
        return False
    return True


@bp.route("/dialoger/<int:dialogue_id>/inmatning", methods=["GET", "POST"])
def enter_sheets(dialogue_id: int) -> BaseResponse | tuple[str, int]:
    """The keyboard-first entry screen for paper sheets."""
    return _entry(g.dialogue, 1)


@bp.post("/dialoger/<int:dialogue_id>/blad/<int:number>/ta-bort")
def delete_sheet(dialogue_id: int, number: int) -> BaseResponse:
    """Undo a sheet typed by mistake."""
    session = get_session()
    dsession: DialogueSession = g.dialogue
    if not ButtonForm(prefix="delete").validate_on_submit():
        abort(400)
    try:
        services.delete_sheet(session, dsession, number)
    except services.SurveyError:
        abort(404)
    record(session, staff_user(), "survey.sheet_deleted", dsession, sheet=number)
    flash(_("Blad %(n)d är borttaget.", n=number))
    return redirect(url_for("surveys.enter_sheets", dialogue_id=dsession.id), code=303)


@bp.route("/dialoger/<int:dialogue_id>/kontroll", methods=["GET", "POST"])
def second_entry(dialogue_id: int) -> BaseResponse | tuple[str, int]:
    """Double entry: a second person types the sheets again without seeing the first entry."""
    return _entry(g.dialogue, 2)


@bp.route("/dialoger/<int:dialogue_id>/avvikelser", methods=["GET", "POST"])
def disagreements(dialogue_id: int) -> BaseResponse | str:
    """The two entries side by side where they differ; the paper sheet decides."""
    session = get_session()
    dsession: DialogueSession = g.dialogue
    form = ButtonForm()
    if request.method == "POST":
        if odd_text_sent():
            raise OddText()
        number = request.form.get("sheet", type=int)
        if not form.validate_on_submit() or number is None:
            abort(400)
        prefix = f"val-{number}-"
        chosen = {k[len(prefix) :]: v for k, v in request.form.items() if k.startswith(prefix)}
        try:
            services.resolve(session, dsession, number, chosen)
        except services.SurveyError:
            abort(400)
        record(session, staff_user(), "survey.resolved", dsession, sheet=number)
        scan_batches.forget_finished_after_commit(session, dsession, instance_path())
        flash(_("Blad %(n)d är avgjort.", n=number))
        return redirect(url_for("surveys.disagreements", dialogue_id=dsession.id), code=303)
    check = services.double_entry(session, dsession)
    by_sheet: dict[int, list[services.Disagreement]] = {}
    for item in check.disagreements:
        by_sheet.setdefault(item.sheet_number, []).append(item)
    return render_template(
        "surveys/disagreements.html",
        dsession=dsession,
        kommun=dsession.kommun,
        check=check,
        by_sheet=by_sheet,
        form=form,
    )

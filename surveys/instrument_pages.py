"""The overview of a kommun's dialogues and its instruments: copy a template, edit the questions."""

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
from sqlalchemy import func, select
from werkzeug.wrappers import Response as BaseResponse

from accounts.access import allowed_object, staff_user
from accounts.forms import ButtonForm
from audit.services import record
from core import text as odd_text
from core.errors import OddText
from db import get_session
from kommun.models import Kommun
from surveys import instruments, services
from surveys.blueprint import bp, kommun_instruments, odd_text_sent
from surveys.forms import (
    TYPE_LABELS,
    TemplateForm,
)
from surveys.models import DialogueSession, Instrument, SheetResponse


@bp.get("/")
def index() -> BaseResponse:
    kommuner = staff_user().kommuner
    if not kommuner:
        abort(403)
    return redirect(url_for("surveys.overview", slug=kommuner[0].slug))


@bp.get("/<slug>/")
def overview(slug: str) -> str:
    """Sessions (newest first) with their sheet counts, instruments, and the templates."""
    session = get_session()
    kommun: Kommun = g.kommun
    counts = dict(
        session.execute(
            select(SheetResponse.session_id, func.count())
            .join(DialogueSession, DialogueSession.id == SheetResponse.session_id)
            .where(DialogueSession.kommun_id == kommun.id, SheetResponse.entry_pass == 1)
            .group_by(SheetResponse.session_id)
        ).all()
    )
    dsessions = session.scalars(
        select(DialogueSession)
        .where(DialogueSession.kommun_id == kommun.id)
        .order_by(DialogueSession.held_on.desc(), DialogueSession.id.desc())
    ).all()
    return render_template(
        "surveys/overview.html",
        kommun=kommun,
        dsessions=dsessions,
        counts=counts,
        instruments=kommun_instruments(kommun),
        template_form=TemplateForm(formdata=None),
        templates=instruments.TEMPLATES,
    )


@bp.post("/<slug>/enkater")
def copy_template(slug: str) -> BaseResponse | tuple[str, int]:
    form = TemplateForm()
    kommun: Kommun = g.kommun
    if not form.validate_on_submit():
        if form.odd_text:
            raise OddText()
        flash(_("Välj en mall."), "error")
        return redirect(url_for("surveys.overview", slug=kommun.slug), code=303)
    session = get_session()
    instrument = services.copy_template(session, kommun, form.template.data, form.name.data or "")
    record(session, staff_user(), "survey.instrument_created", instrument, kommun_id=kommun.id)
    flash(_("Enkäten är skapad. Ändra frågorna om ni vill innan ni börjar."))
    return redirect(url_for("surveys.edit_instrument", instrument_id=instrument.id), code=303)


def _question_from_form(prefix: str, old: dict[str, Any] | None) -> dict[str, Any] | None:
    """One question from the editor's fields; None when it was removed or left empty."""
    form = request.form
    if form.get(f"{prefix}-remove"):
        return None
    text = (form.get(f"{prefix}-text") or "").strip()
    if not text and old is None:
        return None  # the empty "add a question" row
    question: dict[str, Any] = dict(old or {})
    question["text"] = text[:500] or question["text"]  # an emptied text keeps the old one
    if old is not None and f"{prefix}-options" not in form:
        return question
    if old is None:
        question["code"] = (form.get(f"{prefix}-code") or "").strip()
        question["type"] = form.get(f"{prefix}-type") or ""
    if question["type"] in {"single", "multi", "area"}:
        labels = [line.strip()[:200] for line in (form.get(f"{prefix}-options") or "").splitlines()]
        labels = [label for label in labels if label]
        old_options = {o["label"]: o["key"] for o in (old or {}).get("options", [])}
        used = set(old_options.values())
        new_options = []
        for label in labels:
            key = old_options.get(label)
            if key is None:
                key = str(max([int(k) for k in used if k.isdigit()] + [0]) + 1)
                used.add(key)
            new_options.append({"key": key, "label": label})
        question["options"] = new_options
        # Headline and scores follow the options that are left.
        keys = {o["key"] for o in new_options}
        if "headline" in question:
            question["headline"] = [k for k in question["headline"] if k in keys]
        if "scores" in question:
            question["scores"] = {k: v for k, v in question["scores"].items() if k in keys}
    return question


@bp.route("/enkater/<int:instrument_id>", methods=["GET", "POST"])
def edit_instrument(instrument_id: int) -> BaseResponse | tuple[str, int]:
    """Edit the questions; once sheets were collected, saving makes a new version."""
    session = get_session()
    instrument = allowed_object(Instrument, instrument_id)
    form = ButtonForm()
    problems: list[str] = []
    if request.method == "POST" and odd_text_sent():
        problems = [str(odd_text.MESSAGE)]
    elif request.method == "POST" and form.validate_on_submit():
        current = instrument.current.questions
        ordered: list[tuple[float, dict[str, Any]]] = []
        for i, old in enumerate(current):
            question = _question_from_form(f"q{i}", old)
            if question is not None:
                ordered.append((_order(f"q{i}", i + 1), question))
        added = _question_from_form("new", None)
        if added is not None:
            ordered.append((_order("new", len(current) + 1, before=True), added))
        questions = [q for _pos, q in sorted(ordered, key=lambda pair: pair[0])]
        try:
            version = services.save_questions(session, instrument, questions)
        except services.QuestionsError as exc:
            problems = [_question_problem(code, kind) for code, kind in exc.problems]
        else:
            record(
                session, staff_user(), "survey.instrument_saved", instrument, version=version.number
            )
            flash(_("Frågorna är sparade (version %(n)d).", n=version.number))
            return redirect(
                url_for("surveys.edit_instrument", instrument_id=instrument.id), code=303
            )
    elif request.method == "POST":
        problems = [_("Formuläret hade gått ut. Försök igen.")]
    return render_template(
        "surveys/instrument.html",
        instrument=instrument,
        kommun=instrument.kommun,
        form=form,
        problems=problems,
        type_labels=TYPE_LABELS,
        in_use=services.version_in_use(session, instrument.current),
        options_of=instruments.options,
    ), (400 if problems else 200)


def _question_problem(code: str, kind: str) -> str:
    messages = {
        "none": _("En enkät behöver minst en fråga."),
        "code": _("Koden %(code)s går inte: använd små bokstäver a–z, siffror och _.", code=code),
        "twice": _("Koden %(code)s finns redan.", code=code),
        "type": _("Välj en typ för frågan %(code)s.", code=code),
        "options": _("Frågan %(code)s behöver minst två svarsalternativ.", code=code),
    }
    return str(messages[kind])


def _order(prefix: str, default: int, *, before: bool = False) -> float:
    """A question's place; a new question given place n goes before the one now at n."""
    raw = (request.form.get(f"{prefix}-order") or "").strip()
    try:
        return float(raw) - (0.5 if before else 0.0) if raw else float(default)
    except ValueError:
        return float(default)

"""Dialogue teams' pages: instruments, sessions, fast paper entry, double entry, results,
CSV, and the trygghetsvandring protocol."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response as BaseResponse

from accounts.access import allowed_object, kommun_scope, staff_user
from accounts.forms import ButtonForm
from audit.services import record
from core import numbers, photos
from core import text as odd_text
from core.clock import local_today
from core.current import app_object
from core.errors import OddText
from db import get_session
from feedback import reasons as taxonomy
from feedback.signals import reports_changed
from kommun.models import Kommun
from kommun.services import active_landmarks
from paper import scan as paper_scan
from promises.models import Activity, Promise
from review.exports import spreadsheet_cell
from surveys import instruments, printing, scanning, services
from surveys.forms import (
    DECISION_LABELS,
    METHOD_LABELS,
    TYPE_LABELS,
    ImportForm,
    PrintForm,
    ResultsFilterForm,
    ScanForm,
    SessionForm,
    SheetNumberForm,
    StopForm,
    TemplateForm,
    decision_label,
    method_label,
)
from surveys.models import DialogueSession, Instrument, SheetResponse, WalkStop
from surveys.stats import SMALL_N

bp = Blueprint("surveys", __name__, url_prefix="/dialog")
UPLOAD_ENDPOINTS = frozenset({"surveys.edit_stop", "surveys.import_csv"})
SCAN_MAX = 60 * 1024 * 1024  # a scanner's PDF of a few hundred pages
SURVEY_ROLES = ("admin", "coordinator", "dialog")
RECENT_SHEETS = 8
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


def _status() -> int:
    return 400 if request.method == "POST" else 200


def _instruments(kommun: Kommun) -> list[Instrument]:
    return list(
        get_session().scalars(
            select(Instrument).where(Instrument.kommun_id == kommun.id).order_by(Instrument.name)
        )
    )


# --- overview and instruments --------------------------------------------------------------


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
        instruments=_instruments(kommun),
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
    session.commit()
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
    if request.method == "POST" and _odd_text_sent():
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
            session.commit()
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


def _odd_text_sent() -> bool:
    """Whether a field read by hand (not through a form class) holds odd characters."""
    return odd_text.any_odd(value for _name, value in request.form.items(multi=True))


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


# --- sessions --------------------------------------------------------------------------------


@bp.route("/<slug>/dialoger/ny", methods=["GET", "POST"])
def new_session(slug: str) -> BaseResponse | tuple[str, int]:
    session = get_session()
    kommun: Kommun = g.kommun
    choices = [(str(i.id), i.name) for i in _instruments(kommun)]
    if not choices:
        flash(_("Skapa först en enkät från en mall."), "error")
        return redirect(url_for("surveys.overview", slug=kommun.slug), code=303)
    form = SessionForm(choices, held_on=local_today())
    if form.validate_on_submit():
        instrument = session.get(Instrument, int(form.instrument.data))
        assert instrument is not None
        dsession = DialogueSession(
            kommun_id=kommun.id,
            version_id=instrument.current.id,
            held_on=form.held_on.data,
            place=(form.place.data or "").strip(),
            method=form.method.data,
            team=form.team.data or "",
            people_reached=form.people_reached.data,
            notes=form.notes.data or "",
            double_entry=form.double_entry.data,
            sample_percent=form.sample_percent.data or 20,
            route=form.route.data or "",
            created_by_id=staff_user().id,
        )
        session.add(dsession)
        session.flush()
        record(session, staff_user(), "survey.session_created", dsession, kommun_id=kommun.id)
        session.commit()
        return redirect(url_for("surveys.show_session", dialogue_id=dsession.id), code=303)
    return render_template("surveys/session_new.html", form=form, kommun=kommun), _status()


@bp.get("/dialoger/<int:dialogue_id>")
def show_session(dialogue_id: int) -> str:
    session = get_session()
    dsession: DialogueSession = g.dialogue
    first = services.sheets(session, dsession, 1)
    check = services.double_entry(session, dsession)
    return render_template(
        "surveys/session.html",
        dsession=dsession,
        kommun=dsession.kommun,
        sheets=first,
        check=check,
        stops=dsession.stops,
        button=ButtonForm(),
    )


# --- paper entry -----------------------------------------------------------------------------


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
    session.commit()
    reports_changed.send(
        app_object(),
        kommun_id=dsession.kommun_id,
        stale_marked=True,
    )
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
    session.commit()
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
        if _odd_text_sent():
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
        session.commit()
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


# --- paper sheets ----------------------------------------------------------------------------


@bp.route("/dialoger/<int:dialogue_id>/blad", methods=["GET", "POST"])
def print_sheets(dialogue_id: int) -> Response | tuple[str, int]:
    """A batch of numbered paper sheets, each with its own id in a QR code, as one PDF."""
    session = get_session()
    dsession: DialogueSession = g.dialogue
    form = PrintForm()
    if form.validate_on_submit():
        landmarks = active_landmarks(session, dsession.kommun)
        names = [lm.name for lm in landmarks]
        sheet = printing.sheet_layout(dsession.version, names)
        printed = services.print_sheets(
            session,
            dsession,
            form.count.data or 1,
            len(sheet.pages),
            form.language.data or "sv",
            staff_user().id,
            names,
        )
        places = [(lm.name, lm.lat, lm.lon) for lm in landmarks]
        pdf = printing.sheets_pdf(dsession, printed, sheet, form.language.data or "sv", places)
        record(session, staff_user(), "survey.sheets_printed", dsession, sheets=len(printed))
        session.commit()
        first, last = printed[0].sheet_number, printed[-1].sheet_number
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="dialog-{dsession.id}-blad-{first}-{last}.pdf"'
                )
            },
        )
    return render_template(
        "surveys/print.html",
        dsession=dsession,
        kommun=dsession.kommun,
        form=form,
        printed=services.printed_sheets(session, dsession),
    ), _status()


def _scan_folder() -> Path:
    return Path(current_app.instance_path) / "uploads" / "scans"


def _scan_path(code: str, page: int) -> Path:
    return _scan_folder() / f"{code}-{page}.png"


def _images(upload: Any) -> Any:
    """The grey images in one uploaded file: every page of a PDF, or one photo."""
    data = upload.read()
    if data.startswith(b"%PDF"):
        return paper_scan.pdf_pages(data)
    return iter([paper_scan.photo(data)])


@bp.route("/dialoger/<int:dialogue_id>/skanning", methods=["GET", "POST"])
def scan_sheets(dialogue_id: int) -> BaseResponse | tuple[str, int]:
    """Scanned sheets in: each page found, read and filed as the sheet's first entry."""
    session = get_session()
    dsession: DialogueSession = g.dialogue
    form = ScanForm()
    if form.validate_on_submit():
        outcome = scanning.ScanOutcome()
        unreadable = 0
        for upload in form.files.data or []:
            try:
                images = _images(upload)
            except ValueError:
                unreadable += 1
                continue
            for image in images:
                try:
                    found = paper_scan.locate(image)
                except paper_scan.SheetNotFound:
                    outcome.not_found += 1
                    continue
                printed = scanning.file_page(session, dsession, found, staff_user().id, outcome)
                if printed is not None:
                    _scan_folder().mkdir(parents=True, exist_ok=True)
                    cv2.imwrite(str(_scan_path(printed.code, found.page)), found.image)
        if outcome.filed:
            record(session, staff_user(), "survey.scanned", dsession, sheets=len(outcome.filed))
            session.commit()
            reports_changed.send(
                app_object(),
                kommun_id=dsession.kommun_id,
                stale_marked=True,
            )
            flash(_("%(n)d sidor lästa och sparade.", n=len(outcome.filed)))
        for message in _scan_problems(outcome, unreadable):
            flash(message, "error")
        return redirect(url_for("surveys.scan_sheets", dialogue_id=dsession.id), code=303)
    return render_template(
        "surveys/scan.html",
        dsession=dsession,
        kommun=dsession.kommun,
        form=form,
        pending=scanning.pending_sheets(session, dsession),
        check=services.double_entry(session, dsession),
    ), _status()


def _scan_problems(outcome: scanning.ScanOutcome, unreadable: int) -> list[str]:
    problems = []
    if unreadable:
        problems.append(_("%(n)d filer var varken PDF eller bild.", n=unreadable))
    if outcome.not_found:
        problems.append(
            _(
                "På %(n)d sidor hittades inget blad: se till att alla fyra hörnmarkeringarna "
                "och QR-koden syns, och skanna igen.",
                n=outcome.not_found,
            )
        )
    if outcome.other_dialogue:
        problems.append(_("%(n)d sidor hör till en annan dialog.", n=outcome.other_dialogue))
    if outcome.read_already:
        problems.append(
            _(
                "Blad %(list)s var redan skannade och lästes inte igen.",
                list=", ".join(str(n) for n in sorted(set(outcome.read_already))),
            )
        )
    if outcome.typed_already:
        problems.append(
            _(
                "Blad %(list)s var redan inmatade för hand och ändrades inte.",
                list=", ".join(str(n) for n in outcome.typed_already),
            )
        )
    return problems


@bp.get("/dialoger/<int:dialogue_id>/skanning/<code>/<question>.png")
def scan_crop(dialogue_id: int, code: str, question: str) -> Response:
    """The part of a scanned page a question sits on, for the person checking it."""
    printed = scanning.printed_by_code(get_session(), code)
    if printed is None or printed.session_id != g.dialogue.id:
        abort(404)
    region = scanning.question_region(printed, question)
    path = _scan_path(printed.code, region[0]) if region else None
    if region is None or path is None or not path.is_file():
        abort(404)
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:  # a stored scan that can no longer be read
        abort(404)
    ok, png = cv2.imencode(".png", scanning.crop(image, region[1]))
    if not ok:
        abort(404)
    return Response(png.tobytes(), mimetype="image/png", headers={"Cache-Control": "no-store"})


# --- results ---------------------------------------------------------------------------------


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
    choices = [(str(i.id), i.name) for i in _instruments(kommun)]
    form = ResultsFilterForm(request.args)
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


# --- CSV -------------------------------------------------------------------------------------


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
    get_session().commit()
    rows = services.export_rows(dsession, services.sheets(get_session(), dsession, 1))
    return _csv_response(rows, f"dialog-{dsession.id}-svar.csv")


@bp.get("/dialoger/<int:dialogue_id>/kodbok.csv")
def export_codebook(dialogue_id: int) -> Response:
    dsession: DialogueSession = g.dialogue
    return _csv_response(
        services.codebook_rows(dsession.version), f"dialog-{dsession.id}-kodbok.csv"
    )


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


# --- trygghetsvandring -----------------------------------------------------------------------


def _stop_form(dsession: DialogueSession, stop: WalkStop | None) -> StopForm:
    session = get_session()
    if stop is not None and request.method == "GET":
        form = StopForm(
            formdata=None,
            number=stop.number,
            place=stop.place,
            reasons=stop.reasons,
            observations=stop.observations,
            action=stop.action,
            owner=stop.owner,
            decision=stop.decision or "",
            decision_reason=stop.decision_reason,
            deadline=stop.deadline,
            activity=str(stop.activity_id or ""),
        )
    else:
        next_number = max([s.number for s in dsession.stops] + [0]) + 1
        form = (
            StopForm(number=next_number)
            if request.method == "POST"
            else StopForm(formdata=None, number=next_number)
        )
    landmarks = active_landmarks(session, dsession.kommun)
    form.landmark.choices = [("", _("Ingen"))] + [(str(lm.id), lm.name) for lm in landmarks]
    form.reasons.choices = [
        (r.code, str(r.label)) for group in taxonomy.groups(positive=False) for r in group.reasons
    ]
    activities = session.execute(
        select(Activity.id, Activity.title, Promise.title)
        .join(Promise, Promise.id == Activity.promise_id)
        .where(Promise.kommun_id == dsession.kommun_id)
        .order_by(Promise.starts_on.desc(), Activity.id)
    ).all()
    form.activity.choices = [("", _("Ingen"))] + [
        (str(a_id), f"{p_title}: {a_title}") for a_id, a_title, p_title in activities
    ]
    return form


@bp.route("/dialoger/<int:dialogue_id>/stopp", methods=["GET", "POST"])
@bp.route("/dialoger/<int:dialogue_id>/stopp/<int:stop_id>", methods=["GET", "POST"])
def edit_stop(dialogue_id: int, stop_id: int | None = None) -> BaseResponse | tuple[str, int]:
    """A stop of the walk: what was seen, the proposed action, its owner and the decision."""
    session = get_session()
    dsession: DialogueSession = g.dialogue
    stop = session.get(WalkStop, stop_id) if stop_id else None
    if stop_id and (stop is None or stop.session_id != dsession.id):
        abort(404)
    form = _stop_form(dsession, stop)
    form.taken_numbers = {s.number for s in dsession.stops if s is not stop}
    if form.validate_on_submit():
        stop = stop or WalkStop(session_id=dsession.id)
        _fill_stop(stop, form)
        _keep_photo(stop, form)
        session.add(stop)
        record(session, staff_user(), "survey.stop_saved", dsession, stop=stop.number)
        session.commit()
        flash(_("Stopp %(n)d är sparat.", n=stop.number))
        return redirect(
            url_for("surveys.show_session", dialogue_id=dsession.id) + "#stops", code=303
        )
    return render_template(
        "surveys/stop.html", dsession=dsession, kommun=dsession.kommun, form=form, stop=stop
    ), _status()


def _photo_folder() -> Path:
    return Path(current_app.instance_path) / "uploads" / "walks"


def _keep_photo(stop: WalkStop, form: StopForm) -> None:
    data = form.photo_bytes
    if data or form.remove_photo.data:
        photos.remove(_photo_folder(), stop.photo)
        stop.photo = stop.photo_type = None
    if data:
        stop.photo, stop.photo_type = photos.store(_photo_folder(), data)


@bp.get("/dialoger/<int:dialogue_id>/stopp/<int:stop_id>/foto")
def stop_photo(dialogue_id: int, stop_id: int) -> Response:
    stop = get_session().get(WalkStop, stop_id)
    if stop is None or stop.session_id != g.dialogue.id or not stop.photo:
        abort(404)
    path = _photo_folder() / stop.photo
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=stop.photo_type, max_age=0)


def _fill_stop(stop: WalkStop, form: StopForm) -> None:
    from kommun.models import Landmark

    stop.number = form.number.data or 1
    stop.place = (form.place.data or "").strip()
    if form.landmark.data:
        landmark = get_session().get(Landmark, int(form.landmark.data))
        if landmark is not None:
            stop.lat, stop.lon = landmark.lat, landmark.lon
    stop.reasons = list(form.reasons.data or [])
    stop.observations = form.observations.data or ""
    stop.action = form.action.data or ""
    stop.owner = (form.owner.data or "").strip()
    stop.decision = form.decision.data or None
    stop.decision_reason = form.decision_reason.data or ""
    stop.deadline = form.deadline.data
    stop.activity_id = int(form.activity.data) if form.activity.data else None


@bp.get("/dialoger/<int:dialogue_id>/protokoll")
def protocol(dialogue_id: int) -> str:
    """The walk's printable protocol."""
    dsession: DialogueSession = g.dialogue
    return render_template(
        "surveys/protocol.html",
        dsession=dsession,
        kommun=dsession.kommun,
        stops=dsession.stops,
        button=ButtonForm(),
        public=False,
    )


@bp.post("/dialoger/<int:dialogue_id>/publicera")
def publish(dialogue_id: int) -> BaseResponse:
    dsession: DialogueSession = g.dialogue
    if not ButtonForm().validate_on_submit():
        abort(400)
    dsession.published_at = None if dsession.published_at else datetime.now(UTC)
    record(
        get_session(),
        staff_user(),
        "survey.protocol_published",
        dsession,
        public=bool(dsession.published_at),
    )
    get_session().commit()
    return redirect(url_for("surveys.protocol", dialogue_id=dsession.id), code=303)


__all__ = ["bp", "DECISION_LABELS", "METHOD_LABELS"]

"""Paper sheets printed with QR codes, and scans of them read back by a background job."""

from __future__ import annotations

from typing import Any

import cv2
from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from accounts.access import staff_user
from audit.services import record
from core.current import app_object
from db import after_commit, get_session
from jobs import enqueue
from kommun.services import active_landmarks
from surveys import printing, scan_batches, scanning, services
from surveys.blueprint import bp, form_status, instance_path
from surveys.forms import (
    PrintForm,
    ScanForm,
)
from surveys.models import DialogueSession


@bp.route("/dialoger/<int:dialogue_id>/blad", methods=["GET", "POST"])
def print_sheets(dialogue_id: int) -> Response | tuple[str, int]:
    """A batch of numbered paper sheets, each with its own id in a QR code, as one PDF."""
    session = get_session()
    dsession: DialogueSession = g.dialogue
    form = PrintForm()
    if form.validate_on_submit():
        landmarks = active_landmarks(session, dsession.kommun)
        names = [lm.name for lm in landmarks]
        language = form.language.data or "sv"
        sheet = printing.sheet_layout(dsession.version, names, language)
        printed = services.print_sheets(
            session,
            dsession,
            form.count.data or 1,
            len(sheet.pages),
            language,
            staff_user().id,
            names,
        )
        places = [(lm.name, lm.lat, lm.lon) for lm in landmarks]
        pdf = printing.sheets_pdf(dsession, printed, sheet, language, places)
        record(session, staff_user(), "survey.sheets_printed", dsession, sheets=len(printed))
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
    ), form_status()


@bp.route("/dialoger/<int:dialogue_id>/skanning", methods=["GET", "POST"])
def scan_sheets(dialogue_id: int) -> BaseResponse | tuple[str, int]:
    """Scanned sheets in: stored and queued; a job finds, reads and files every page."""
    session = get_session()
    dsession: DialogueSession = g.dialogue
    form = ScanForm()
    if form.validate_on_submit():
        uploads = [upload.read() for upload in form.files.data or []]
        batch = scan_batches.queue_upload(
            session, dsession, staff_user().id, uploads, instance_path()
        )
        # The job reads the batch in its own session: it is queued once the batch is stored.
        app, batch_id = app_object(), batch.id
        after_commit(session, lambda: enqueue(app, "surveys.scan", batch_id))
        flash(_("Bladen läses in. Sidan visar hur långt det har kommit."))
        return redirect(url_for("surveys.scan_sheets", dialogue_id=dsession.id), code=303)
    batches = scan_batches.recent(session, dsession)
    return render_template(
        "surveys/scan.html",
        dsession=dsession,
        kommun=dsession.kommun,
        form=form,
        batches=batches,
        reading=any(b.state != "done" for b in batches),
        problems={b.id: _scan_problems(b.outcome) for b in batches if b.state == "done"},
        pending=scanning.pending_sheets(session, dsession),
        check=services.double_entry(session, dsession),
    ), form_status()


def _scan_problems(saved: dict[str, Any]) -> list[str]:
    """What went wrong in a finished batch, in words for the team."""
    outcome = scanning.ScanOutcome(**{k: v for k, v in saved.items() if k != "unreadable"})
    unreadable = int(saved.get("unreadable", 0))
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
    path = (
        scan_batches.page_image_path(instance_path(), printed.code, region[0]) if region else None
    )
    if region is None or path is None or not path.is_file():
        abort(404)
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:  # a stored scan that can no longer be read
        abort(404)
    ok, png = cv2.imencode(".png", scanning.crop(image, region[1]))
    if not ok:
        abort(404)
    return Response(png.tobytes(), mimetype="image/png", headers={"Cache-Control": "no-store"})

"""The coordinators' pages: kommun picker, queue, report page and the actions on reports
(on the blueprint of review/blueprint.py)."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import load_only
from werkzeug.wrappers import Response

from accounts.access import staff_user
from accounts.forms import ButtonForm
from audit.services import record
from core import photos
from core.cache import per_kommun
from core.forms import flash_errors, return_to
from core.signals import reports_changed_after_commit
from db import get_session
from feedback import reasons as taxonomy
from feedback.models import Report
from feedback.services import PHOTO_KIND
from feedback.timeline import timeline
from hotspots.models import HotSpotRecord, HotSpotRun
from kommun.models import Kommun
from open311.models import Forwarding
from privacy.masking import mask, may_name_person
from promises.models import Activity, Promise
from review import statuses
from review.blueprint import bp, current_kommun
from review.duplicates import duplicate_candidates
from review.forms import BulkForm, CorrectionForm, MergeForm, NoteForm, QueueFilterForm, StatusForm
from review.models import ReportChange, ReportNote
from review.queue import Cursor, QueueFilters, count_matching, queue_page
from review.services import (
    ReviewError,
    add_note,
    bulk_apply,
    change_status,
    correct_location,
    correct_reasons,
    find_in_kommun,
    merge,
    reports_of_kommun,
    set_hidden,
    supporters_count,
    supporters_of,
    unmerge,
)

PAGING_ARGS = ("page", "after", "before", "last")


def _report() -> Report:
    report: Report = g.report
    return report


@bp.get("/")
def index() -> Response | str:
    """Choose one of the user's kommuner (straight to the queue when there is one)."""
    kommuner = staff_user().kommuner
    if len(kommuner) == 1:
        return redirect(url_for("review.queue", slug=kommuner[0].slug))
    return render_template("review/index.html", kommuner=kommuner)


# --- the queue --------------------------------------------------------------------------


def _current_hotspots(kommun: Kommun) -> list[HotSpotRecord]:
    """The current hot spots as the queue's filter needs them: their labels. Their shapes and
    statistics (JSON, large at a million reports: a third of the queue's time) stay unread,
    and so do their members, until one is chosen."""
    return list(
        get_session().scalars(
            select(HotSpotRecord)
            .options(
                load_only(
                    HotSpotRecord.id,
                    HotSpotRecord.name,
                    HotSpotRecord.stable_id,
                    HotSpotRecord.count,
                )
            )
            .join(HotSpotRun, HotSpotRecord.run_id == HotSpotRun.id)
            .where(HotSpotRecord.kommun_id == kommun.id, HotSpotRun.is_current.is_(True))
            .order_by(HotSpotRecord.weighted_count.desc(), HotSpotRecord.id)
        )
    )


def _hotspot_label(spot: HotSpotRecord) -> str:
    return _("%(name)s (%(num)d förslag)", name=spot.name or spot.stable_id, num=spot.count)


@per_kommun("queue-total")
def _total(kommun: Kommun, filters: QueueFilters) -> int:
    """How many reports the filters let through, kept until the kommun's reports change
    (core.cache): at a million reports counting them was a third of the queue's time."""
    return count_matching(get_session(), kommun, filters)


@bp.get("/<slug>/")
def queue(slug: str) -> tuple[str, int]:
    """List a kommun's reports with filters, sorting and paging."""
    kommun = current_kommun()
    hotspots = {str(s.id): s for s in _current_hotspots(kommun)}
    form = QueueFilterForm(
        [(s.id, _hotspot_label(s)) for s in hotspots.values()], formdata=request.args
    )
    valid = form.validate()
    spot = hotspots.get(form.hotspot.data or "")
    report_ids = frozenset(int(i) for i in spot.report_ids) if spot else None
    filters = form.filters(report_ids) if valid else QueueFilters()
    # A hot spot's ids or a search's words are not kept in a cache key: those are counted.
    cached = filters.report_ids is None and not filters.text.strip()
    result = queue_page(
        get_session(),
        kommun,
        filters,
        page=form.page.data or 1,
        after=Cursor.parse(form.after.data) if valid else None,
        before=Cursor.parse(form.before.data) if valid else None,
        last=bool(form.last.data) and valid,
        total=_total(kommun, filters) if cached else None,
    )
    bulk = BulkForm(prefix="bulk", formdata=None, return_to=request.full_path)
    return render_template(
        "review/queue.html",
        kommun=kommun,
        form=form,
        bulk=bulk,
        result=result,
        flags={r.id: _flags(r) for r, _n in result.rows},
        page_args={k: v for k, v in request.args.items() if k not in PAGING_ARGS},
    ), (200 if valid else 400)


def _flags(report: Report) -> dict[str, Any]:
    masked = mask(report.description)
    return {
        "text": masked.text,
        "kinds": masked.kinds,
        "may_name": may_name_person(report.description),
    }


@bp.post("/<slug>/urval")
def bulk(slug: str) -> Response:
    """Apply one action to the reports ticked in the queue."""
    session = get_session()
    kommun = current_kommun()
    form = BulkForm(prefix="bulk")
    back = return_to(form, url_for("review.queue", slug=kommun.slug))
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back, code=303)
    reports = reports_of_kommun(session, kommun, form.ids)
    try:
        result = bulk_apply(
            session,
            reports,
            staff_user(),
            form.action.data,
            reason=form.status_reason.data or None,
            forwarded_to=form.forwarded_to.data or None,
        )
    except ReviewError:
        session.rollback()
        flash(_("Välj minst två förslag att sammanfoga."), "error")
        return redirect(back, code=303)
    reports_changed_after_commit(session, kommun.id)
    flash(ngettext("%(num)d förslag ändrat.", "%(num)d förslag ändrade.", result.changed))
    return redirect(back, code=303)


# --- one report -------------------------------------------------------------------------


def _activities(kommun_id: int) -> list[tuple[int, str]]:
    """The activities of the kommun's current promises, for "åtgärd planerad"."""
    rows = (
        get_session()
        .execute(
            select(Activity.id, Promise.title, Activity.title)
            .join(Promise, Promise.id == Activity.promise_id)
            .where(Promise.kommun_id == kommun_id, Promise.status != "avslutat")
            .order_by(Promise.starts_on.desc(), Activity.id)
        )
        .all()
    )
    return [(i, f"{promise}: {title}") for i, promise, title in rows]


def _render_report(report: Report, *, status: int = 200, original: bool = False, **forms: Any):  # type: ignore[no-untyped-def]
    session = get_session()
    kind_forms = {
        "status_form": StatusForm(
            _activities(report.kommun_id),
            prefix="status",
            formdata=None,
            status=report.status,
            status_reason=report.status_reason or "",
            forwarded_to=report.forwarded_to or "",
        ),
        "note_form": NoteForm(prefix="note", formdata=None),
        "correction_form": CorrectionForm(
            report.kind,
            prefix="correct",
            formdata=None,
            reasons=report.reason_codes,
            lat=f"{report.lat:.6f}",
            lon=f"{report.lon:.6f}",
        ),
        "merge_form": MergeForm(prefix="merge", formdata=None),
        "hide_form": ButtonForm(prefix="hide", formdata=None),
        "original_form": ButtonForm(prefix="original", formdata=None),
        "split_form": ButtonForm(prefix="split", formdata=None),
    }
    kind_forms.update(forms)
    notes = list(
        session.scalars(
            select(ReportNote)
            .where(ReportNote.report_id == report.id)
            .order_by(ReportNote.created_at)
        )
    )
    forwardings = session.scalars(
        select(Forwarding).where(Forwarding.report_id == report.id).order_by(Forwarding.id)
    ).all()
    history = session.scalars(
        select(ReportChange)
        .where(ReportChange.report_id == report.id)
        .order_by(ReportChange.at.desc(), ReportChange.id.desc())
    )
    description, place = mask(report.description), mask(report.place_description)
    # Staff text is masked like the resident's: notes and status comments name people too,
    # and so may what a felanmälan system writes back.
    note_texts = {n.id: mask(n.text) for n in notes}
    remote_notes = {f.id: mask(f.remote_status_notes) for f in forwardings}
    texts = [report.description, report.place_description]
    texts += [n.text for n in notes] + [f.remote_status_notes for f in forwardings]
    hidden_kinds = [
        kind
        for masked in (description, place, *note_texts.values(), *remote_notes.values())
        for kind in masked.kinds
    ]
    return render_template(
        "review/report.html",
        report=report,
        kommun=report.kommun,
        description=description,
        place=place,
        note_texts=note_texts,
        remote_notes=remote_notes,
        hidden_kinds=list(dict.fromkeys(hidden_kinds)),
        may_name=any(may_name_person(t) for t in texts),
        original=original,
        supporters=supporters_count(session, report),
        supporter_reports=supporters_of(session, report),
        candidates=duplicate_candidates(session, report) if report.merged_into_id is None else [],
        notes=notes,
        history=list(history),
        timeline=timeline(session, report),
        forwardings=forwardings,
        reason_groups=taxonomy.GROUPS,
        **kind_forms,
    ), status


@bp.get("/rapport/<int:report_id>")
def report(report_id: int):  # type: ignore[no-untyped-def]
    """Show a report with masked text, its place, supporters, notes and history."""
    report = _report()
    # Its exact place is personal data too: every look is on record.
    session = get_session()
    record(session, staff_user(), "report.view", report)
    return _render_report(report)


@bp.get("/rapport/<int:report_id>/foto")
def report_photo(report_id: int) -> Response:
    """The photo a resident sent with a report: for staff only, never cached on the way."""
    report = _report()
    path = photos.folder(PHOTO_KIND) / report.photo if report.photo else None
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/rapport/<int:report_id>/original")
def show_original(report_id: int):  # type: ignore[no-untyped-def]
    """Show the unmasked text, notes included, once, on an explicit request; the look is
    audit-logged."""
    report = _report()
    if not ButtonForm(prefix="original").validate_on_submit():
        abort(400)
    session = get_session()
    notes = session.scalar(
        select(func.count(ReportNote.id)).where(ReportNote.report_id == report.id)
    )
    record(session, staff_user(), "report.view_original", report, notes=int(notes or 0))
    return _render_report(report, original=True)


def _done(report: Report, message: str) -> Response:
    # Hiding, merging or moving a report changes the hot spots it counts in.
    reports_changed_after_commit(get_session(), report.kommun_id)
    flash(message)
    return redirect(url_for("review.report", report_id=report.id), code=303)


@bp.post("/rapport/<int:report_id>/status")
def status(report_id: int):  # type: ignore[no-untyped-def]
    """Change the status (with a reason when avslutad, a receiver when vidarebefordrad)."""
    report = _report()
    form = StatusForm(_activities(report.kommun_id), prefix="status")
    if not form.validate_on_submit():
        return _render_report(report, status=400, status_form=form)
    change_status(
        get_session(),
        report,
        staff_user(),
        form.status.data,
        reason=form.status_reason.data or None,
        forwarded_to=form.forwarded_to.data or None,
        comment=form.comment.data,
        public_reply=form.public_reply.data,
        activity_id=form.activity_id,
    )
    return _done(
        report, _("Status ändrad till %(status)s.", status=statuses.staff_status(report.status))
    )


@bp.post("/rapport/<int:report_id>/anteckning")
def note(report_id: int):  # type: ignore[no-untyped-def]
    """Add an internal note."""
    report = _report()
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return _render_report(report, status=400, note_form=form)
    add_note(get_session(), report, staff_user(), form.text.data or "")
    return _done(report, _("Anteckningen är sparad."))


@bp.post("/rapport/<int:report_id>/rattelse")
def correct(report_id: int):  # type: ignore[no-untyped-def]
    """Correct the reasons or the place; the old values stay in the history."""
    report = _report()
    form = CorrectionForm(report.kind, prefix="correct")
    if form.validate_on_submit() and form.point is not None:
        session = get_session()
        try:
            correct_location(session, report, staff_user(), *form.point)
        except ReviewError:
            form.lat.errors = [
                _("Platsen ligger utanför %(kommun)s kommun.", kommun=report.kommun.name)
            ]
        else:
            correct_reasons(session, report, staff_user(), form.reasons.data or [])
            return _done(report, _("Rättelsen är sparad."))
    get_session().rollback()
    return _render_report(report, status=400, correction_form=form)


@bp.post("/rapport/<int:report_id>/dolj")
def toggle_hidden(report_id: int) -> Response:
    """Hide the report from every aggregate, or show it there again."""
    report = _report()
    if not ButtonForm(prefix="hide").validate_on_submit():
        abort(400)
    set_hidden(get_session(), report, staff_user(), not report.hidden)
    return _done(
        report,
        _("Förslaget är dolt i sammanställningar.")
        if report.hidden
        else _("Förslaget räknas i sammanställningar igen."),
    )


@bp.post("/rapport/<int:report_id>/sammanfoga")
def merge_into(report_id: int):  # type: ignore[no-untyped-def]
    """Merge this report into another of the same kommun as a duplicate."""
    report = _report()
    form = MergeForm(prefix="merge")
    if form.validate_on_submit():
        target = find_in_kommun(get_session(), report.kommun_id, form.target.data or "")
        if target is None:
            form.target.errors = [_("Det finns inget förslag med det numret i kommunen.")]
        else:
            try:
                merge(get_session(), report, target, staff_user())
            except ReviewError:
                form.target.errors = [
                    _("Förslaget kan inte sammanfogas med sig självt eller med en dubblett.")
                ]
            else:
                return _done(
                    report,
                    _("Sammanfogat med %(number)s.", number=target.registration_number),
                )
    get_session().rollback()
    return _render_report(report, status=400, merge_form=form)


@bp.post("/rapport/<int:report_id>/dela-upp")
def split(report_id: int) -> Response:
    """Undo a merge: the report is a place of its own again."""
    report = _report()
    if not ButtonForm(prefix="split").validate_on_submit():
        abort(400)
    unmerge(get_session(), report, staff_user())
    return _done(report, _("Förslaget är inte längre en dubblett."))

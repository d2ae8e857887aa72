"""The resident's pages: start, report form, receipt, status and erasure."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from core import photos
from core.cache import per_kommun
from core.ratelimit import limiter
from core.signals import reports_changed_after_commit
from db import get_session
from feedback import reasons, receipts
from feedback.forms import ErasureForm, ReceiptMailForm, ReportForm, StatusLookupForm
from feedback.models import Report
from feedback.services import (
    PHOTO_KIND,
    attach_photo,
    find_by_receipt,
    insert_report,
    mail_receipt,
    nearest_landmark,
    request_erasure,
)
from feedback.suggestions import suggested_reasons
from feedback.timeline import timeline
from kommun.models import Kommun
from kommun.services import (
    active_kommuner,
    active_landmarks,
    kommun_and_landmarks,
    kommun_by_slug,
    mark_hotspots_stale,
)
from privacy.public import CELL_M, cell_centre, cell_keys, cell_summary

bp = Blueprint("feedback", __name__)
bp.add_app_template_filter(reasons.label, "reason_label")
bp.add_app_template_global(reasons.status_label, "status_label")


@bp.before_request
def allow_photo() -> None:
    """A report may carry a photo: a larger body, but only as a file upload (text is not)."""
    if request.endpoint == "feedback.new_report" and request.mimetype == "multipart/form-data":
        request.max_content_length = photos.PHOTO_MAX + 64 * 1024


def _kommun_or_404(slug: str) -> Kommun:
    kommun = kommun_by_slug(get_session(), slug)
    if kommun is None:
        abort(404)
    return kommun


@bp.get("/")
def index() -> str:
    """Explain trygghetsförslag and let the resident choose a kommun."""
    return render_template("feedback/index.html", kommuner=active_kommuner(get_session()))


@bp.get("/k/")
def choose_kommun() -> Response:
    """Follow the kommun chooser on the start page (works without JavaScript)."""
    slug = request.args.get("kommun", "")
    if not slug:
        return redirect(url_for("feedback.index"))
    kommun = _kommun_or_404(slug)
    return redirect(url_for("feedback.new_report", slug=kommun.slug))


@bp.route("/k/<slug>/", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REPORT_RATE_LIMIT"], methods=["POST"])
def new_report(slug: str) -> Response | tuple[str, int] | str:
    """Show and take the report form of one kommun."""
    session = get_session()
    with_landmarks = kommun_and_landmarks(session, slug)
    if with_landmarks is None:
        abort(404)
    kommun, landmarks = with_landmarks
    form = ReportForm(kommun, landmarks)
    if form.validate_on_submit():
        supports = _supported_report(form, kommun)
        if supports is not None or form.reasons.data:
            photo = None
            try:
                report_id, _code = insert_report(
                    session, kommun, form.report_input(), supports=supports
                )
                if form.photo_bytes:
                    photo = attach_photo(session, report_id, form.photo_bytes)
                mark_hotspots_stale(session, kommun.id)
                session.flush()  # a second copy is refused here (the unique submission id)
            except IntegrityError:  # sent twice (a double click, a retry): one report
                session.rollback()
                photos.remove(photos.folder(PHOTO_KIND), photo)
                found = _already_sent(form.submission_id.data)
                if found is None:
                    raise
                report_id = found
            reports_changed_after_commit(session, kommun.id, stale_marked=True)
            receipts.remember(report_id)
            return redirect(url_for("feedback.receipt"), code=303)
        form.reasons.errors = [_("Ingen har rapporterat just här än. Välj minst ett skäl.")]
    status = 400 if request.method == "POST" else 200
    suggested = suggested_reasons(kommun)
    return render_template(
        "feedback/new.html",
        form=form,
        kommun=kommun,
        landmarks=landmarks,
        suggested=suggested,
        unsafe_groups=reasons.groups(positive=False),
        safe_groups=reasons.groups(positive=True),
    ), status


def _already_sent(submission_id: str | None) -> int | None:
    """The report an earlier copy of this form created, if any."""
    if not submission_id:
        return None
    return get_session().scalar(select(Report.id).where(Report.submission_id == submission_id))


def _supported_report(form: ReportForm, kommun: Kommun) -> Report | None:
    """The report a "Jag känner likadant" links to: one in the place's public cell.

    Only a cell the public map shows (k reports or more) can be agreed with, so whether a
    support is taken says no more than the map does.
    """
    if not form.is_support or form.point is None:
        return None
    summary = cell_summary(get_session(), kommun, *form.point, datetime.now(UTC))
    return get_session().get(Report, summary.anchor_id) if summary.anchor_id else None


@bp.get("/api/k/<slug>/nara")
@limiter.limit(lambda: current_app.config["NEARBY_RATE_LIMIT"])
def nearby(slug: str) -> Response | tuple[Response, int]:
    """What the public map knows of the point's 250 m cell: a count and common reasons.

    Under the k-rule of privacy.public: nothing for a cell with fewer than
    PUBLIC_MIN_CELL_REPORTS reports, and the answer is the cell's, whatever point in it is
    asked about.
    """
    kommun = _kommun_or_404(slug)
    try:
        lat, lon = float(request.args["lat"]), float(request.args["lon"])
    except (KeyError, ValueError):
        return jsonify(error=_("Ange lat och lon som decimaltal.")), 400
    if not (math.isfinite(lat) and math.isfinite(lon)) or not kommun.contains(lat, lon):
        return jsonify(
            error=_("Platsen ligger utanför %(kommun)s kommun.", kommun=kommun.name)
        ), 400
    return jsonify(**_nearby_answer(kommun, cell_keys([lat], [lon])[0]))


@per_kommun("public-nearby")
def _nearby_answer(kommun: Kommun, key: tuple[int, int]) -> dict[str, Any]:
    """The answer for one public cell, the same for every point in it: cached per kommun,
    language and cell until the kommun's reports change (the densest cell at a million
    reports takes a few hundred milliseconds to count)."""
    centre = cell_centre(key)
    summary = cell_summary(get_session(), kommun, *centre, datetime.now(UTC), anchor=False)
    cell = {"size_m": int(CELL_M), "lat": summary.centre[0], "lon": summary.centre[1]}
    if not summary.count:
        return {"count": 0, "cell": cell, "message": "", "reasons": []}
    message = ngettext(
        "%(num)d person har rapporterat otrygghet i den här rutan på %(size)d × %(size)d m "
        "det senaste året",
        "%(num)d personer har rapporterat otrygghet i den här rutan på %(size)d × %(size)d m "
        "det senaste året",
        summary.count,
        size=int(CELL_M),
    )
    if summary.reasons:
        # The comma is the language's (، in Arabic): the whole sentence is translated.
        label = reasons.label(summary.reasons[0][0])
        message = _("%(count)s, oftast %(reason)s.", count=message, reason=label.lower())
    else:
        message = _("%(count)s.", count=message)
    return {
        "count": summary.count,
        "cell": cell,
        "message": message,
        "reasons": [{"code": c, "label": reasons.label(c), "count": n} for c, n in summary.reasons],
    }


@bp.route("/kvitto", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REPORT_RATE_LIMIT"], methods=["POST"])
def receipt() -> Response | tuple[str, int]:
    """Thank the resident, show the receipt code and what happens next, and mail the code."""
    session = get_session()
    report = receipts.remembered(session)
    if report is None:
        return redirect(url_for("feedback.status_lookup"), code=303)
    form = ReceiptMailForm()
    if form.validate_on_submit():
        mail_receipt(session, report, form.receipt_email.data or "")
        return redirect(url_for("feedback.receipt"), code=303)
    return render_template("feedback/receipt.html", report=report, form=form), (
        400 if request.method == "POST" else 200
    )


@bp.get("/kvitto/<code>")
def receipt_by_code(code: str) -> Response:
    """An address with a code in it (an older receipt): open the report, drop the code."""
    _by_code(code)
    return redirect(url_for("feedback.receipt"), code=303)


@bp.route("/status", methods=["GET", "POST"])
def status_lookup() -> Response | tuple[str, int] | str:
    """Let a resident type a receipt code to see the status of a report."""
    form = StatusLookupForm()
    if form.validate_on_submit():
        report = find_by_receipt(get_session(), form.code.data or "")
        if report is not None:
            receipts.remember(report.id)
            return redirect(url_for("feedback.status"), code=303)
        form.code.errors = [
            _("Vi hittar inget förslag med den koden. Kontrollera koden och försök igen.")
        ]
    code = 400 if request.method == "POST" else 200
    return render_template("feedback/status_lookup.html", form=form), code


@bp.get("/status/mitt-forslag.json")
def own_report() -> Response:
    """Everything the holder of the receipt sent, as JSON (the right of access, GDPR art. 15)."""
    report = receipts.remembered(get_session())
    if report is None:
        return redirect(url_for("feedback.status_lookup"), code=303)
    data = {
        "kvittokod": report.receipt_display,
        "registreringsnummer": report.registration_number,
        "kommun": report.kommun.name,
        "mottaget": report.created_at.isoformat(timespec="seconds"),
        "status": report.status,
        "slag": report.kind,
        "plats": {"lat": report.lat, "lon": report.lon, "satt": report.location_method},
        "platsbeskrivning": report.place_description,
        "skal": report.reason_codes,
        # A support: the resident agreed with others in the same 250 m cell. What those others
        # wrote is theirs, not part of this report.
        "kanner_likadant": report.source == "support",
        "tider": report.times_of_day,
        "dagtyp": report.day_types,
        "aterkommande": report.recurring,
        "otrygghet": report.unsafe_level,
        "egen_upplevelse": report.own_experience,
        "beskrivning": report.description,
        "foto": report.photo is not None,
        "aldersgrupp": report.age_band,
        "kon": report.gender,
        "epost": report.contact_email,
        "radering_begard": (
            report.erasure_requested_at.isoformat(timespec="seconds")
            if report.erasure_requested_at
            else None
        ),
        "anonymiserat": (
            report.anonymised_at.isoformat(timespec="seconds") if report.anonymised_at else None
        ),
    }
    response = jsonify(data)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="trygghetsforslag-{report.receipt_code}.json"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/status/mitt-forslag", methods=["GET", "POST"])
def status() -> Response | tuple[str, int] | str:
    """Show a report's status to the holder of its receipt and take an erasure request."""
    session = get_session()
    report = receipts.remembered(session)
    if report is None:
        return redirect(url_for("feedback.status_lookup"), code=303)
    form = ErasureForm()
    if form.validate_on_submit():
        request_erasure(report)
        return redirect(url_for("feedback.status"), code=303)
    supporters = session.scalar(
        select(func.count(Report.id)).where(Report.supports_id == report.id)
    )
    near = (
        None
        if report.landmark is not None
        else nearest_landmark(active_landmarks(session, report.kommun), report.lat, report.lon)
    )
    return render_template(
        "feedback/status.html",
        report=report,
        near=near,
        form=form,
        supporters=supporters or 0,
        timeline=timeline(session, report),
    ), (400 if request.method == "POST" else 200)


@bp.route("/status/<code>", methods=["GET", "POST"])
def status_by_code(code: str) -> Response:
    """An address with a code in it (an older link): open the report, drop the code.

    A post to it (an erasure asked on an old page) is not carried out: the resident confirms
    again on the page without the code.
    """
    _by_code(code)
    return redirect(url_for("feedback.status"), code=303)


@bp.get("/status/<code>/mitt-forslag.json")
def own_report_by_code(code: str) -> Response:
    """The old download address: open the report, drop the code."""
    _by_code(code)
    return redirect(url_for("feedback.own_report"), code=303)


def _by_code(code: str) -> None:
    """Remember the report of a receipt code for this browser (404 if there is none)."""
    report = find_by_receipt(get_session(), code)
    if report is None:
        abort(404)
    receipts.remember(report.id)

"""A trygghetsvandring: its stops, their photos, and the protocol published for residents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flask import (
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
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from accounts.access import staff_user
from accounts.forms import ButtonForm
from audit.services import record
from core import photos
from db import get_session
from feedback import reasons as taxonomy
from kommun.services import active_landmarks
from surveys import protocols
from surveys.blueprint import bp, form_status
from surveys.forms import (
    DECISION_LABELS,
    METHOD_LABELS,
    StopForm,
)
from surveys.models import DialogueSession, WalkStop

# Where a walk stop's proposed action may belong: (session, kommun id) -> [(activity id,
# label)]. Registered by promise_dialogues, so that surveys never imports promises.
ActivityChoices = Callable[[Session, int], list[tuple[int, str]]]
ACTIVITY_CHOICES: list[ActivityChoices] = []


def register_activity_choices(source: ActivityChoices) -> None:
    if source not in ACTIVITY_CHOICES:
        ACTIVITY_CHOICES.append(source)


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
    form.activity.choices = [("", _("Ingen"))] + [
        (str(a_id), label)
        for source in ACTIVITY_CHOICES
        for a_id, label in source(session, dsession.kommun_id)
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
        flash(_("Stopp %(n)d är sparat.", n=stop.number))
        return redirect(
            url_for("surveys.show_session", dialogue_id=dsession.id) + "#stops", code=303
        )
    return render_template(
        "surveys/stop.html", dsession=dsession, kommun=dsession.kommun, form=form, stop=stop
    ), form_status()


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


@bp.get("/dialoger/<int:dialogue_id>/protokoll.pdf")
def protocol_pdf(dialogue_id: int) -> BaseResponse:
    """The walk's protocol as a PDF, with the team's names."""
    return protocols.protocol_pdf(g.dialogue, public=False)


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
    return redirect(url_for("surveys.protocol", dialogue_id=dsession.id), code=303)


__all__ = ["bp", "DECISION_LABELS", "METHOD_LABELS"]

"""A dialogue: create one, and its page."""

from __future__ import annotations

from flask import (
    flash,
    g,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from accounts.access import staff_user
from accounts.forms import ButtonForm
from audit.services import record
from core.clock import local_today
from db import get_session
from kommun.models import Kommun
from surveys import services
from surveys.blueprint import bp, form_status, kommun_instruments
from surveys.forms import (
    SessionForm,
)
from surveys.models import DialogueSession, Instrument


@bp.route("/<slug>/dialoger/ny", methods=["GET", "POST"])
def new_session(slug: str) -> BaseResponse | tuple[str, int]:
    session = get_session()
    kommun: Kommun = g.kommun
    choices = [(str(i.id), i.name) for i in kommun_instruments(kommun)]
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
        return redirect(url_for("surveys.show_session", dialogue_id=dsession.id), code=303)
    return render_template("surveys/session_new.html", form=form, kommun=kommun), form_status()


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

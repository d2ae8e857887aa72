"""The coordinators' page to link a promise to the medborgardialoger it came from."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from accounts.access import kommun_scope, staff_user
from audit.services import record
from core.forms import BaseForm
from db import get_session
from feedback.forms import MultiCheckboxField
from promise_dialogues.services import dialogues_of, link_choices, set_dialogues
from promises.lifecycle import phase
from promises.models import Promise
from surveys.forms import method_label

bp = Blueprint("promise_dialogues", __name__, url_prefix="/samordnare")
bp.before_request(kommun_scope("admin", "coordinator", promise_id=Promise))


class DialogueLinkForm(BaseForm):
    dialogues = MultiCheckboxField(_l("Medborgardialoger"), choices=[], coerce=int)


@bp.route("/loften/<int:promise_id>/dialoger", methods=["GET", "POST"])
def links(promise_id: int) -> Response | tuple[str, int]:
    """Which medborgardialoger the promise builds on (shown on its public page)."""
    from core.clock import local_today

    promise: Promise = g.promise
    session = get_session()
    form = DialogueLinkForm()
    form.dialogues.choices = [
        (d.id, f"{d.place}, {d.held_on.isoformat()} ({method_label(d.method)})")
        for d in link_choices(session, promise)
    ]
    if not form.is_submitted():
        form.dialogues.data = [d.id for d in dialogues_of(promise, session)]
    elif phase(promise, local_today()) == "archived":
        flash(_("Löftet är arkiverat och kan inte längre ändras."), "error")
        return redirect(url_for("promises.show", promise_id=promise.id), 303)
    elif form.validate():
        changes = set_dialogues(session, promise, set(form.dialogues.data or []))
        record(
            session,
            staff_user(),
            "promise.dialogues",
            promise,
            added=changes["added"],
            removed=changes["removed"],
        )
        flash(_("Kopplingen till medborgardialogerna är sparad."), "success")
        return redirect(url_for("promises.show", promise_id=promise.id) + "#dialogues-heading", 303)
    return render_template(
        "promise_dialogues/links.html", kommun=promise.kommun, promise=promise, form=form
    ), (400 if form.is_submitted() else 200)

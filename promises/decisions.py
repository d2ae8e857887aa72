"""The decisions of a promise's year: end it, evaluate it, archive it (promises.lifecycle)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from accounts.access import staff_user
from audit.services import record
from core.clock import local_today
from db import get_session
from promises.blueprint import bp
from promises.forms import DeleteForm, EvaluationForm, evaluation_form
from promises.indicators import FocusInput, focus_results, save_evaluation
from promises.lifecycle import can_archive, can_end, can_evaluate, end_early, last_day, phase
from promises.models import Promise
from promises.services import evaluate


def _show(promise: Promise) -> Response:
    return redirect(url_for("promises.show", promise_id=promise.id), 303)


@bp.post("/loften/<int:promise_id>/avsluta")
def end(promise_id: int) -> Response:
    """End a running promise today; it then waits for its evaluation."""
    promise: Promise = g.promise
    today = local_today()
    if not DeleteForm(prefix="delete").validate() or not can_end(promise, today):
        flash(_("Bara ett undertecknat löfte som inte har avslutats kan avslutas."), "error")
        return _show(promise)
    end_early(promise, today)
    session = get_session()
    record(session, staff_user(), "promise.end", promise, ended_on=today.isoformat())
    flash(_("Löftet är avslutat. Nästa steg är utvärderingen."), "success")
    return redirect(url_for("promises.evaluation", promise_id=promise.id), 303)


def _evaluation_page(promise: Promise, form: EvaluationForm, status: int = 200) -> tuple[str, int]:
    today = local_today()
    return render_template(
        "promises/evaluation.html",
        kommun=promise.kommun,
        promise=promise,
        form=form,
        phase=phase(promise, today),
        last=last_day(promise),
        results=focus_results(get_session(), promise, today),
        evaluation=evaluate(get_session(), promise, today),
    ), status


@bp.route("/loften/<int:promise_id>/utvardering", methods=["GET", "POST"])
def evaluation(promise_id: int) -> Response | tuple[str, int]:
    """The yearly evaluation: an indicator per focus area and written conclusions."""
    promise: Promise = g.promise
    form = evaluation_form(promise)
    if not form.is_submitted():
        return _evaluation_page(promise, form)
    today = local_today()
    if not can_evaluate(promise, today):
        flash(_("Ett löfte utvärderas när det har avslutats och innan det arkiveras."), "error")
        return _show(promise)
    if not form.validate():
        return _evaluation_page(promise, form, 400)
    inputs = {
        focus.id: FocusInput(
            indicator=form[f"f{focus.id}_indicator"].data or None,
            group=form[f"f{focus.id}_group"].data or None,
            baseline=form[f"f{focus.id}_baseline"].data,
            target=form[f"f{focus.id}_target"].data,
            conclusion=(form[f"f{focus.id}_conclusion"].data or "").strip(),
        )
        for focus in promise.focus_areas
    }
    session = get_session()
    changes = save_evaluation(
        session, promise, summary=form.summary.data.strip(), inputs=inputs, today=today
    )
    record(session, staff_user(), "promise.evaluate", promise, changes=changes)
    flash(_("Utvärderingen är sparad och syns på löftets offentliga sida."), "success")
    return redirect(url_for("promises.evaluation", promise_id=promise.id), 303)


@bp.post("/loften/<int:promise_id>/arkivera")
def archive(promise_id: int) -> Response:
    """Archive an evaluated promise: it stays public, and can no longer be changed."""
    promise: Promise = g.promise
    today = local_today()
    if not DeleteForm(prefix="delete").validate() or not can_archive(promise, today):
        flash(_("Ett löfte arkiveras när det är utvärderat."), "error")
        return _show(promise)
    promise.archived_on = today
    session = get_session()
    record(session, staff_user(), "promise.archive", promise)
    flash(_("Löftet är arkiverat."), "success")
    return _show(promise)

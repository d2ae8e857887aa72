"""Printable promise documents as PDF: the promise as signed, a period report, the evaluation.

Rendered from the same data as the pages by core.documents (WeasyPrint).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, g, render_template, request
from werkzeug.exceptions import NotFound

from core.clock import local_today
from core.documents import pdf_response
from db import get_session
from promises.blueprint import bp
from promises.indicators import focus_results
from promises.lifecycle import last_day, phase
from promises.models import Promise
from promises.services import evaluate, period_end, periods_of, state_as_of
from review.lagesbild import build
from review.periods import Period


def report_context(promise: Promise, period: str | None) -> dict[str, Any]:
    """What a period report shows: the period's follow-ups and each activity as of its end."""
    today = local_today()
    periods = periods_of(promise, today) or [promise.starts_on]
    first = periods[-1]
    if period:
        try:
            chosen = date.fromisoformat(period)
        except ValueError:
            chosen = None
        if chosen in periods:
            first = chosen
    last = period_end(promise, first)
    kind = "tertial" if promise.cadence_months == 4 else "custom"
    session = get_session()
    return {
        "kommun": promise.kommun,
        "promise": promise,
        "first": first,
        "last": last,
        "periods": periods,
        "entries": [f for f in promise.follow_ups if f.period_start == first],
        # Each activity as its follow-ups had reported it by the period's last day.
        "states": {a.id: state_as_of(a, last) for a in promise.activities},
        "picture": build(session, promise.kommun, Period(kind, first, last)),
        "evaluation": evaluate(session, promise, min(last, today)),
    }


@bp.get("/loften/<int:promise_id>/dokument.pdf")
def promise_pdf(promise_id: int) -> Response:
    """The promise as signed: parties, period, signatories, focus areas and activities."""
    promise: Promise = g.promise
    html = render_template(
        "promises/documents/promise.html",
        kommun=promise.kommun,
        promise=promise,
        phase=phase(promise, local_today()),
    )
    return pdf_response(html, "medborgarlofte", promise.kommun.name, promise.title)


@bp.get("/loften/<int:promise_id>/rapport.pdf")
def report_pdf(promise_id: int) -> Response:
    """The period report (a tertial by default) as a PDF."""
    context = report_context(g.promise, request.args.get("period"))
    html = render_template("promises/documents/report.html", **context)
    return pdf_response(html, "uppfoljning", g.promise.title, context["first"].isoformat())


@bp.get("/loften/<int:promise_id>/utvardering.pdf")
def evaluation_pdf(promise_id: int) -> Response:
    """The yearly evaluation as a PDF; only once the promise has ended."""
    promise: Promise = g.promise
    today = local_today()
    if phase(promise, today) not in {"ended", "evaluated", "archived"}:
        raise NotFound()
    html = render_template(
        "promises/documents/evaluation.html",
        kommun=promise.kommun,
        promise=promise,
        phase=phase(promise, today),
        last=last_day(promise),
        states={a.id: state_as_of(a, last_day(promise)) for a in promise.activities},
        evaluation=evaluate(get_session(), promise, today),
        results=focus_results(get_session(), promise, today),
    )
    return pdf_response(html, "utvardering", promise.title)

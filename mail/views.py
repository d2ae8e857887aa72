"""The pages behind the links in mails: unsubscribe, the questionnaire, confirming a follow.

Opening a link never changes anything (mail scanners open links too): the resident presses a
button. The one exception to pages is RFC 8058's one-click unsubscribe, a POST that a mail
program sends without a session.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from db import get_session
from feedback.models import Questionnaire, Report
from feedback.questionnaire import AlreadyAnswered, answer
from feedback.timeline import withdraw_contact
from mail import tokens
from mail.forms import ConfirmForm, QuestionnaireForm, UnsubscribeForm
from promises.models import PromiseSubscription
from promises.subscriptions import confirm
from promises.subscriptions import unsubscribe as drop_subscription

bp = Blueprint("resident_mail", __name__, url_prefix="/epost")

DAY_S = 86400


def _bad_link(expired: bool = False) -> tuple[str, int]:
    if expired:
        return render_template(
            "mail_pages/link_invalid.html",
            title=_("Länken har gått ut"),
            message=_(
                "Länken i mejlet gäller bara en tid, och den tiden har gått. Det gör inget: "
                "du behöver inte göra något mer."
            ),
        ), 410
    return render_template(
        "mail_pages/link_invalid.html",
        title=_("Länken fungerar inte"),
        message=_(
            "Länken är inte hel eller har ändrats. Kopiera hela länken från mejlet, eller "
            "klicka på den i mejlet igen."
        ),
    ), 400


def _read(purpose: str, token: str, max_age_days: float | None) -> dict[str, Any] | None:
    try:
        return tokens.read(purpose, token, round(max_age_days * DAY_S) if max_age_days else None)
    except tokens.SignatureExpired:
        raise _Expired from None
    except tokens.BadSignature:
        return None


class _Expired(Exception):
    pass


@bp.errorhandler(_Expired)
def _expired(_exc: _Expired) -> tuple[str, int]:
    return _bad_link(expired=True)


# --- unsubscribe ------------------------------------------------------------------------------


@bp.route("/avregistrera/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> tuple[str, int] | str:
    """Stop all mail about a report or a promise: a page with a button, or RFC 8058's POST."""
    payload = _read("unsubscribe", token, None)
    if payload is None:
        return _bad_link()
    form = UnsubscribeForm()
    if request.method == "POST" and form.validate():
        session = get_session()
        if "r" in payload:
            report = session.get(Report, int(payload["r"]))
            if report is not None and report.contact_email:
                withdraw_contact(session, report)
        elif "s" in payload:
            subscription = session.get(PromiseSubscription, int(payload["s"]))
            if subscription is not None:
                drop_subscription(session, subscription)
        return render_template("mail_pages/unsubscribed.html")
    return render_template("mail_pages/unsubscribe.html", form=form)


# --- the questionnaire ------------------------------------------------------------------------


@bp.route("/enkat/<token>", methods=["GET", "POST"])
def questionnaire(token: str) -> Response | tuple[str, int] | str:
    """ "Känns det tryggare där nu?": the link's answer is chosen, one press sends it."""
    payload = _read("questionnaire", token, float(current_app.config["QUESTIONNAIRE_LINK_DAYS"]))
    session = get_session()
    found = session.get(Questionnaire, int(payload["q"])) if payload and "q" in payload else None
    if found is None:
        return _bad_link()
    report = found.report
    if found.answered_at is not None:
        return render_template("mail_pages/questionnaire_done.html", report=report)
    form = QuestionnaireForm()
    if request.method == "GET" and request.args.get("svar"):
        form.answer.data = request.args["svar"]
    if form.validate_on_submit():
        try:
            answer(found, form.answer.data, form.comment.data)
        except AlreadyAnswered:  # pragma: no cover (the check above wins in practice)
            session.rollback()
        return redirect(url_for("resident_mail.questionnaire", token=token), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("mail_pages/questionnaire.html", form=form, report=report), status


# --- following a promise ----------------------------------------------------------------------


@bp.route("/folj/<token>", methods=["GET", "POST"])
def confirm_subscription(token: str) -> tuple[str, int] | str:
    """Double opt-in: the link shows a button; pressing it starts the digests."""
    payload = _read("subscribe", token, float(current_app.config["SUBSCRIBE_LINK_DAYS"]))
    session = get_session()
    found = (
        session.get(PromiseSubscription, int(payload["s"])) if payload and "s" in payload else None
    )
    if found is None:
        return _bad_link()
    form = ConfirmForm()
    if found.confirmed_at is None and form.validate_on_submit():
        confirm(found)
    status = 400 if request.method == "POST" and found.confirmed_at is None else 200
    return render_template(
        "mail_pages/confirm.html", form=form, subscription=found, promise=found.promise
    ), status

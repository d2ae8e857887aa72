"""Writing a mail from its outbox row: the resident's language, text and HTML, and headers.

Every mail has `Auto-Submitted: auto-generated`, `List-Unsubscribe` with a signed https link
and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058), so a mail program can
unsubscribe with one POST. No images, no tracking pixels, no per-reader redirect links.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from core.current import app_object
from feedback.links import status_url
from feedback.models import MAIL_LANGUAGES, Questionnaire, Report
from feedback.questionnaire import ANSWERS
from feedback.timeline import to_step, updates_of, wants_mail
from mail import tokens
from mail.models import OutgoingMail
from promises.models import PromiseSubscription
from promises.public_forms import FEELING_LABELS


class NoRecipient(Exception):
    """The address is gone (withdrawn, erased, unsubscribed): the mail is not sent."""


def message_id(mail: OutgoingMail) -> str:
    """The mail's lasting Message-ID: the same on every attempt (the idempotency key)."""
    _name, sender = parseaddr(current_app.config["MAIL_FROM"])
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<{mail.key}@{domain}>"


def key_of(message_id_header: str) -> str | None:
    """The outbox key in a Message-ID we made, else None."""
    local = message_id_header.strip().strip("<>").partition("@")[0]
    return local if len(local) == 32 and all(c in "0123456789abcdef" for c in local) else None


def _report_recipient(session: Session, mail: OutgoingMail) -> tuple[str, dict[str, Any]]:
    report = session.get(Report, mail.report_id) if mail.report_id else None
    if report is None or not wants_mail(report) or report.contact_email is None:
        raise NoRecipient
    context: dict[str, Any] = {
        "report": report,
        "status_url": status_url(report, external=True),
        "unsubscribe_url": url_for(
            "resident_mail.unsubscribe",
            token=tokens.sign("unsubscribe", r=report.id),
            _external=True,
        ),
    }
    return report.contact_email, context


def _subscription_recipient(session: Session, mail: OutgoingMail) -> tuple[str, dict[str, Any]]:
    subscription = (
        session.get(PromiseSubscription, mail.subscription_id) if mail.subscription_id else None
    )
    if subscription is None or (mail.kind == "digest" and subscription.confirmed_at is None):
        raise NoRecipient
    promise = subscription.promise
    context = {
        "subscription": subscription,
        "promise": promise,
        "promise_url": url_for(
            "public_promises.page",
            slug=promise.kommun.slug,
            _anchor=f"promise-{promise.id}",
            _external=True,
        ),
        "unsubscribe_url": url_for(
            "resident_mail.unsubscribe",
            token=tokens.sign("unsubscribe", s=subscription.id),
            _external=True,
        ),
    }
    return subscription.email, context


def _subject_and_context(session: Session, mail: OutgoingMail, context: dict[str, Any]) -> str:
    """The subject, and what the kind's templates need, added to context."""
    if mail.kind == "confirmation":
        return _(
            "Vi har tagit emot ditt förslag %(number)s",
            number=context["report"].registration_number,
        )
    if mail.kind == "update":
        steps = [
            to_step(u, external=True)
            for u in updates_of(session, mail.report_id or 0, mail_id=mail.id)
        ]
        context["steps"] = steps
        context["report_status"] = context["report"].status
        return _("Nytt om ditt förslag %(number)s", number=context["report"].registration_number)
    if mail.kind == "questionnaire":
        questionnaire = session.get(Questionnaire, int(mail.params.get("questionnaire_id", 0)))
        if questionnaire is None:
            raise NoRecipient
        token = tokens.sign("questionnaire", q=questionnaire.id)
        context["answers"] = [
            (
                str(FEELING_LABELS[key]),
                url_for("resident_mail.questionnaire", token=token, svar=key, _external=True),
            )
            for key in ANSWERS
        ]
        context["questionnaire_url"] = url_for(
            "resident_mail.questionnaire", token=token, _external=True
        )
        return _("Känns det tryggare där nu?")
    if mail.kind == "subscribe":
        context["confirm_url"] = url_for(
            "resident_mail.confirm_subscription",
            token=tokens.sign("subscribe", s=context["subscription"].id),
            _external=True,
        )
        return _("Bekräfta att du vill följa medborgarlöftet")
    if mail.kind == "digest":
        from promises.subscriptions import follow_ups_in

        period = date.fromisoformat(str(mail.params["period"]))
        context["period"] = period
        context["follow_ups"] = follow_ups_in(session, context["promise"].id, period)
        return _("Uppföljning av medborgarlöftet: %(title)s", title=context["promise"].title)
    raise ValueError(f"unknown kind {mail.kind!r}")


def compose(session: Session, mail: OutgoingMail) -> EmailMessage:
    """The message for an outbox row; NoRecipient when there is no one to write to."""
    app = app_object()
    language = mail.language if mail.language in MAIL_LANGUAGES else "sv"
    base_url = app.config["PUBLIC_BASE_URL"].rstrip("/")
    with app.test_request_context("/", base_url=base_url), force_locale(language):
        if mail.subscription_id is not None:
            recipient, context = _subscription_recipient(session, mail)
        else:
            recipient, context = _report_recipient(session, mail)
        subject = _subject_and_context(session, mail, context)
        context |= {"subject": subject, "language": language, "rtl": language == "ar"}
        text = render_template(f"mail/{mail.kind}.txt", **context)
        html = render_template(f"mail/{mail.kind}.html", **context)
        unsubscribe_url = context["unsubscribe_url"]
    message = EmailMessage()
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    # After the content: setting content clears Content-* headers.
    message["From"] = app.config["MAIL_FROM"]
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id(mail)
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = language
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message

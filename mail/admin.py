"""Admins see the outbox: what was sent, what waits, what failed (and can try it again).

Without MAIL_URL the mails go to the maildir under instance/, and this page lists them as
they would have been sent, so a demo shows the whole loop. Addresses are shown shortened:
an admin needs to see that mail works, not whom it reached.
"""

from __future__ import annotations

import mailbox
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import parseaddr, parsedate_to_datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select
from werkzeug.wrappers import Response

from accounts.access import require_role, staff_user
from accounts.forms import ButtonForm
from audit.services import record
from core.current import app_object
from db import after_commit, get_session
from mail.compose import key_of
from mail.models import OutgoingMail
from mail.transport import maildir_path

bp = Blueprint("mail_admin", __name__, url_prefix="/admin/epost")

RECENT = 100
MAIL_STATES = {
    "queued": _l("I kö"),
    "sending": _l("Skickas"),
    "sent": _l("Skickat"),
    "failed": _l("Misslyckades"),
    "cancelled": _l("Inte skickat: adressen borttagen"),
}
MAIL_KINDS = {
    "confirmation": _l("Kvitto"),
    "update": _l("Nytt om förslaget"),
    "questionnaire": _l("Känns det tryggare?"),
    "subscribe": _l("Bekräfta att följa löfte"),
    "digest": _l("Uppföljning av löfte"),
}


@bp.app_template_global()
def mail_state(state: str) -> str:
    return str(MAIL_STATES.get(state, state))


@bp.app_template_global()
def mail_kind(kind: str) -> str:
    return str(MAIL_KINDS.get(kind, kind))


@bp.before_request
def guard() -> Response | None:
    return require_role("admin")


def shorten(address: str) -> str:
    """'anna.andersson@example.se' -> 'an…@example.se'."""
    _name, email = parseaddr(address)
    local, _at, domain = email.partition("@")
    return f"{local[:2]}…@{domain}" if domain else "…"


@dataclass(frozen=True)
class StoredMail:
    key: str
    subject: str
    to: str
    at: datetime | None
    mail: OutgoingMail


def _maildir() -> mailbox.Maildir | None:
    if current_app.config.get("MAIL_URL"):
        return None
    path = maildir_path(current_app.instance_path)
    return mailbox.Maildir(path, create=False) if path.exists() else None


def _date(message: Message) -> datetime | None:
    try:
        return parsedate_to_datetime(str(message["Date"])).astimezone(UTC)
    except (TypeError, ValueError):
        return None


def _stored(box: mailbox.Maildir, rows: dict[str, OutgoingMail]) -> list[StoredMail]:
    found = []
    for box_key, message in box.iteritems():
        key = key_of(str(message.get("Message-ID", "")))
        if key is None or key not in rows:
            continue  # another kommun's mail, or not ours
        found.append(
            StoredMail(
                box_key,
                str(message["Subject"]),
                shorten(str(message["To"])),
                _date(message),
                rows[key],
            )
        )
    return sorted(found, key=lambda m: m.at or datetime.min.replace(tzinfo=UTC), reverse=True)


def _visible_rows() -> list[OutgoingMail]:
    kommuner = staff_user().kommun_ids
    failed_first = case((OutgoingMail.state == "failed", 0), else_=1)
    return list(
        get_session().scalars(
            select(OutgoingMail)
            .where(OutgoingMail.kommun_id.in_(kommuner))
            .order_by(failed_first, OutgoingMail.created_at.desc(), OutgoingMail.id.desc())
            .limit(RECENT)
        )
    )


@bp.get("/")
def index() -> tuple[str, int]:
    """The outbox, and in the embedded mode the maildir, as an admin may see them."""
    rows = _visible_rows()
    box = _maildir()
    stored = _stored(box, {r.key: r for r in rows}) if box is not None else []
    return render_template(
        "mail_admin/index.html",
        rows=rows,
        stored=stored,
        smtp=bool(current_app.config.get("MAIL_URL")),
        maildir=str(maildir_path(current_app.instance_path)),
        button=ButtonForm(prefix="retry", formdata=None),
    ), 200


def _plain_text(message: Message) -> str:
    """The text part of one of our mails: the first part of its multipart body."""
    part = message.get_payload(0) if message.is_multipart() else None
    data = part.get_payload(decode=True) if isinstance(part, Message) else None
    return data.decode() if isinstance(data, bytes) else ""


@bp.get("/brevlada/<box_key>")
def show(box_key: str) -> tuple[str, int]:
    """One mail from the maildir, as text, the way the resident would read it."""
    box = _maildir()
    if box is None or "/" in box_key or box_key.startswith("."):
        abort(404)
    try:
        message = box[box_key]
    except KeyError:
        abort(404)
    key = key_of(str(message.get("Message-ID", "")))
    row = get_session().scalar(select(OutgoingMail).where(OutgoingMail.key == key)) if key else None
    if row is None or not staff_user().sees(row.kommun_id):
        abort(404)
    body = _plain_text(message)
    record(get_session(), staff_user(), "mail.view", kommun_id=row.kommun_id, mail=row.id)
    headers = [
        (name, shorten(str(message[name])) if name == "To" else str(message[name]))
        for name in (
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "Auto-Submitted",
            "Content-Language",
            "List-Unsubscribe",
            "List-Unsubscribe-Post",
        )
        if message[name]
    ]
    return render_template("mail_admin/show.html", headers=headers, body=body, row=row), 200


@bp.post("/<int:mail_id>/igen")
def retry(mail_id: int) -> Response:
    """Send a failed mail again (after the SMTP settings were fixed, say)."""
    session = get_session()
    row = session.get(OutgoingMail, mail_id)
    if row is None or not staff_user().sees(row.kommun_id):
        abort(404)
    if not ButtonForm(prefix="retry").validate_on_submit():
        abort(400)
    if row.state == "failed":
        row.state, row.attempts, row.next_attempt_at = "queued", 0, datetime.now(UTC)
        record(session, staff_user(), "mail.retry", kommun_id=row.kommun_id, mail=row.id)
        # Queued once the request has committed: a worker (or the immediate mode) reads the
        # row in a session of its own.
        from jobs import enqueue

        app, mail_id = app_object(), row.id
        after_commit(session, lambda: enqueue(app, "mail.send", mail_id))
        flash(_("Mejlet skickas igen."))
    return redirect(url_for("mail_admin.index"), code=303)

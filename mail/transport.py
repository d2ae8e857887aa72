"""Where mail goes: an SMTP server (MAIL_URL), or a local maildir when there is none.

MAIL_URL is `smtp://user:password@host:587?starttls=1` (STARTTLS), `smtps://…:465` (TLS from
the start) or `smtp://host:25` (plain, e.g. a relay on the same machine). Without it, the
embedded default and `./dev serve` write every mail to `instance/maildir` (Python's
mailbox.Maildir), where an admin page lists what would have been sent.
"""

from __future__ import annotations

import mailbox
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

SMTP_TIMEOUT_S = 30.0


class DeliveryError(Exception):
    """A mail could not be handed over. Permanent errors are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool  # smtps: TLS from the first byte
    starttls: bool


def parse_mail_url(url: str) -> SmtpSettings:
    """Read MAIL_URL; a ValueError says what is wrong with it."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("MAIL_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("MAIL_URL has no host")
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes")
    tls = parts.scheme == "smtps"
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or (465 if tls else 587 if starttls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=tls,
        starttls=starttls and not tls,
    )


def maildir_path(instance_path: str) -> Path:
    return Path(instance_path) / "maildir"


def send_smtp(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand one message to the SMTP server; raise DeliveryError when it is not taken."""
    context = ssl.create_default_context()
    try:
        if settings.tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=SMTP_TIMEOUT_S, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT_S)
        with client:
            if settings.starttls:
                client.starttls(context=context)
            if settings.username:
                client.login(settings.username, settings.password or "")
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _msg in exc.recipients.values()]
        raise DeliveryError(
            f"recipient refused ({', '.join(map(str, codes))})",
            permanent=all(500 <= code < 600 for code in codes),
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(
            f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"[:300],
            permanent=500 <= exc.smtp_code < 600 and exc.smtp_code != 554,
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}"[:300]) from None


def save_to_maildir(path: Path, message: EmailMessage) -> str:
    """Write the message to the maildir (made on first use); returns its key there."""
    try:
        box = mailbox.Maildir(path, create=True)
        return str(box.add(message))
    except OSError as exc:
        raise DeliveryError(f"maildir: {exc}") from None


def deliver(mail_url: str | None, instance_path: str, message: EmailMessage) -> None:
    if mail_url:
        send_smtp(parse_mail_url(mail_url), message)
    else:
        save_to_maildir(maildir_path(instance_path), message)

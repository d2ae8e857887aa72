"""A real SMTP server on loopback (aiosmtpd) and helpers to read the mails it took.

Used through tests/conftest.py's pytest_plugins, so any test can ask for `smtp_server` or
`mail_app` (the suite's app, sending to that server).
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    """What the server accepted, in order; `refuse` makes it answer 451 (try later)."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: bool = False
    # When set, the server waits (before RCPT) on this event for the n-th mail (1-based).
    hold_at: int | None = None
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    seen: int = 0

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:  # noqa: E501
        import asyncio

        self.inbox.seen += 1
        if self.inbox.hold_at == self.inbox.seen:
            self.inbox.held.set()
            while not self.inbox.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 held by the test"
        if self.inbox.refuse:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.inbox.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, Inbox]]:
    """A running SMTP server on a free loopback port: (MAIL_URL, inbox)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(_Handler(inbox), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", inbox
    finally:
        inbox.release.set()
        controller.stop()


@pytest.fixture
def mail_app(app: Any, smtp_server: tuple[str, Inbox]) -> Any:
    """The suite's app, sending mail to the loopback SMTP server."""
    app.config["MAIL_URL"] = smtp_server[0]
    app.config["PUBLIC_BASE_URL"] = "http://tryggkartan.test"
    return app


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "no text/plain part"
    return str(part.get_content())


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "no text/html part"
    return str(part.get_content())


def links(message: EmailMessage) -> list[str]:
    """Every http(s) link in the text part, in order."""
    return re.findall(r"https?://\S+", text_part(message))


def local_path(url: str, base: str = "http://tryggkartan.test") -> str:
    """A link from a mail as a path the test client can open."""
    assert url.startswith(base), url
    return url.removeprefix(base)

"""What the browser tests do on a page: log in, tab to a control, take a screenshot.

A plain module (not tests/browser/conftest.py, which pytest loads as `conftest`: a test
importing from it would load it a second time)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.helpers import STAFF_PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def screenshot(page: Any, name: str) -> None:
    """The whole page in test-artifacts/NAME.png, when TEST_SCREENSHOTS is set: to look at the
    pages (TEST_SCREENSHOTS=1 ./dev test -m browser). Taken in every run, the 54 named ones
    cost 17 s of the browser tests' time, in runs where nobody looks at them."""
    if not os.environ.get("TEST_SCREENSHOTS"):
        return
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def tab_to(page: Any, selector: str, limit: int = 120) -> None:
    """Press Tab until the element matching selector has focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with Tab")


def log_in(page: Any, base: str, email: str) -> None:
    """Log a staff user in through the login page."""
    page.goto(f"{base}/inloggning")
    page.fill("#email", email)
    page.fill("#password", STAFF_PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")
    # Still on the login page is a refused login: what follows would test the login page.
    assert "/inloggning" not in page.url, f"{email} was not logged in: {page.url}"


def log_in_via_the_queue(page: Any, base: str, user: Any) -> None:
    """Log in as a coordinator who opened the queue first: back at the queue afterwards."""
    page.goto(f"{base}/samordnare/")
    page.get_by_label("E-post").fill(user.email)
    page.get_by_label("Lösenord").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{base}/samordnare/vanersborg/")

"""Real Chromium (Debian's package) driven by Playwright against the app on loopback.

One browser per test process (per xdist worker), a fresh context per test. The browser keeps
the real time (only the test process's clock is moved) and runs in the kommun's time zone.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.clock import LOCAL_ZONE
from tests.browser.actions import ARTIFACTS
from tests.servers import serving

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# Without these, Chromium keeps calling home and this machine's closed network refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test, so the page fixture knows whether it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must run the browser tests")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=os.environ | {"TZ": LOCAL_ZONE.key}
        )
        yield browser
        browser.close()


class _Answering:
    """The app with each answer read to the end and closed before the server sends it, and
    a count of the answers in progress.

    Werkzeug's development server closes an answer only after draining the request socket,
    and a browser that drops the connection (a navigation, a cancelled favicon) makes that
    read raise first: a static file stayed open until the garbage collector found it during
    some later test, whose ResourceWarning then failed that test (filterwarnings = error).
    And a request still being answered when the test ended held a database connection while
    the app's engine was disposed: the same warning, from the connection, later.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.busy = 0
        self.idle = threading.Condition()

    def __call__(self, environ: Any, start_response: Any) -> list[bytes]:
        with self.idle:
            self.busy += 1
        answer = self.app(environ, start_response)
        try:
            return list(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()  # Flask ends the request here: its session and connection go
            with self.idle:
                self.busy -= 1
                self.idle.notify_all()

    def wait_until_idle(self, timeout_s: float) -> None:
        with self.idle:
            self.idle.wait_for(lambda: self.busy == 0, timeout=timeout_s)


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    answering = _Answering(app)
    with serving(answering, threaded=True) as server:
        yield f"http://127.0.0.1:{server.server_port}"
    answering.wait_until_idle(timeout_s=10)


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="sv-SE")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A script or style the Content-Security-Policy blocked is a bug of ours, not a warning.
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield page
    # The page as the test left it, when the test failed (or TEST_SCREENSHOTS is set): a
    # full-page screenshot after every test was a tenth of the browser tests' time.
    call = getattr(request.node, "report_call", None)
    if os.environ.get("TEST_SCREENSHOTS") or call is None or call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-end.png"), full_page=True)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"

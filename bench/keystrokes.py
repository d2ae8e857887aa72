"""Keystrokes and seconds per paper sheet on the dialogue teams' entry screen.

    .venv/bin/python -m bench.keystrokes [--sheets 20]

A 20-question sheet of single-choice answers (a typical local safety survey) is typed into
the entry screen in Debian Chromium: one digit per answer (the screen moves on by itself) and
Enter to save and start the next sheet. The baseline, in the same run, is the same screen with
JavaScript off: an ordinary form, digit and Tab per answer, Enter to save. Target: at most 22
keystrokes per sheet (about one per answer).
"""

from __future__ import annotations

import argparse
import logging
import random
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session
from werkzeug.serving import make_server

import db
from accounts.services import create_user
from app import create_app
from demo import load_places
from surveys.models import DialogueSession
from surveys.services import copy_template, save_questions

CHROMIUM = "/usr/bin/chromium"
QUESTIONS = 20
PASSWORD = "bänkprov med många ord"


def _instrument_questions() -> list[dict[str, object]]:
    scale = [
        {"key": str(i), "label": label}
        for i, label in enumerate(
            [
                "Inte alls",
                "I liten utsträckning",
                "I ganska stor utsträckning",
                "I stor utsträckning",
            ],
            start=1,
        )
    ]
    return [
        {"code": f"f{n:02d}", "type": "single", "text": f"Fråga {n}", "options": scale}
        for n in range(1, QUESTIONS + 1)
    ]


def prepare(tmp: Path) -> tuple[str, list[int]]:
    url = f"sqlite:///{tmp / 'keystrokes.sqlite'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    with Session(engine) as session:
        kommun = next(k for k in load_places(session) if k.name == "Vänersborg")
        create_user(
            session,
            email="team@kommun.example",
            name="Team",
            role="dialog",
            kommuner=[kommun],
            password=PASSWORD,
        )
        instrument = copy_template(session, kommun, "lokal_trygghet", "Bänkprov")
        save_questions(session, instrument, _instrument_questions())
        ids = []
        for place in ("Med skript", "Utan skript"):
            dialogue = DialogueSession(
                kommun_id=kommun.id,
                version_id=instrument.current.id,
                held_on=date(2026, 11, 14),
                place=place,
                method="gatuenkat",
            )
            session.add(dialogue)
            session.flush()
            ids.append(dialogue.id)
        session.commit()
    engine.dispose()
    return url, ids


def enter(
    browser: object, base: str, session_id: int, sheets: int, script: bool
) -> tuple[float, float]:
    """Type `sheets` sheets; returns (keystrokes per sheet, seconds per sheet)."""
    context = browser.new_context(java_script_enabled=script)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{base}/inloggning")
    page.fill("#email", "team@kommun.example")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")
    page.goto(f"{base}/dialog/dialoger/{session_id}/inmatning")
    rng = random.Random(2017)
    keys = 0
    started = time.perf_counter()
    for _ in range(sheets):
        if not script:
            page.focus("#q-f01")  # autofocus does the same with the script on
        for n in range(QUESTIONS):
            page.keyboard.press(str(rng.randint(1, 4)))
            keys += 1
            if not script and n + 1 < QUESTIONS:
                page.keyboard.press("Tab")
                keys += 1
        with page.expect_navigation():
            page.keyboard.press("Enter")
        keys += 1
    elapsed = time.perf_counter() - started
    count = page.locator("#running-count").inner_text()
    context.close()
    assert count.startswith(str(sheets)), count
    return keys / sheets, elapsed / sheets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sheets", type=int, default=20)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="tryggkartan-keys-") as tmp:
        url, (with_script, without_script) = prepare(Path(tmp))
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "HOTSPOTS_RECOMPUTE": "off",
                "TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png",
            }
        )
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox"]
                )
                ours = enter(browser, base, with_script, args.sheets, script=True)
                plain = enter(browser, base, without_script, args.sheets, script=False)
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
            db.get_engine(app).dispose()
    print(f"{QUESTIONS}-question sheet, {args.sheets} sheets each, Debian Chromium")
    print(
        f"entry screen:       {ours[0]:.1f} keystrokes/sheet, {ours[1]:.2f} s/sheet (target <= 22)"
    )
    print(f"plain form (no JS): {plain[0]:.1f} keystrokes/sheet, {plain[1]:.2f} s/sheet")
    print(f"ratio: {plain[0] / ours[0]:.2f}x fewer keystrokes, {plain[1] / ours[1]:.2f}x the speed")


if __name__ == "__main__":
    main()

"""The real job worker (`flask jobs worker`): killed in the middle of a batch, it comes back
and every mail reaches the SMTP server exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from mail.compose import key_of
from mail.models import OutgoingMail
from tests.helpers import VANERSBORG_TORGET
from tests.servers import children

ROOT = Path(__file__).resolve().parents[2]
MAILS = 6


def _wait(condition, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


# The worker is another process, on the machine's real clock: the mails it is to send must be
# due by that clock too, so this test runs at the real present, not at the suite's instant.
@pytest.mark.clock(datetime.now(UTC))
@pytest.mark.slow  # starts and kills worker processes
def test_a_worker_killed_mid_batch_sends_every_mail_once_after_restart(
    migrated_url, kommuner, create_report_at, session, smtp_server, tmp_path
):
    mail_url, inbox = smtp_server
    for i in range(MAILS):
        create_report_at(
            kommuner["Vänersborg"],
            VANERSBORG_TORGET[0] + i * 0.0001,
            VANERSBORG_TORGET[1],
            email=f"boende{i}@exempel.se",
        )
    assert len(session.scalars(select(OutgoingMail)).all()) == MAILS
    inbox.hold_at = 3  # the third mail waits inside the server: the worker is mid-batch
    env = os.environ | {
        "FLASK_APP": "app:create_app",
        "DATABASE_URL": migrated_url,
        "SECRET_KEY": "test-worker",
        "MAIL_URL": mail_url,
        "PUBLIC_BASE_URL": "http://tryggkartan.test",
        "JOBS_SQLITE_PATH": str(tmp_path / "jobs.sqlite"),
        "JOBS_POLL_MAX_S": "0.2",
        # One thread: when the third mail waits in the server, nothing else is in flight.
        "JOBS_WORKERS": "1",
        "HOTSPOTS_RECOMPUTE": "off",
        # Only the dead-claim check may hand the third mail back, not a timeout.
        "MAIL_CLAIM_TIMEOUT_S": "3600",
    }
    env.pop("REDIS_URL", None)
    env.pop("RATELIMIT_STORAGE_URI", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "jobs", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert _wait(inbox.held.is_set), "the worker never reached the third mail"
        assert len(inbox.messages) == 2
        [consumer] = [p for p, c in children(worker.pid).items() if "jobs consume" in c]
        os.kill(consumer, signal.SIGKILL)
        inbox.release.set()  # the server's answer goes to a dead connection
        assert _wait(lambda: len(inbox.messages) >= MAILS), (
            f"{len(inbox.messages)} of {MAILS} mails after the restart"
        )
        time.sleep(1.0)  # a duplicate, if any, would arrive now
        restarted = [p for p, c in children(worker.pid).items() if "jobs consume" in c]
        assert restarted and restarted != [consumer]
    finally:
        inbox.release.set()
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            for pid in children(worker.pid):
                os.kill(pid, signal.SIGKILL)
            worker.kill()
            worker.wait()
        stderr = worker.stderr.read().decode() if worker.stderr else ""
        worker.stderr.close()
    assert worker.returncode == 0, stderr[-3000:]
    ids = inbox.message_ids()
    assert len(ids) == MAILS and len(set(ids)) == MAILS
    session.expire_all()
    rows = session.scalars(select(OutgoingMail)).all()
    assert {r.state for r in rows} == {"sent"}
    assert sorted(key_of(i) for i in ids) == sorted(r.key for r in rows)
    assert sorted(str(m["To"]) for m in inbox.messages) == [
        f"boende{i}@exempel.se" for i in range(MAILS)
    ]
    assert not children(worker.pid)

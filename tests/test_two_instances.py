"""Two `./dev prod` instances behind one database and one Redis serve the same kommuner:
a staff session, a rate limit, a public page's cache and the job queue are shared."""

from __future__ import annotations

import glob
import http.client
import os
import re
import subprocess
import sys
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from tests.helpers import STAFF_PASSWORD, VANERSBORG_TORGET
from tests.pages import parse_page
from tests.servers import ROOT, Gunicorn, gunicorns, require_redis

LAT, LON = VANERSBORG_TORGET
REDIS = "redis://127.0.0.1:6379"


@dataclass
class Browser:
    """One visitor's cookie, sent to whichever instance it asks (a balancer's choice)."""

    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, server: Gunicorn, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        """(status, body, Location) of one request, redirects not followed."""
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, value = header.split(";")[0].partition("=")
                self.cookies[name] = value
            return response.status, text, response.getheader("Location") or ""
        finally:
            conn.close()

    def form_token(self, server: Gunicorn, path: str) -> str:
        status, body, _ = self.request(server, "GET", path)
        assert status == 200, (path, status)
        token = parse_page(body).select_one("input[name=csrf_token]")
        assert token is not None, path
        return str(token["value"])


def _master_pid(control_socket: str) -> int:
    """The pid of the gunicorn master that answers on a control socket."""
    from gunicorn.ctl.client import ControlClient

    with ControlClient(control_socket, timeout=30) as client:
        return int(client.send_command("show stats")["pid"])


def cell_total(body: str) -> int:
    """The public page's count of reports in the cells it shows."""
    rows = parse_page(body).select("details table tbody tr")
    return sum(int(row.select("td")[1].get_text()) for row in rows)


# The instances and the worker run on the machine's real clock: so do this test's reports.
@pytest.mark.slow
@pytest.mark.clock(datetime.now(UTC))
def test_two_instances_share_sessions_limits_caches_and_jobs(
    migrated_url, kommuner, create_report_at, create_user, session, smtp_server
):
    require_redis()
    import redis
    from huey import RedisHuey

    mail_url, inbox = smtp_server
    prefix = f"tryggkartan-two-{uuid.uuid4().hex[:8]}"
    env = {
        "DATABASE_URL": migrated_url,
        "SECRET_KEY": "two-instances-" + prefix,
        "RATELIMIT_STORAGE_URI": REDIS,
        "REDIS_URL": REDIS,
        "RATELIMIT_KEY_PREFIX": prefix,
        "NEARBY_RATE_LIMIT": "3 per minute",
        "HOTSPOTS_RECOMPUTE": "off",
        "MAIL_URL": mail_url,
        "WEB_CONCURRENCY": "2",
        # No job worker yet: the job A queues must wait in Redis (see the end).
        "JOBS_WORKER": "0",
    }
    vanersborg = kommuner["Vänersborg"]
    for _ in range(4):  # one short of what the public map shows of a cell
        create_report_at(vanersborg, LAT, LON)
    coordinator = create_user("coordinator")
    public = "/k/vanersborg/loften"
    queue = RedisHuey(prefix + "-jobs", url=REDIS, results=False)
    worker = None
    try:
        with gunicorns(env, env) as (a, b):
            # Each has a control socket of its own (gunicornc), which answers for it and not
            # for the other (the master opens it after the workers are up).
            deadline = time.monotonic() + 30
            while len(glob.glob(os.path.join(a.runtime, "*.ctl"))) < 2:
                assert time.monotonic() < deadline, os.listdir(a.runtime)
                time.sleep(0.05)
            sockets = glob.glob(os.path.join(a.runtime, "*.ctl"))
            assert sorted(map(_master_pid, sockets)) == sorted([a.pid, b.pid])
            visitor = Browser()
            status, body, _ = visitor.request(b, "GET", public)
            assert status == 200 and cell_total(body) == 0  # and now in the cache

            # A staff session made on A is a session on B.
            staff = Browser()
            token = staff.form_token(a, "/inloggning")
            form = {"email": coordinator.email, "password": STAFF_PASSWORD, "csrf_token": token}
            assert staff.request(a, "POST", "/inloggning", form)[0] == 303
            assert staff.request(b, "GET", "/samordnare/vanersborg/")[0] == 200
            assert Browser().request(b, "GET", "/samordnare/vanersborg/")[0] in (302, 303)

            # A report through A: B's cached public page is fresh at once.
            resident = Browser()
            token = resident.form_token(a, "/k/vanersborg/")
            report = {
                "kind": "otrygg",
                "lat": str(LAT),
                "lon": str(LON),
                "location_method": "map",
                "reasons": "place.dark",
                "times": "kvall",
                "description": "Mörkt vid torget.",
                "email": "boende@example.se",
                "consent": "y",
                "submission_id": uuid.uuid4().hex,
                "csrf_token": token,
            }
            status, _, location = resident.request(a, "POST", "/k/vanersborg/", report)
            assert status == 303 and location.endswith("/kvitto")
            status, body, _ = visitor.request(b, "GET", public)
            assert status == 200 and cell_total(body) == 5

            # A rate limit counted on A holds on B.
            nearby = f"/api/k/vanersborg/nara?lat={LAT}&lon={LON}"
            codes = [visitor.request(s, "GET", nearby)[0] for s in (a, a, b, b, a)]
            assert codes == [200, 200, 200, 429, 429]

            # The receipt mail A queued waits in Redis for a worker, which sends it (beside
            # the count of the form's likely reasons its first visit asked for).
            waiting = [job for job in queue.storage.enqueued_items() if b"mail.send" in job]
            assert len(waiting) == 1
            assert any(b"feedback.suggestions" in job for job in queue.storage.enqueued_items())
            assert inbox.to("boende@example.se") == []
            worker = subprocess.Popen(  # what gunicorn.conf.py's when_ready starts
                [sys.executable, "-m", "flask", "--app", "app:create_app", "jobs", "worker"],
                cwd=ROOT,
                env=os.environ | env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 60
            while not inbox.to("boende@example.se") and time.monotonic() < deadline:
                time.sleep(0.2)
            mails = inbox.to("boende@example.se")
            assert len(mails) == 1 and re.search(r"[0-9A-Z]{4}-", str(mails[0]))
            assert waiting[0] not in queue.storage.enqueued_items()  # taken by the worker
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=40)
        client = redis.Redis.from_url(REDIS)
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)

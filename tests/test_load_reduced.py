"""The load test of bench/load.py in a reduced size: a crash loses and doubles nothing.

The full size (10,000 reports, 50 clients, both databases) is one command:
`.venv/bin/python -m bench.load`.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import make_url

from bench.load import run


@pytest.mark.slow
def test_a_killed_server_loses_no_report_and_stores_none_twice(capsys, monkeypatch):
    # The claim needs a SIGKILL among concurrent posts, not throughput: two workers and a
    # few clients make that crash as surely as the full size does, in a fraction of the time.
    monkeypatch.setenv("WEB_CONCURRENCY", "2")
    test_url = os.environ.get("TEST_DATABASE_URL")
    kind = "postgresql" if test_url else "sqlite"
    pg_url = ""
    if test_url:  # a database of its own beside the suite's (bench.load drops and creates it)
        url = make_url(test_url)
        pg_url = url.set(database=f"{url.database}_load").render_as_string(hide_password=False)
    # Throughput at this size says nothing: only the crash's outcome is the claim here, so
    # neither the bare endpoint nor the steady phase runs, and the posts start as soon as
    # gunicorn answers, its job worker still starting (it then recomputes hot spots beside
    # the inserts, and is killed with the rest).
    safe, _targets = run(
        kind,
        reports=120,
        clients=4,
        paced_seconds=0,
        pg_url=pg_url,
        compare=False,
        wait_for_worker=False,
    )
    out = capsys.readouterr().out
    assert safe, out
    assert "lost 0, stored twice 0" in out

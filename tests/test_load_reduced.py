"""The load test of bench/load.py in a reduced size: a crash loses and doubles nothing.

The full size (10,000 reports, 50 clients, both databases) is one command:
`.venv/bin/python -m bench.load`.
"""

from __future__ import annotations

import os

from bench.load import run


def test_a_killed_server_loses_no_report_and_stores_none_twice(capsys):
    test_url = os.environ.get("TEST_DATABASE_URL")
    kind = "postgresql" if test_url else "sqlite"
    pg_url = (test_url or "").rsplit("/", 1)[0] + "/tryggkartan_load_test"
    ok = run(kind, reports=400, clients=10, paced_seconds=0, pg_url=pg_url)
    out = capsys.readouterr().out
    assert ok, out
    assert "lost 0, stored twice 0" in out

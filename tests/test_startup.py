"""Every process that builds the app (gunicorn's master, the job worker, each `flask` command)
pays for what the app imports when it starts. What only some requests or jobs need is
imported there, not at the start."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Imported where they are used: maps (folium, branca), clustering and surfaces (SciPy),
# photos and scans (Pillow). With the password hash made at import, they were 1.3 s of a
# 2.9 s start.
LATER = ("folium", "branca", "scipy", "PIL")


def _printed(script: str, *args: str) -> Any:
    """What a script run in a fresh Python process prints last, as JSON."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.slow
def test_the_app_starts_without_what_only_some_requests_need(tmp_path: Path) -> None:
    script = (
        "import json, sys, app\n"
        "app.create_app({'DATABASE_URL': 'sqlite:///' + sys.argv[1]}, instance_path=sys.argv[2])\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    loaded = set(_printed(script, str(tmp_path / "db.sqlite"), str(tmp_path / "instance")))
    assert "flask" in loaded and "sqlalchemy" in loaded
    assert not loaded & set(LATER), sorted(loaded & set(LATER))


@pytest.mark.slow
def test_gunicorns_master_has_them_before_it_forks_the_workers() -> None:
    """With preload_app the workers are forks of the master: what it imports and makes
    before forking (when_ready) they share, instead of each paying at a first request."""
    script = (
        "import json, runpy, sys\n"
        "config = runpy.run_path('gunicorn.conf.py')\n"
        "config['_warm_before_forking']()\n"
        "import accounts.services\n"
        "hashes = accounts.services._dummy_hash.cache_info().currsize\n"
        "print(json.dumps([sorted({m.split('.')[0] for m in sys.modules}), hashes]))\n"
    )
    loaded, hashes = _printed(script)
    assert set(LATER) <= set(loaded)
    assert hashes == 1


@pytest.mark.slow
def test_the_workers_collect_garbage_without_walking_the_masters_objects(tmp_path: Path) -> None:
    """What the master built before forking (the app and its imports) is frozen out of the
    garbage collector (when_ready): a full pass over it stopped a request for 170-180 ms,
    and its walk wrote to the memory the workers share with the master (each worker kept
    78-84 MB private against 41-48 MB frozen, three workers after 500 requests)."""
    script = (
        "import gc, json, os, runpy, sys\n"
        "os.environ['JOBS_WORKER'] = '0'\n"
        "os.environ.pop('STAFF_BIND', None)\n"
        "config = runpy.run_path('gunicorn.conf.py')\n"
        "import app\n"
        "app.create_app({'DATABASE_URL': 'sqlite:///' + sys.argv[1]}, instance_path=sys.argv[2])\n"
        "before = len(gc.get_objects())\n"
        "class Server: pass\n"
        "config['when_ready'](Server())\n"
        "print(json.dumps([before, gc.get_freeze_count(), len(gc.get_objects())]))\n"
    )
    before, frozen, left = _printed(script, str(tmp_path / "db.sqlite"), str(tmp_path / "i"))
    assert frozen >= before > 100_000
    assert left < 1_000  # what a full pass in a worker still walks of the master's

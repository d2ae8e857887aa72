"""Every process that builds the app (gunicorn's master, the job worker, each `flask` command)
pays for what the app imports when it starts. What only some requests or jobs need is
imported there, not at the start."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Imported where they are used: maps (folium, branca), clustering and surfaces (SciPy),
# photos and scans (Pillow). Together they were a third of the app's start-up.
LATER = ("folium", "branca", "scipy", "PIL")


@pytest.mark.slow
def test_the_app_starts_without_what_only_some_requests_need(tmp_path: Path) -> None:
    script = (
        "import json, sys, app\n"
        "app.create_app({'DATABASE_URL': 'sqlite:///' + sys.argv[1]}, instance_path=sys.argv[2])\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "db.sqlite"), str(tmp_path / "instance")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    loaded = set(json.loads(out.splitlines()[-1]))
    assert "flask" in loaded and "sqlalchemy" in loaded
    assert not loaded & set(LATER), sorted(loaded & set(LATER))

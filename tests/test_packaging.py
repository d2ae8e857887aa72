"""Tryggkartan runs from its checkout; installing the project installs its dependencies only.

docs/architecture.md says why (no wheel: our top-level names, app, db, core, migrations, would
land unqualified in site-packages). These tests keep the decision true: nothing claims to be an
installable distribution, every dependency is there, and the checkout runs as it is deployed.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
NOT_THE_APP = {"tests", "bench", "stubs", "node_modules", "instance", "migrations"}
PACKAGES = sorted(
    p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in NOT_THE_APP
)


def test_the_project_ships_no_package_of_its_own() -> None:
    setuptools = PYPROJECT["tool"]["setuptools"]
    assert setuptools["packages"] == []
    assert setuptools["py-modules"] == []
    assert "package-data" not in setuptools


@pytest.mark.parametrize(
    "requirement",
    PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["dev"],
)
def test_every_dependency_is_installed(requirement: str) -> None:
    wanted = Requirement(requirement)
    try:
        installed = version(wanted.name)
    except PackageNotFoundError:
        pytest.fail(f"{wanted.name} is not installed: run ./dev setup")
    assert wanted.specifier.contains(installed, prereleases=True), (requirement, installed)


def test_every_package_of_the_checkout_is_checked_and_imports_from_it() -> None:
    """A new top-level package is type-checked and is the checkout's, not an installed copy."""
    checked = set(PYPROJECT["tool"]["mypy"]["files"])
    assert set(PACKAGES) <= checked, set(PACKAGES) - checked
    for name in [*PACKAGES, "app", "db"]:
        module = importlib.import_module(name)
        assert module.__file__ is not None
        assert Path(module.__file__).resolve().is_relative_to(ROOT), (name, module.__file__)


@pytest.mark.slow
def test_the_checkout_migrates_and_serves_as_deployed(tmp_path: Path) -> None:
    """What ./dev prod does, from the checkout in a clean environment: `flask db upgrade` on a
    new database, then the app answers `/`."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "FLASK_APP"}}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite'}",
        "SECRET_KEY": "packaging-test",
        "JOBS_SQLITE_PATH": str(tmp_path / "jobs.sqlite"),
    }
    flask = [sys.executable, "-m", "flask", "--app", "app:create_app"]
    upgrade = subprocess.run(
        [*flask, "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert upgrade.returncode == 0, upgrade.stderr
    serve = (
        "import app, pathlib, sys\n"
        "assert pathlib.Path(app.__file__).resolve().parent == pathlib.Path.cwd().resolve()\n"
        "response = app.create_app().test_client().get('/')\n"
        "sys.exit(0 if response.status_code == 200 else response.status_code)\n"
    )
    served = subprocess.run(
        [sys.executable, "-c", serve],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert served.returncode == 0, served.stderr[-2000:]

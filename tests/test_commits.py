"""Request code never commits: the request layer does, once (db.py).

Every module of the app is read with `ast`; a `.commit()` call is allowed only in the modules
listed here, each with the reason it commits on its own. The test fails on a commit anywhere
else and on a listed module that no longer commits (strike it then). What has to wait for the
request's commit goes through db.after_commit.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from tests.sources import NOT_THE_APP, ROOT, packages, parsed

ALLOWED: dict[str, str] = {
    "db.py": "the request layer: the one commit of a request",
    "accounts/views.py": (
        "login: a refused attempt answers 400 (rolled back by the request layer) and must "
        "still be kept in the audit log"
    ),
    "open311/api.py": (
        "POST: the commit decides the answer (a repeated Idempotency-Key is an IntegrityError "
        "at commit, answered with the first report); the read audit of exact places likewise"
    ),
    "open311/forward.py": "a job: claims forwardings and commits them before posting each",
    "mail/outbox.py": "a job: claims mails and commits them before sending each",
    "hotspots/worker.py": "a job: claims stale kommuner, commits each computed run",
    "jobs/tasks.py": "the job runner: each job is its own transaction",
    "surveys/scan_batches.py": (
        "a job: claims a batch, then commits after every page read so that the progress "
        "shows and a worker taking over goes on from there"
    ),
    "privacy/retention.py": "the retention sweep (a CLI command and a job), not a request",
    "accounts/cli.py": "CLI commands",
    "hotspots/cli.py": "CLI commands",
    "kommun/cli.py": "CLI commands",
    "open311/cli.py": "CLI commands",
    "surveys/cli.py": "CLI commands",
    "demo/__init__.py": "the demo data CLI, committed in steps",
}


@functools.cache
def commits(root: Path = ROOT) -> dict[str, list[int]]:
    """For each module of the app that calls `<something>.commit()`, the lines."""
    found: dict[str, list[int]] = {}
    for name in packages(root):
        path = root / f"{name}.py"
        files = [path] if path.exists() else sorted((root / name).rglob("*.py"))
        for file in files:
            if set(file.relative_to(root).parts) & NOT_THE_APP:
                continue
            lines = [
                node.lineno
                for node in ast.walk(parsed(file))
                if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "commit"
                and not node.args
            ]
            if lines:
                found[file.relative_to(root).as_posix()] = lines
    return found


def test_only_the_listed_modules_commit() -> None:
    unexpected = {path: lines for path, lines in commits().items() if path not in ALLOWED}
    assert not unexpected, (
        "commits outside the request layer (flush instead; use db.after_commit for what "
        f"must wait for the commit, or list the module with its reason): {unexpected}"
    )


def test_every_listed_module_still_commits() -> None:
    gone = sorted(set(ALLOWED) - set(commits()))
    assert not gone, f"no commit left, strike them from ALLOWED: {gone}"


def test_a_view_that_commits_is_found(tmp_path: Path) -> None:
    (tmp_path / "feature").mkdir()
    (tmp_path / "feature" / "__init__.py").write_text("")
    (tmp_path / "feature" / "views.py").write_text(
        "def save():\n    session.add(x)\n    get_session().commit()\n"
    )
    (tmp_path / "feature" / "services.py").write_text("def f(git):\n    git.commit('m')\n")
    assert commits(tmp_path) == {"feature/views.py": [3]}

"""The app's own source files, for the tests that read the code itself (import cycles,
commits): each file is parsed once per test process, however many tests read it."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_THE_APP = {"tests", "bench", "stubs", "node_modules", "migrations"}


def packages(root: Path = ROOT) -> list[str]:
    """The checkout's top-level packages and modules."""
    found = [p.name for p in root.iterdir() if (p / "__init__.py").exists()]
    found += [p.stem for p in root.glob("*.py")]
    return sorted(set(found) - NOT_THE_APP)


@functools.cache
def parsed(file: Path) -> ast.Module:
    """A source file's tree, parsed once per test process."""
    return ast.parse(file.read_text("utf-8"), str(file))

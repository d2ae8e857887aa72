"""No two top-level packages import each other.

The graph is read from the source with `ast` (every import, at module level or inside a
function: a deferred import is still a dependency). Shared helpers belong low, in core/
(time, statuses, signals, the rate limiter, generic form fields), imported downward; see
docs/architecture.md for the directions. A pair still listed in KNOWN_CYCLES is a debt with its
way out written next to it; the test fails when a new pair appears and when a listed pair has
been broken (then strike it from the list).
"""

from __future__ import annotations

import ast
import functools
from collections import defaultdict
from pathlib import Path

from tests.sources import ROOT, packages, parsed

# Each of these touches a package others were changing when the cycles were first broken.
KNOWN_CYCLES: dict[frozenset[str], str] = {
    frozenset({"feedback", "promises"}): (
        "feedback.models imports promises for a relationship; the report-to-promise link "
        "belongs to promises (declared there with backref) or to a table in core"
    ),
    frozenset({"feedback", "hotspots"}): (
        "feedback.aggregates reads stored hot-spot runs; those aggregates belong to hotspots"
    ),
    frozenset({"feedback", "mail"}): (
        "feedback queues residents' mails and mail composes them from reports: the queueing "
        "should go through a signal (core.signals) that mail listens to"
    ),
    frozenset({"feedback", "privacy"}): (
        "privacy.public and privacy.retention read reports, feedback shows cell summaries: "
        "retention belongs above every package (its own package, run by jobs)"
    ),
    frozenset({"mail", "privacy"}): "privacy.retention sweeps the outbox (as above)",
    frozenset({"open311", "privacy"}): "privacy.retention sweeps forwardings (as above)",
    frozenset({"privacy", "surveys"}): "privacy.retention sweeps survey answers (as above)",
    frozenset({"privacy", "review"}): (
        "privacy.retention sweeps review notes and privacy.public takes review.periods: "
        "periods are time helpers for core.clock"
    ),
    frozenset({"hotspots", "jobs"}): (
        "jobs.tasks names every task and hotspots.worker enqueues one: tasks should be "
        "registered by their packages (huey's decorators there), jobs only runs them"
    ),
    frozenset({"jobs", "mail"}): "as hotspots <-> jobs, for the mail tasks",
    frozenset({"jobs", "surveys"}): "as hotspots <-> jobs, for the scanning tasks",
    frozenset({"mail", "promises"}): (
        "promises.subscriptions sends through mail and mail composes promise mails: as "
        "feedback <-> mail, through a signal"
    ),
    frozenset({"promises", "review"}): (
        "review's lägesbild shows promises and promises take review's periods and forms: "
        "periods to core, the lägesbild's promise panel to promises"
    ),
}


@functools.cache
def import_graph(root: Path = ROOT) -> dict[str, dict[str, list[str]]]:
    """For each top-level package, the other packages it imports and where (read once per
    checkout: every test here asks for the same graph)."""
    names = set(packages(root))
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for name in names:
        path = root / f"{name}.py"
        files = [path] if path.exists() else sorted((root / name).rglob("*.py"))
        for file in files:
            for node in ast.walk(parsed(file)):
                if isinstance(node, ast.Import):
                    targets = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    targets = [node.module]
                else:
                    continue
                for target in targets:
                    top = target.split(".")[0]
                    if top in names and top != name:
                        where = f"{file.relative_to(root)}:{node.lineno}"
                        graph[name][top].append(where)
    return graph


def mutual_pairs(graph: dict[str, dict[str, list[str]]]) -> dict[frozenset[str], str]:
    pairs = {}
    for a, targets in graph.items():
        for b in targets:
            if a < b and a in graph.get(b, {}):
                pairs[frozenset({a, b})] = (
                    f"{a} -> {b} at {graph[a][b][:3]}; {b} -> {a} at {graph[b][a][:3]}"
                )
    return pairs


def test_no_two_packages_import_each_other() -> None:
    found = mutual_pairs(import_graph())
    new = {" <-> ".join(sorted(p)): where for p, where in found.items() if p not in KNOWN_CYCLES}
    assert not new, f"packages that import each other (move what both need into core/): {new}"


def test_every_listed_cycle_still_exists() -> None:
    found = mutual_pairs(import_graph())
    broken = [" <-> ".join(sorted(p)) for p in KNOWN_CYCLES if p not in found]
    assert not broken, f"broken at last, strike them from KNOWN_CYCLES: {broken}"


def test_core_and_the_pure_packages_import_no_feature() -> None:
    """core/ is imported by everyone; geo/ is pure geometry. Neither reaches upward."""
    graph = import_graph()
    allowed = {"core": {"db"}, "geo": set()}
    for low, may in allowed.items():
        upward = {k: v[:3] for k, v in graph.get(low, {}).items() if k not in may}
        assert not upward, f"{low} imports {upward}"


def test_a_deferred_import_makes_a_cycle_too(tmp_path: Path) -> None:
    for name, code in {
        "low": "import os\n",
        "left": "from low import x\n\n\ndef f():\n    from right.views import g\n",
        "right": "import left.models\n",
    }.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(code)
    assert list(mutual_pairs(import_graph(tmp_path))) == [frozenset({"left", "right"})]


# --- inside a package ------------------------------------------------------------------------

# Module-level cycles between the modules of one package, each with its way out.
KNOWN_INTERNAL_CYCLES: dict[frozenset[str], str] = {}


def module_graph(package: str, root: Path = ROOT) -> dict[str, set[str]]:
    """For each module of the package, the package's modules it imports at module level (a
    deferred import in a function is how a package breaks such a cycle, so it is not one)."""
    folder = root / package
    modules = {
        ".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        for p in folder.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for module in modules:
        path = root / Path(*module.split("."))
        file = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        targets: set[str] = set()
        for node in parsed(file).body:
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets.add(node.module)
                # `from review import maps` imports the module review.maps
                targets |= {f"{node.module}.{alias.name}" for alias in node.names}
        graph[module] = {t for t in targets if t in modules and t not in (module, package)}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The groups of modules that reach one another (strongly connected, more than one)."""
    reach: dict[str, set[str]] = {}
    for start in graph:
        seen: set[str] = set()
        todo = list(graph[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(graph.get(node, ()))
        reach[start] = seen
    groups = {frozenset({a} | {b for b in reach[a] if a in reach[b]}) for a in graph}
    return sorted((g for g in groups if len(g) > 1), key=sorted)


def test_no_modules_of_a_package_import_each_other() -> None:
    """A blueprint lives in its own module (review/blueprint.py, surveys/blueprint.py) that
    the page modules import; no page module imports another back."""
    found = [
        group
        for package in packages()
        if (ROOT / package).is_dir()
        for group in cycles(module_graph(package))
    ]
    new = [sorted(g) for g in found if g not in KNOWN_INTERNAL_CYCLES]
    assert not new, f"modules that import each other: {new}"
    gone = [sorted(g) for g in KNOWN_INTERNAL_CYCLES if g not in found]
    assert not gone, f"broken at last, strike them from KNOWN_INTERNAL_CYCLES: {gone}"


def test_a_cycle_inside_a_package_is_found(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    for name, code in {
        "__init__": "",
        "views": "bp = object()\nfrom pkg import maps\n",
        "maps": "from pkg.views import bp\n",
        "later": "def f():\n    from pkg import views\n",
    }.items():
        (tmp_path / "pkg" / f"{name}.py").write_text(code)
    assert cycles(module_graph("pkg", tmp_path)) == [frozenset({"pkg.views", "pkg.maps"})]


def _loaded_twice(tests: Path) -> list[str]:
    """Imports in the suite of a conftest or a test module: pytest loads those files itself
    under another name (a conftest as `conftest`, tests/x/test_y.py as `test_y`), so an
    import loads them a second time, patches and all. Shared helpers live in plain modules
    (tests/helpers.py, tests/speedups.py, tests/points.py, ...)."""
    found = []
    for file in sorted(tests.rglob("*.py")):
        for node in ast.walk(parsed(file)):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                last = name.rsplit(".", 1)[-1]
                if name.startswith("tests.") and (last == "conftest" or last.startswith("test_")):
                    found.append(f"{file.relative_to(tests.parent)}: {name}")
    return found


def test_no_test_imports_a_conftest_or_another_test_module() -> None:
    assert _loaded_twice(ROOT / "tests") == []


def test_an_import_of_a_test_module_is_found(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    (tests / "feedback").mkdir(parents=True)
    (tests / "test_a.py").write_text("from tests.feedback.test_b import valid_form\n")
    (tests / "test_c.py").write_text("from tests import conftest\n")
    (tests / "feedback" / "test_b.py").write_text("import tests.helpers\n")
    assert _loaded_twice(tests) == [
        "tests/test_a.py: tests.feedback.test_b",
        "tests/test_c.py: tests.conftest",
    ]

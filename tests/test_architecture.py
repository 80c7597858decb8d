"""The code keeps its promises: one-way imports, typed core, lint clean, no CDN, no copied data."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports_of(package: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(("package", "forbidden"), [
    ("tracker", {"web", "jobs", "flask"}), ("jobs", {"web"}), ("web", {"jobs", "apscheduler"}),
])
def test_data_flows_one_way(package: str, forbidden: set[str]) -> None:
    assert not imports_of(package) & forbidden


def tracker_modules_imported_by(folder: Path) -> set[str]:
    """The ``tracker.*`` modules the files of a folder import (full dotted names)."""
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "tracker":
                    found |= {f"tracker.{alias.name}" for alias in node.names}
                elif node.module.startswith("tracker."):
                    found.add(node.module)
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("tracker.")}
    return found


def test_the_store_depends_only_downward() -> None:
    # Its data classes, errors, ids and clock, and the two formulas it applies in SQL; never
    # extraction, clustering or queries (data classes that cross layers live in models).
    allowed = {"tracker.models", "tracker.errors", "tracker.ids", "tracker.clock",
               "tracker.importance", "tracker.confidence"}
    imported = tracker_modules_imported_by(ROOT / "tracker" / "store")
    assert {m for m in imported if not m.startswith("tracker.store")} <= allowed


def test_the_formulas_the_store_applies_depend_only_on_data_classes() -> None:
    for module in ("importance", "confidence"):
        tree = ast.parse((ROOT / "tracker" / f"{module}.py").read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module}
        assert {m for m in imported if m.startswith("tracker")} <= {"tracker.models"}


def test_only_the_tagger_calls_dateparser() -> None:
    callers = {
        path.relative_to(ROOT).as_posix() for path in ROOT.glob("tracker/**/*.py")
        if "dateparser" in imports_of_file(path)
    }
    assert all(c.startswith("tracker/timex/") for c in callers), callers


def imports_of_file(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_module_says_what_it_does() -> None:
    missing = [
        str(path.relative_to(ROOT)) for package in ("tracker", "jobs", "web")
        for path in (ROOT / package).rglob("*.py")
        if ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert not missing


def test_the_core_passes_mypy_strict() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:]


def test_the_code_is_ruff_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "tracker", "jobs", "web",
                             "tests", "benchmarks"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]


def test_nothing_loads_from_a_cdn() -> None:
    for path in (ROOT / "web").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".js", ".py", ".css"):
            text = path.read_text(encoding="utf-8", errors="replace")
            for cdn in ("cdn.plot.ly", "cdn.jsdelivr", "unpkg.com", "cdnjs."):
                assert cdn not in text, f"{path} refers to {cdn}"


def test_only_the_store_speaks_sql() -> None:
    sql = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b")
    speakers = [
        str(path.relative_to(ROOT)) for package in ("tracker", "jobs", "web")
        for path in (ROOT / package).rglob("*.py")
        if not path.is_relative_to(ROOT / "tracker" / "store")
        and sql.search(path.read_text(encoding="utf-8"))
    ]
    assert not speakers

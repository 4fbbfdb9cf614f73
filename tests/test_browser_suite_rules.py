"""Rules for the browser suite that a fast run can hold: a renamed notebook fails it, nothing is re-run."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BROWSER = ROOT / "tests" / "browser"


def _notebook_constants() -> dict[str, str]:
    found = {}
    for path in sorted(BROWSER.glob("test_*.py")):
        for node in ast.parse(path.read_text()).body:
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "NOTEBOOK" for t in node.targets)
                and isinstance(node.value, ast.Constant)
            ):
                found[path.name] = node.value.value
    return found


def test_every_notebook_a_browser_test_drives_is_committed():
    named = _notebook_constants()
    assert len(named) >= 6
    missing = {module: name for module, name in named.items() if not (ROOT / "notebooks" / name).exists()}
    assert not missing, f"browser tests drive notebooks that do not exist (renamed?): {missing}"


def test_browser_tests_are_not_skipped_when_their_notebook_is_missing():
    for path in BROWSER.glob("test_*.py"):
        assert ".exists(), reason=" not in path.read_text(), f"{path.name} skips instead of failing"


def test_no_blanket_rerun_of_failed_tests():
    """A flaky wait is fixed at its root; a failure is never silently retried."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    deps = " ".join(project["project"]["optional-dependencies"]["dev"])
    assert "rerunfailures" not in deps
    assert "rerunfailures" not in (ROOT / "environment.yml").read_text()
    for path in BROWSER.glob("*.py"):
        text = path.read_text()
        assert "flaky(" not in text and "reruns" not in text, path.name

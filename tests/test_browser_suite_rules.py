"""Rules for the browser suites that a fast run can hold: a renamed notebook fails it, nothing is re-run, nothing
waits a fixed time, and both suites use the one Playwright harness (tests/playwright_harness.py)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BROWSER = ROOT / "tests" / "browser"
LITE = ROOT / "tests" / "lite"
HARNESS = ROOT / "tests" / "playwright_harness.py"


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
    for path in [*BROWSER.glob("*.py"), *LITE.glob("*.py"), HARNESS]:
        text = path.read_text()
        assert "flaky(" not in text and "reruns" not in text, path.name


def _browser_suite_files() -> list[Path]:
    return sorted([*BROWSER.glob("*.py"), *LITE.glob("*.py"), HARNESS])


def test_no_fixed_waits():
    """A browser test waits for the state it needs (expect, wait_for_function, wait_until), never a fixed time."""
    found = []
    for path in _browser_suite_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                call = ast.unparse(node.func)
                if node.func.attr == "wait_for_timeout" or call == "time.sleep":
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {call}()")
    # the one poll of the harness (wait_until: a server coming up, a log line) sleeps between its checks
    allowed = [f for f in found if f.startswith("tests/playwright_harness.py:")]
    assert len(allowed) <= 1, allowed
    assert not [f for f in found if f not in allowed], "fixed waits:\n  " + "\n  ".join(found)


def test_both_suites_use_the_one_harness():
    launches = [
        p.name for p in _browser_suite_files() if ".launch(" in p.read_text() or "sync_playwright" in p.read_text()
    ]
    assert launches == [HARNESS.name], f"chromium is launched outside the harness: {launches}"
    for conftest in (BROWSER / "conftest.py", LITE / "conftest.py"):
        text = conftest.read_text()
        assert "from playwright_harness import" in text and "launch_chromium" in text, conftest
        assert "open_page" in text, f"{conftest}: its page fixture should come from the harness"

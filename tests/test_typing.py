"""mypy holds the type hints: strict on the model (folioviz/kernel), basic on the views (pyproject.toml).

mypy itself runs once, in `make lint` and `make test` (before pytest), never again inside the suite: these
fast checks hold the wiring, so a run of mypy cannot silently leave a folder or a target out.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _recipe(target: str) -> list[str]:
    """The recipe lines of ``target`` in the Makefile."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"^{re.escape(target)}:", line))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def test_mypy_covers_the_package_and_the_lab():
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert set(mypy["files"]) == {"folioviz", "lab"}
    strict = [o for o in mypy["overrides"] if "folioviz.kernel.*" in o["module"]]
    assert strict and strict[0]["disallow_untyped_defs"] is True


def test_make_lint_and_make_test_run_mypy_once_each():
    for target in ("lint", "test"):
        runs = [line for line in _recipe(target) if re.search(r"(^|/)mypy\b", line)]
        assert len(runs) == 1, f"make {target} should run mypy once: {runs}"


def test_no_test_runs_mypy_again():
    this = Path(__file__).resolve()
    again = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path.resolve() != this and re.search(r"""["']mypy["']""", path.read_text())
    ]
    assert not again, f"these tests run mypy a second time (make lint/test run it): {again}"

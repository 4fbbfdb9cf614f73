"""Every subprocess the tests and tools start has a timeout, so a hung child fails its run instead of stalling it.

Read with ``ast`` (nothing is run): ``subprocess.run``/``call``/``check_call``/``check_output`` need a ``timeout=``
keyword; a ``Popen`` object's ``wait()`` and ``communicate()`` need a timeout (keyword or positional); ``os.system``
and ``subprocess.getoutput``/``getstatusoutput`` (which take none) are not used. A ``Popen`` object is known by
the name it is bound to (``proc = subprocess.Popen(...)``, ``with subprocess.Popen(...) as proc``, an attribute or
a dataclass field annotated ``subprocess.Popen``). pytest-timeout (pyproject) bounds each test as a whole.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("tests", "tools", "benchmarks", "lab", "folioviz")
NEEDS_TIMEOUT = frozenset({"run", "call", "check_call", "check_output"})
NO_TIMEOUT_AT_ALL = frozenset({"getoutput", "getstatusoutput"})


def _sources() -> list[Path]:
    return sorted(p for folder in SCANNED for p in (ROOT / folder).rglob("*.py") if ".venv" not in p.parts)


def _last_name(node: ast.AST) -> str | None:
    """``proc`` for ``proc``, ``self.proc``, ``lab.proc``; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


class _Scanner(ast.NodeVisitor):
    def __init__(self) -> None:
        self.subprocess_names: set[str] = set()  # `subprocess`, or what it is imported as
        self.imported: dict[str, str] = {}  # local name -> subprocess function (from subprocess import run)
        self.popen_names: set[str] = set()
        self.calls: list[tuple[int, str, ast.Call]] = []

    # -- what names mean
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "subprocess":
                self.subprocess_names.add(alias.asname or "subprocess")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "subprocess":
            for alias in node.names:
                self.imported[alias.asname or alias.name] = alias.name

    def _subprocess_function(self, func: ast.AST) -> str | None:
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.value.id in self.subprocess_names:
                return func.attr
            if func.value.id == "os" and func.attr in {"system", "popen"}:
                return f"os.{func.attr}"
        if isinstance(func, ast.Name):
            return self.imported.get(func.id)
        return None

    def _is_popen(self, node: ast.AST | None) -> bool:
        return isinstance(node, ast.Call) and self._subprocess_function(node.func) == "Popen"

    def visit_Assign(self, node: ast.Assign) -> None:
        if self._is_popen(node.value):
            self.popen_names.update(n for t in node.targets if (n := _last_name(t)))
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        name = _last_name(node.target)
        if name and (self._is_popen(node.value) or "Popen" in ast.unparse(node.annotation)):
            self.popen_names.add(name)
        self.generic_visit(node)

    def visit_withitem(self, node: ast.withitem) -> None:
        name = _last_name(node.optional_vars) if node.optional_vars is not None else None
        if name and self._is_popen(node.context_expr):
            self.popen_names.add(name)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        self.calls.append((node.lineno, ast.unparse(node.func), node))
        self.generic_visit(node)

    # -- the rule
    def problems(self) -> list[str]:
        found = []
        for line, text, call in self.calls:
            keywords = {k.arg for k in call.keywords}
            function = self._subprocess_function(call.func)
            if function in NEEDS_TIMEOUT and "timeout" not in keywords:
                found.append(f"{line}: {text}(...) has no timeout=")
            elif function in NO_TIMEOUT_AT_ALL or function in {"os.system", "os.popen"}:
                found.append(f"{line}: {text}(...) cannot time out; use subprocess.run(..., timeout=)")
            elif (
                isinstance(call.func, ast.Attribute)
                and call.func.attr in {"wait", "communicate"}
                and _last_name(call.func.value) in self.popen_names
            ):
                given = bool(call.args) if call.func.attr == "wait" else len(call.args) >= 2
                if not given and "timeout" not in keywords:
                    found.append(f"{line}: {text}() on a Popen has no timeout")
        return found


def subprocess_calls_without_timeout(source: str) -> list[str]:
    scanner = _Scanner()
    scanner.visit(ast.parse(source))
    return scanner.problems()


def test_the_scanner_finds_what_it_should():
    bad = """
import subprocess, os
from subprocess import check_output as co, Popen
subprocess.run(["x"])
co(["x"])
proc = subprocess.Popen(["x"])
proc.wait()
with Popen(["x"]) as child:
    child.communicate(b"in")
os.system("x")
"""
    assert len(subprocess_calls_without_timeout(bad)) == 5
    good = """
import subprocess
subprocess.run(["x"], timeout=5)
proc = subprocess.Popen(["x"])
proc.wait(5)
proc.communicate(timeout=5)
event.wait()
"""
    assert subprocess_calls_without_timeout(good) == []


def test_every_subprocess_has_a_timeout():
    problems = [
        f"{path.relative_to(ROOT)}:{problem}"
        for path in _sources()
        for problem in subprocess_calls_without_timeout(path.read_text())
    ]
    assert len(_sources()) > 100
    assert not problems, "subprocesses without a timeout:\n  " + "\n  ".join(problems)

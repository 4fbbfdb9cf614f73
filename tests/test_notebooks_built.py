"""The committed notebooks are exactly what ``make notebooks`` builds from ``notebooks/src`` (cell by cell).

Cheap: it compares each cell's kind, id and text with the builder's parse of the source, without running
anything (nbval re-runs the notebooks and compares their outputs).
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks" / "src").glob("*.py"))


def _builder():
    spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "tools" / "build_notebooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cells(nb: nbformat.NotebookNode) -> list[tuple[str, str, str]]:
    return [(cell.cell_type, cell.get("id", ""), cell.source) for cell in nb.cells]


def test_every_source_has_its_notebook_and_no_notebook_lacks_a_source():
    built = {path.stem for path in SOURCES}
    committed = {path.stem for path in (ROOT / "notebooks").glob("*.ipynb")}
    assert built == committed


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.stem)
def test_committed_notebook_matches_its_source(source):
    expected = _builder().parse(source)
    committed = nbformat.read(ROOT / "notebooks" / f"{source.stem}.ipynb", as_version=4)
    assert _cells(committed) == _cells(expected), (
        f"notebooks/{source.stem}.ipynb is not what notebooks/src/{source.name} builds: run `make notebooks`"
    )


_LOGIC = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _logic_in(code: str) -> list[str]:
    """Comprehensions and ``next(...)`` calls in a cell: logic that belongs in the package."""
    found = []
    for node in ast.walk(ast.parse(code)):
        is_next = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "next"
        if isinstance(node, _LOGIC) or is_next:
            found.append(ast.get_source_segment(code, node) or type(node).__name__)
    return found


def test_the_logic_check_finds_what_it_forbids():
    assert _logic_in("[x for x in y]") and _logic_in("{k: v for k, v in d}") and _logic_in("sum(a for a in b)")
    assert _logic_in("next(e for e in events() if e.id == 'x')") and _logic_in("next(iter(y))")
    assert not _logic_in("ChoiceQuiz('q', [('yes', True), ('no', False)], True, 'why')")


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.stem)
def test_no_cell_assembles_html_by_hand_or_holds_logic(source):
    """A cell calls one friendly function; the HTML (and its style), the rules and the lookups come from the
    package: no hand-built HTML, no comprehensions, no ``next(``."""
    import re

    for cell in _builder().parse(source).cells:
        if cell.cell_type == "code":
            assert "style_html" not in cell.source and not re.search(r"""['"]<[a-z]""", cell.source), cell.source
            assert not _logic_in(cell.source), f"{source.stem}: logic in a cell: {_logic_in(cell.source)}"

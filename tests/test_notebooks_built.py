"""The committed notebooks are exactly what ``make notebooks`` builds from ``notebooks/src`` (cell by cell).

Cheap: it compares each cell's kind, id and text with the builder's parse of the source, without running
anything (nbval re-runs the notebooks and compares their outputs).
"""

from __future__ import annotations

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


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.stem)
def test_no_cell_assembles_html_by_hand(source):
    """A cell calls one friendly function; the HTML (and its style) comes from the package."""
    import re

    for cell in _builder().parse(source).cells:
        if cell.cell_type == "code":
            assert "style_html" not in cell.source and not re.search(r"""['"]<[a-z]""", cell.source), cell.source

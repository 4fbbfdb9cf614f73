"""The committed notebooks are exactly what ``make notebooks`` builds from ``notebooks/src`` (cell by cell).

Cheap: it compares each cell's kind, id and text with the builder's parse of the source, without running
anything (nbval re-runs the notebooks and compares their outputs).
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks" / "src").glob("*.py"))


def _builder():
    from tools.notebooks import build

    return build


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


# ------------------------------------------------------------------------ cell ids written in the sources


def test_every_cell_of_every_source_names_its_id():
    """Each ``# %%`` header carries ``id="..."``: a built cell's id is what its source says, never its position."""
    for source in SOURCES:
        headers = [line for line in source.read_text().splitlines() if line.startswith("# %%")]
        assert headers and all(' id="' in line for line in headers), source.name


def _source(tmp_path: Path, cells: list[tuple[str, str]]) -> Path:
    path = tmp_path / "99_demo.py"
    path.write_text("\n\n".join(f"# %% id={cell_id!r}\n{code}".replace("'", '"') for cell_id, code in cells) + "\n")
    return path


def test_inserting_a_cell_renames_no_other_cell(tmp_path):
    builder = _builder()
    before = builder.parse(_source(tmp_path, [("first", "x = 1"), ("second", "y = 2")]))
    after = builder.parse(_source(tmp_path, [("first", "x = 1"), ("new-one", "z = 3"), ("second", "y = 2")]))
    assert [c.id for c in before.cells] == ["first", "second"]
    assert [c.id for c in after.cells] == ["first", "new-one", "second"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("# %%\nx = 1\n", "has no id"),
        ('# %% id="same"\nx = 1\n\n# %% id="same"\ny = 2\n', "used twice"),
        ('# %% id="not an id"\nx = 1\n', "has no id or a bad one"),
    ],
)
def test_a_cell_without_a_good_unique_id_stops_the_build(tmp_path, text, words):
    builder = _builder()
    path = tmp_path / "99_demo.py"
    path.write_text(text)
    with pytest.raises(builder.TemplateError, match=words):
        builder.parse(path)


def test_the_notebooks_run_on_the_running_interpreter(tmp_path):
    """Not on whatever ``python3`` kernelspec Jupyter finds first: the kernel is sys.executable's ipykernel."""
    km = _builder().this_interpreter_kernel(tmp_path)
    assert km.kernel_spec is not None
    assert km.kernel_spec.argv[0] == sys.executable
    assert json.loads((tmp_path / "folioviz-build" / "kernel.json").read_text())["argv"][0] == sys.executable

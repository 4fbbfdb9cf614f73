"""What the import contracts cannot hold: what importing folioviz loads at run time, and that the contracts run.

The layers themselves (the model imports no Jupyter, plotly or bitstring code; the renderers no widget library;
the CLI and the drgn bridge no widget; no private name across modules) are import-linter contracts in
pyproject.toml, checked by ``lint-imports`` in ``make lint`` and ``make test``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

HEAVY = ("ipywidgets", "plotly", "IPython", "traitlets", "ipykernel", "bitstring", "anywidget")
ROOT = Path(__file__).resolve().parents[1]


def _modules_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, timeout=120
    )
    return set(json.loads(out.stdout))


def _heavy(loaded: set[str]) -> set[str]:
    return {m for m in loaded if m.split(".")[0] in HEAVY}


def test_kernel_model_imports_no_jupyter_or_plotly():
    assert not _heavy(_modules_after("import folioviz.kernel; folioviz.kernel.decode(1)"))


def test_cli_and_top_level_import_stay_light():
    assert not _heavy(_modules_after("import folioviz, folioviz.cli; folioviz.decode(2)"))


def test_text_renderers_stay_light():
    """The CLI and the drgn bridge print through render/; its text and theme load no Jupyter or plotly."""
    loaded = _modules_after(
        "import folioviz.render, folioviz.render.text, folioviz.render.theme; "
        "folioviz.render.decode_text(folioviz.decode(2))"
    )
    assert not _heavy(loaded)
    assert "folioviz.widgets" not in loaded


def test_the_race_chart_loads_plotly_only_when_it_draws():
    """Notebook 06's first cell imports the chart builder; plotly loads with the chart (cell 2), not before."""
    first_cell = (
        "from folioviz.render.race_figure import race_summary_figure; "
        "from folioviz.widgets.races import RaceExplorer; "
        "from folioviz.render.tables import growth_table_html"
    )
    assert "plotly" not in {m.split(".")[0] for m in _modules_after(first_cell)}
    drawn = _modules_after(
        f"{first_cell}; from folioviz.kernel.races import compare_variants; "
        "assert race_summary_figure(compare_variants()).data"
    )
    assert "plotly.graph_objs" in drawn


def test_widgets_are_importable_from_the_top_level():
    import folioviz

    assert folioviz.MappingWordWidget.__name__ == "MappingWordWidget"


def test_the_contracts_cover_the_layers():
    """pyproject.toml names the three layers and the rules this file used to check by hand."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contracts = {c["name"]: c for c in config["contracts"]}
    types = {c["type"] for c in contracts.values()}
    assert {"layers", "forbidden", "private_names"} <= types
    layers = next(c for c in contracts.values() if c["type"] == "layers")
    assert layers["layers"] == ["folioviz.widgets", "folioviz.render", "folioviz.kernel"]
    forbidden = {
        m: set(c["forbidden_modules"])
        for c in contracts.values()
        if c["type"] == "forbidden"
        for m in c["source_modules"]
    }
    assert {"ipywidgets", "IPython", "plotly", "bitstring"} <= forbidden["folioviz.kernel"]
    assert {"ipywidgets", "anywidget", "traitlets"} <= forbidden["folioviz.render"]
    assert "folioviz.widgets" in forbidden["folioviz.drgn"] & forbidden["folioviz.cli"]


def test_the_private_names_contract_reads_every_import(tmp_path):
    sys.path.insert(0, str(ROOT))
    try:
        from tools.import_contracts import private_name_imports
    finally:
        sys.path.remove(str(ROOT))
    module = tmp_path / "style.py"
    module.write_text(
        "from pkg.theme import OKABE_ITO, _dark\nfrom . import __version__\n"
        "def f():\n    from .theme import _glyphs\n    from ._data import load\n"
    )
    found = private_name_imports("pkg.style", module, "pkg")
    assert found == [("pkg.theme", "_dark", 1), ("pkg.theme", "_glyphs", 4)]


def test_the_private_names_contract_covers_tools(tmp_path):
    """tools/ is a root package of the contract, and its imports of folioviz's private names count."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert {"folioviz", "tools"} <= set(config["root_packages"])
    sys.path.insert(0, str(ROOT))
    try:
        from tools.import_contracts import private_name_imports
    finally:
        sys.path.remove(str(ROOT))
    module = tmp_path / "build.py"
    module.write_text("from folioviz.kernel.sources import _index, source_ref\nfrom tools.pinned import fetch\n")
    found = private_name_imports("tools.notebooks.build", module, ("folioviz", "tools"))
    assert found == [("folioviz.kernel.sources", "_index", 1)]


def test_the_tests_import_no_private_names():
    """Tests use public names too (what they check is then what a caller can reach); a helper a test needs is
    made public, in its module's ``__all__``."""
    import ast

    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                found += [
                    f"{path.relative_to(ROOT)}:{node.lineno} {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.endswith("__")
                ]
    assert not found, found

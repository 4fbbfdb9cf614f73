"""The model imports no Jupyter code; the CLI stays light; the package's data is reachable."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("ipywidgets", "plotly", "IPython", "traitlets", "ipykernel", "bitstring")
ROOT = Path(__file__).resolve().parents[1]
#: bitstring builds display-ready bit views only: the model does its rule arithmetic on plain ints.
BITSTRING_ADAPTER = "folioviz/widgets/bits.py"


def _modules_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return set(json.loads(out.stdout))


def test_kernel_model_imports_no_jupyter_or_plotly():
    loaded = _modules_after("import folioviz.kernel; folioviz.kernel.decode(1)")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_cli_and_top_level_import_stay_light():
    loaded = _modules_after("import folioviz, folioviz.cli; folioviz.decode(2)")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_widgets_are_importable_from_the_top_level():
    import folioviz

    assert folioviz.MappingWordWidget.__name__ == "MappingWordWidget"


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def test_bitstring_is_imported_by_the_display_adapter_only():
    modules = (ROOT / "folioviz").rglob("*.py")
    importers = sorted(str(path.relative_to(ROOT)) for path in modules if "bitstring" in _imported_roots(path))
    assert importers == [BITSTRING_ADAPTER]


def test_no_module_imports_a_private_name_the_review_flagged():
    """exercises.py used race_style's private ``_orders``; it is public now as ``orders_text``."""
    import ast

    from folioviz.widgets import race_style

    assert "orders_text" in race_style.__all__
    for path in sorted((ROOT / "folioviz").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = {alias.name for alias in node.names}
                assert "_orders" not in names, f"{path.relative_to(ROOT)} imports the private _orders"

"""The model imports no Jupyter code; the CLI stays light; the package's data is reachable."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("ipywidgets", "plotly", "IPython", "traitlets", "ipykernel", "bitstring_display_only")


def _modules_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
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

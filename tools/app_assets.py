"""Put plotly.js where ``make app``'s Voilà template serves it from (no network: the installed plotly's copy).

Usage: python tools/app_assets.py JUPYTER_DATA_ROOT      (``make app`` passes .venv/share/jupyter)

``make app`` runs Voilà without the jupyterlab-plotly extension: that extension's 4.8 MB bundle is
parsed before the page connects to its kernel and delays the first widget by seconds. Instead, the
``folioviz-offline`` template draws each plotly output itself, loading plotly.js once the widgets are
up. Voilà serves a template's ``static/`` files from every Jupyter data root, so this writes
``JUPYTER_DATA_ROOT/voila/templates/folioviz-offline/static/plotly.min.js`` (copied from the installed
plotly package, only when missing or different).
"""

from __future__ import annotations

import filecmp
import shutil
import sys
from pathlib import Path

TEMPLATE = "folioviz-offline"


def plotly_js() -> Path:
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise SystemExit(f"plotly {plotly.__version__} ships no {path}")
    return path


def install(data_root: Path) -> Path:
    """Copy plotly.min.js into ``data_root``'s folioviz-offline template static dir; return its path."""
    source = plotly_js()
    target = Path(data_root) / "voila" / "templates" / TEMPLATE / "static" / "plotly.min.js"
    if not (target.is_file() and filecmp.cmp(source, target, shallow=False)):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return target


if __name__ == "__main__":
    install(Path(sys.argv[1] if len(sys.argv) > 1 else ".venv/share/jupyter"))

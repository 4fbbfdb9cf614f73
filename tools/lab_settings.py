"""Quiet JupyterLab for the workbook: no news or update toasts covering widgets (or asking the network).

Usage: python tools/lab_settings.py VENV_DIR
Writes VENV_DIR/share/jupyter/lab/settings/overrides.json, which JupyterLab reads at start-up.
"""

import json
import sys
from pathlib import Path

OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"checkForUpdates": False, "fetchNews": "false"},
}


def main(venv: str) -> None:
    target = Path(venv) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(target.read_text()) if target.exists() else {}
    current.update(OVERRIDES)
    target.write_text(json.dumps(current, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".venv")

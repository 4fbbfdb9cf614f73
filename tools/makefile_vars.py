"""Values the Makefile defines, read from it, so that tests and benchmarks run exactly what `make` runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def app_flags(makefile: Path = ROOT / "Makefile") -> list[str]:
    """``make app``'s Voilà flags (``APP_FLAGS``, continuation lines joined)."""
    match = re.search(r"^APP_FLAGS := ((?:.*\\\n)*.*)$", makefile.read_text(), re.M)
    if not match:
        raise SystemExit(f"no APP_FLAGS in {makefile}")
    return match.group(1).replace("\\\n", " ").split()

"""Read the TOML files of ``data/``: from the wheel (``folioviz/_data``) or, in a checkout, ``data/``."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

_REPO_DATA = Path(__file__).resolve().parents[2] / "data"


def _data_root() -> Any:
    packaged = resources.files("folioviz") / "_data"
    if packaged.is_dir():
        return packaged
    return _REPO_DATA


@cache
def load_toml(name: str) -> dict[str, Any]:
    """Return the parsed contents of ``data/<name>`` (cached; treat it as read-only)."""
    with (_data_root() / name).open("rb") as handle:
        return tomllib.load(handle)


def data_location() -> str:
    """Where the data files are read from (for ``folioviz --version`` and bug reports)."""
    return str(_data_root())


@cache
def data_names(folder: str) -> tuple[str, ...]:
    """The names of the TOML files in ``data/<folder>/``, sorted."""
    return tuple(sorted(entry.name for entry in (_data_root() / folder).iterdir() if entry.name.endswith(".toml")))

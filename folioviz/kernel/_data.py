"""The old name of :mod:`folioviz.kernel.datafiles`, kept so imports written before the rename still work."""

from __future__ import annotations

from .datafiles import data_location, data_names, data_root, load_toml

__all__ = ["data_location", "data_names", "data_root", "load_toml"]

"""The one place the package version is written (pyproject.toml reads it from here).

A module of its own, so that the CLI can print the version without importing the package's ``__init__``
(whose lazy names reach the widgets).
"""

__version__ = "0.1.0"

"""Read the TOML files of ``data/``: from the wheel (``folioviz/_data``) or, in a checkout, ``data/``.

Every file is parsed once per process and handed out read-only: tables are
:class:`types.MappingProxyType`, arrays are tuples, so no caller can change what the next one reads.
Readers that index rows turn them into frozen records with :func:`records`, which names a misspelt or
missing key when the file is read, not at first use.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from .errors import FolioVizError

__all__ = [
    "NOTEBOOK_STATUSES",
    "DataFileError",
    "WorkbookNotebook",
    "check_keys",
    "data_location",
    "data_names",
    "data_root",
    "freeze",
    "load_toml",
    "records",
    "toml_twin",
    "workbook_notebooks",
]

_REPO_DATA = Path(__file__).resolve().parents[2] / "data"

_Record = TypeVar("_Record")


class DataFileError(FolioVizError):
    """A file of ``data/`` whose rows do not have the keys its reader expects."""


def data_root() -> Any:
    """The folder the data files are read from: the wheel's ``folioviz/_data`` (an importlib resource) or,
    in a checkout, ``data/`` (a :class:`pathlib.Path`)."""
    packaged = resources.files("folioviz") / "_data"
    if packaged.is_dir():
        return packaged
    return _REPO_DATA


def freeze(value: Any) -> Any:
    """``value`` made deeply read-only: dicts become :class:`MappingProxyType`, lists tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(item) for item in value)
    return value


@cache
def load_toml(name: str) -> Mapping[str, Any]:
    """Return the parsed contents of ``data/<name>``, read once and deeply read-only (see :func:`freeze`).

    A JSON twin beside the file (``<name>.json``, see :func:`toml_twin`; only the browser build's wheel has them)
    is read instead when it was made from these very bytes: Pyodide parses JSON in C and TOML in pure Python,
    about 50 times slower, and a notebook's first widget reads five of these files.
    """
    root = data_root()
    raw = (root / name).read_bytes()
    twin = root / (name + ".json")
    if twin.is_file():
        made = json.loads(twin.read_bytes())
        if made.get("toml") == _fingerprint(raw):
            frozen: Mapping[str, Any] = freeze(made["tables"])
            return frozen
    frozen = freeze(tomllib.loads(raw.decode("utf-8")))
    return frozen


def _fingerprint(raw: bytes) -> dict[str, int]:
    return {"crc32": zlib.crc32(raw), "size": len(raw)}


def toml_twin(raw: bytes) -> bytes:
    """The JSON twin of a TOML file's bytes that :func:`load_toml` reads in its place: the same tables, and the
    TOML's CRC-32 and size, so a twin that no longer matches its file is ignored. Written by the browser build
    (tools/lite) into its wheel.

    :raises DataFileError: the file holds a value JSON cannot carry as it is (a date or time)
    """
    tables = tomllib.loads(raw.decode("utf-8"))
    try:
        text = json.dumps({"toml": _fingerprint(raw), "tables": tables}, ensure_ascii=False)
    except TypeError as exc:
        raise DataFileError(f"a TOML value JSON cannot carry: {exc}") from exc
    if json.loads(text)["tables"] != tables:
        raise DataFileError("the TOML does not read back the same from JSON")
    return text.encode("utf-8")


def check_keys(row: Mapping[str, Any], allowed: Iterable[str], required: Iterable[str], where: str) -> None:
    """Raise :class:`DataFileError` when ``row`` has a key not in ``allowed`` or lacks one of ``required``.

    ``where`` names the file and row for the message (``"eras.toml, row 2"``).
    """
    allowed, required = tuple(allowed), tuple(required)
    unknown = sorted(set(row) - set(allowed))
    missing = sorted(set(required) - set(row))
    if unknown or missing:
        said = [
            f"unknown key {', '.join(unknown)}" if unknown else "",
            f"missing {', '.join(missing)}" if missing else "",
        ]
        raise DataFileError(
            f"data/{where}: {'; '.join(s for s in said if s)}. "
            f"Allowed keys: {', '.join(allowed)} (required: {', '.join(sorted(required)) or 'none'})."
        )


def records(
    kind: type[_Record], rows: Any, where: str, *, convert: Mapping[str, Any] | None = None
) -> tuple[_Record, ...]:
    """The rows of a TOML array of tables as frozen dataclass records of type ``kind``.

    A row with a key ``kind`` does not have, or without a key it needs (a field with no default), raises
    :class:`DataFileError` naming the file (``where``), the row and the keys allowed. ``convert`` maps a
    field name to a function applied to its value.

    :raises DataFileError: a row whose keys do not fit ``kind``
    """
    fields = {f.name: f for f in dataclasses.fields(kind)}  # type: ignore[arg-type]
    needed = [
        name
        for name, f in fields.items()
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    out = []
    for index, row in enumerate(rows):
        check_keys(row, fields, needed, f"{where}, row {index + 1}")
        values = {key: (convert[key](item) if convert and key in convert else item) for key, item in row.items()}
        out.append(kind(**values))
    return tuple(out)


def data_location() -> str:
    """Where the data files are read from (for ``folioviz --version`` and bug reports)."""
    return str(data_root())


@cache
def data_names(folder: str) -> tuple[str, ...]:
    """The names of the TOML files in ``data/<folder>/``, sorted."""
    return tuple(sorted(entry.name for entry in (data_root() / folder).iterdir() if entry.name.endswith(".toml")))


# --------------------------------------------------------------------------- data/workbook.toml

NOTEBOOK_STATUSES = ("ready", "planned")


@dataclass(frozen=True)
class WorkbookNotebook:
    """One notebook of the workbook, as ``data/workbook.toml`` lists it."""

    id: str
    """The file name without ``.ipynb``: ``"01_the_mapping_word"``."""
    title: str
    status: str
    """``"ready"`` (built, tested, published) or ``"planned"``."""
    about: str = ""


@cache
def workbook_notebooks(status: str | None = None) -> tuple[WorkbookNotebook, ...]:
    """The notebooks of ``data/workbook.toml`` in reading order; only those of ``status`` when it is given.

    The one reader of that file: the start page's index, the site and lite builders and the tests use it.

    :raises DataFileError: a row with a misspelt or missing key, or a status other than ready/planned
    """
    if status is not None and status not in NOTEBOOK_STATUSES:
        raise DataFileError(f"no notebook status {status!r}. Allowed: {', '.join(NOTEBOOK_STATUSES)}.")
    rows = records(WorkbookNotebook, load_toml("workbook.toml")["notebook"], "workbook.toml")
    for row in rows:
        if row.status not in NOTEBOOK_STATUSES:
            raise DataFileError(
                f"data/workbook.toml, notebook {row.id!r}: status {row.status!r}. "
                f"Allowed: {', '.join(NOTEBOOK_STATUSES)}."
            )
    return tuple(row for row in rows if status is None or row.status == status)

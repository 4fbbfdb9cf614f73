"""Every file of data/ has the shape its JSON Schema (data/schemas/, draft 2020-12) says, and the readers hand
out read-only data: a misspelt key fails here, and no caller can change what the next one reads."""

from __future__ import annotations

import copy
import datetime
import json
import tomllib
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema
import pytest

from folioviz.kernel import datafiles
from folioviz.kernel.datafiles import DataFileError, WorkbookNotebook, load_toml, records, workbook_notebooks

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SCHEMAS = DATA / "schemas"


def _schema_of(path: Path) -> str:
    """The schema a data file is checked with."""
    relative = path.relative_to(DATA)
    if relative.parts[0] == "page_flags":
        return "enum_guards" if path.name == "enum_guards.toml" else "page_flags"
    if relative.parts[0] == "real_kernels":
        return "real_kernels"
    return path.stem


def _data_files() -> list[Path]:
    return sorted(
        [*DATA.glob("*.toml"), *(DATA / "page_flags").glob("*.toml"), *(DATA / "real_kernels").glob("*.json")]
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    return value


def _load(path: Path) -> Any:
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    return _jsonable(tomllib.loads(path.read_text(encoding="utf-8")))


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


FILES = _data_files()


def test_every_data_file_has_a_schema_and_every_schema_a_file():
    used = {_schema_of(path) for path in FILES}
    assert used == {path.name.removesuffix(".schema.json") for path in SCHEMAS.glob("*.schema.json")}


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(DATA)))
def test_data_file_matches_its_schema(path: Path):
    errors = sorted(_validator(_schema_of(path)).iter_errors(_load(path)), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def _first_row(document: dict[str, Any]) -> dict[str, Any] | None:
    """The first table in an array of tables at the top of ``document``."""
    for value in document.values():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return value[0]
    return None


@pytest.mark.parametrize("name", sorted({_schema_of(p) for p in FILES}))
def test_a_misspelt_key_fails_the_schema(name: str):
    path = next(p for p in FILES if _schema_of(p) == name)
    validator = _validator(name)
    document = _load(path)
    top = copy.deepcopy(document)
    key = next(iter(top))
    top[key + "s"] = top.pop(key)
    assert not validator.is_valid(top), f"{name}: top-level key {key!r} misspelt {key + 's'!r} passed"
    row = _first_row(copy.deepcopy(document))
    if row is not None:
        key = next(iter(row))
        row[key + "s"] = row.pop(key)
        broken = copy.deepcopy(document)
        for value in broken.values():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                value[0] = row
                break
        assert not validator.is_valid(broken), f"{name}: row key {key!r} misspelt passed"


def test_the_workbook_status_is_one_of_two():
    document = _load(DATA / "workbook.toml")
    document["notebook"][0]["status"] = "Ready"
    assert not _validator("workbook").is_valid(document)


def test_a_flag_table_may_carry_an_upper_field_layout():
    path = next(p for p in FILES if _schema_of(p) == "page_flags")
    document = _load(path)
    document["layout"] = {"node": {"shift": 54, "width": 6}}
    assert _validator("page_flags").is_valid(document)


# --------------------------------------------------------------------------- read-only data


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.toml")))
def test_load_toml_hands_out_read_only_data(name: str):
    document = load_toml(name)
    assert isinstance(document, MappingProxyType)
    with pytest.raises(TypeError):
        document["extra"] = 1  # type: ignore[index]

    def walk(value: Any) -> None:
        assert not isinstance(value, (dict, list, set)), f"data/{name}: a mutable {type(value).__name__} inside"
        if isinstance(value, MappingProxyType):
            for item in value.values():
                walk(item)
        elif isinstance(value, tuple):
            for item in value:
                walk(item)

    walk(document)
    assert load_toml(name) is document  # read once


def test_workbook_has_one_reader_returning_frozen_records():
    notebooks = workbook_notebooks()
    assert notebooks and all(isinstance(nb, WorkbookNotebook) for nb in notebooks)
    raw = tomllib.loads((DATA / "workbook.toml").read_text(encoding="utf-8"))["notebook"]
    assert [nb.id for nb in notebooks] == [row["id"] for row in raw]
    assert [nb.id for nb in workbook_notebooks("ready")] == [row["id"] for row in raw if row["status"] == "ready"]
    with pytest.raises(AttributeError):
        notebooks[0].status = "planned"  # type: ignore[misc]
    with pytest.raises(DataFileError, match="Allowed: ready, planned"):
        workbook_notebooks("done")


def test_a_row_with_a_misspelt_key_fails_at_load_with_a_clear_message():
    rows = ({"id": "01_x", "title": "X", "stauts": "ready"},)
    with pytest.raises(
        DataFileError, match=r"data/workbook.toml, row 1: unknown key stauts; missing status\..*Allowed"
    ):
        records(WorkbookNotebook, rows, "workbook.toml")


def test_a_bad_workbook_status_fails_at_load(monkeypatch: pytest.MonkeyPatch):
    table = {"notebook": ({"id": "01_x", "title": "X", "status": "Ready"},)}
    monkeypatch.setattr(datafiles, "load_toml", lambda name: table)
    workbook_notebooks.cache_clear()
    try:
        with pytest.raises(DataFileError, match=r"status 'Ready'\. Allowed: ready, planned"):
            workbook_notebooks()
    finally:
        monkeypatch.undo()
        workbook_notebooks.cache_clear()


def _with_first_row_key_renamed(name: str, table: str, old: str, new: str) -> Any:
    document = _load(DATA / name)
    row = document[table][0]
    row[new] = row.pop(old)
    return datafiles.freeze(document)


@pytest.mark.parametrize(
    ("module", "reader", "name", "table", "key"),
    [
        ("folioviz.kernel.versions", "eras", "eras.toml", "era", "flags_prefix"),
        ("folioviz.kernel.rules", "rules", "rules.toml", "rule", "title"),
        ("folioviz.kernel.mkwrite.history", "mkwrite_history", "mkwrite_history.toml", "event", "evidence"),
        ("folioviz.kernel.sources", "source_index", "sources.toml", "source", "path"),
    ],
)
def test_readers_name_a_misspelt_key_at_load(monkeypatch, module, reader, name, table, key):
    import importlib

    loaded = importlib.import_module(module)
    broken = _with_first_row_key_renamed(name, table, key, key + "s")
    monkeypatch.setattr(loaded, "load_toml", lambda asked: broken if asked == name else load_toml(asked))
    with pytest.raises(DataFileError, match=rf"data/{name}.*unknown key {key}s; missing {key}\. Allowed keys: .*{key}"):
        getattr(loaded, reader).__wrapped__()


def test_a_flag_table_with_a_misspelt_key_fails_at_load(monkeypatch):
    from folioviz.kernel import flags

    release = next(p.stem for p in FILES if _schema_of(p) == "page_flags")
    document = _load(DATA / "page_flags" / f"{release}.toml")
    document["pageflag"] = document.pop("pageflags")
    broken = datafiles.freeze(document)
    monkeypatch.setattr(flags, "load_toml", lambda asked: broken)
    with pytest.raises(DataFileError, match=r"unknown key pageflag; missing pageflags\. Allowed keys: .*layout"):
        flags.build_table.__wrapped__(release)


def test_a_kernel_feature_span_with_a_misspelt_key_fails_at_load(monkeypatch):
    from folioviz.kernel import versions

    document = _load(DATA / "kernels.toml")
    span = document["feature"]["mkwrite_shape"]["spans"][0]
    span["valu"] = span.pop("value")
    broken = datafiles.freeze(document)
    monkeypatch.setattr(versions, "load_toml", lambda asked: broken if asked == "kernels.toml" else load_toml(asked))
    with pytest.raises(DataFileError, match=r"kernels.toml, feature mkwrite_shape: unknown key valu; missing value"):
        versions._feature_spans.__wrapped__("mkwrite_shape")

"""folioviz.kernel.datafiles: a data file's JSON twin (the browser build's faster read) is read only when it was made
from the file's very bytes, and reads as the TOML does; a stale or foreign twin is ignored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from folioviz.kernel import datafiles
from folioviz.kernel.datafiles import DataFileError, load_toml, toml_twin

TOML = b'default = "6.4"\n\n[[era]]\nname = "email"\nfirst = 5\nratio = 0.5\nflags = ["anon", "ksm"]\n'


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setattr(datafiles, "data_root", lambda: tmp_path)
    load_toml.cache_clear()
    yield tmp_path
    load_toml.cache_clear()


def test_a_twin_reads_as_its_toml(data):
    (data / "eras.toml").write_bytes(TOML)
    from_toml = load_toml("eras.toml")
    load_toml.cache_clear()
    (data / "eras.toml.json").write_bytes(toml_twin(TOML))
    assert load_toml("eras.toml") == from_toml
    assert load_toml("eras.toml")["era"][0]["flags"] == ("anon", "ksm")  # frozen the same way


def test_the_twin_is_what_is_read_when_it_matches(data):
    (data / "eras.toml").write_bytes(TOML)
    twin = json.loads(toml_twin(TOML))
    twin["tables"]["default"] = "read from the twin"
    (data / "eras.toml.json").write_text(json.dumps(twin))
    assert load_toml("eras.toml")["default"] == "read from the twin"


def test_a_twin_of_other_bytes_is_ignored(data):
    (data / "eras.toml.json").write_bytes(toml_twin(TOML.replace(b"6.4", b"5.10")))
    (data / "eras.toml").write_bytes(TOML)  # edited after the twin was made
    assert load_toml("eras.toml")["default"] == "6.4"


def test_a_value_json_cannot_carry_is_refused():
    with pytest.raises(DataFileError, match="JSON cannot carry"):
        toml_twin(b"when = 2026-12-07\n")


def test_the_repository_data_has_no_twins():
    """Twins exist only in the browser build's wheel; one in data/ would be read in place of the TOML beside it."""
    assert not sorted((Path(__file__).resolve().parents[1] / "data").rglob("*.toml.json"))

"""``folioviz decode``: the same decode for a terminal, and JSON for scripts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from folioviz.cli import main


def test_decode_text(capsys):
    assert main(["decode", "0xffff888003a1c002", "--kernel", "6.4"]) == 0
    out = capsys.readouterr().out
    assert "PAGE_MAPPING_MOVABLE" in out
    assert "struct movable_operations" in out
    assert "they disagree" in out
    assert "https://elixir.bootlin.com/linux/v6.1.4/" in out


def test_decode_json_is_the_full_result(capsys):
    assert main(["decode", "ffff888003a1c001", "--swapcache", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "anon"
    assert data["folio"]["swapcache"] is True
    assert data["truncation_checks"]["disagree"] is False
    fm = next(h for h in data["helpers"] if h["name"] == "folio_mapping(folio)")
    assert fm["returns"].startswith("swap_address_space")


def test_several_words_and_flags(capsys):
    assert main(["decode", "0", "3", "--kernel", "latest", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["kind"] for d in data] == ["NULL", "KSM"]
    assert main(["decode", "0", "--kernel", "latest", "--movable-ops", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "movable"
    assert main(["decode", "c0000001", "--32bit", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["word"] == "0xc0000001"


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["decode", "nothex"], "not a hexadecimal word"),
        (["decode", "1", "--kernel", "9"], "unknown kernel era"),
        (["decode", "2", "--movable-ops"], "only from v6.17"),
        (["decode", "1", "--slab", "--swapcache"], "slab and in the swap cache"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("folioviz: error: ")
    assert fragment in err
    assert "Traceback" not in err


def test_console_script_runs():
    out = subprocess.run(
        [sys.executable, "-m", "folioviz.cli", "eras"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "v6.0-v6.16" in out and "v6.17+" in out


def test_a_dump_page_paste_shows_the_flags_word_field_by_field(monkeypatch, capsys):
    """`folioviz decode -` on a report a lab guest printed: the upper fields, checked against the report."""
    import io
    from pathlib import Path

    record = Path(__file__).resolve().parents[1] / "data" / "real_kernels" / "6.12.117+deb13-amd64.json"
    report = json.loads(record.read_text())["dump_page_reports"][0]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(report.encode())))
    assert main(["decode", "-", "--kernel", "6.12.117+deb13-amd64"]) == 0
    out = capsys.readouterr().out
    assert "page->flags 0x000fffffc0002000, field by field (layout of build 6.12.117+deb13-amd64):" in out
    assert "  bits 53-51  zone        001" in out and "zone=1 (DMA32)" in out
    assert "agree with the flags word read with build 6.12.117+deb13-amd64's layout" in out

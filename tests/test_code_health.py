"""What keeps the code readable for a newcomer: short modules, documented data files."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 800


def test_every_data_file_is_described_in_the_architecture_doc():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    missing = [path.name for path in sorted((ROOT / "data").glob("*.toml")) if path.name not in doc]
    assert not missing, f"docs/architecture.md does not mention {missing}"


def test_no_module_is_longer_than_a_newcomer_can_read():
    long = {
        str(path.relative_to(ROOT)): n
        for path in sorted((ROOT / "folioviz").rglob("*.py"))
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"

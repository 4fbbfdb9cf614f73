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


#: The views are many small jobs: no module of render/ or widgets/ over this many lines (split by job instead).
MAX_VIEW_MODULE_LINES = 600


def test_no_view_module_is_longer_than_600_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for layer in ("render", "widgets")
        for path in sorted((ROOT / "folioviz" / layer).rglob("*.py"))
        if (n := len(path.read_text().splitlines())) > MAX_VIEW_MODULE_LINES
    }
    assert not long, f"modules over {MAX_VIEW_MODULE_LINES} lines: {long}"


def test_each_layer_opens_by_saying_what_may_live_there():
    """Each layer's __init__.py starts with a docstring naming what may live there and what it may import."""
    import ast

    for layer in ("kernel", "render", "widgets", "drgn"):
        doc = ast.get_docstring(ast.parse((ROOT / "folioviz" / layer / "__init__.py").read_text())) or ""
        assert "may live here" in doc and "may import" in doc, f"folioviz/{layer}/__init__.py"

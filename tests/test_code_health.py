"""What keeps the code readable for a newcomer: short modules, documented data files."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: One limit for every module a newcomer may open: folioviz (the model, the views, the drgn bridge, the CLI), the
#: tools that build and check the workbook, the kernel lab and the benchmarks. Over it, split the module by job.
MAX_MODULE_LINES = 600


def test_every_data_file_is_described_in_the_architecture_doc():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    missing = [path.name for path in sorted((ROOT / "data").glob("*.toml")) if path.name not in doc]
    assert not missing, f"docs/architecture.md does not mention {missing}"


def test_no_module_is_longer_than_a_newcomer_can_read():
    long = {
        str(path.relative_to(ROOT)): n
        for tree in ("folioviz", "tools", "lab", "benchmarks")
        for path in sorted((ROOT / tree).rglob("*.py"))
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_no_module_defines_all_twice():
    """A second ``__all__`` silently replaces the first (widgets/base.py once hid two of its exports so)."""
    import ast

    twice = []
    for tree in ("folioviz", "tools", "lab"):
        for path in sorted((ROOT / tree).rglob("*.py")):
            body = ast.parse(path.read_text(encoding="utf-8")).body
            names = [
                t.id for node in body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)
            ]
            if names.count("__all__") > 1:
                twice.append(str(path.relative_to(ROOT)))
    assert not twice, f"__all__ defined more than once in {twice}"


def test_each_layer_opens_by_saying_what_may_live_there():
    """Each layer's __init__.py starts with a docstring naming what may live there and what it may import."""
    import ast

    for layer in ("kernel", "render", "widgets", "drgn"):
        doc = ast.get_docstring(ast.parse((ROOT / "folioviz" / layer / "__init__.py").read_text())) or ""
        assert "may live here" in doc and "may import" in doc, f"folioviz/{layer}/__init__.py"


def test_widgets_build_no_html():
    """widgets/ wires inputs to renderers (its __init__ says no HTML is built there): no string constant other than a
    docstring holds an HTML tag, and no call builds an element (tag(), element()); markup comes from render/."""
    import ast
    import re

    tag = re.compile(r"</?[a-z][a-z0-9]*[\s>/]")
    found = []
    for path in sorted((ROOT / "folioviz" / "widgets").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        found += [
            f"{path.relative_to(ROOT)}:{node.lineno} {node.value[:60]!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and tag.search(node.value)
        ]
        found += [  # markup's element builders belong to render/ too
            f"{path.relative_to(ROOT)}:{node.lineno} {node.func.id}(...)"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("tag", "element")
        ]
    assert not found, f"HTML built in widgets/ (move it into a render/ function): {found}"

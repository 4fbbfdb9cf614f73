"""The structure drawn from the imports has no cycle, counting the imports inside functions (the "lazy" ones).

import-linter's contracts (pyproject.toml) hold the layers; a cycle inside one layer, or one a lazy import hides
until run time, is what this test looks for. The graph is read from the source with ``ast``, so every import
statement counts wherever it stands.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "folioviz"


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path) -> dict[str, set[str]]:
    """Each module of ``package`` and the modules of the package it imports (anywhere in its source).

    ``from a import b`` is an edge to ``a.b`` when that is a module, else to ``a``; an import of a name that is
    not a module of the package (``ipywidgets``) is left out.
    """
    files = {_module_name(p, package): p for p in sorted(package.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                origin = node.module or ""
                if node.level:
                    prefix = base[: len(base) - (node.level - 1)]
                    origin = ".".join([*prefix, node.module] if node.module else prefix)
                targets = [
                    f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in files else origin for alias in node.names
                ]
            for target in targets:
                while target and target not in files:  # `import a.b.c` imports the module a.b.c
                    target = target.rpartition(".")[0]
                if target and target != module:
                    edges.add(target)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_package_has_no_import_cycle():
    graph = import_graph(PACKAGE)
    assert "folioviz.widgets.mapping_word" in graph and "folioviz.render.theme" in graph
    assert cycles(graph) == []


def test_an_import_inside_a_function_counts(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from .b import thing\n")
    (package / "b.py").write_text("def thing():\n    from . import a\n    return a\n")
    (package / "c.py").write_text("import pkg.a\n")
    graph = import_graph(package)
    assert graph == {"pkg": set(), "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}, "pkg.c": {"pkg.a"}}
    assert cycles(graph) == [["pkg.a", "pkg.b"]]


def test_the_bridge_and_the_widgets_import_each_other_one_way_only():
    """The drgn bridge never imports a widget; the widgets take its readings (widgets/from_drgn.py joins them)."""
    graph = import_graph(PACKAGE)
    assert not {m for m in graph["folioviz.drgn"] if m.startswith("folioviz.widgets")}
    assert "folioviz.drgn" not in graph["folioviz.widgets.mapping_word"] | graph["folioviz.widgets.pagecache_walk"]
    assert "folioviz.drgn" in graph["folioviz.widgets.from_drgn"]

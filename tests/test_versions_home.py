"""Kernel versions live in data/ and folioviz/kernel/versions.py only: the rest asks about features."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from folioviz.kernel import mkwrite, versions
from folioviz.kernel.errors import UnknownEraError
from folioviz.kernel.versions import get_kernel, kernel_menu, parse_kernel, release_kernel

ROOT = Path(__file__).resolve().parents[1]
HOME = ROOT / "folioviz" / "kernel" / "versions.py"
#: A string that is nothing but a version or a release: "6.4", "v6.12.8".
BARE_VERSION = re.compile(r"v?\d+\.\d+(\.\d+)?")


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _is_version_tuple(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Tuple)
        and len(node.elts) == 2
        and all(isinstance(e, ast.Constant) and type(e.value) is int for e in node.elts)
    )


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        names = [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
        if "__version__" in names:
            docs.add(id(node.value))  # type: ignore[attr-defined]  # the package's own version, written once
        text = node.value if isinstance(node, ast.Constant) and id(node) not in docs else None
        if isinstance(text, str) and BARE_VERSION.fullmatch(text.strip()):
            found.append(f"{path.name}:{node.lineno}: version string {node.value!r}")
        if isinstance(node, ast.Compare) and any(_is_version_tuple(n) for n in [node.left, *node.comparators]):
            found.append(f"{path.name}:{node.lineno}: compares with a version tuple")
        if isinstance(node, ast.Assign | ast.AnnAssign) and _is_version_tuple(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and "KERNEL" in t.id for t in targets):
                found.append(f"{path.name}:{node.lineno}: a kernel version tuple")
    return found


def test_no_version_literals_or_comparisons_outside_the_versions_module():
    offences = []
    for path in sorted((ROOT / "folioviz").rglob("*.py")):
        if path != HOME:
            offences += _offences(path)
    assert not offences, "\n".join(offences)


def test_versions_are_parsed_in_one_place():
    assert mkwrite.parse_kernel is versions.parse_kernel
    pattern = r"(\d+)\.(\d+)"
    parsers = [p.name for p in (ROOT / "folioviz").rglob("*.py") if p != HOME and pattern in p.read_text()]
    assert not parsers


def test_a_kernel_is_asked_about_features():
    assert get_kernel("6.4").feature("mkwrite_shape") == "page"
    assert get_kernel("6.6").feature("mkwrite_shape") == "folio"
    assert [get_kernel(k).feature("mkwrite_release") for k in ("5.19", "6.5", "6.16", "7.2")] == [
        "v5.10.223",
        "v6.1.4",
        "v6.12.8",
        "v7.2.8",
    ]
    assert release_kernel("v6.1.4").kernel_name("folio_try_get") == "folio_try_get_rcu"
    assert release_kernel("v6.12.8").kernel_name("do_set_pte") == "set_pte_range"
    assert release_kernel("v6.12.8").kernel_name("folio_try_get") == "folio_try_get"
    with pytest.raises(UnknownEraError, match="known: "):
        get_kernel("6.4").feature("no_such_feature")


def test_every_menu_kernel_and_pinned_release_is_one_the_project_read():
    import tomllib

    releases = {r["tag"] for r in tomllib.loads((ROOT / "data" / "kernel_releases.toml").read_text())["release"]}
    for kernel, _label in kernel_menu():
        assert get_kernel(kernel).feature("mkwrite_release") in releases
        assert get_kernel(kernel).feature("pagecache_release") in releases
    assert parse_kernel("latest") == versions.NEWEST_KERNEL
    with pytest.raises(UnknownEraError, match="older"):
        parse_kernel("4.19")


def test_every_kernel_feature_in_the_data_is_asked_by_the_code():
    import tomllib

    features = tomllib.loads((ROOT / "data" / "kernels.toml").read_text())["feature"]
    code = "\n".join(path.read_text() for path in (ROOT / "folioviz").rglob("*.py"))
    unused = [name for name in features if f'"{name}"' not in code and f"'{name}'" not in code]
    assert not unused, f"data/kernels.toml features no code asks about: {unused}"

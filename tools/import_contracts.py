"""import-linter contracts of our own (registered in pyproject.toml, ``[tool.importlinter] contract_types``).

``private_names``: no module imports an underscore name (``from folioviz.x import _helper``) from another module
of a root package (``folioviz``, and ``tools``, which may import only folioviz's public names). A name with a
leading underscore is a module's own business; a name another module needs is public, so mypy checks it and a
reader can find it in ``__all__``. Dunder names (``__version__``) are public. Every import is read, those inside
functions too. An import may be listed in ``ignore_names`` as ``importer -> imported:name``, with a comment in
pyproject.toml saying why and until when.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Collection
from pathlib import Path
from typing import Any

from importlinter import Contract, ContractCheck, fields, output

__all__ = ["PrivateNamesContract", "private_name_imports"]


def _absolute(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = importer.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_name_imports(module: str, path: Path, roots: str | Collection[str]) -> list[tuple[str, str, int]]:
    """(imported module, private name, line) for each underscore name ``module`` imports from another module of
    the root package(s) ``roots`` (``tools`` importing ``folioviz.x._y`` counts too); ``path`` is the module's
    source file."""
    roots = (roots,) if isinstance(roots, str) else tuple(roots)
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.ImportFrom):
            continue
        source = _absolute(module, is_package, node)
        if not any(source == root or source.startswith(root + ".") for root in roots):
            continue
        for alias in node.names:
            if _is_private(alias.name) and source != module:
                found.append((source, alias.name, node.lineno))
    return found


class PrivateNamesContract(Contract):
    """No module of the root packages imports another module's private (underscore) name."""

    type_name = "private_names"

    ignore_names = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        ignored = {line.strip() for line in self.ignore_names or ()}  # type: ignore[attr-defined]
        roots = set(self.session_options["root_packages"])
        violations, used = [], set()
        for module in sorted(graph.modules):
            root = module.split(".")[0]
            spec = importlib.util.find_spec(module) if root in roots else None
            if spec is None or not spec.origin or not spec.origin.endswith(".py"):
                continue
            for source, name, line in private_name_imports(module, Path(spec.origin), roots):
                key = f"{module} -> {source}:{name}"
                if key in ignored:
                    used.add(key)
                else:
                    violations.append({"importer": module, "imported": source, "name": name, "line": line})
        unused = sorted(ignored - used)
        return ContractCheck(
            kept=not violations,
            metadata={"violations": violations},
            warnings=[f"ignore_names lists {key}, which no module imports any more: remove it" for key in unused],
            ignored_import_count=len(used),
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for v in check.metadata["violations"]:
            output.print_error(
                f"{v['importer']} (line {v['line']}) imports the private name {v['name']} from {v['imported']}: "
                "make it public (no underscore, in __all__) or keep it in its module",
                bold=False,
            )
            output.new_line()

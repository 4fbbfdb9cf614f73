"""Build the workbook: notebooks/src/*.py (jupytext's percent format) -> notebooks/*.ipynb, executed in place.

Usage: python -m tools.notebooks [NAME ...]      (default: every notebook; tools/build_notebooks.py is the same)

Sources are read by jupytext (``py:percent``): a cell starts with ``# %% id="..."`` (code) or
``# %% [markdown] id="..."`` (markdown). Every cell names its id in the source, so inserting a cell renames
nothing and a deep link (``NAME.ipynb#cell-id=ID``) keeps working; a cell without an id, or an id used twice,
stops the build. In markdown, link templates are resolved from data/ so every link names an exact release
that was read:

* ``{{src:IDENT@RELEASE}}``  -> a link to IDENT's line in RELEASE (must be in data/sources.toml)
* ``{{survey:HANDLER@RELEASE}}`` -> a ->page_mkwrite handler's line (data/page_mkwrite_survey.toml)
* ``{{lore:MESSAGE-ID}}``    -> a lore.kernel.org link
* ``{{commit:SHA}}``         -> a git.kernel.org commit link (short hash as text)
* ``{{glossary}}`` (a whole markdown cell) -> the glossary of data/glossary.toml, one cell per term with
  the id ``glossary-<term>`` (the primer uses it; links point to ``00_the_primer.ipynb#cell-id=...``)

Then the first use of every glossary term in each notebook's prose is linked to its entry in the
primer (tools.notebooks.glossary.link_first_uses; tests/test_glossary.py checks the built notebooks).

Execution (:func:`execute`, which ``python -m tools.site --execute`` runs too) uses a kernel of the running
interpreter (``sys.executable``, from a kernelspec written to a temporary folder), never whatever ``python3``
kernelspec Jupyter would find. It stores outputs (for nbval and for GitHub's preview) and the widget state;
plotly keeps its default ``plotly_mimetype`` renderer, so outputs are small and deterministic.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import jupytext
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from folioviz.kernel.sources import commit_url, lore_url, source_index, source_ref
from tools.notebooks.glossary import glossary_cells, link_first_uses

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "notebooks" / "src"
OUT = ROOT / "notebooks"

#: What a cell id may be (nbformat 4.5: 1-64 letters, digits, ``-`` and ``_``).
CELL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class TemplateError(ValueError):
    pass


def _resolve(match: re.Match[str]) -> str:
    kind, arg = match.group(1), match.group(2)
    if kind == "src":
        ident, _, release = arg.partition("@")
        if (release, ident) not in source_index():
            raise TemplateError(f"{{{{src:{arg}}}}}: no line recorded for {ident} in {release} (data/sources.toml)")
        ref = source_ref(ident, release)
        return f"[`{ref.path}:{ref.line}` ({release})]({ref.url})"
    if kind == "survey":
        from folioviz.kernel.survey import find_handler

        handler, _, release = arg.partition("@")
        try:
            row = find_handler(handler, release)
        except Exception as error:
            raise TemplateError(f"{{{{survey:{arg}}}}}: {error}") from error
        return f"[`{row.path}:{row.line}` ({release})]({row.url})"
    if kind == "lore":
        return f"[lore]({lore_url(arg)})"
    if kind == "commit":
        return f"[`{arg[:12]}`]({commit_url(arg)})"
    raise TemplateError(f"unknown template {match.group(0)}")


TEMPLATE = re.compile(r"\{\{(src|survey|lore|commit):([^}]+)\}\}")


def parse(path: Path) -> nbformat.NotebookNode:
    """The notebook of the source ``path``: cells with their written ids, templates resolved, terms linked."""
    source = jupytext.read(path, fmt="py:percent")
    cells: list[nbformat.NotebookNode] = []
    for index, cell in enumerate(source.cells):
        cell_id = cell.metadata.get("id")
        if not isinstance(cell_id, str) or not CELL_ID.fullmatch(cell_id):
            raise TemplateError(
                f"{path.name}: cell {index + 1} has no id or a bad one ({cell_id!r}): start it with "
                '`# %% id="..."` (1-64 letters, digits, - and _)'
            )
        if cell.cell_type == "markdown":
            if cell.source.strip() == "{{glossary}}":
                cells.extend(nbformat.v4.new_markdown_cell(entry, id=term) for term, entry in glossary_cells())
                continue
            cells.append(nbformat.v4.new_markdown_cell(TEMPLATE.sub(_resolve, cell.source), id=cell_id))
        elif cell.source.strip():
            cells.append(nbformat.v4.new_code_cell(cell.source, id=cell_id))
    seen: set[str] = set()
    for cell in cells:
        if cell.id in seen:
            raise TemplateError(f"{path.name}: the cell id {cell.id!r} is used twice; give each cell its own")
        seen.add(cell.id)
    # The first use of every glossary term links to its entry in the primer (data/glossary.toml).
    markdown = [cell for cell in cells if cell.cell_type == "markdown"]
    for cell, linked in zip(markdown, link_first_uses([c.source for c in markdown], path.stem), strict=True):
        cell.source = linked
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def this_interpreter_kernel(kernel_dir: Path) -> KernelManager:
    """A kernel manager that starts ``sys.executable``'s ipykernel (its kernelspec is written in ``kernel_dir``)."""
    spec = kernel_dir / "folioviz-build"
    spec.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "folioviz build", "language": "python"})
    )
    return KernelManager(
        kernel_name="folioviz-build", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel_dir)])
    )


def execute(name: str) -> nbformat.NotebookNode:
    """The notebook ``name`` built from its source and executed as it is committed (lean widget state, stable ids).

    The one execution of the workbook: ``python -m tools.notebooks`` writes it, ``python -m tools.site --execute``
    exports it without writing it.
    """
    os.environ.pop("FOLIOVIZ_ERA", None)  # stored outputs are always in the default (the email's) era
    nb = parse(SRC / f"{name}.py")
    with tempfile.TemporaryDirectory(prefix="folioviz-kernel-") as kernel_dir:
        client = NotebookClient(
            nb,
            km=this_interpreter_kernel(Path(kernel_dir)),
            timeout=300,
            record_timing=False,
            resources={"metadata": {"path": str(OUT)}},
        )
        client.execute()
    if not nb.metadata.get("widgets"):
        nb.metadata.pop("widgets", None)
    lean_widget_state(nb)
    return nbformat.reads(stable_widget_ids(nbformat.writes(nb), name), as_version=4)


def build(name: str) -> Path:
    """Execute ``name`` and write notebooks/NAME.ipynb (byte-stable: the same source gives the same bytes)."""
    nb = execute(name)
    target = OUT / f"{name}.ipynb"
    target.write_text(dumps_notebook(json.loads(nbformat.writes(nb))) + "\n")
    return target


def _default_states() -> dict[tuple[str, str], dict[str, Any]]:
    """Each widget model's default state, from its Python class: (model module, model name) -> state."""
    import anywidget  # noqa: F401  (registers its widget classes)
    import ipywidgets
    from ipywidgets.widgets.widget import _instances

    found: dict[tuple[str, str], dict[str, Any]] = {}
    todo = [ipywidgets.Widget]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        traits = cls.class_traits(sync=True)
        if "_model_name" not in traits or not cls.__module__.startswith(("ipywidgets", "anywidget")):
            continue
        key = (traits["_model_module"].default_value, traits["_model_name"].default_value)
        if key in found:
            continue
        try:
            widget = cls()
            state = widget.get_state()
            _instances.pop(widget.model_id, None)
        except Exception:  # a model that needs arguments (jslink's LinkModel): its traits' plain defaults
            state = {
                name: trait.default_value
                for name, trait in traits.items()
                if trait.default_value is None or isinstance(trait.default_value, str | int | float)
            }
        state = json.loads(json.dumps(state, default=list))  # as stored: tuples are lists
        found[key] = {k: v for k, v in state.items() if not isinstance(v, str) or "IPY_MODEL_" not in v}
    return found


#: A view's class: kept for third-party models (see lean_widget_state).
_VIEW_KEYS = ("_view_name", "_view_module", "_view_module_version")

#: Display-only models: sharing one between two views changes nothing a reader can do.
_SHAREABLE = ("LayoutModel", "StyleModel", "HTMLModel", "HTMLMathModel", "LabelModel", "BoxModel")


def lean_widget_state(nb: nbformat.NotebookNode) -> None:
    """Keep only what a view needs in the stored widget state.

    * Keys equal to the model's default are dropped: html-manager, JupyterLab and Notebook 7 fill
      every model's defaults back in when they load the state. Not a third-party model's view keys
      (``_view_name``, ``_view_module``, ``_view_module_version``): anywidget's front-end model has no
      defaults for them (its Python side sends them), and without them html-manager looks for a
      view class ``null`` and the static site draws nothing.
    * Models with the same state are stored once: the views that used copies share one (the stored
      state has no kernel behind it, so nothing can change one of them).
    """
    widgets = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    models = widgets.get("state", {})
    if not models:
        return
    defaults = _default_states()
    for model in models.values():
        default = defaults.get((model["model_module"], model["model_name"]))
        if default is None:
            continue
        keep = () if model["model_module"].startswith("@jupyter-widgets/") else _VIEW_KEYS
        model["state"] = {k: v for k, v in model["state"].items() if k in keep or k not in default or default[k] != v}
    # Merge models with the same state, from the leaves up: identical layouts and styles first, then
    # the views whose state became identical with them (a stylesheet every widget carries, say). Only
    # display-only models are merged (never a control: two menus must not move together), and only
    # models no output shows directly, so every output keeps its own model id.
    shown = {
        output.get("data", {}).get("application/vnd.jupyter.widget-view+json", {}).get("model_id")
        for cell in nb.cells
        for output in cell.get("outputs", [])
    }
    refs = re.compile(r"IPY_MODEL_([0-9a-f]{32})")
    while True:
        first: dict[str, str] = {}
        merged: dict[str, str] = {}
        for model_id, model in models.items():
            if model_id in shown or not model["model_name"].endswith(_SHAREABLE):
                continue
            key = json.dumps([model["model_module"], model["model_name"], model["state"]], sort_keys=True)
            keep = first.setdefault(key, model_id)
            if keep != model_id:
                merged[model_id] = keep
        if not merged:
            return
        for old in merged:
            del models[old]
        for model in models.values():
            text = json.dumps(model["state"])
            if "IPY_MODEL_" in text:
                model["state"] = json.loads(refs.sub(lambda m, to=merged: f"IPY_MODEL_{to.get(m[1], m[1])}", text))


def stable_widget_ids(text: str, name: str) -> str:
    """Replace ipywidgets' random model ids with ids numbered by the notebook's structure.

    The ids only link widget views in outputs to the stored widget state, so any unique string
    works. Models are numbered in the order a reader meets them: the views in the outputs, cell by
    cell, then depth first through the models each one references. A rebuild then changes only what
    really changed.
    """
    notebook = json.loads(text)
    models = (notebook.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})).get(
        "state", {}
    )
    if not models:
        return text
    refs = re.compile(r"IPY_MODEL_([0-9a-f]{32})")
    order: list[str] = []

    def visit(model_id: str) -> None:
        if model_id in order or model_id not in models:
            return
        order.append(model_id)
        for ref in refs.findall(json.dumps(models[model_id]["state"], sort_keys=True)):
            visit(ref)

    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if view:
                visit(view["model_id"])
    # Models no view reaches (jslink's LinkModels) are ordered by what they link, named by the
    # numbers already given; then their own references are walked too.
    while len(order) < len(models):
        known = {m: i for i, m in enumerate(order)}

        def key(model_id: str, known: dict[str, int] = known) -> str:
            text = json.dumps(models[model_id], sort_keys=True)
            return refs.sub(lambda r: f"IPY_MODEL_{known.get(r.group(1), 'x')}", text)

        visit(min((m for m in models if m not in order), key=key))
    prefix = hashlib.sha1(name.encode()).hexdigest()[:8]
    mapping = {old: f"{prefix}{i:04x}" for i, old in enumerate(order)}  # short: every reference repeats it
    pattern = re.compile("|".join(re.escape(old) for old in mapping))
    return nbformat.writes(nbformat.reads(pattern.sub(lambda m: mapping[m.group(0)], text), as_version=4))


def _flat(items: list[Any]) -> bool:
    """A list written on one line: numbers, booleans, nulls and strings that are not lines of text."""
    return all(
        item is None or isinstance(item, bool | int | float) or (isinstance(item, str) and "\n" not in item)
        for item in items
    ) and not (items and all(isinstance(item, str) for item in items) and len(items) > 1 and _texty(items))


def _texty(items: list[str]) -> bool:
    # a cell's source or a stream's text split into lines keeps one line per line (readable diffs)
    return any(" " in item and len(item) > 40 for item in items)


def _widget_model(item: dict[str, Any]) -> bool:
    """A model of the stored widget state (``{"model_module": ..., "model_name": ..., "state": {...}}``)."""
    return {"model_module", "model_module_version", "model_name", "state"} <= item.keys()


def dumps_notebook(notebook: Any, level: int = 0) -> str:
    """nbformat's JSON (sorted keys, indent 1, UTF-8), but lists of plain values on one line.

    A plotly figure's arrays and a widget's list of children otherwise take one line per value.
    Each model of the stored widget state is one line too: a notebook holds up to ~200 of them, and
    their indentation alone was ~9% of a notebook's bytes (its diff still shows one model per line).
    """
    pad, inner = " " * level, " " * (level + 1)
    if isinstance(notebook, dict):
        if not notebook:
            return "{}"
        if _widget_model(notebook):
            return json.dumps(notebook, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))
        body = ",\n".join(
            f"{inner}{json.dumps(key, ensure_ascii=False)}: {dumps_notebook(notebook[key], level + 1)}"
            for key in sorted(notebook)
        )
        return "{\n" + body + "\n" + pad + "}"
    if isinstance(notebook, list):
        if not notebook:
            return "[]"
        if _flat(notebook):
            return json.dumps(notebook, ensure_ascii=False, separators=(", ", ": "))
        return "[\n" + ",\n".join(inner + dumps_notebook(item, level + 1) for item in notebook) + "\n" + pad + "]"
    return json.dumps(notebook, ensure_ascii=False)


def main(names: list[str]) -> None:
    names = names or sorted(p.stem for p in SRC.glob("*.py"))
    for name in names:
        print(f"built {build(name).relative_to(ROOT)}")

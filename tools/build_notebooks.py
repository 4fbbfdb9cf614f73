"""Build the workbook: notebooks/src/*.py (percent format) -> notebooks/*.ipynb, executed in place.

Usage: python tools/build_notebooks.py [NAME ...]      (default: every notebook)

Source format: cells start with ``# %%`` (code) or ``# %% [markdown]`` (markdown; each line starts
with ``# ``). In markdown, link templates are resolved from data/ so every link names an exact
release that was read:

* ``{{src:IDENT@RELEASE}}``  -> a link to IDENT's line in RELEASE (must be in data/sources.toml)
* ``{{survey:HANDLER@RELEASE}}`` -> a ->page_mkwrite handler's line (data/page_mkwrite_survey.toml)
* ``{{lore:MESSAGE-ID}}``    -> a lore.kernel.org link
* ``{{commit:SHA}}``         -> a git.kernel.org commit link (short hash as text)

Execution stores outputs (for nbval and for GitHub's preview) and the widget state; plotly keeps
its default ``plotly_mimetype`` renderer, so outputs are small and deterministic.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from folioviz.kernel.sources import _index, commit_url, lore_url, source_ref  # noqa: E402

SRC = ROOT / "notebooks" / "src"
OUT = ROOT / "notebooks"


class TemplateError(ValueError):
    pass


def _resolve(match: re.Match[str]) -> str:
    kind, arg = match.group(1), match.group(2)
    if kind == "src":
        ident, _, release = arg.partition("@")
        if (release, ident) not in _index():
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
    cells, kind, lines = [], None, []

    def flush() -> None:
        if kind is None:
            return
        text = "\n".join(lines).strip("\n")
        if kind == "markdown":
            text = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in text.splitlines())
            text = TEMPLATE.sub(_resolve, text)
            cells.append(nbformat.v4.new_markdown_cell(text))
        elif text:
            cells.append(nbformat.v4.new_code_cell(text))

    for line in path.read_text().splitlines():
        if line.startswith("# %%"):
            flush()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        elif kind is not None:
            lines.append(line)
    flush()
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{path.stem[:2]}-{i:03d}"  # stable ids: no random churn in diffs
    return nb


def build(name: str) -> Path:
    os.environ.pop("FOLIOVIZ_ERA", None)  # stored outputs are always in the default (the email's) era
    source = SRC / f"{name}.py"
    nb = parse(source)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", record_timing=False, resources={"metadata": {"path": str(OUT)}}
    )
    client.execute()
    nb.metadata.pop("widgets", None) if not nb.metadata.get("widgets") else None
    target = OUT / f"{name}.ipynb"
    target.write_text(stable_widget_ids(nbformat.writes(nb), name) + "\n")
    return target


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
    mapping = {old: f"{prefix}{i:024x}" for i, old in enumerate(order)}
    pattern = re.compile("|".join(re.escape(old) for old in mapping))
    return nbformat.writes(nbformat.reads(pattern.sub(lambda m: mapping[m.group(0)], text), as_version=4))


def main(names: list[str]) -> None:
    names = names or sorted(p.stem for p in SRC.glob("*.py"))
    for name in names:
        print(f"built {build(name).relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])

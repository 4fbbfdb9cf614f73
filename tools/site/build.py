"""Orchestration: load (or execute) each notebook, export its page, copy the assets, swap the finished site in."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tools.site
from tools.pinned import NpmAsset
from tools.site.assets import (
    ANYWIDGET_JS,
    DEFAULT_CACHE,
    DEFAULT_OUT,
    LOCAL_WIDGET_MODULES,
    MARKER,
    NOTEBOOKS,
    NPM_ASSETS,
    PLOTLY_JS,
    ROOT,
    STATIC,
    WIDGET_STATE_MIME,
    SiteBuildError,
    anywidget_js_source,
    extract_npm_asset,
    fetch_npm_asset,
    plotly_js_source,
    widget_modules,
)
from tools.site.exporter import export_page, make_exporter
from tools.site.pages import Notebook, external_loads, index_html, ready_notebooks

# ---------------------------------------------------------------------------------------------- build


def load_notebook(notebook: Notebook, *, execute: bool) -> Any:
    import nbformat

    if not execute:
        path = NOTEBOOKS / f"{notebook.id}.ipynb"
        if not path.is_file():
            raise SiteBuildError(f"{path.relative_to(ROOT)} does not exist; run `make notebooks` (or use --execute)")
        nb = nbformat.read(path, as_version=4)
        unexecuted = [c for c in nb.cells if c.cell_type == "code" and c.get("execution_count") is None]
        if unexecuted:
            raise SiteBuildError(
                f"{path.relative_to(ROOT)} has {len(unexecuted)} code cell(s) never executed; run `make notebooks` "
                "(or build with --execute)"
            )
        return nb
    # Fresh execution, in memory: the very function `python -m tools.notebooks` runs (the committed file is untouched).
    from tools.notebooks.build import execute as build_and_run

    return build_and_run(notebook.id)


def _size(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def _check_out(out: Path) -> None:
    """Refuse an output path that is not a directory this builder made (or an empty one)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise SiteBuildError(f"{out} exists and is not a directory")
    if any(out.iterdir()) and not (out / MARKER).exists():
        raise SiteBuildError(f"{out} is not empty and was not made by this builder ({MARKER} missing); not touching it")


def _prepare_out(out: Path) -> None:
    """Empty ``out`` (if the builder made it) and mark it as the builder's."""
    _check_out(out)
    if out.exists():
        for child in out.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(
        "made by tools/site (python -m tools.site); the whole directory is replaced on every build\n"
    )


def _swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` by the finished ``staging`` dir (a failed build leaves the previous site alone)."""
    _check_out(out)
    if out.exists():
        shutil.rmtree(out)
    os.replace(staging, out)


def _build_into(
    out: Path,
    notebooks: Sequence[Notebook],
    plotly_src: Path,
    plotly_js_version: str,
    tarballs: Sequence[tuple[NpmAsset, Path]],
    execute: bool,
    pages: list[dict[str, Any]],
) -> int:
    """Write the assets, the pages (appending their figures to ``pages``) and the index into ``out``."""
    import plotly

    import folioviz

    (out / STATIC).mkdir()
    shutil.copyfile(plotly_src, out / PLOTLY_JS)
    notice = [
        "Third-party files in this site, and where they came from.",
        "",
        f"static/plotly.min.js: plotly.js {plotly_js_version} (MIT), "
        f"from the Python package plotly {plotly.__version__}",
    ]
    for asset, tarball in tarballs:
        written = extract_npm_asset(asset, tarball, out)
        notice.append(f"npm {asset.spec} ({asset.licence}), integrity {asset.integrity}:")
        notice += [f"    {p.relative_to(out).as_posix()}" for p in sorted(written)]
    notice.append("The *.woff2 files are Font Awesome's fonts (SIL OFL 1.1), as the html-manager bundles them.")
    anywidget_js = anywidget_js_source()
    if anywidget_js is not None:
        shutil.copyfile(anywidget_js[0], out / ANYWIDGET_JS)
        notice.append(
            f"{ANYWIDGET_JS}: anywidget's front-end (MIT), nbextension/index.js of the Python package "
            f"anywidget {anywidget_js[1]}"
        )
    notice.append("static/notebook/*.css: JupyterLab's CSS (BSD-3-Clause) from nbconvert's lab template.")
    (out / STATIC / "NOTICE.txt").write_text("\n".join(notice) + "\n")

    exporter = make_exporter()
    page_ids = [nb.id for nb in notebooks]
    for i, notebook in enumerate(notebooks):
        t0 = time.monotonic()
        nb = load_notebook(notebook, execute=execute)
        foreign = sorted(widget_modules(nb) - set(LOCAL_WIDGET_MODULES))
        if foreign:
            raise SiteBuildError(
                f"{notebook.id}'s widgets need {', '.join(foreign)}, which the site does not serve: the page "
                "would fetch it from a CDN"
            )
        if "anywidget" in widget_modules(nb) and anywidget_js is None:
            raise SiteBuildError(f"{notebook.id} has anywidget widgets but anywidget is not installed here")
        prev = notebooks[i - 1] if i > 0 else None
        next_ = notebooks[i + 1] if i + 1 < len(notebooks) else None
        body, counts = export_page(nb, notebook, prev=prev, next_=next_, exporter=exporter, page_links=page_ids)
        loads = external_loads(body)
        if loads:
            raise SiteBuildError(f"{notebook.page} would load from outside the site: {', '.join(sorted(set(loads)))}")
        state = (nb.metadata.get("widgets") or {}).get(WIDGET_STATE_MIME, {}).get("state", {})
        if counts["widget_views"] and not state:
            raise SiteBuildError(f"{notebook.id} shows widgets but stores no widget state; re-run `make notebooks`")
        (out / notebook.page).write_text(body, encoding="utf-8")
        pages.append(
            {
                "page": notebook.page,
                "bytes": len(body.encode()),
                "plotly": counts["plotly"],
                "widget_views": counts["widget_views"],
                "widget_models": len(state),
                "seconds": time.monotonic() - t0,
            }
        )

    for target, css in sorted(exporter.shared_css.items()):
        (out / target).parent.mkdir(parents=True, exist_ok=True)
        (out / target).write_text(css, encoding="utf-8")

    versions = {
        "folioviz": folioviz.__version__,
        "plotly.js": plotly_js_version,
        **{asset.name: asset.version for asset, _ in tarballs},
        **({"anywidget": anywidget_js[1]} if anywidget_js else {}),
    }
    index = index_html(notebooks, versions)
    (out / "index.html").write_text(index, encoding="utf-8")
    if external_loads(index):
        raise SiteBuildError(f"index.html would load from outside the site: {external_loads(index)}")
    return len(index.encode())


def build_site(
    out: Path = DEFAULT_OUT,
    names: Sequence[str] | None = None,
    *,
    execute: bool = False,
    cache_dir: Path = DEFAULT_CACHE,
) -> dict[str, Any]:
    """Build the site into ``out``; returns a summary (pages, sizes, assets)."""
    started = time.monotonic()
    notebooks = ready_notebooks()
    if names:
        known = {nb.id: nb for nb in notebooks}
        unknown = [n for n in names if n.removesuffix(".ipynb") not in known]
        if unknown:
            raise SiteBuildError(
                f"not a ready notebook in data/workbook.toml: {', '.join(unknown)} (ready: {', '.join(known)})"
            )
        wanted = {n.removesuffix(".ipynb") for n in names}
        notebooks = [nb for nb in notebooks if nb.id in wanted]

    # Assets first: when they cannot be had, fail before the slow part.
    plotly_src, plotly_js_version = plotly_js_source()
    tarballs = [(asset, fetch_npm_asset(asset, cache_dir)) for asset in NPM_ASSETS]
    pages: list[dict[str, Any]] = []

    _check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-building-"))
    try:
        _prepare_out(staging)
        index_bytes = _build_into(staging, notebooks, plotly_src, plotly_js_version, tarballs, execute, pages)
        _swap_in(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)

    static_files = sorted(p for p in (out / STATIC).rglob("*") if p.is_file())
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {
        "out": out,
        "pages": pages,
        "index_bytes": index_bytes,
        "static": [(p.relative_to(out).as_posix(), p.stat().st_size) for p in static_files],
        "total_bytes": total,
        "seconds": time.monotonic() - started,
    }


def report(summary: dict[str, Any]) -> str:
    out: Path = summary["out"]
    lines = [f"built {out}/ in {summary['seconds']:.1f} s"]
    lines.append(f"  {'index.html':34} {_size(summary['index_bytes']):>9}")
    for page in summary["pages"]:
        what = f"{page['widget_views']} widget views, {page['widget_models']} models, {page['plotly']} plotly figures"
        lines.append(f"  {page['page']:34} {_size(page['bytes']):>9}   {what}  ({page['seconds']:.1f} s)")
    static_total = sum(size for _, size in summary["static"])
    lines.append(f"  shared assets (one copy each)      {_size(static_total):>9}")
    for name, size in summary["static"]:
        lines.append(f"    {name:40} {_size(size):>9}")
    pages_total = sum(p["bytes"] for p in summary["pages"]) + summary["index_bytes"]
    lines.append(f"  pages total                        {_size(pages_total):>9}")
    lines.append(f"  site total                         {_size(summary['total_bytes']):>9}")
    lines.append(f"open {(out / 'index.html').resolve().as_uri()}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.site", description=str(tools.site.__doc__).split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: site/)")
    parser.add_argument(
        "--notebooks", nargs="+", metavar="NAME", help="only these notebooks (default: every ready one)"
    )
    parser.add_argument("--execute", action="store_true", help="execute the notebook sources afresh, in memory")
    parser.add_argument(
        "--cache-dir", type=Path, default=DEFAULT_CACHE, help=f"npm tarball cache (default: {DEFAULT_CACHE})"
    )
    args = parser.parse_args(argv)
    try:
        summary = build_site(args.out.resolve(), args.notebooks, execute=args.execute, cache_dir=args.cache_dir)
    except SiteBuildError as exc:
        print(f"tools.site: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(report(summary))
    return 0

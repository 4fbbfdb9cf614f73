"""The site's HTML outside nbconvert: plotly figures as divs, the notebook list, links between pages, and the
check that no page loads anything from outside the site."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tools.site.assets import PLOTLY_CONFIG, PLOTLY_JS, PLOTLY_MIME, WIDGET_VIEW_MIME

# ------------------------------------------------------------------------------------- notebooks → HTML


@dataclass(frozen=True)
class Notebook:
    id: str
    title: str
    about: str

    @property
    def page(self) -> str:
        return f"{self.id}.html"


def ready_notebooks() -> list[Notebook]:
    """The "ready" notebooks of data/workbook.toml, in reading order (folioviz's one reader of that file)."""
    from folioviz.kernel.datafiles import workbook_notebooks

    return [Notebook(e.id, e.title, e.about) for e in workbook_notebooks("ready")]


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=False, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("\u2028", "\\u2028")


def plotly_div_id(notebook: str, cell_index: int, output_index: int) -> str:
    return f"plotly-{re.sub(r'[^A-Za-z0-9_-]', '_', notebook)}-c{cell_index:03d}-o{output_index}"


def plotly_html(figure: dict[str, Any], div_id: str) -> str:
    """A div and an inline script that draw ``figure`` (data, layout, frames, config) with the page's Plotly.

    plotly.js itself is not included: the page loads the site's one copy (``static/plotly.min.js``) in its
    head. Frames are added after the first draw so the figure's own buttons and slider can animate them.
    """
    layout = figure.get("layout") or {}
    height = layout.get("height")
    style = f"height:{int(height)}px; width:100%;" if isinstance(height, int | float) else "height:100%; width:100%;"
    payload = {
        "data": figure.get("data") or [],
        "layout": layout,
        "frames": figure.get("frames") or [],
        "config": {**PLOTLY_CONFIG, **(figure.get("config") or {})},
    }
    quoted_id = json.dumps(div_id)
    return (
        f'<div class="fv-plotly"><div id="{html.escape(div_id)}" class="plotly-graph-div" style="{style}"></div>\n'
        '<script type="text/javascript">\n'
        "(function () {\n"
        f"  var gd = document.getElementById({quoted_id});\n"
        f"  var figure = {_script_json(payload)};\n"
        "  if (!window.Plotly) {\n"
        f'    console.error("plotly.js is not loaded ({PLOTLY_JS}); cannot draw " + {quoted_id});\n'
        "    return;\n"
        "  }\n"
        "  Plotly.newPlot(gd, figure.data, figure.layout, figure.config).then(function () {\n"
        "    if (figure.frames.length) { return Plotly.addFrames(gd, figure.frames); }\n"
        "  });\n"
        "})();\n"
        "</script></div>"
    )


def prepare_notebook(nb: Any, name: str) -> dict[str, int]:
    """Make ``nb`` (an nbformat node, changed in place) ready for the static export.

    * plotly outputs become ``text/html`` (div + newPlot/addFrames), with deterministic div ids;
    * widget views get a deterministic div id (nbconvert would use a random uuid4).

    Returns counts: {"plotly": figures, "widget_views": views}.
    """
    counts = {"plotly": 0, "widget_views": 0}
    for ci, cell in enumerate(nb.cells):
        for oi, output in enumerate(cell.get("outputs", [])):
            data = output.get("data")
            if not data:
                continue
            if PLOTLY_MIME in data:
                figure = data[PLOTLY_MIME]
                if isinstance(figure, str):
                    figure = json.loads(figure)
                output["data"] = {"text/html": plotly_html(figure, plotly_div_id(name, ci, oi))}
                counts["plotly"] += 1
            elif WIDGET_VIEW_MIME in data:
                output.setdefault("metadata", {})["folioviz_div_id"] = f"widget-{name}-c{ci:03d}-o{oi}"
                counts["widget_views"] += 1
    return counts


# The page template: nbconvert's "lab" template, plus the site's assets, a navigation bar, and none of the


def rewrite_notebook_links(text: str, names: Iterable[str]) -> str:
    """``href="NAME.ipynb"`` (also JSON-escaped, also with #anchor) -> ``NAME.html`` for pages in the site."""
    names = sorted(set(names))
    if not names:
        return text
    alternatives = "|".join(map(re.escape, names))
    pattern = re.compile(r"""(href=\\?["'])(""" + alternatives + r""")\.ipynb(?=[#"'\\])""")
    return pattern.sub(r"\1\2.html", text)


# Things a page would *load* (not links a reader may follow): script/img/iframe/source src, stylesheet
# links, CSS url()/@import, and import()s in module scripts.
_LOADS = re.compile(
    r"""<(?:script|img|iframe|source|audio|video|embed)\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)"""
    r"""|<link\b(?=[^>]*\brel\s*=\s*["']?(?:stylesheet|preload|modulepreload|icon)\b)[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)"""
    r"""|url\(\s*["']?([^"')\s]+)"""
    r"""|@import\s+["']([^"']+)"""
    r"""|\bimport\(\s*["']([^"']+)""",
    re.IGNORECASE,
)


def external_loads(text: str) -> list[str]:
    """URLs a page would fetch from outside the site (anything with a scheme other than data:/blob:, or //host)."""
    found = []
    for match in _LOADS.finditer(text):
        url = next(g for g in match.groups() if g is not None)
        url = url.replace("\\/", "/")
        if re.match(r"(?i)(data|blob|about):", url) or url.startswith("#"):
            continue
        if re.match(r"(?i)[a-z][a-z0-9+.-]*:", url) or url.startswith("//"):
            found.append(url)
    return found


# ------------------------------------------------------------------------------------------- index page

INDEX_CSS = """
:root { color-scheme: light dark; --fg: #1a1a1a; --bg: #ffffff; --muted: #3d3d3d; --link: #0b4f9c;
  --card: #f4f4f4; --rule: #767676; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #f0f0f0; --bg: #121212; --muted: #cfcfcf; --link: #8cc4ff; --card: #1f1f1f; --rule: #9a9a9a; }
}
html { font-size: 112.5%; }
body { margin: 0; background: var(--bg); color: var(--fg); line-height: 1.6;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", sans-serif; }
main { max-width: 46rem; margin: 0 auto; padding: 2rem 1.25rem 3rem; }
h1 { font-size: 2.2rem; line-height: 1.2; margin: 0 0 0.5rem; }
h2 { font-size: 1.4rem; margin: 2rem 0 0.75rem; }
p { margin: 0 0 1rem; }
a { color: var(--link); text-underline-offset: 0.15em; }
a:focus-visible { outline: 3px solid var(--link); outline-offset: 3px; border-radius: 2px; }
code { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 0.95em; }
ol.notebooks { list-style: none; margin: 0; padding: 0; }
ol.notebooks li { background: var(--card); border-left: 6px solid var(--link); padding: 0.9rem 1.1rem;
  margin: 0 0 0.9rem; }
ol.notebooks a { font-size: 1.25rem; font-weight: 650; }
ol.notebooks .number { font-family: ui-monospace, "DejaVu Sans Mono", monospace; color: var(--muted); }
ol.notebooks p { margin: 0.3rem 0 0; color: var(--muted); }
.note { border: 2px solid var(--rule); padding: 0.9rem 1.1rem; }
footer { color: var(--muted); font-size: 0.85rem; border-top: 1px solid var(--rule); margin-top: 2.5rem;
  padding-top: 1rem; }
"""


def index_html(notebooks: Sequence[Notebook], versions: dict[str, str]) -> str:
    items = []
    for nb in notebooks:
        prefix = nb.id.split("_", 1)[0]
        number = f'<span class="number">{html.escape(prefix)}</span> ' if prefix.isdigit() else ""
        items.append(
            f'<li>{number}<a href="{html.escape(nb.page)}">{html.escape(nb.title)}</a>'
            f"<p>{html.escape(nb.about)}</p></li>"
        )
    made_with = ", ".join(f"{html.escape(k)} {html.escape(v)}" for k, v in versions.items())
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>folioviz workbook</title>
<style>{INDEX_CSS}</style>
</head>
<body>
<main>
<h1>folioviz workbook</h1>
<p>Learn, teach and demo the rules of <code>folio-&gt;mapping</code> in the Linux kernel: the mapping word as
bits, what it points to, what every kernel helper makes of it, and why <code>do_page_mkwrite()</code> tests
the raw <code>folio-&gt;mapping</code> and not <code>folio_mapping()</code>.</p>
<p class="note"><strong>This is a static copy, and it works offline.</strong> The widgets show the state
stored when the notebooks were run; clicking them does nothing, because that needs a Python kernel. To
click, run <code>make lab</code> in a checkout of folioviz. The plotly charts do play here: press their
play button or drag their slider.</p>
<h2>The notebooks, in reading order</h2>
<ol class="notebooks">
{chr(10).join(items)}
</ol>
<footer>Built with {made_with}. Every script and font is served from this site; no page loads anything
from the network.</footer>
</main>
</body>
</html>
"""

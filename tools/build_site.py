"""Build the workbook as a static HTML site that works offline, opened from file://.

Usage: python tools/build_site.py [--out site] [--notebooks NAME ...] [--execute] [--cache-dir DIR]

Output (``site/`` by default, git-ignored)::

    index.html                  the notebooks in reading order (data/workbook.toml, "ready" ones only)
    00_start_here.html ...      one page per notebook: outputs and widget state embedded
    static/plotly.min.js        plotly.js, one copy for the whole site (from the installed plotly package)
    static/require.js           require.js (npm ``requirejs``, pinned below)
    static/widgets/embed-amd.js the ipywidgets HTML manager (npm ``@jupyter-widgets/html-manager``, pinned)
    static/widgets/*.woff2      its icon fonts (Font Awesome), for the Play widget's buttons
    static/widgets/anywidget.js anywidget's front-end (AMD), from the installed anywidget package, for
                                folioviz's anywidget-based widgets (the bit field)
    static/notebook/*.css       JupyterLab's notebook CSS (from nbconvert's lab template), shared by the pages
    static/NOTICE.txt           where each asset came from, its version, integrity and licence

Nothing on a page refers to anything outside the site: MathJax and mermaid are left out (the notebooks
use neither), the widget manager and plotly.js load by relative URLs, and a check after the build
refuses any page that would load a script, stylesheet, image or font from another host.

Assets. plotly.js ships inside the plotly Python package. The widget manager and require.js do not
ship in any installed Python package, so the build runs ``npm pack NAME@VERSION`` once into a cache
directory (default ``~/.cache/folioviz/site-assets``) and checks each tarball against the sha512
integrity pinned in ``NPM_ASSETS``; later builds reuse the verified tarballs and need no network.

anywidget. A widget built on anywidget names the AMD module ``anywidget``; the html-manager asks
require.js for it and, when require.js cannot find it, falls back to a CDN. The site maps ``anywidget``
to ``static/widgets/anywidget.js``: the AMD build the anywidget Python package itself ships
(``anywidget/nbextension/index.js``), so no download is needed; each widget's own ES module is in its
stored state (``_esm``). A page whose widgets need any other third-party module is refused (it would
reach for a CDN).

Plotly. The committed notebooks keep plotly's ``plotly_mimetype`` output, which nbconvert's HTML does
not render. Each such output becomes a div with a deterministic id (``plotly-<notebook>-c<cell>-o<output>``)
and a script that calls ``Plotly.newPlot`` then ``Plotly.addFrames``, so the figure's own play button
and slider animate without a kernel.

Exit status: 0 built; 1 build error; 3 the npm assets are neither cached nor downloadable (offline).
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import pinned  # tools/pinned.py: the check of every pinned download and the policy for a bad file

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
WORKBOOK = ROOT / "data" / "workbook.toml"
DEFAULT_OUT = ROOT / "site"
DEFAULT_CACHE = pinned.cache_home() / "site-assets"
MARKER = ".folioviz-site"  # written into every output dir; only a dir holding it (or empty) is ever replaced

STATIC = "static/"
PLOTLY_JS = "static/plotly.min.js"
REQUIRE_JS = "static/require.js"
WIDGETS_DIR = "static/widgets/"
EMBED_AMD = "static/widgets/embed-amd.js"
ANYWIDGET_JS = "static/widgets/anywidget.js"
NOTEBOOK_CSS_DIR = "static/notebook/"  # JupyterLab's CSS as nbconvert's lab template ships it, one copy

PLOTLY_MIME = "application/vnd.plotly.v1+json"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
# The html-manager's AMD modules (named defines inside embed-amd.js) take their webpack public path, where
# they look for their fonts, from the URL require.js gives their module id; by default that is
# "<page dir>/@jupyter-widgets/...". Mapping every id into static/widgets/ points them all at the one copy.
AMD_PATHS = {
    f"@jupyter-widgets/{module}": f"{WIDGETS_DIR}{module.rsplit('/', 1)[-1]}"
    for module in ("base", "controls", "base7", "controls7", "html-manager", "html-manager/dist/libembed-amd")
}
AMD_PATHS["anywidget"] = ANYWIDGET_JS.removesuffix(".js")
# Widget model modules the site can serve: the html-manager's own, and anywidget's.
LOCAL_WIDGET_MODULES = ("@jupyter-widgets/base", "@jupyter-widgets/controls", "@jupyter-widgets/output", "anywidget")
PLOTLY_CONFIG = {"responsive": True, "displaylogo": False}

EXIT_BUILD_ERROR = 1
EXIT_ASSETS_UNAVAILABLE = 3


class SiteBuildError(RuntimeError):
    exit_code = EXIT_BUILD_ERROR


class AssetsUnavailableError(SiteBuildError):
    exit_code = EXIT_ASSETS_UNAVAILABLE


# ------------------------------------------------------------------------------------------ npm assets


@dataclass(frozen=True)
class NpmAsset:
    """One npm tarball, pinned by version and sha512 integrity, and the files the site takes from it."""

    name: str
    version: str
    integrity: str  # as `npm pack --json` / `npm view NAME@VERSION dist.integrity` print it
    licence: str
    files: tuple[tuple[str, str], ...]  # (regex on the tar member name, site dir to copy matches into)

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def tarball(self) -> str:
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"


NPM_ASSETS = (
    # ipywidgets 8 (widget state version_major 2) is rendered by html-manager 1.x; 1.0.15 is the latest 1.0.x.
    NpmAsset(
        name="@jupyter-widgets/html-manager",
        version="1.0.15",
        integrity="sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        licence="BSD-3-Clause",
        # embed-amd.js is self-contained (base, controls, output). The fonts are Font Awesome's, for icons
        # such as the Play widget's; every browser that can run embed-amd.js takes the woff2 (listed before
        # woff/ttf/eot/svg, which are left out, as are embed.js, libembed-amd.js and the source maps).
        files=((r"package/dist/embed-amd\.js", WIDGETS_DIR), (r"package/dist/[0-9a-f]{20}\.woff2", WIDGETS_DIR)),
    ),
    NpmAsset(
        name="requirejs",
        version="2.3.8",
        integrity="sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
        licence="MIT",
        files=((r"package/require\.js", STATIC),),
    ),
)


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch_npm_asset(asset: NpmAsset, cache_dir: Path, npm: str | None = None) -> Path:
    """The pinned tarball of ``asset`` in ``cache_dir``: reused when it verifies, else ``npm pack``-ed."""
    pinned.cache_dir(cache_dir, SiteBuildError)
    target = cache_dir / asset.tarball
    if pinned.reuse(target, asset.integrity, asset.spec):
        return target
    npm = npm or shutil.which("npm")
    hint = (
        f"Build once where the npm registry is reachable, or place {asset.tarball} ({asset.integrity}) in {cache_dir}."
    )
    if npm is None:
        raise AssetsUnavailableError(f"{asset.spec} is not cached in {cache_dir} and npm is not installed. {hint}")
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".npm-pack-") as scratch:
        cmd = [npm, "pack", asset.spec, "--json", "--pack-destination", scratch, "--prefer-offline"]
        cmd += ["--ignore-scripts", "--fund=false", "--audit=false", "--loglevel=error"]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
        except subprocess.TimeoutExpired:
            raise AssetsUnavailableError(f"`npm pack {asset.spec}` timed out after 180 s (offline?). {hint}") from None
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            telling = [line for line in lines if re.search(r"\b(code|errno|network|request to|404)\b", line)]
            tail = "\n    ".join(telling[:4] or lines[-6:])
            raise AssetsUnavailableError(
                f"`npm pack {asset.spec}` failed (exit {done.returncode}); is the npm registry reachable?\n"
                f"    {tail}\n{hint}"
            )
        try:
            reported = json.loads(done.stdout)[0]
        except (ValueError, IndexError, KeyError):
            reported = {}
        if reported.get("integrity") not in (None, asset.integrity):
            raise SiteBuildError(
                f"npm packed {asset.spec} with integrity {reported['integrity']}, but {asset.integrity} is pinned. "
                "Refusing to use it."
            )
        packed = Path(scratch) / reported.get("filename", asset.tarball)
        if not packed.is_file():
            raise SiteBuildError(f"`npm pack {asset.spec}` reported success but wrote no {packed.name}")
        pinned.check(packed, asset.integrity, f"{asset.spec}, just downloaded", SiteBuildError)
        os.replace(packed, target)
    print(f"fetched {asset.spec} into {target} ({target.stat().st_size / 1e6:.1f} MB, integrity verified)")
    return target


def extract_npm_asset(asset: NpmAsset, tarball: Path, out: Path) -> list[Path]:
    """Copy the members of ``tarball`` that ``asset.files`` selects into the site (no other path is written)."""
    written = []
    matched: set[str] = set()
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            for pattern, site_dir in asset.files:
                if re.fullmatch(pattern, member.name):
                    source = tar.extractfile(member)
                    assert source is not None
                    target = out / site_dir / Path(member.name).name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(source.read())
                    written.append(target)
                    matched.add(pattern)
                    break
    missing = [pattern for pattern, _ in asset.files if pattern not in matched]
    if missing:
        raise SiteBuildError(f"{tarball.name} has no member matching {', '.join(missing)}")
    return written


def plotly_js_source() -> tuple[Path, str]:
    """The installed plotly package's own plotly.min.js (no download) and its version."""
    import plotly
    from plotly.offline import get_plotlyjs_version

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise SiteBuildError(f"plotly {plotly.__version__} ships no {path}; cannot build the site offline")
    return path, get_plotlyjs_version()


def anywidget_js_source() -> tuple[Path, str] | None:
    """The installed anywidget package's AMD front-end and its version, or None when anywidget is not installed."""
    try:
        import anywidget
    except ImportError:
        return None
    path = Path(anywidget.__file__).parent / "nbextension" / "index.js"
    if not path.is_file():
        raise SiteBuildError(f"anywidget {anywidget.__version__} ships no {path}; cannot serve its front-end offline")
    return path, anywidget.__version__


def widget_modules(nb: Any) -> set[str]:
    """The JavaScript modules the notebook's stored widget models and views need."""
    state = (nb.metadata.get("widgets") or {}).get(WIDGET_STATE_MIME, {}).get("state", {})
    modules = set()
    for model in state.values():
        modules.add(model.get("model_module", ""))
        view = (model.get("state") or {}).get("_view_module")
        if view:
            modules.add(view)
    return modules - {""}


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
# CDN-hosted extras (MathJax, mermaid) the notebooks do not use.
PAGE_TEMPLATE = r"""
{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}
<script>window.__jupyter_widgets_assets_path__ = "{{ resources.folioviz.widgets_dir }}";</script>
{%- if resources.folioviz.plotly %}
<script src="{{ resources.folioviz.plotly_js }}"></script>
{%- endif %}
{{ super() }}
<script>
// The widget modules find their fonts next to their own require.js URL; give them the site's copy.
require.config({paths: {{ resources.folioviz.amd_paths | tojson }}});
</script>
{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<style type="text/css">
/* As in JupyterLab: outputs that set no font (the widgets' labels) inherit the UI font, not the browser's serif. */
body { font-family: var(--jp-ui-font-family); }
.fv-site-nav { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; font-size: 16px;
  line-height: 1.5; color: #1a1a1a; background: #f2f2f2; border-bottom: 1px solid #767676; padding: 8px 16px; }
.fv-site-nav a { color: #0b4f9c; font-weight: 600; }
.fv-site-nav a:focus-visible { outline: 3px solid #0b4f9c; outline-offset: 2px; }
.fv-site-nav ul { display: flex; flex-wrap: wrap; gap: 4px 24px; list-style: none; margin: 0; padding: 0; }
.fv-site-nav p { margin: 4px 0 0; }
.fv-plotly { width: 100%; }
</style>
{%- endblock extra_css -%}
{%- block body_header -%}
<body class="jp-Notebook" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">
<nav class="fv-site-nav" aria-label="workbook">
<ul>
<li><a href="index.html">folioviz workbook: all notebooks</a></li>
{%- if resources.folioviz.prev %}
<li><a rel="prev" href="{{ resources.folioviz.prev.page }}">&larr; {{ resources.folioviz.prev.title | e }}</a></li>
{%- endif %}
{%- if resources.folioviz.next %}
<li><a rel="next" href="{{ resources.folioviz.next.page }}">{{ resources.folioviz.next.title | e }} &rarr;</a></li>
{%- endif %}
</ul>
<p class="fv-site-note">A static copy: the widgets show their stored state and do not respond to clicks
(that needs a kernel: <code>make lab</code>). The plotly charts play.</p>
</nav>
<main>
{%- endblock body_header -%}
{%- block data_widget_view scoped %}
{% set div_id = output.metadata.get('folioviz_div_id') or uuid4() %}
{% set datatype_list = output.data | filter_data_type %}
{% set datatype = datatype_list[0]%}
<div id="{{ div_id }}" class="jupyter-widgets jp-OutputArea-output {{ extra_class }}">
<script type="text/javascript">
var element = document.getElementById('{{ div_id }}');
</script>
<script type="{{ datatype }}">
{{ output.data[datatype] | json_dumps | escape_html_script }}
</script>
</div>
{%- endblock data_widget_view -%}
"""


def make_exporter() -> Any:
    """nbconvert's HTMLExporter with the site's template, local asset URLs, and shared stylesheets.

    The lab template inlines its 256 kB of CSS (index.css, theme-light.css) into every page; here each
    such file becomes ``<link rel="stylesheet" href="static/notebook/NAME">`` and its text is collected in
    ``exporter.shared_css`` ({site path: css}) for the builder to write once. The CSS is the same; only
    where it lives changes (it holds no relative url(), only data: URIs).
    """
    import markupsafe
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    class SiteHTMLExporter(HTMLExporter):
        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            self.shared_css: dict[str, str] = {}

        def _init_resources(self, resources: Any) -> Any:  # as nbconvert's SlidesExporter does
            resources = super()._init_resources(resources)

            def include_css_shared(name: str) -> markupsafe.Markup:
                env = self.environment
                target = f"{NOTEBOOK_CSS_DIR}{Path(name).name}"
                self.shared_css[target] = env.loader.get_source(env, name)[0]
                return markupsafe.Markup(f'<link rel="stylesheet" href="{html.escape(target)}">')

            resources["include_css"] = include_css_shared
            return resources

    return SiteHTMLExporter(
        template_name="lab",
        template_file="folioviz_site.html.j2",
        extra_loaders=[DictLoader({"folioviz_site.html.j2": PAGE_TEMPLATE})],
        require_js_url=REQUIRE_JS,
        widget_renderer_url=EMBED_AMD,
        # never used (the template drops MathJax and mermaid), but no CDN URL should be left to find
        mathjax_url="",
        mermaid_js_url="",
        mermaid_layout_elk_js_url="",
        jupyter_widgets_base_url=WIDGETS_DIR,
    )


def export_page(
    nb: Any,
    notebook: Notebook,
    *,
    prev: Notebook | None = None,
    next_: Notebook | None = None,
    exporter: Any = None,
    page_links: Iterable[str] = (),
) -> tuple[str, dict[str, int]]:
    """The HTML page of one (executed) notebook. ``nb`` is not changed."""
    nb = copy.deepcopy(nb)
    counts = prepare_notebook(nb, notebook.id)
    nb.metadata["title"] = f"{notebook.title} · folioviz"
    widgets = nb.metadata.get("widgets") or {}
    if WIDGET_STATE_MIME not in widgets:
        nb.metadata.pop("widgets", None)  # the template's widget loader keys on its presence
    resources = {
        "metadata": {"name": notebook.id},
        "folioviz": {
            "plotly": counts["plotly"] > 0,
            "plotly_js": PLOTLY_JS,
            "widgets_dir": WIDGETS_DIR,
            "amd_paths": AMD_PATHS,
            "prev": prev,
            "next": next_,
        },
    }
    body, _ = (exporter or make_exporter()).from_notebook_node(nb, resources=resources)
    return rewrite_notebook_links(body, page_links), counts


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
    # Fresh execution, in memory, exactly as tools/build_notebooks.py does it (the committed file is untouched).
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from build_notebooks import SRC, parse
    finally:
        sys.path.pop(0)
    from nbclient import NotebookClient

    nb = parse(SRC / f"{notebook.id}.py")
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return nb


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
    (out / MARKER).write_text("made by tools/build_site.py; the whole directory is replaced on every build\n")


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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
        print(f"build_site: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(report(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""nbconvert's HTML exporter with the site's page template (local assets, shared stylesheets, navigation)."""

from __future__ import annotations

import copy
import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tools.site.assets import (
    AMD_PATHS,
    EMBED_AMD,
    NOTEBOOK_CSS_DIR,
    PLOTLY_JS,
    REQUIRE_JS,
    WIDGET_STATE_MIME,
    WIDGETS_DIR,
)
from tools.site.pages import Notebook, prepare_notebook, rewrite_notebook_links

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

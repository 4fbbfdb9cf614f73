"""How folioviz shows a plotly figure: its mime bundle, the figure class, and the helpers every figure shares.

The figures themselves (``refcount_figure``, ``history_figure``, ``race_summary_figure``) live in their own
modules and carry frames, so they animate where no Python runs (a static page).

The figures are :class:`FolioFigure` objects: plain ``go.Figure`` s (no ``FigureWidget``) that
display through folioviz's own mime bundle (:func:`figure_bundle`):

* ``application/vnd.plotly.v1+json``: the figure, data, layout and frames. JupyterLab, Notebook 7,
  Voilà and VS Code draw it (plotly's renderer ranks above ``text/html``), and in a static HTML
  export its own Play button and slider still work, because the frames live in the figure.
* ``text/html``: a static fallback for readers without plotly.js (GitHub's preview, nbviewer,
  ``nbconvert --to html``): a sentence saying what the figure shows and a small table of its data.
* ``text/plain``: the sentence.

Building the bundle ourselves, instead of through ``plotly.io.show()``, also means displaying a
figure never imports ``nbformat`` (plotly's mimetype renderer insists on it, and it cannot load in
Pyodide, the in-browser Python).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import plotly.graph_objects as go

from .markup import Markup, tag

__all__ = ["PLOTLY_MIME", "FolioFigure", "data_table_html", "figure_bundle", "folio_figure", "lean_template"]

PLOTLY_MIME = "application/vnd.plotly.v1+json"


def figure_bundle(fig: go.Figure, summary: str, fallback_html: Markup | str = "") -> dict[str, Any]:
    """The display bundle of a figure: plotly's JSON, a static HTML fallback, and a plain-text summary.

    The JSON is what plotly's own ``plotly_mimetype`` renderer stores (``to_json``, uids kept, no
    config), so outputs stay deterministic and the static site converts them as before.

    :param fallback_html: the static fallback's markup (a plain ``str`` is escaped: it shows as text)
    """
    from plotly.io import to_json

    figure = json.loads(to_json(fig.to_dict(), validate=False, remove_uids=False))
    note = tag("p", Markup("<b>Figure.</b> "), summary, class_="fv-figure-note")
    return {
        PLOTLY_MIME: figure,
        "text/html": str(tag("div", note, fallback_html, class_="folioviz fv-figure-fallback")),
        "text/plain": "Figure: " + summary.split(". ")[0].rstrip(".") + ".",
    }


class FolioFigure(go.Figure):
    """A ``go.Figure`` that displays through :func:`figure_bundle` (never through ``plotly.io.show``).

    Everything else is plotly's: ``update_layout``, ``to_dict``, ``write_html``... ``show()`` with
    no arguments displays the same bundle; with a renderer it is plotly's own ``show``.
    """

    _fv_summary: str = ""
    _fv_fallback: Callable[[], Markup] | None = None

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, Any]:
        fallback = self._fv_fallback() if self._fv_fallback is not None else ""
        return figure_bundle(self, self._fv_summary or "a plotly chart (run the notebook to see it).", fallback)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)

    def show(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            return super().show(*args, **kwargs)
        self._ipython_display_()
        return None


def folio_figure(fig: go.Figure, summary: str, fallback: Callable[[], Markup] | None = None) -> FolioFigure:
    """Wrap ``fig`` as a :class:`FolioFigure` with a one-sentence ``summary`` and a static ``fallback``.

    :param fallback: called at display time; returns markup (a small table of the figure's data)
    """
    out = fig if isinstance(fig, FolioFigure) else FolioFigure(fig, skip_invalid=True)
    out._fv_summary = summary
    out._fv_fallback = fallback
    return out


def data_table_html(
    caption: Markup | str, head: Sequence[Markup | str], rows: Sequence[Sequence[Markup | str]]
) -> Markup:
    """A small HTML table. The caption, heads and cells are text (escaped) unless given as :class:`Markup`."""
    th = tag("tr", *(tag("th", h) for h in head))
    body = (tag("tr", *(tag("td", c) for c in row)) for row in rows)
    return tag("table", tag("caption", caption), th, *body)


def lean_template(fig: go.Figure) -> go.Figure:
    """Keep the figure's template only for the trace types it draws (plotly's default carries ~25).

    The figure looks the same; its JSON, stored in every notebook that shows it, is ~7 KB smaller.
    """
    import plotly.io as pio

    template = fig.layout.template
    if not template.to_plotly_json().get("data"):  # no template yet: take plotly's default
        template = pio.templates[pio.templates.default]
    used = {trace.type for trace in fig.data}
    data = {kind: value for kind, value in template.to_plotly_json().get("data", {}).items() if kind in used}
    fig.layout.template = go.layout.Template(layout=template.layout, data=data)
    return fig

"""The ``->page_mkwrite`` survey's views: the handler table, the two charts, the counts and the differences.

The data is the model's (:mod:`folioviz.kernel.survey`, from ``data/page_mkwrite_survey.toml``).
"""

from __future__ import annotations

from html import escape

import plotly.graph_objects as go

from ..kernel.survey import (
    CONVENTIONS,
    HELPERS,
    RELEASES,
    STANDS_IN_FOR,
    PageMkwriteHandler,
    differences,
    row_counts,
    survey,
)
from .figures import FolioFigure, data_table_html, folio_figure, lean_template
from .tables import style_html
from .theme import OKABE_ITO, theme

__all__ = [
    "CONVENTION_GLYPH",
    "row_counts_html",
    "stands_in_note",
    "survey_differences_html",
    "survey_figure",
    "survey_table_html",
]


#: A colour and a pattern per release, so the two bars differ without colour too.
_RELEASE_STYLE = dict(zip(RELEASES, [(OKABE_ITO["blue"], ""), (OKABE_ITO["orange"], "/")], strict=True))


def stands_in_note(release: str) -> str:
    """The note " (stands in for ...)" when the release's handlers were surveyed in another tree, else nothing."""
    return f" (stands in for {STANDS_IN_FOR[release]})" if release in STANDS_IN_FOR else ""


#: A glyph per convention, written beside its name.
CONVENTION_GLYPH = {"modern": "✔", "old-school": "⚠", "dax": "◇", "pfn-map": "◆", "refuses": "✘", "helper": "⚙"}


def survey_table_html(rows: tuple[PageMkwriteHandler, ...] | list[PageMkwriteHandler]) -> str:
    """One row per handler: its name linked to its line, convention, helper, success value, truncation check."""
    body = []
    for row in rows:
        glyph = CONVENTION_GLYPH.get(row.convention, "")
        notes = escape(row.notes[:260]) + ("…" if len(row.notes) > 260 else "")
        body.append(
            f'<tr data-convention="{escape(row.convention)}">'
            f'<td><a href="{escape(row.url)}" target="_blank"><code>{escape(row.handler)}</code></a>'
            f'<div class="fv-cell-note">{escape(row.path)}:{row.line}</div></td>'
            f"<td>{glyph} {escape(row.convention)}</td><td>{escape(row.helper)}</td>"
            f"<td><code>{escape(row.success)}</code></td><td>{escape(row.truncation_check)}"
            f'<div class="fv-cell-note">{notes}</div></td><td>{escape(row.evidence)}</td></tr>'
        )
    return (
        '<table class="fv-table fv-survey" aria-label="page_mkwrite implementations">'
        "<tr><th>handler</th><th>convention</th><th>helper</th><th>on success</th>"
        "<th>how it notices truncation</th><th>read</th></tr>" + "".join(body) + "</table>"
    )


def survey_figure(by: str = "convention", *, presenter: bool | None = None) -> go.Figure:
    """Registered handlers per convention (or per helper), one bar per release, counts written on the bars."""
    if by not in ("convention", "helper"):
        raise ValueError(f"by must be 'convention' or 'helper', not {by!r}")
    t = theme(presenter)
    categories = list(CONVENTIONS) if by == "convention" else list(HELPERS)
    fig = FolioFigure()
    table: dict[str, list[int]] = {}
    for release in RELEASES:
        rows = [r for r in survey(release) if r.registered]
        counts = [sum(1 for r in rows if getattr(r, by) == c) for c in categories]
        table[release] = counts
        colour, pattern = _RELEASE_STYLE.get(release, (OKABE_ITO["grey"], "."))
        fig.add_trace(
            go.Bar(
                x=categories,
                y=counts,
                name=release,
                text=counts,
                textposition="outside",
                marker={"color": colour, "pattern": {"shape": pattern}, "line": {"color": "#1A1A1A", "width": 1}},
                hovertemplate=f"{release}: %{{y}} handler(s), %{{x}}<extra></extra>",
            )
        )
    fig.update_layout(
        title={"text": f"->page_mkwrite handlers by {by}", "x": 0.01},
        barmode="group",
        height=int(380 * t.scale),
        margin={"l": 60, "r": 20, "t": 70, "b": 50},
        font={"size": t.font_px, "family": t.sans},
        plot_bgcolor="#FFFFFF",
        legend={"title": {"text": "release read"}},
        yaxis={"title": {"text": "handlers"}, "gridcolor": "#E5E5E5", "dtick": 2},
    )
    summary = (
        f"How many registered ->page_mkwrite handlers use each {by}, one bar per release read ({', '.join(RELEASES)})."
    )

    def fallback() -> str:
        rows = [(escape(c), *(str(table[r][i]) for r in RELEASES)) for i, c in enumerate(categories)]
        return data_table_html(f"Handlers per {by}", (by, *RELEASES), rows)

    return folio_figure(lean_template(fig), summary, fallback)


def row_counts_html() -> str:
    """Per release read: the survey's rows = registered handlers + helpers nobody registers."""
    body = "".join(
        f"<tr><td>{escape(c.release)}{escape(stands_in_note(c.release))}</td><td>{c.rows}</td>"
        f"<td>{c.handlers}</td><td>{c.helpers}</td></tr>"
        for c in row_counts()
    )
    return (
        style_html() + '<div class="folioviz"><table class="fv-table" aria-label="survey rows per release">'
        "<tr><th>release</th><th>rows</th><th>= registered handlers</th><th>+ helpers nobody registers</th></tr>"
        + body
        + "</table></div>"
    )


def survey_differences_html() -> str:
    """What differs between the two releases read, handler by handler (removed, added, changed: which fields)."""
    body = "".join(
        f"<tr><td><code>{escape(d.handler)}</code></td><td>{escape(d.change)}</td>"
        f"<td>{escape(', '.join(d.fields))}</td></tr>"
        for d in differences()
    )
    return (
        style_html() + '<div class="folioviz"><table class="fv-table" aria-label="survey differences">'
        f"<tr><th>handler</th><th>{escape(' → '.join(reversed(RELEASES)))}</th><th>fields that differ</th></tr>"
        + body
        + "</table></div>"
    )

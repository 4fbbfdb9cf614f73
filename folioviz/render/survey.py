"""The ``->page_mkwrite`` survey's views: the handler table, the two charts, the counts and the differences.

The data is the model's (:mod:`folioviz.kernel.survey`, from ``data/page_mkwrite_survey.toml``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
from .markup import Markup, tag
from .tables import style_html
from .theme import OKABE_ITO, theme

__all__ = [
    "CONVENTION_GLYPH",
    "row_counts_html",
    "stands_in_note",
    "survey_count_html",
    "survey_differences_html",
    "survey_figure",
    "survey_snapshot_html",
    "survey_table_html",
]


#: A colour and a pattern per release, so the two bars differ without colour too.
_RELEASE_STYLE = dict(zip(RELEASES, [(OKABE_ITO["blue"], ""), (OKABE_ITO["orange"], "/")], strict=True))


def stands_in_note(release: str) -> str:
    """The note " (stands in for ...)" when the release's handlers were surveyed in another tree, else nothing."""
    return f" (stands in for {STANDS_IN_FOR[release]})" if release in STANDS_IN_FOR else ""


#: A glyph per convention, written beside its name.
CONVENTION_GLYPH = {"modern": "✔", "old-school": "⚠", "dax": "◇", "pfn-map": "◆", "refuses": "✘", "helper": "⚙"}


def survey_table_html(rows: tuple[PageMkwriteHandler, ...] | list[PageMkwriteHandler]) -> Markup:
    """One row per handler: its name linked to its line, convention, helper, success value, truncation check."""
    body = []
    for row in rows:
        glyph = CONVENTION_GLYPH.get(row.convention, "")
        notes = row.notes[:260] + ("…" if len(row.notes) > 260 else "")
        handler = tag("a", tag("code", row.handler), href=row.url, target="_blank")
        cells = [
            tag("td", handler, tag("div", f"{row.path}:{row.line}", class_="fv-cell-note")),
            tag("td", f"{glyph} {row.convention}"),
            tag("td", row.helper),
            tag("td", tag("code", row.success)),
            tag("td", row.truncation_check, tag("div", notes, class_="fv-cell-note")),
            tag("td", row.evidence),
        ]
        body.append(tag("tr", *cells, data_convention=row.convention))
    head = Markup(
        "<tr><th>handler</th><th>convention</th><th>helper</th><th>on success</th>"
        "<th>how it notices truncation</th><th>read</th></tr>"
    )
    return tag("table", head, *body, class_="fv-table fv-survey", aria_label="page_mkwrite implementations")


def survey_snapshot_html(rows: Sequence[Any], release: str, filters: str = "") -> Markup:
    """The survey explorer's static snapshot: the count, the filters (``filters``, as text) and a plain table."""
    cells = [
        Markup("<tr><td><code>{}</code></td><td>{} {}</td><td>{}</td></tr>").format(
            r.handler, CONVENTION_GLYPH.get(r.convention, ""), r.convention, r.helper
        )
        for r in rows
    ]
    return (
        survey_count_html(len(rows), release)
        + (tag("p", f"Filtered by {filters}.") if filters else "")
        + tag("table", Markup("<tr><th>handler</th><th>convention</th><th>helper</th></tr>"), *cells)
    )


def survey_count_html(shown: int, release: str) -> Markup:
    """How many of the release's rows the filters let through."""
    total = len(survey(release))
    text = f"{shown} of {total} rows in {release}{stands_in_note(release)}"
    return tag("div", text, class_="fv-survey-count", role="status")


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

    def fallback() -> Markup:
        rows = [(c, *(str(table[r][i]) for r in RELEASES)) for i, c in enumerate(categories)]
        return data_table_html(f"Handlers per {by}", (by, *RELEASES), rows)

    return folio_figure(lean_template(fig), summary, fallback)


def row_counts_html() -> Markup:
    """Per release read: the survey's rows = registered handlers + helpers nobody registers."""
    body = [
        tag("tr", *(tag("td", cell) for cell in (c.release + stands_in_note(c.release), c.rows, c.handlers, c.helpers)))
        for c in row_counts()
    ]
    head = Markup(
        "<tr><th>release</th><th>rows</th><th>= registered handlers</th><th>+ helpers nobody registers</th></tr>"
    )
    table = tag("table", head, *body, class_="fv-table", aria_label="survey rows per release")
    return style_html() + tag("div", table, class_="folioviz")


def survey_differences_html() -> Markup:
    """What differs between the two releases read, handler by handler (removed, added, changed: which fields)."""
    body = [
        Markup("<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>").format(
            d.handler, d.change, ", ".join(d.fields)
        )
        for d in differences()
    ]
    head = Markup("<tr><th>handler</th><th>{}</th><th>fields that differ</th></tr>").format(
        " → ".join(reversed(RELEASES))
    )
    table = tag("table", head, *body, class_="fv-table", aria_label="survey differences")
    return style_html() + tag("div", table, class_="folioviz")

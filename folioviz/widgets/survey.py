"""The ``->page_mkwrite`` survey as an interactive table and two charts (data: ``data/page_mkwrite_survey.toml``)."""

from __future__ import annotations

from html import escape
from typing import Any

import ipywidgets as w
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
from .snapshot import SnapshotMixin
from .tables import style_html
from .theme import OKABE_ITO, is_presenter, theme

__all__ = ["SurveyExplorer", "row_counts_html", "survey_differences_html", "survey_figure", "survey_table_html"]

#: A colour and a pattern per release, so the two bars differ without colour too.
_RELEASE_STYLE = dict(zip(RELEASES, [(OKABE_ITO["blue"], ""), (OKABE_ITO["orange"], "/")], strict=True))


def _stands_in(release: str) -> str:
    return f" (stands in for {STANDS_IN_FOR[release]})" if release in STANDS_IN_FOR else ""


_CONVENTION_GLYPH = {"modern": "✔", "old-school": "⚠", "dax": "◇", "pfn-map": "◆", "refuses": "✘", "helper": "⚙"}


def survey_table_html(rows: tuple[PageMkwriteHandler, ...] | list[PageMkwriteHandler]) -> str:
    """One row per handler: its name linked to its line, convention, helper, success value, truncation check."""
    body = []
    for row in rows:
        glyph = _CONVENTION_GLYPH.get(row.convention, "")
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


class SurveyExplorer(SnapshotMixin, w.VBox):
    """Filter the survey by release, convention and helper, or search by name; the table follows."""

    def __init__(self, release: str = RELEASES[0], *, presenter: bool | None = None, **kwargs: Any) -> None:
        presenter = is_presenter(presenter)
        if release not in RELEASES:
            raise ValueError(f"release must be one of {', '.join(RELEASES)}, not {release!r}")
        self._release = w.ToggleButtons(options=list(RELEASES), value=release, description="release")
        self._convention = w.Dropdown(options=[("any", ""), *[(c, c) for c in CONVENTIONS]], description="convention")
        self._helper = w.Dropdown(options=[("any", ""), *[(h, h) for h in HELPERS]], description="helper")
        self._search = w.Text(placeholder="handler or file", description="search", continuous_update=True)
        self._count = w.HTML("")
        self._table = w.HTML("")
        for control in (self._release, self._convention, self._helper, self._search):
            control.style.description_width = "initial"
            control.observe(lambda _: self._render(), names="value")
        controls = w.HBox(
            [self._release, self._convention, self._helper, self._search], layout=w.Layout(flex_flow="row wrap")
        )
        super().__init__([w.HTML(style_html(presenter)), controls, self._count, self._table], **kwargs)
        self.add_class("folioviz")
        self.add_class("folioviz-survey")
        self._render()

    @property
    def rows(self) -> tuple[PageMkwriteHandler, ...]:
        """The rows the filters currently let through."""
        text = self._search.value.strip().lower()
        return tuple(
            r
            for r in survey(self._release.value)
            if (not self._convention.value or r.convention == self._convention.value)
            and (not self._helper.value or r.helper == self._helper.value)
            and (not text or text in r.handler.lower() or text in r.path.lower())
        )

    def filter(self, *, release: str | None = None, convention: str = "", helper: str = "", search: str = "") -> int:
        """Set every filter at once (as the controls do); returns how many rows are shown."""
        if release is not None:
            self._release.value = release
        self._convention.value = convention
        self._helper.value = helper
        self._search.value = search
        return len(self.rows)

    def _render(self) -> None:
        rows = self.rows
        total = len(survey(self._release.value))
        self._count.value = (
            f'<div class="fv-survey-count" role="status">{len(rows)} of {total} rows in {escape(self._release.value)}'
            f"{_stands_in(self._release.value)}</div>"
        )
        self._table.value = survey_table_html(rows)

    def _snapshot_html(self) -> str:
        rows = "".join(
            f"<tr><td><code>{escape(r.handler)}</code></td><td>{_CONVENTION_GLYPH.get(r.convention, '')} "
            f"{escape(r.convention)}</td><td>{escape(r.helper)}</td></tr>"
            for r in self.rows
        )
        filters = ", ".join(
            f"{name} {escape(control.value)}"
            for name, control in (("convention", self._convention), ("helper", self._helper), ("search", self._search))
            if control.value
        )
        return (
            self._count.value
            + (f"<p>Filtered by {filters}.</p>" if filters else "")
            + f"<table><tr><th>handler</th><th>convention</th><th>helper</th></tr>{rows}</table>"
        )

    def __repr__(self) -> str:
        return f"SurveyExplorer(release={self._release.value!r}, rows={len(self.rows)})"


def row_counts_html() -> str:
    """Per release read: the survey's rows = registered handlers + helpers nobody registers."""
    body = "".join(
        f"<tr><td>{escape(c.release)}{escape(_stands_in(c.release))}</td><td>{c.rows}</td>"
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

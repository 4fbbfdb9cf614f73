"""The ``->page_mkwrite`` survey as an interactive table and two charts (data: ``data/page_mkwrite_survey.toml``)."""

from __future__ import annotations

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
from .markup import Markup, tag
from .snapshot import SnapshotMixin
from .tables import style_html
from .theme import OKABE_ITO, is_presenter, theme

__all__ = [
    "SurveyExplorer",
    "row_counts_html",
    "survey_count_html",
    "survey_differences_html",
    "survey_figure",
    "survey_table_html",
]

#: A colour and a pattern per release, so the two bars differ without colour too.
_RELEASE_STYLE = dict(zip(RELEASES, [(OKABE_ITO["blue"], ""), (OKABE_ITO["orange"], "/")], strict=True))


def _stands_in(release: str) -> str:
    return f" (stands in for {STANDS_IN_FOR[release]})" if release in STANDS_IN_FOR else ""


_CONVENTION_GLYPH = {"modern": "✔", "old-school": "⚠", "dax": "◇", "pfn-map": "◆", "refuses": "✘", "helper": "⚙"}


def survey_table_html(rows: tuple[PageMkwriteHandler, ...] | list[PageMkwriteHandler]) -> Markup:
    """One row per handler: its name linked to its line, convention, helper, success value, truncation check."""
    body = []
    for row in rows:
        glyph = _CONVENTION_GLYPH.get(row.convention, "")
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


def survey_count_html(shown: int, release: str) -> Markup:
    """How many of the release's rows the filters let through."""
    total = len(survey(release))
    text = f"{shown} of {total} rows in {release}{_stands_in(release)}"
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
        self._count.value = survey_count_html(len(rows), self._release.value)
        self._table.value = survey_table_html(rows)

    def _snapshot_html(self) -> Markup:
        rows = [
            Markup("<tr><td><code>{}</code></td><td>{} {}</td><td>{}</td></tr>").format(
                r.handler, _CONVENTION_GLYPH.get(r.convention, ""), r.convention, r.helper
            )
            for r in self.rows
        ]
        filters = ", ".join(
            f"{name} {control.value}"
            for name, control in (("convention", self._convention), ("helper", self._helper), ("search", self._search))
            if control.value
        )
        return (
            survey_count_html(len(self.rows), self._release.value)
            + (tag("p", f"Filtered by {filters}.") if filters else "")
            + tag("table", Markup("<tr><th>handler</th><th>convention</th><th>helper</th></tr>"), *rows)
        )

    def __repr__(self) -> str:
        return f"SurveyExplorer(release={self._release.value!r}, rows={len(self.rows)})"


def row_counts_html() -> Markup:
    """Per release read: the survey's rows = registered handlers + helpers nobody registers."""
    body = [
        tag("tr", *(tag("td", cell) for cell in (c.release + _stands_in(c.release), c.rows, c.handlers, c.helpers)))
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

"""The race explorer's chart: for each variant, the share of thread orders ending in each outcome.

plotly is imported when a chart is built, not with this module: notebook 06 imports the builder in its first
cell, where the page has nothing to draw yet and waits for the kernel (issue 22's profile).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..kernel.errors import FolioVizError
from ..kernel.races import VARIANTS, Comparison, Exploration, RaceOutcome, RunOutcome
from .markup import Markup, tag
from .race_style import DARK_TEXT, counts_text, orders_text, outcome_style
from .theme import theme

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["race_summary_figure"]


def _bar_note(e: Exploration) -> str:
    if len(e.outcomes) == 1 and e.outcomes[0].certain and e.outcomes[0].outcome.kinds == (RaceOutcome.LIVELOCK,):
        return f"no order finishes · {e.states} states"
    return f"{e.total:,} order{'s' if e.total != 1 else ''} · {e.states} states"


def race_summary_figure(*comparisons: Comparison, presenter: bool | None = None) -> go.Figure:
    """Outcomes per variant: one horizontal bar per variant, split by the share of orders ending in each outcome.

    One panel per :class:`~folioviz.kernel.races.Comparison` (for example a file folio and a driver
    page). Segments carry the count as text, a pattern and a legend entry; the total orders and the
    states explored are written beside each bar. A livelock that no order escapes fills its bar.
    """
    if not comparisons:
        raise FolioVizError("race_summary_figure() needs at least one comparison, e.g. compare_variants()")
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from .figures import FolioFigure, folio_figure, lean_template

    t = theme(presenter)
    fig = make_subplots(
        rows=len(comparisons),
        cols=1,
        subplot_titles=[c.title for c in comparisons],
        vertical_spacing=0.16 if len(comparisons) > 1 else 0.1,
        figure=FolioFigure(),
    )
    shown: set[str] = set()
    all_outcomes: dict[str, RunOutcome] = {}
    for c in comparisons:
        for e in c:
            for r in e.outcomes:
                all_outcomes[r.name] = r.outcome
    order = sorted(all_outcomes, key=lambda n: all_outcomes[n].sort_key)
    for row, comparison in enumerate(comparisons, start=1):
        labels = [VARIANTS[e.model.variant].label for e in comparison]
        for name in order:
            outcome = all_outcomes[name]
            colour, glyph, pattern = outcome_style(outcome)
            xs: list[float] = []
            texts: list[str] = []
            hovers: list[str] = []
            for e in comparison:
                try:
                    report = e.report(name)
                except FolioVizError:
                    xs.append(0)
                    texts.append("")
                    hovers.append("")
                    continue
                share = 100.0 if report.certain else 100.0 * report.interleavings / e.total
                xs.append(round(share, 2))
                texts.append(
                    f"{glyph} {'every order' if orders_text(report) == 'every order' else report.interleavings}"
                )
                hovers.append(f"{name}: {orders_text(report)} of {e.total:,} ({share:.1f}%)")
            if not any(xs):
                continue
            fig.add_trace(
                go.Bar(
                    x=xs,
                    y=labels,
                    orientation="h",
                    name=f"{glyph} {name}",
                    legendgroup=name,
                    showlegend=name not in shown,
                    text=texts,
                    textposition="inside",
                    insidetextanchor="middle",
                    textfont={"color": "#000000" if colour in DARK_TEXT else "#FFFFFF"},
                    marker={
                        "color": colour,
                        "pattern": {
                            "shape": pattern,
                            "fgcolor": "#FFFFFF" if colour not in DARK_TEXT else "#000000",
                            "size": 7,
                            "solidity": 0.15,
                        },
                        "line": {"color": "#FFFFFF", "width": 1},
                    },
                    hovertext=hovers,
                    hovertemplate="%{hovertext}<extra></extra>",
                ),
                row=row,
                col=1,
            )
            shown.add(name)
        for label, e in zip(labels, comparison, strict=True):
            fig.add_annotation(
                x=101,
                y=label,
                text=_bar_note(e),
                showarrow=False,
                xanchor="left",
                font={"size": t.font_px - 1},
                row=row,
                col=1,
            )
        fig.update_yaxes(autorange="reversed", row=row, col=1)
        fig.update_xaxes(range=[0, 135], tickvals=[0, 25, 50, 75, 100], ticksuffix="%", row=row, col=1)
    fig.update_xaxes(title_text="share of all orders of steps (%)", row=len(comparisons), col=1)
    fig.update_layout(
        barmode="stack",
        uniformtext={"minsize": max(9, t.font_px - 3), "mode": "hide"},
        title={"text": "Every interleaving of a write fault against truncation: outcomes per variant", "x": 0.01},
        height=int((150 + 230 * len(comparisons)) * t.scale),
        margin={"l": 290, "r": 20, "t": 90, "b": 60},
        font={"size": t.font_px, "family": t.sans},
        legend={"orientation": "h", "y": -0.12, "x": 0.0, "title": {"text": "outcome"}},
        plot_bgcolor="#FFFFFF",
        bargap=0.3,
    )
    fig.update_xaxes(gridcolor="#E5E5E5")
    summary = (
        "For each variant of the code, the share of all orders of steps (interleavings of a write fault and "
        "truncation) that ends in each outcome; " + "; ".join(c.title for c in comparisons) + "."
    )

    def fallback() -> Markup:
        return Markup("").join(
            tag("p", tag("b", c.title))
            + tag("ul", *(tag("li", f"{VARIANTS[e.model.variant].label}: {counts_text(e)}") for e in c))
            for c in comparisons
        )

    return folio_figure(lean_template(fig), summary, fallback)

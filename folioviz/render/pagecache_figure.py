"""The page-cache figure (refcount_figure): the count over a scenario's steps, who holds each reference, and the lanes.

Built on :mod:`folioviz.render.figures` (plotly); the scenarios come from the model.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..kernel.errors import FolioVizError, WrongTypeError, quote
from ..kernel.pagecache import PageCacheFolio, window_steps
from ..kernel.scenario import Scenario
from .figures import FolioFigure, folio_figure, lean_template
from .markup import Markup, tag
from .theme import OKABE_ITO, holder_colour, theme

__all__ = ["refcount_figure"]


def _holder_order(states: Sequence[PageCacheFolio]) -> list[str]:
    order: list[str] = []
    for state in states:
        for name, _ in state.holders:
            if name not in order:
                order.append(name)
    return order


def _lanes(state: PageCacheFolio) -> tuple[str, str, str]:
    lock = state.locked_by or "unlocked"
    cache = "freed" if state.freed else ("in cache" if state.in_xarray else "out of cache")
    mapping = "NULL" if state.mapping == 0 else "M"
    return lock, cache, mapping


def _windows(flags: Sequence[bool]) -> list[tuple[int, int]]:
    spans, start = [], None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            spans.append((start, i - 1))
            start = None
    return spans


def _pagecache_scenario(scenario: object) -> Scenario[PageCacheFolio]:
    """A page-cache scenario, or the one a name stands for; anything else is refused in words."""
    from ..kernel.pagecache import PAGECACHE_SCENARIOS

    names = ", ".join(sorted(PAGECACHE_SCENARIOS))
    if isinstance(scenario, str):
        if scenario not in PAGECACHE_SCENARIOS:
            raise FolioVizError(f"no page-cache scenario named {quote(scenario)}; the scenarios are {names}")
        return PAGECACHE_SCENARIOS[scenario]()
    if not isinstance(scenario, Scenario) or not all(isinstance(s, PageCacheFolio) for s in scenario.states):
        raise WrongTypeError(f"give a page-cache scenario or its name ({names}), not {type(scenario).__name__}")
    return scenario


def refcount_figure(scenario: Scenario[PageCacheFolio] | str, *, presenter: bool | None = None) -> go.Figure:
    """The refcount over the scenario's steps, who holds each reference, and the lock/cache/mapping lanes.

    ``scenario`` is a page-cache scenario or the name of one (``"truncation"``: see ``PAGECACHE_SCENARIOS``).

    Steps where ``mapping`` is NULL while the count is above zero are shaded: that is when
    ``do_page_mkwrite()`` can meet the folio (R9). Frame *k* reveals steps 0..k; the figure's own
    Play button and slider animate it.
    """
    scenario = _pagecache_scenario(scenario)
    t = theme(presenter)
    states = scenario.states
    n = len(states)
    steps = list(range(n))
    holders = _holder_order(states)
    window = window_steps(scenario)
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.62, 0.38],
        vertical_spacing=0.09,
        figure=FolioFigure(),
    )

    def bar_y(holder: str, upto: int) -> list[int | None]:
        return [state.refs_of(holder) if i <= upto else None for i, state in enumerate(states)]

    def bar_text(holder: str, upto: int) -> list[str]:
        return [
            (f"{holder} {state.refs_of(holder)}" if state.refs_of(holder) and i <= upto else "")
            for i, state in enumerate(states)
        ]

    lane_names = ("lock", "page cache", "mapping")
    lane_symbols = {
        "lock": lambda v: "square-open" if v == "unlocked" else "square",
        "page cache": lambda v: "circle" if v == "in cache" else ("x" if v == "freed" else "circle-open"),
        "mapping": lambda v: "diamond" if v == "M" else "diamond-open",
    }

    def lane_trace(lane: int, upto: int) -> dict[str, list]:
        values = [_lanes(s)[lane] for s in states]
        name = lane_names[lane]
        return {
            "x": [i if i <= upto else None for i in steps],
            "y": [name] * n,
            "text": [v if i <= upto and (i == 0 or values[i - 1] != v) else "" for i, v in enumerate(values)],
            "marker.symbol": [lane_symbols[name](v) for v in values],
        }

    def marker(upto: int) -> dict[str, list]:
        state = states[upto]
        label = "freed" if state.freed else f"count {state.refcount}"
        return {"x": [upto], "y": [state.refcount + 0.35], "text": [label]}

    last = n - 1
    for holder in holders:
        fig.add_trace(
            go.Bar(
                x=steps,
                y=bar_y(holder, last),
                name=holder,
                text=bar_text(holder, last),
                textposition="inside",
                insidetextanchor="middle",
                marker={"color": holder_colour(holder, holders), "line": {"color": "#FFFFFF", "width": 1}},
                hovertemplate=f"{holder}: %{{y}} reference(s)<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for lane in range(3):
        lt = lane_trace(lane, last)
        fig.add_trace(
            go.Scatter(
                x=lt["x"],
                y=lt["y"],
                text=lt["text"],
                mode="markers+text",
                textposition="top center",
                marker={"symbol": lt["marker.symbol"], "size": 13 * t.scale, "color": "#1A1A1A"},
                showlegend=False,
                hoverinfo="skip",
                cliponaxis=False,
                name=lane_names[lane],
            ),
            row=2,
            col=1,
        )
    mk = marker(last)
    fig.add_trace(
        go.Scatter(
            x=mk["x"],
            y=mk["y"],
            text=mk["text"],
            mode="markers+text",
            textposition="top center",
            marker={"symbol": "triangle-down", "size": 16 * t.scale, "color": "#1A1A1A"},
            textfont={"size": t.font_px + 1},
            name="now",
            showlegend=False,
            hoverinfo="skip",
        ),
        row=1,
        col=1,
    )
    ymax = max(s.refcount for s in states) + 1.2
    for start, end in _windows(window):
        fig.add_vrect(
            x0=start - 0.5,
            x1=end + 0.5,
            fillcolor=OKABE_ITO["yellow"],
            opacity=0.25,
            line_width=0,
            row="all",
            col=1,
        )
        fig.add_annotation(
            x=(start + end) / 2,
            y=ymax,
            text="mapping NULL, count > 0:<br>do_page_mkwrite() can meet it (R9)",
            showarrow=False,
            font={"size": t.font_px - 1},
            row=1,
            col=1,
        )
    ticks = [f"{i}<br>{step.function}" for i, step in enumerate(scenario.steps)]
    fig.update_xaxes(
        tickmode="array",
        tickvals=steps,
        ticktext=ticks,
        tickangle=-35,
        tickfont={"size": max(10, t.font_px - 2)},
        range=[-0.6, n - 0.4],
        row=2,
        col=1,
    )
    fig.update_xaxes(tickmode="array", tickvals=steps, ticktext=[str(i) for i in steps], row=1, col=1)
    fig.update_yaxes(title_text="refcount, by holder", range=[0, ymax + 0.8], dtick=1, row=1, col=1)
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(lane_names)), range=[-0.5, 2.75], row=2, col=1)

    trace_count = len(holders) + 4
    frames = []
    for k in steps:
        data: list[dict] = []
        for holder in holders:
            data.append({"type": "bar", "y": bar_y(holder, k), "text": bar_text(holder, k)})
        for lane in range(3):
            lt = lane_trace(lane, k)
            data.append({"type": "scatter", "x": lt["x"], "text": lt["text"]})
        mk = marker(k)
        data.append({"type": "scatter", "x": mk["x"], "y": mk["y"], "text": mk["text"]})
        frames.append(go.Frame(name=str(k), data=data, traces=list(range(trace_count))))
    fig.frames = frames
    duration = 900
    fig.update_layout(
        title={"text": f"{scenario.title}  ·  {scenario.era}", "x": 0.01},
        barmode="stack",
        height=int(640 * t.scale),
        margin={"l": 80, "r": 20, "t": 80, "b": 190},
        font={"size": t.font_px, "family": t.sans},
        legend={
            "orientation": "h",
            "y": 1.02,
            "yanchor": "bottom",
            "x": 1.0,
            "xanchor": "right",
            "title": {"text": "held by"},
        },
        plot_bgcolor="#FFFFFF",
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "x": 0.0,
                "y": -0.36,
                "xanchor": "left",
                "showactive": False,
                "buttons": [
                    {
                        "label": "▶ play",
                        "method": "animate",
                        "args": [
                            None,
                            {
                                "frame": {"duration": duration, "redraw": True},
                                "fromcurrent": True,
                                "transition": {"duration": 0},
                            },
                        ],
                    },
                    {
                        "label": "❚❚ pause",
                        "method": "animate",
                        "args": [[None], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}],
                    },
                ],
            }
        ],
        sliders=[
            {
                "active": last,
                "x": 0.2,
                "y": -0.30,
                "len": 0.8,
                "currentvalue": {"prefix": "step "},
                "steps": [
                    {
                        "label": str(k),
                        "method": "animate",
                        "args": [[str(k)], {"frame": {"duration": 0, "redraw": True}, "mode": "immediate"}],
                    }
                    for k in steps
                ],
            }
        ],
    )
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(gridcolor="#E5E5E5")
    from ..kernel.versions import get_era

    summary = (
        f"The folio's refcount at each of the {n} steps of “{scenario.title}” ({get_era(scenario.era).label}), "
        "split by who holds each reference, with lanes for the folio lock, the page cache and ->mapping. "
        "Shaded: steps where ->mapping is NULL while references remain (R9). Its play button and slider step "
        "through it."
    )

    def fallback() -> Markup:
        counts = (f"{i}: {'freed' if state.freed else state.refcount}" for i, state in enumerate(states))
        return tag("p", "The refcount after each step (step: count): " + " · ".join(counts) + ".")

    return folio_figure(lean_template(fig), summary, fallback)

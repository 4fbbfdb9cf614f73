"""Pure functions from scenarios to plotly Figures, with frames so they animate without a kernel.

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
an in-browser kernel).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..kernel.errors import FolioVizError, WrongTypeError, quote
from ..kernel.pagecache import PageCacheFolio, window_steps
from ..kernel.races import VARIANTS, Comparison, Exploration, RaceOutcome, RunOutcome
from ..kernel.scenario import Scenario
from .race_style import _DARK_TEXT, _counts_text, _style, orders_text
from .theme import OKABE_ITO, theme

__all__ = [
    "HOLDER_COLOURS",
    "PLOTLY_MIME",
    "FolioFigure",
    "data_table_html",
    "figure_bundle",
    "folio_figure",
    "history_figure",
    "holder_colour",
    "lean_template",
    "refcount_figure",
]

PLOTLY_MIME = "application/vnd.plotly.v1+json"


def figure_bundle(fig: go.Figure, summary: str, fallback_html: str = "") -> dict[str, Any]:
    """The display bundle of a figure: plotly's JSON, a static HTML fallback, and a plain-text summary.

    The JSON is what plotly's own ``plotly_mimetype`` renderer stores (``to_json``, uids kept, no
    config), so outputs stay deterministic and the static site converts them as before.
    """
    from plotly.io import to_json

    figure = json.loads(to_json(fig.to_dict(), validate=False, remove_uids=False))
    note = f'<p class="fv-figure-note"><b>Figure.</b> {escape(summary)}</p>'
    return {
        PLOTLY_MIME: figure,
        "text/html": f'<div class="folioviz fv-figure-fallback">{note}{fallback_html}</div>',
        "text/plain": "Figure: " + summary.split(". ")[0].rstrip(".") + ".",
    }


class FolioFigure(go.Figure):
    """A ``go.Figure`` that displays through :func:`figure_bundle` (never through ``plotly.io.show``).

    Everything else is plotly's: ``update_layout``, ``to_dict``, ``write_html``... ``show()`` with
    no arguments displays the same bundle; with a renderer it is plotly's own ``show``.
    """

    _fv_summary: str = ""
    _fv_fallback: Callable[[], str] | None = None

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


def folio_figure(fig: go.Figure, summary: str, fallback: Callable[[], str] | None = None) -> FolioFigure:
    """Wrap ``fig`` as a :class:`FolioFigure` with a one-sentence ``summary`` and a static ``fallback``.

    :param fallback: called at display time; returns HTML (a small table of the figure's data)
    """
    out = fig if isinstance(fig, FolioFigure) else FolioFigure(fig, skip_invalid=True)
    out._fv_summary = summary
    out._fv_fallback = fallback
    return out


def data_table_html(caption: str, head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A small HTML table; cells are given as (already escaped) HTML."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><caption>{caption}</caption><tr>{th}</tr>{body}</table>"


#: One colour per reference holder (Okabe–Ito); bars also carry the holder's name as text.
HOLDER_COLOURS = {
    "page cache": OKABE_ITO["blue"],
    "thread A": OKABE_ITO["bluish_green"],
    "truncate": OKABE_ITO["vermillion"],
    "readahead": OKABE_ITO["orange"],
    "page tables": OKABE_ITO["reddish_purple"],
}
_OTHERS = (OKABE_ITO["sky_blue"], OKABE_ITO["yellow"], OKABE_ITO["grey"], OKABE_ITO["black"])


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


def holder_colour(name: str, order: Sequence[str] = ()) -> str:
    """The colour of a reference holder; unknown holders take the spare colours in order."""
    if name in HOLDER_COLOURS:
        return HOLDER_COLOURS[name]
    extras = [h for h in order if h not in HOLDER_COLOURS]
    index = extras.index(name) if name in extras else 0
    return _OTHERS[index % len(_OTHERS)]


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

    def fallback() -> str:
        counts = (f"{i}: {'freed' if state.freed else state.refcount}" for i, state in enumerate(states))
        return "<p>The refcount after each step (step: count): " + " · ".join(counts) + ".</p>"

    return folio_figure(lean_template(fig), summary, fallback)


#: Which lane of the timeline an event belongs to (the function, or the word's encoding).
_WORD_EVENTS = {"movable-operations-6.0", "movable-flag-6.17", "swap-space-6.18"}

#: Short labels for the timeline (presentation only; the full text is in data/mkwrite_history.toml).
_SHORT = {
    "recheck-2007": "re-check of ->mapping<br>after page_mkwrite",
    "fb-defio-2007": "first driver bitten<br>(fb_defio)",
    "locked-return-2009": "VM_FAULT_LOCKED +<br>lock/check/retry fallback",
    "swapfile-2019": "swapfile → SIGBUS",
    "movable-operations-6.0": "movable → movable_operations;<br>folio_mapping() NULL for any tag",
    "v1-folio-mapping-2023": "v1 patch tests<br>folio_mapping()",
    "email-2023": "the email",
    "folio-conversion-6.6": "merged: tests<br>folio->mapping",
    "movable-flag-6.17": "movable becomes a page flag;<br>FOLIO_MAPPING_*",
    "swap-space-6.18": "one global swap_space",
}


def history_figure(*, presenter: bool | None = None) -> go.Figure:
    """A timeline from 2007 to today: changes to ``do_page_mkwrite()`` and to the mapping word.

    Events are evenly spaced (their dates label the axis) so that the four of 2022–2023 stay
    readable. The span from the v6.0 movable_operations change to the v6.17 page-flag rework is
    shaded: only there could a ``folio_mapping()`` check livelock on a driver page (B2). Dates are
    the events' own (posted or committed, as ``data/mkwrite_history.toml`` says); an uncertain date
    or release is marked ≈.
    """
    from ..kernel.mkwrite import mkwrite_history

    t = theme(presenter)
    events = mkwrite_history()
    lane_names = ("do_page_mkwrite()", "the mapping word")
    fig = FolioFigure()
    xs = list(range(len(events)))
    lanes = [1 if e.id in _WORD_EVENTS else 0 for e in events]
    for lane in (0, 1):
        chosen = [i for i in xs if lanes[i] == lane]
        fig.add_trace(
            go.Scatter(
                x=chosen,
                y=[lane] * len(chosen),
                mode="markers",
                marker={
                    "symbol": "diamond" if lane else "circle",
                    "size": 16 * t.scale,
                    "color": OKABE_ITO["orange"] if lane else OKABE_ITO["blue"],
                    "line": {"color": "#1A1A1A", "width": 1},
                },
                customdata=[[events[i].date, events[i].date_is, events[i].title] for i in chosen],
                hovertemplate="%{customdata[0]} (%{customdata[1]})<br>%{customdata[2]}<extra></extra>",
                name=lane_names[lane],
            )
        )
    for i, event in enumerate(events):
        approx = "≈" if {"date", "version"} & set(event.uncertain) else ""
        version = f"<b>{approx}{event.version}</b><br>" if event.version else ""
        fig.add_annotation(
            x=i,
            y=lanes[i],
            text=version + _SHORT.get(event.id, event.title[:30]),
            showarrow=True,
            arrowhead=0,
            ax=0,
            ay=-48 if i % 2 == 0 else 48,
            font={"size": max(10, t.font_px - 2)},
            bgcolor="rgba(255,255,255,0.85)",
        )
    by_id = {e.id: i for i, e in enumerate(events)}
    x0, x1 = by_id["movable-operations-6.0"] - 0.45, by_id["movable-flag-6.17"] - 0.4
    fig.add_vrect(x0=x0, x1=x1, fillcolor=OKABE_ITO["vermillion"], opacity=0.12, line_width=0)
    fig.add_annotation(
        x=(x0 + x1) / 2,
        y=1.75,
        showarrow=False,
        text="v6.0 – v6.16: a folio_mapping() check could livelock (B2)",
        font={"size": max(10, t.font_px - 1)},
    )
    fig.update_layout(
        title={"text": "How the rules changed, 2007 – today", "x": 0.01},
        height=int(440 * t.scale),
        margin={"l": 150, "r": 30, "t": 60, "b": 60},
        font={"size": t.font_px, "family": t.sans},
        showlegend=False,
        plot_bgcolor="#FFFFFF",
        xaxis={
            "tickmode": "array",
            "tickvals": xs,
            "ticktext": [e.date[:7] for e in events],
            "range": [-0.7, len(events) - 0.3],
            "showgrid": False,
        },
        yaxis={
            "tickmode": "array",
            "tickvals": [0, 1],
            "ticktext": list(lane_names),
            "range": [-0.9, 2.0],
            "showgrid": False,
            "zeroline": False,
        },
    )
    summary = (
        "A timeline from 2007 to today of the changes to do_page_mkwrite() (circles) and to the mapping word "
        "(diamonds). Shaded: v6.0 to v6.16, when a folio_mapping() check could livelock on a driver page (B2)."
    )

    def fallback() -> str:
        rows = [
            (
                escape(e.date) + (" ≈" if "date" in e.uncertain else ""),
                escape(e.version or "—") + (" ≈" if e.version and "version" in e.uncertain else ""),
                lane_names[lanes[i]],
                escape(e.title),
            )
            for i, e in enumerate(events)
        ]
        return data_table_html("The figure's events", ("date", "release", "what changed", "event"), rows)

    return folio_figure(lean_template(fig), summary, fallback)


# --------------------------------------------------------------------------- the race explorer's chart


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
            colour, glyph, pattern = _style(outcome)
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
                    textfont={"color": "#000000" if colour in _DARK_TEXT else "#FFFFFF"},
                    marker={
                        "color": colour,
                        "pattern": {
                            "shape": pattern,
                            "fgcolor": "#FFFFFF" if colour not in _DARK_TEXT else "#000000",
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

    def fallback() -> str:
        return "".join(
            f"<p><b>{escape(c.title)}</b></p><ul>"
            + "".join(f"<li>{escape(VARIANTS[e.model.variant].label)}: {escape(_counts_text(e))}</li>" for e in c)
            + "</ul>"
            for c in comparisons
        )

    return folio_figure(lean_template(fig), summary, fallback)

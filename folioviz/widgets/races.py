"""The race explorer's views: a chart of outcomes per variant, and any outcome replayed as a timeline.

The model (:mod:`folioviz.kernel.races`) explores every interleaving; these views only render its
results:

* :func:`race_summary_figure`: a plain plotly ``go.Figure`` (no ``FigureWidget``), one bar per
  variant, split by outcome (share of all orders; each segment has a colour, a pattern and a label);
* :func:`race_table_html`: the same numbers as a table (variants × outcomes, states explored);
* :func:`race_timeline_svg`: one interleaving as lanes (the fault, then the folio's state, then
  truncation, then any extra threads), one row per step, the current step highlighted;
* :class:`RaceExplorer`: controls → model → re-render, with the shared :class:`~folioviz.widgets.stepper.Stepper`;
* :class:`UnsafeVariantsQuiz`: tick the variants that can write to a truncated folio (answer from the model).
"""

from __future__ import annotations

from html import escape
from typing import Any

import ipywidgets as w
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..kernel.errors import FolioVizError
from ..kernel.races import (
    HANDLERS,
    OUTCOME_ORDER,
    VARIANTS,
    Comparison,
    Exploration,
    OutcomeReport,
    RaceModel,
    RaceOutcome,
    Replay,
    RunOutcome,
    compare_variants,
    explore,
    folio_view,
    unsafe_variants,
)
from ..kernel.scenario import Step
from .mkwrite import kernel_options
from .stepper import Stepper
from .tables import style_html
from .theme import OKABE_ITO, is_presenter, theme

__all__ = [
    "LANE_STYLE",
    "OUTCOME_STYLE",
    "THREAD_CHOICES",
    "VARIANT_SHORT",
    "RaceExplorer",
    "UnsafeVariantsQuiz",
    "growth_table_html",
    "orders_quiz",
    "outcome_banner_html",
    "race_summary_figure",
    "race_table_html",
    "race_timeline_svg",
]

#: Colour, glyph and plotly pattern for each outcome: never the colour alone.
OUTCOME_STYLE: dict[RaceOutcome, tuple[str, str, str]] = {
    RaceOutcome.WRITE_OK: (OKABE_ITO["bluish_green"], "✔", ""),
    RaceOutcome.RETRY: (OKABE_ITO["blue"], "↻", "."),
    RaceOutcome.MISSED: (OKABE_ITO["sky_blue"], "∅", "-"),
    RaceOutcome.WRITE_ON_TRUNCATED: (OKABE_ITO["vermillion"], "✘", "x"),
    RaceOutcome.WRITE_DURING_TRUNCATION: (OKABE_ITO["orange"], "⚠", "/"),
    RaceOutcome.LIVELOCK: (OKABE_ITO["reddish_purple"], "⟳", "+"),
    RaceOutcome.DEADLOCK: (OKABE_ITO["black"], "⛔", "|"),
    RaceOutcome.BROKEN_RULE: (OKABE_ITO["grey"], "✘", "\\"),
}
_DARK_TEXT = {OKABE_ITO["sky_blue"], OKABE_ITO["orange"], OKABE_ITO["yellow"], OKABE_ITO["reddish_purple"]}

#: Colour and a short glyph per lane (the lane's name is always written next to it).
LANE_STYLE: dict[str, tuple[str, str]] = {
    "fault": (OKABE_ITO["bluish_green"], "F"),
    "truncate": (OKABE_ITO["vermillion"], "T"),
    "fault 2": (OKABE_ITO["blue"], "F2"),
    "fault 3": (OKABE_ITO["reddish_purple"], "F3"),
    "reader": (OKABE_ITO["sky_blue"], "R"),
    "reader 2": (OKABE_ITO["yellow"], "R2"),
}

#: Short labels for buttons.
VARIANT_SHORT = {
    "kernel": "kernel's code",
    "no-lock": "no lock",
    "check-before-lock": "check before lock",
    "no-check": "no check",
    "folio_mapping": "folio_mapping()",
}

#: The thread mixes offered in the explorer: (label, (faults, readers)).
THREAD_CHOICES = (
    ("fault + truncate", (1, 0)),
    ("+ a second write fault", (2, 0)),
    ("+ a reader (a second lookup)", (1, 1)),
)


def _style(outcome: RunOutcome) -> tuple[str, str, str]:
    """The style of the run's worst outcome (for several faults: the most harmful of theirs)."""
    return OUTCOME_STYLE[max(outcome.kinds, key=OUTCOME_ORDER.index)]


def _glyphs(outcome: RunOutcome) -> str:
    return "".join(OUTCOME_STYLE[k][1] for k in outcome.kinds)


def _orders(report: OutcomeReport) -> str:
    if report.certain and report.outcome.kinds == (RaceOutcome.LIVELOCK,):
        return "every order"
    return f"{report.interleavings:,} order{'s' if report.interleavings != 1 else ''}"


# --------------------------------------------------------------------------- chart and table


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
                texts.append(f"{glyph} {'every order' if _orders(report) == 'every order' else report.interleavings}")
                hovers.append(f"{name}: {_orders(report)} of {e.total:,} ({share:.1f}%)")
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
    return fig


def race_table_html(comparison: Comparison, *, variant: str | None = None, outcome: str | None = None) -> str:
    """Variants × outcomes: how many orders end in each (``—`` for none), and the states explored.

    The cell for ``variant`` / ``outcome`` is marked (the explorer's current choice).
    """
    names = comparison.outcome_names
    outcomes = {r.name: r.outcome for e in comparison for r in e.outcomes}
    head = "".join(f'<th scope="col">{_glyphs(outcomes[n])} {escape(n)}</th>' for n in names)
    rows = []
    for e in comparison:
        v = e.model.variant
        cells = []
        for n in names:
            mark = v == variant and n == outcome
            try:
                report = e.report(n)
                text = _orders(report)
                harmful = ' class="fv-race-bad"' if report.outcome.harmful else ""
            except FolioVizError:
                text, harmful = "—", ""
            cls = ' class="fv-race-cell-current"' if mark else harmful
            here = ' aria-current="true"' if mark else ""
            cells.append(f'<td{cls}{here} data-variant="{escape(v)}" data-outcome="{escape(n)}">{text}</td>')
        tag = "" if VARIANTS[v].merged else " <small>(hypothetical)</small>"
        current = ' class="fv-race-row-current"' if v == variant else ""
        rows.append(
            f'<tr{current}><th scope="row">{escape(VARIANTS[v].label)}{tag}</th>{"".join(cells)}'
            f"<td>{e.states}</td><td>{e.total:,}</td></tr>"
        )
    return (
        f'<table class="fv-table fv-race-table" aria-label="outcomes per variant">'
        f"<caption>Outcomes per variant: {escape(comparison.title)}</caption>"
        f'<tr><th scope="col">variant</th>{head}<th scope="col">states</th><th scope="col">orders</th></tr>'
        + "".join(rows)
        + "</table>"
    )


def growth_table_html(variant: str = "kernel", **inputs: Any) -> str:
    """States, moves and orders as threads are added (no timings: those are in ``benchmarks/races.py``)."""
    sizes: tuple[tuple[str, dict[str, Any]], ...] = (
        ("fault + truncate", {}),
        ("+ a reader", {"readers": 1}),
        ("+ a second fault", {"faults": 2}),
        ("+ a second fault and a reader", {"faults": 2, "readers": 1}),
    )
    rows = []
    for label, extra in sizes:
        e = explore(RaceModel(variant=variant, **inputs, **extra))
        rows.append(
            f"<tr><td>{escape(label)}</td><td>{len(e.model.threads)}</td><td>{e.states:,}</td>"
            f"<td>{e.transitions:,}</td><td>{e.total:,}</td><td>{len(e.outcomes)}</td></tr>"
        )
    return (
        style_html() + '<div class="folioviz"><table class="fv-table fv-race-growth" aria-label="growth">'
        f"<caption>How the model grows ({escape(VARIANTS[variant].label)})</caption>"
        "<tr><th>threads</th><th>#</th><th>distinct states</th><th>moves</th><th>orders</th><th>outcomes</th></tr>"
        + "".join(rows)
        + "</table></div>"
    )


def outcome_banner_html(report: OutcomeReport, model: RaceModel) -> str:
    """The chosen outcome: its name, glyph, how many orders reach it, and what it means."""
    colour, _, _ = _style(report.outcome)
    group = (
        "bad" if report.outcome.harmful else ("good" if report.outcome.kinds == (RaceOutcome.WRITE_OK,) else "retry")
    )
    certain = " — whatever the order" if report.certain else ""
    return (
        f'<div class="fv-outcome fv-outcome-{group} fv-race-banner" role="status" aria-live="polite" '
        f'data-outcome="{escape(report.name)}" style="border-left-color: {colour}">'
        f'<span class="fv-outcome-name">{_glyphs(report.outcome)} {escape(report.name)}</span> · '
        f"{escape(_orders(report))}{certain} · shortest: {len(report.shortest)} steps · "
        f"{escape(VARIANTS[model.variant].label)}<br>{escape(report.outcome.summary)}</div>"
    )


# --------------------------------------------------------------------------- the timeline


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _folio_cell(replay: Replay, state: Any, lx: float, lw: float, y: float, t: Any, row_h: float) -> str:
    """The folio column of one timeline row: refcount, lock, ->mapping and where the folio is."""
    s, fs, ink = t.scale, t.font_px, "#1A1A1A"
    view = folio_view(replay.model, state)
    lock = f"locked by {view.locked_by}" if view.locked_by else "unlocked"
    if view.mapping_is_null:
        mapping = "mapping NULL"
    else:
        mapping = "mapping: movable tag" if replay.model.folio == "driver" else "mapping: the file"
    line1 = f"ref {view.refcount} · {lock}"
    line2 = f"{mapping} · {view.where}" + (f" · mapped {view.mapcount}x" if view.mapcount else "")
    null = view.mapping_is_null and view.where != "freed"
    fill = "#FFF3D6" if null else "#F4F4F4"
    return (
        f'<rect x="{lx:.1f}" y="{y + 3 * s:.1f}" width="{lw:.1f}" height="{row_h - 6 * s:.1f}" '
        f'rx="{4 * s:.1f}" fill="{fill}" stroke="#BBBBBB"/>'
        f'<text x="{lx + 8 * s:.1f}" y="{y + 17 * s:.1f}" fill="{ink}" font-size="{fs * 0.92:.0f}">'
        f"{escape(line1)}</text>"
        f'<text x="{lx + 8 * s:.1f}" y="{y + 32 * s:.1f}" fill="{ink}" font-size="{fs * 0.85:.0f}">'
        f"{'⚠ ' if null else ''}{escape(_trim(line2, 40))}</text>"
    )


def _move_cell(move: Any, colour: str, lx: float, lw: float, y: float, t: Any, row_h: float, future: bool) -> str:
    """The cell of the lane that moved: a box in its colour, and (unless in the future) what it did."""
    s, fs, ink = t.scale, t.font_px, "#1A1A1A"
    box = (
        f'<rect x="{lx:.1f}" y="{y + 3 * s:.1f}" width="{lw:.1f}" height="{row_h - 6 * s:.1f}" '
        f'rx="{4 * s:.1f}" fill="#FFFFFF" stroke="{colour}" stroke-width="{t.stroke * 1.6:.1f}"/>'
        f'<rect x="{lx:.1f}" y="{y + 3 * s:.1f}" width="{6 * s:.1f}" height="{row_h - 6 * s:.1f}" '
        f'fill="{colour}"/>'
    )
    if future:
        return box
    return box + (
        f'<text class="fv-race-move" x="{lx + 12 * s:.1f}" y="{y + 17 * s:.1f}" fill="{ink}" '
        f'font-family="{t.mono}" font-size="{fs * 0.88:.0f}">{escape(_trim(move.function, 30))}</text>'
        f'<text x="{lx + 12 * s:.1f}" y="{y + 32 * s:.1f}" fill="{ink}" '
        f'font-size="{fs * 0.88:.0f}">{escape(_trim(move.label, 34))}</text>'
    )


def _wait_cell(holder: str, colour: str, lx: float, lw: float, y: float, t: Any, row_h: float) -> str:
    """The dashed cell of a lane waiting for the folio lock."""
    s, fs, ink = t.scale, t.font_px, "#1A1A1A"
    return (
        f'<rect x="{lx:.1f}" y="{y + 3 * s:.1f}" width="{lw:.1f}" height="{row_h - 6 * s:.1f}" '
        f'rx="{4 * s:.1f}" fill="none" stroke="{colour}" stroke-dasharray="5 3"/>'
        f'<text class="fv-race-wait" x="{lx + 10 * s:.1f}" y="{y + row_h / 2 + fs * 0.35:.1f}" '
        f'fill="{ink}" font-size="{fs * 0.88:.0f}">… waits for the lock ({escape(holder)})</text>'
    )


def _lane_headers(xs: list[tuple[int | None, float, float]], lanes: tuple[str, ...], t: Any) -> list[str]:
    """The timeline's column heads: each lane's glyph and name, and the folio column's title."""
    s, ink = t.scale, "#1A1A1A"
    out: list[str] = []
    for lane, lx, lw in xs:
        if lane is None:
            out.append(
                f'<text x="{lx + lw / 2:.1f}" y="{22 * s:.1f}" text-anchor="middle" font-weight="700" fill="{ink}">'
                "the folio after the step</text>"
            )
            continue
        name = lanes[lane]
        colour, glyph = LANE_STYLE.get(name, (OKABE_ITO["grey"], name[:2].upper()))
        out.append(
            f'<rect x="{lx:.1f}" y="{6 * s:.1f}" width="{26 * s:.1f}" height="{22 * s:.1f}" rx="{4 * s:.1f}" '
            f'fill="{colour}"/><text x="{lx + 13 * s:.1f}" y="{22 * s:.1f}" text-anchor="middle" font-weight="700" '
            f'fill="{"#000000" if colour in _DARK_TEXT else "#FFFFFF"}">{escape(glyph)}</text>'
            f'<text x="{lx + 32 * s:.1f}" y="{22 * s:.1f}" font-weight="700" fill="{ink}">{escape(name)}</text>'
        )
    return out


def _row_notes(replay: Replay, i: int, last: int) -> list[str]:
    """What a timeline row marks: the point of no return, the state a livelock loops back to, a broken rule."""
    notes = []
    if replay.decided_at == i and replay.outcome.kinds == (RaceOutcome.LIVELOCK,):
        notes.append("point of no return")
    if replay.loops_to == i:
        notes.append(f"⟲ step {last} is this state again")
    state = replay.scenario.steps[i].state
    if i == last and state.broken is not None:
        notes.append(f"✘ {state.broken.outcome.name}")
    return notes


def race_timeline_svg(replay: Replay, upto: int | None = None, *, presenter: bool | None = None) -> str:
    """One interleaving as lanes: the fault, the folio's state between, truncation, then any extra threads.

    Rows are steps; row ``upto`` (default: the last) is highlighted and later rows are drawn faint,
    showing who will move but not what happens. A thread waiting for the folio lock gets a dashed
    "waits" box; the point of no return of a livelock, the state it loops back to, and a step that
    broke a page-cache rule are marked.
    """
    steps = replay.scenario.steps
    last = len(steps) - 1
    upto = last if upto is None else max(0, min(last, upto))
    t = theme(presenter)
    s, fs = t.scale, t.font_px
    ink = "#1A1A1A"
    lanes = replay.lanes
    col_num, col_lane, col_folio = 46 * s, 236 * s, 262 * s
    order = [0, None, *range(1, len(lanes))]  # fault lane, folio column, truncation, extras
    xs: list[tuple[int | None, float, float]] = []
    x = col_num
    for lane in order:
        width = col_folio if lane is None else col_lane
        xs.append((lane, x, width))
        x += width + 6 * s
    width = x + 4 * s
    head, row_h = 34 * s, 40 * s
    height = head + row_h * len(steps) + 8 * s
    moved = [replay.mover(i) for i in range(len(steps))]
    now = steps[upto]
    label = (
        f"Interleaving of {', '.join(lanes)}: {len(steps) - 1} steps, outcome {replay.outcome.name}. "
        f"At step {upto}: {now.caption}"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="fv-race-timeline" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(label)}" '
        f'font-family="{t.sans}" font-size="{fs}" data-step="{upto}"><title>{escape(label)}</title>',
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#FFFFFF"/>',
    ]
    # header
    parts.append(f'<text x="{6 * s:.1f}" y="{22 * s:.1f}" font-weight="700" fill="{ink}">step</text>')
    parts.extend(_lane_headers(xs, lanes, t))
    for i, step in enumerate(steps):
        y = head + row_h * i
        future = i > upto
        current = i == upto
        classes = "fv-race-row" + (" fv-race-current" if current else "") + (" fv-race-future" if future else "")
        opacity = ' opacity="0.3"' if future else ""
        parts.append(f'<g class="{classes}" data-step="{i}"{opacity}>')
        if current:
            parts.append(
                f'<rect x="{1 * s:.1f}" y="{y + 1:.1f}" width="{width - 2 * s:.1f}" height="{row_h - 2:.1f}" '
                f'fill="{OKABE_ITO["yellow"]}" fill-opacity="0.35" stroke="{ink}" stroke-width="{t.stroke}"/>'
            )
        marker = "▶ " if current else ""
        weight = ' font-weight="700"' if current else ""
        parts.append(
            f'<text x="{6 * s:.1f}" y="{y + row_h / 2 + fs * 0.35:.1f}" fill="{ink}"{weight}>{marker}{i}</text>'
        )
        waiting = {} if future else replay.waiting(i)
        if i == 0:
            parts.append(
                f'<text x="{xs[0][1] + 10 * s:.1f}" y="{y + row_h / 2 + fs * 0.35:.1f}" fill="#555555" '
                f'font-style="italic">start: no thread has moved</text>'
            )
        for lane, lx, lw in xs:
            if lane is None:
                if future:
                    continue
                parts.append(_folio_cell(replay, step.state, lx, lw, y, t, row_h))
                continue
            name = lanes[lane]
            colour, _ = LANE_STYLE.get(name, (OKABE_ITO["grey"], ""))
            if moved[i] == lane:
                parts.append(_move_cell(replay.moves[i - 1], colour, lx, lw, y, t, row_h, future))
            elif lane in waiting:
                parts.append(_wait_cell(waiting[lane], colour, lx, lw, y, t, row_h))
        notes = [] if future else _row_notes(replay, i, last)
        if notes:
            parts.append(
                f'<text x="{width - 6 * s:.1f}" y="{y + 12 * s:.1f}" text-anchor="end" font-weight="700" '
                f'fill="{ink}" font-size="{fs * 0.8:.0f}">{escape(" · ".join(notes))}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- the widget


_EXTRA_STYLE = f"""<style>
.folioviz .fv-outcome {{ border-left: 8px solid #1A1A1A; padding: 0.5em 0.8em; margin: 0.4em 0; color: #1A1A1A;
  background: #F4F4F4; line-height: 1.4; }}
.folioviz .fv-outcome-good {{ background: #E6F5EF; }}
.folioviz .fv-outcome-retry {{ background: #E6F0F8; }}
.folioviz .fv-outcome-bad {{ background: #FCEBE0; }}
.folioviz .fv-outcome-name {{ font-size: 1.2em; font-weight: 700; }}
.folioviz table.fv-race-table td.fv-race-bad {{ background: #FCEBE0; color: #1A1A1A; font-weight: 700; }}
.folioviz table.fv-race-table td.fv-race-cell-current {{ outline: 3px solid #1A1A1A; outline-offset: -3px;
  color: #1A1A1A; background: {OKABE_ITO["yellow"]}; font-weight: 700; }}
.folioviz table.fv-race-table tr.fv-race-row-current th {{ text-decoration: underline; }}
.folioviz table.fv-race-table td {{ white-space: nowrap; }}
.folioviz .fv-race-state {{ font-family: ui-monospace, 'DejaVu Sans Mono', monospace; margin: 0.3em 0; }}
.folioviz .fv-race-timeline-box {{ overflow-x: auto; max-width: 100%; }}
</style>"""


_kernel_options = kernel_options


def _dropdown(options: Any, value: Any, description: str, cls: str) -> w.Dropdown:
    box = w.Dropdown(options=options, value=value, description=description, layout=w.Layout(width="auto"))
    box.style.description_width = "initial"
    box.add_class(cls)
    return box


class RaceExplorer(w.VBox):
    """Explore every interleaving of a write fault against truncation, and replay any outcome.

    Pick the handler, the folio, the kernel and the threads; the table compares all five variants
    (how many orders end in each outcome); pick a variant and one of its outcomes to replay its
    shortest interleaving, step by step, as a timeline. Bad combinations (a driver page in v6.17+)
    are explained and the last good exploration stays on screen.

    :param variant: one of :data:`~folioviz.kernel.races.VARIANTS`
    :param handler: ``"old-school"`` or ``"modern"``
    :param folio: ``"file"`` or ``"driver"``
    :param kernel: a version offered by the menu (``"5.10"``, ``"6.4"``, ``"6.6"``, ``"6.12"``, ``"6.17"``);
        default: the workbook's default era (the email's, v6.4, unless changed)
    :param threads: ``(faults, readers)``, one of :data:`THREAD_CHOICES`
    :param outcome: the outcome to replay (default: the variant's first)
    """

    def __init__(
        self,
        *,
        variant: str = "kernel",
        handler: str = "old-school",
        folio: str = "file",
        kernel: str | None = None,
        threads: tuple[int, int] = (1, 0),
        outcome: str | None = None,
        presenter: bool | None = None,
        **kwargs: Any,
    ) -> None:
        presenter = is_presenter(presenter)
        self._presenter = presenter
        self._error = ""
        self._syncing = False
        if tuple(threads) not in [v for _, v in THREAD_CHOICES]:
            raise FolioVizError(f"threads must be one of {[v for _, v in THREAD_CHOICES]}, not {threads!r}")
        threads = (threads[0], threads[1])
        model = RaceModel(
            variant=variant,
            handler=handler,
            folio=folio,
            kernel=kernel or "default",
            faults=threads[0],
            readers=threads[1],
        )
        self._model = model
        self._comparison = compare_variants(handler, folio, model.kernel, faults=threads[0], readers=threads[1])
        exploration = self._comparison[model.variant]
        self._outcome = exploration.report(outcome).name if outcome else exploration.outcomes[0].name
        self._replay = exploration.replay(self._outcome)

        self._handler = _dropdown(
            [(f"{k}: {v[:48]}…", k) for k, v in HANDLERS.items()], model.handler, "handler", "fv-race-handler"
        )
        self._folio = _dropdown(
            [("a file's folio", "file"), ("an old driver's movable-tagged page", "driver")],
            model.folio,
            "folio",
            "fv-race-folio",
        )
        self._kernel = _dropdown(_kernel_options(model.kernel), model.kernel, "kernel", "fv-race-kernel")
        self._threads = _dropdown(list(THREAD_CHOICES), threads, "threads", "fv-race-threads")
        self._variant = w.ToggleButtons(
            options=[(VARIANT_SHORT[v], v) for v in VARIANTS], value=model.variant, description="variant"
        )
        self._variant.style.button_width = "auto"
        self._variant.add_class("fv-race-variant")
        self._outcome_picker = _dropdown(self._outcome_options(), self._outcome, "replay", "fv-race-outcome-picker")
        self._error_box = w.HTML("")
        self._table = w.HTML("")
        self._banner = w.HTML("")
        self._state = w.HTML("")
        self._timeline = w.HTML("")
        self._timeline.add_class("fv-race-timeline-box")
        self._stepper: Stepper[Any] = Stepper(self._replay.scenario)
        self._stepper.on_step(self._render)
        for control in (self._handler, self._folio, self._kernel, self._threads):
            control.observe(self._on_inputs, names="value")
        self._variant.observe(self._on_variant, names="value")
        self._outcome_picker.observe(self._on_outcome, names="value")
        controls = w.HBox(
            [self._handler, self._folio, self._kernel, self._threads], layout=w.Layout(flex_flow="row wrap")
        )
        super().__init__(
            [
                w.HTML(style_html(presenter) + _EXTRA_STYLE),
                controls,
                self._error_box,
                self._table,
                self._variant,
                self._outcome_picker,
                self._banner,
                self._stepper,
                self._state,
                self._timeline,
            ],
            **kwargs,
        )
        self.add_class("folioviz")
        self.add_class("folioviz-races")
        if presenter:
            self.add_class("fv-presenter")
        self._show_summary()

    # ------------------------------------------------------------------ public API

    @property
    def model(self) -> RaceModel:
        return self._model

    @property
    def comparison(self) -> Comparison:
        return self._comparison

    @property
    def exploration(self) -> Exploration:
        return self._comparison[self._model.variant]

    @property
    def replay(self) -> Replay:
        return self._replay

    @property
    def outcome(self) -> str:
        return self._outcome

    @property
    def stepper(self) -> Stepper[Any]:
        return self._stepper

    @property
    def error(self) -> str:
        return self._error

    def update(self, **changes: Any) -> bool:
        """Change ``handler``, ``folio``, ``kernel``, ``threads``, ``variant`` or ``outcome``.

        Returns False and shows the reason when the combination is not allowed; the last good
        exploration stays on screen.
        """
        allowed = {"handler", "folio", "kernel", "threads", "variant", "outcome"}
        unknown = set(changes) - allowed
        if unknown:
            return self._refuse(f"unknown setting(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
        model = self._model
        threads = changes.pop("threads", (model.faults, model.readers))
        outcome = changes.pop("outcome", None)
        try:
            if threads not in [v for _, v in THREAD_CHOICES]:
                raise FolioVizError(f"threads must be one of {[v for _, v in THREAD_CHOICES]}, not {threads!r}")
            new = model.replace(**changes, faults=threads[0], readers=threads[1])
            comparison = (
                self._comparison
                if (new.handler, new.folio, new.kernel, new.faults, new.readers)
                == (model.handler, model.folio, model.kernel, model.faults, model.readers)
                else compare_variants(new.handler, new.folio, new.kernel, faults=new.faults, readers=new.readers)
            )
            exploration = comparison[new.variant]
            if outcome is None:
                keep = self._outcome in exploration.outcome_set
                outcome = self._outcome if keep else exploration.outcomes[0].name
            name = exploration.report(outcome).name
            replay = exploration.replay(name)
        except FolioVizError as error:
            return self._refuse(str(error))
        self._model, self._comparison, self._outcome, self._replay = new, comparison, name, replay
        self._error = ""
        self._error_box.value = ""
        self._sync_controls()
        self._stepper.set_scenario(replay.scenario)
        self._show_summary()
        return True

    def show(self, variant: str | None = None, outcome: str | None = None) -> bool:
        """Replay ``outcome`` of ``variant`` (either may be left as it is)."""
        changes: dict[str, Any] = {}
        if variant is not None:
            changes["variant"] = variant
        if outcome is not None:
            changes["outcome"] = outcome
        return self.update(**changes)

    def __repr__(self) -> str:
        m = self._model
        return (
            f"RaceExplorer(variant={m.variant!r}, handler={m.handler!r}, folio={m.folio!r}, kernel={m.kernel!r}, "
            f"threads={(m.faults, m.readers)}, outcome={self._outcome!r}, steps={len(self._replay.scenario)})"
        )

    # ------------------------------------------------------------------ internals

    def _outcome_options(self) -> list[tuple[str, str]]:
        return [(f"{_glyphs(r.outcome)} {r.name} · {_orders(r)}", r.name) for r in self.exploration.outcomes]

    def _refuse(self, message: str) -> bool:
        self._error = message
        self._error_box.value = f'<div class="fv-error" role="alert"><b>Not applied:</b> {escape(message)}</div>'
        self._sync_controls()
        return False

    def _sync_controls(self) -> None:
        self._syncing = True
        try:
            m = self._model
            self._handler.value = m.handler
            self._folio.value = m.folio
            if m.kernel not in [value for _, value in self._kernel.options]:
                self._kernel.options = _kernel_options(m.kernel)
            self._kernel.value = m.kernel
            self._threads.value = (m.faults, m.readers)
            self._variant.value = m.variant
            self._outcome_picker.options = self._outcome_options()
            self._outcome_picker.value = self._outcome
        finally:
            self._syncing = False

    def _on_inputs(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        self.update(
            handler=self._handler.value,
            folio=self._folio.value,
            kernel=self._kernel.value,
            threads=self._threads.value,
        )

    def _on_variant(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.update(variant=change["new"])

    def _on_outcome(self, change: dict[str, Any]) -> None:
        if not self._syncing and change["new"] is not None:
            self.update(outcome=change["new"])

    def _show_summary(self) -> None:
        self._table.value = race_table_html(self._comparison, variant=self._model.variant, outcome=self._outcome)
        self._banner.value = outcome_banner_html(self._replay.report, self._model)

    def _render(self, step: Step[Any]) -> None:
        index = self._stepper.index
        if len(self._replay.scenario) <= index:  # a new scenario is being installed
            return
        view = folio_view(self._model, step.state)
        holders = escape(view.holders)
        self._state.value = (
            f'<div class="fv-race-state" role="status">folio: {escape(view.line())} · held by {holders}</div>'
        )
        self._timeline.value = race_timeline_svg(self._replay, index, presenter=self._presenter)


# --------------------------------------------------------------------------- exercise


class UnsafeVariantsQuiz(w.VBox):
    """Tick every variant under which some order writes to a truncated folio; the answer comes from the explorer."""

    def __init__(self, handler: str = "old-school", folio: str = "file", kernel: str | None = None) -> None:
        self.model = RaceModel(handler=handler, folio=folio, kernel=kernel or "default")
        kernel = self.model.kernel
        self.answer = frozenset(unsafe_variants(handler, folio, kernel))
        self._comparison = compare_variants(handler, folio, kernel)
        self._boxes = {
            v: w.Checkbox(value=False, description=VARIANTS[v].label, indent=False, layout=w.Layout(width="auto"))
            for v in VARIANTS
        }
        button = w.Button(description="Check", button_style="primary", tooltip="check your answer")
        button.on_click(lambda _: self._check())
        self._out = w.HTML("")
        folio_text = "a file's folio" if folio == "file" else "an old driver's movable-tagged page"
        question = (
            f"With {escape(handler)} <code>->page_mkwrite</code> handlers, {folio_text} and kernel v{escape(kernel)}: "
            "under which variants can some interleaving write to a folio that truncation has already removed "
            "(or is removing)? Tick all that apply."
        )
        super().__init__([w.HTML(style_html()), w.HTML(f"<p>{question}</p>"), *self._boxes.values(), button, self._out])
        self.add_class("folioviz")
        self.add_class("fv-quiz")

    def check(self, ticked: set[str] | None = None) -> bool:
        """Tick ``ticked`` (variant ids) if given, then check; returns whether the answer is right."""
        if ticked is not None:
            unknown = set(ticked) - set(self._boxes)
            if unknown:
                raise FolioVizError(f"no such variant(s) {sorted(unknown)}; choose from {list(self._boxes)}")
            for name, box in self._boxes.items():
                box.value = name in ticked
        return self._check()

    def _check(self) -> bool:
        ticked = frozenset(name for name, box in self._boxes.items() if box.value)
        ok = ticked == self.answer
        lines = []
        for e in self._comparison:
            bad = [r for r in e.outcomes if r.outcome.harmful]
            verdict = ", ".join(f"{r.name} in {_orders(r)}" for r in bad) if bad else "never"
            lines.append(f"<li><b>{escape(VARIANTS[e.model.variant].label)}</b>: {escape(verdict)}</li>")
        mark = "✔ Right." if ok else "✘ Not quite."
        cls = "fv-right" if ok else "fv-wrong"
        self._out.value = (
            f'<div class="fv-feedback {cls}" role="status" aria-live="polite"><b>{mark}</b> '
            f"Harmful outcomes per variant, from the explorer:<ul>{''.join(lines)}</ul></div>"
        )
        return ok

    def __repr__(self) -> str:
        m = self.model
        return f"UnsafeVariantsQuiz(handler={m.handler!r}, folio={m.folio!r}, kernel={m.kernel!r})"


def orders_quiz(variant: str, outcome: str, question: str, *, hint: str = "", **inputs: Any) -> Any:
    """ "How many orders end in ``outcome``?" for one variant: a NumberQuiz whose answer is the explorer's count."""
    from .exercises import NumberQuiz

    exploration = explore(RaceModel(variant=variant, **inputs))
    report = exploration.report(outcome)
    explanation = (
        f"The explorer counts {report.interleavings} of the {exploration.total} orders of "
        f"{VARIANTS[exploration.model.variant].label}; the shortest takes {len(report.shortest)} steps."
    )
    if hint:
        explanation = f"{explanation} {hint}"
    return NumberQuiz(question, report.interleavings, explanation)

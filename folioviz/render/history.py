"""The history views' pieces: which era an event is shown in, the event card, the livelock table, the timeline.

The events are the model's (:func:`folioviz.kernel.mkwrite.mkwrite_history`, from ``data/mkwrite_history.toml``).
"""

from __future__ import annotations

import plotly.graph_objects as go

from ..kernel.errors import FolioVizError
from ..kernel.mkwrite import CHECKS, HistoryEvent, MkwriteInputs, mkwrite_outcome
from ..kernel.sources import commit_url, lore_url
from ..kernel.versions import Era, eras, get_era
from .figures import FolioFigure, data_table_html, folio_figure, lean_template
from .markup import Markup, tag
from .theme import OKABE_ITO, theme

__all__ = ["event_era", "event_html", "history_figure", "livelock_html"]


def event_era(event: HistoryEvent) -> tuple[Era, str]:
    """The era folioviz models for the kernel an event landed in, and a note when that is approximate.

    Events before the oldest modelled era (the 2007/2009 changes) are shown in the oldest era,
    v5.x, whose do_page_mkwrite() keeps the check those changes introduced.
    """
    if not event.version:
        return get_era("email"), "posted during the email's era (v6.4 was current)"
    try:
        return get_era(event.version), ""
    except FolioVizError:
        oldest = eras()[0]
        return oldest, (
            f"{event.version} is older than folioviz models; shown in {oldest.label} ({oldest.release}), "
            "whose do_page_mkwrite() still has the check this change introduced"
        )


def event_html(event: HistoryEvent, era: Era, note: str) -> Markup:
    """The event card: date, release, author, title, what changed, links, rules, and the era the widgets show."""
    links = []
    if event.commit:
        links.append(
            tag("a", "commit ", tag("code", event.commit[:12]), href=commit_url(event.commit), target="_blank")
        )
    if event.message_id:
        links.append(tag("a", "mail", href=lore_url(event.message_id), target="_blank"))
    unsure = (
        tag("div", tag("i", f"Not verified: {', '.join(event.uncertain)}."), class_="fv-cell-note")
        if event.uncertain
        else ""
    )
    version = event.version + (" (≈)" if "version" in event.uncertain else "") if event.version else "—"
    return tag(
        "div",
        Markup("<div><b>{}</b> ({}) · release {} · {}</div>").format(event.date, event.date_is, version, event.author),
        tag("div", event.title, class_="fv-kind"),
        tag("div", event.what, class_="fv-note"),
        Markup("<div>{} · rules {}</div>").format(Markup(" · ").join(links), ", ".join(event.rules)),
        unsure,
        tag(
            "div",
            f"Widgets below: {era.label}, links to {era.release}" + (f" ({note})" if note else ""),
            class_="fv-cell-note",
        ),
        class_="fv-event",
        role="region",
        aria_label="the selected event",
    )


def livelock_html(era: Era) -> Markup:
    """The email's driver page in this era, under both checks, as the model says."""
    rows = []
    for check in CHECKS:
        try:
            run = mkwrite_outcome(
                MkwriteInputs(handler="old-school", folio="movable-tagged", check=check, kernel=era.example_kernel)
            )
            verdict = tag("b", run.outcome.name)
        except FolioVizError as error:
            verdict = tag("i", f"no such page: {str(error).split('.')[0]}")
        rows.append(Markup("<tr><td><code>{}</code></td><td>{}</td></tr>").format(check, verdict))
    return tag(
        "table",
        Markup("<caption>An old driver's movable-tagged page, old-school handler, kernel {}</caption>").format(
            era.example_kernel
        ),
        Markup("<tr><th>truncation check</th><th>outcome</th></tr>"),
        *rows,
        class_="fv-table fv-history-livelock",
        aria_label="the email's driver page in this era",
    )


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

    def fallback() -> Markup:
        rows = [
            (
                e.date + (" ≈" if "date" in e.uncertain else ""),
                (e.version or "—") + (" ≈" if e.version and "version" in e.uncertain else ""),
                lane_names[lanes[i]],
                e.title,
            )
            for i, e in enumerate(events)
        ]
        return data_table_html("The figure's events", ("date", "release", "what changed", "event"), rows)

    return folio_figure(lean_template(fig), summary, fallback)

"""How the race explorer's views mark outcomes, lanes and variants: colour, glyph and pattern, never colour alone."""

from __future__ import annotations

from ..kernel.races import OUTCOME_ORDER, Exploration, OutcomeReport, RaceOutcome, RunOutcome
from .markup import Markup
from .theme import OKABE_ITO

__all__ = [
    "DARK_TEXT",
    "LANE_STYLE",
    "OUTCOME_STYLE",
    "THREAD_CHOICES",
    "VARIANT_SHORT",
    "counts_text",
    "orders_text",
    "outcome_glyphs",
    "outcome_style",
    "race_explorer_style",
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
#: The fill colours that take black text (the others take white), for contrast.
DARK_TEXT = {OKABE_ITO["sky_blue"], OKABE_ITO["orange"], OKABE_ITO["yellow"], OKABE_ITO["reddish_purple"]}

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


def outcome_style(outcome: RunOutcome) -> tuple[str, str, str]:
    """The style of the run's worst outcome (for several faults: the most harmful of theirs)."""
    return OUTCOME_STYLE[max(outcome.kinds, key=OUTCOME_ORDER.index)]


def outcome_glyphs(outcome: RunOutcome) -> str:
    """One glyph per fault's outcome in the run (the glyphs of :data:`OUTCOME_STYLE`)."""
    return "".join(OUTCOME_STYLE[k][1] for k in outcome.kinds)


def orders_text(report: OutcomeReport) -> str:
    """How many orders end in ``report``'s outcome, for people: "1 order", "1,234 orders", or "every order"
    when the explorer proved that every order ends there (a livelock)."""
    if report.certain and report.outcome.kinds == (RaceOutcome.LIVELOCK,):
        return "every order"
    return f"{report.interleavings:,} order{'s' if report.interleavings != 1 else ''}"


def counts_text(e: Exploration) -> str:
    """One line: how many orders end in each outcome (the chart's and the table's numbers)."""
    parts = [f"{outcome_glyphs(r.outcome)} {r.name} {orders_text(r)}" for r in e.outcomes]
    return " · ".join(parts) + f" (of {e.total:,} orders, {e.states} states)"


def race_explorer_style() -> Markup:
    """The race explorer's own ``<style>``: outcome banners, the current cell and row, the timeline's box."""
    return Markup(f"""<style>
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
</style>""")

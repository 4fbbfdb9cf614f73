"""Pure HTML renderers: the helpers table, the kind line and the widgets' shared stylesheet."""

from __future__ import annotations

from html import escape
from typing import Any

from ..kernel import decode, eras
from ..kernel.errors import FolioVizError
from ..kernel.mapping import MappingDecode, Pointer
from ..kernel.races import VARIANTS, Comparison, OutcomeReport, RaceModel, RaceOutcome, compare_variants, explore
from ..kernel.scenario import Step
from .bits import flags_fields_html
from .race_style import orders_text, outcome_glyphs, outcome_style
from .svg import kind_badge_svg
from .theme import KIND_STYLE, OKABE_ITO, theme

__all__ = ["era_table_html", "helpers_table_html", "kind_line_html", "paste_html", "style_html"]


def style_html(presenter: bool | None = None, *, controls: bool = True) -> str:
    """The stylesheet every folioviz widget carries (scoped under ``.folioviz``).

    :param controls: ``False`` for static HTML (a card, a table): leaves out the rules that only
        style ipywidgets controls (buttons' focus ring, the wrapping control rows, HTML widgets'
        line height), which such an output, stored once per cell, would carry for nothing.
    """
    t = theme(presenter)
    fs = t.font_px
    rules = [
        (False, f".folioviz {{ font-size: {fs}px; }}"),
        (
            True,
            f".folioviz button:focus-visible {{ outline: 3px solid {OKABE_ITO['blue']} !important; "
            "outline-offset: 1px; }",
        ),
        (True, ".folioviz .fv-wrap { flex-wrap: wrap; align-items: center; gap: 0 1.2em; }"),
        (True, ".folioviz .fv-wrap > .widget-checkbox { width: auto; }"),
        (True, ".folioviz .fv-wrap > .fv-word-box { width: 30em; max-width: 100%; }"),
        (
            False,
            f".folioviz .fv-error {{ border-left: 5px solid {OKABE_ITO['vermillion']}; "
            "background: #FCEBE0; color: #000000;\n"
            "  padding: 0.4em 0.7em; margin: 0.3em 0; }",
        ),
        (
            False,
            ".folioviz .fv-kindrow { display: flex; align-items: center; gap: 0.8em; flex-wrap: wrap; "
            "margin: 0.3em 0; }",
        ),
        (False, f".folioviz .fv-kind {{ font-weight: 700; font-size: {fs * 1.2:.0f}px; }}"),
        (False, f".folioviz table.fv-table {{ border-collapse: collapse; font-size: {fs * 0.95:.0f}px; }}"),
        (
            False,
            ".folioviz table.fv-table th, .folioviz table.fv-table td { border-bottom: 1px solid #DDDDDD; "
            "padding: 0.25em 0.6em;\n"
            "  text-align: left; vertical-align: top; }",
        ),
        (False, f".folioviz table.fv-table code {{ font-family: {t.mono}; }}"),
        (False, ".folioviz .fv-disagree { background: #FFF3D6; color: #1A1A1A; }"),
        (False, ".folioviz .fv-disagree a { color: #005A8E; }"),
        (
            False,
            f".folioviz .fv-note {{ color: var(--jp-content-font-color1, #333333); font-size: {fs * 0.9:.0f}px; "
            "max-width: 52em;\n"
            "  line-height: 1.4; }",
        ),
        (
            False,
            f".folioviz .fv-cell-note {{ color: var(--jp-content-font-color2, #444444); font-size: {fs * 0.8:.0f}px;\n"
            "  line-height: 1.3; max-width: 26em; }",
        ),
        (False, ".folioviz svg.fv-diagram, .folioviz svg.fv-pagecache { max-width: 100%; height: auto; }"),
        (False, ".folioviz table.fv-table caption { text-align: left; font-weight: 700; padding: 0.4em 0; }"),
        (False, ".folioviz table.fv-table td, .folioviz table.fv-table th { line-height: 1.35; }"),
        (True, ".folioviz .widget-html-content { line-height: 1.35; }"),
        (False, f".folioviz a {{ color: var(--jp-content-link-color, {OKABE_ITO['blue']}); }}"),
    ]
    return (
        "<style>\n"
        + "".join(rule + "\n" for only_controls, rule in rules if controls or not only_controls)
        + "</style>"
    )


def kind_line_html(result: MappingDecode, *, presenter: bool | None = None) -> str:
    """One line under the bits: badge, kind word, what it points to, the rule."""
    style = KIND_STYLE[result.kind.value]
    target = escape(result.target) if result.target else "nothing"
    return (
        '<div class="fv-kindrow" role="status" aria-live="polite">'
        f"{kind_badge_svg(result.kind, presenter=presenter)}"
        f'<span class="fv-kind" data-kind="{escape(result.kind.value)}">{escape(style.label)}</span>'
        f"<span>tag <code>0b{result.tag:02b}</code>"
        + (f" <code>{escape(result.tag_name)}</code>" if result.tag_name else "")
        + f" → {target}</span>"
        f'<span class="fv-rule">rule {escape(result.rule)} · {escape(result.era.label)}</span>'
        "</div>"
        f'<div class="fv-note">{escape(result.explanation)}</div>'
    )


def _cell_value(value: Pointer | bool | None, text: str) -> str:
    if isinstance(value, Pointer) and value.is_null:
        return "<code><b>NULL</b></code>"
    return f"<code>{escape(text)}</code>"


def helpers_table_html(result: MappingDecode) -> str:
    """Every helper's return value for this folio, each with its rule and pinned source link."""
    rows = []
    for helper in result.helpers:
        rows.append(
            "<tr>"
            f"<td><code>{escape(helper.name)}</code></td>"
            f"<td>{_cell_value(helper.value, helper.text)}"
            + (f'<div class="fv-cell-note">{escape(helper.note)}</div>' if helper.note else "")
            + "</td>"
            f"<td>{escape(helper.rule)}</td>"
            f'<td><a href="{escape(helper.source.url)}" target="_blank">'
            f"{escape(helper.source.label)}</a></td>"
            "</tr>"
        )
    disagree = ' class="fv-disagree"' if result.checks_disagree else ""

    def verdict(truncated: bool) -> str:
        return "<b>truncated</b> → unlock, return 0, retry" if truncated else "present → go on"

    checks = (
        f'<table class="fv-table fv-checks"{disagree} aria-label="the two truncation checks">'
        "<caption>The truncation check in <code>do_page_mkwrite()</code></caption>"
        "<tr><th>check</th><th>verdict</th><th></th></tr>"
        f"<tr><td><code>!folio-&gt;mapping</code></td><td>{verdict(result.raw_check_truncated)}</td>"
        "<td>what the kernel tests (R11)</td></tr>"
        f"<tr><td><code>!folio_mapping(folio)</code></td><td>{verdict(result.folio_mapping_check_truncated)}</td>"
        "<td>the patch's first version</td></tr>"
        + (
            '<tr><td colspan="3"><b>They disagree.</b> ' + escape(result.notes[-1]) + "</td></tr>"
            if result.checks_disagree and result.notes
            else ""
        )
        + "</table>"
    )
    return (
        f'<table class="fv-table fv-helpers" aria-label="kernel helpers for this folio">'
        f"<caption>What each helper returns ({escape(result.era.label)}; links to {escape(result.era.release)})"
        "</caption>"
        "<tr><th>helper</th><th>returns</th><th>rule</th><th>source</th></tr>" + "".join(rows) + "</table>" + checks
    ) + paste_html(result)


def paste_html(result: MappingDecode) -> str:
    """What folioviz read from a pasted dump or report (nothing for a bare word)."""
    paste = result.folio.paste
    if paste is None or paste.source == "word":
        return ""
    summary = (
        "Read by drgn from the kernel memory"
        if paste.source.startswith("drgn (kernel")
        else f"Read from a {paste.source} paste"
    )
    items = [f"the word is {escape(paste.word_from)}"]
    items += [escape(note) for note in paste.notes]
    items += [f"read: {escape(line)}" for line in paste.bits_read]
    fields = (
        flags_fields_html(paste.flags, paste.upper_fields.layout, paste.flag_names)
        if paste.flags is not None and paste.upper_fields is not None
        else ""
    )
    return (
        f'<details class="fv-paste" open><summary>{escape(summary)}</summary>'
        '<ul class="fv-note">' + "".join(f"<li>{item}</li>" for item in items) + "</ul>" + fields + "</details>"
    )


def era_table_html(word: int | str, **flags: bool) -> str:
    """One row per kernel era: how the same word decodes, and whether the two checks disagree."""
    rows = []
    for era in eras():
        try:
            r = decode(word, era, **flags)
        except ValueError as error:  # a flag that does not exist in this era
            rows.append(f"<tr><td>{escape(era.label)}</td><td colspan='5'>{escape(str(error))}</td></tr>")
            continue
        style = KIND_STYLE[r.kind.value]
        rows.append(
            "<tr>"
            f"<td>{escape(era.label)}<br><small>links: {escape(era.release)}</small></td>"
            f"<td><code>{escape(r.tag_name or '(none)')}</code></td>"
            f"<td>{style.glyph} {escape(style.label)}</td>"
            f"<td>{escape(r.target or '(nothing)')}</td>"
            f"<td>{_cell_value(r.helper('folio_mapping').value, r.helper('folio_mapping').text)}</td>"
            f"<td>{'<b>yes</b>' if r.checks_disagree else 'no'}</td>"
            "</tr>"
        )
    first = decode(word, None, **{k: v for k, v in flags.items() if k != "movable_ops"})
    return (
        style_html(controls=False)
        + '<div class="folioviz"><table class="fv-table fv-eras" aria-label="the same word in each era">'
        f"<caption>The word <code>{escape(first.word_text)}</code> in each kernel era</caption>"
        "<tr><th>era</th><th>tag name</th><th>kind</th><th>points to</th><th>folio_mapping()</th>"
        "<th>checks disagree?</th></tr>" + "".join(rows) + "</table></div>"
    )


# --------------------------------------------------------------------------- the race explorer's tables


def race_table_html(comparison: Comparison, *, variant: str | None = None, outcome: str | None = None) -> str:
    """Variants × outcomes: how many orders end in each (``—`` for none), and the states explored.

    The cell for ``variant`` / ``outcome`` is marked (the explorer's current choice).
    """
    names = comparison.outcome_names
    outcomes = {r.name: r.outcome for e in comparison for r in e.outcomes}
    head = "".join(f'<th scope="col">{outcome_glyphs(outcomes[n])} {escape(n)}</th>' for n in names)
    rows = []
    for e in comparison:
        v = e.model.variant
        cells = []
        for n in names:
            mark = v == variant and n == outcome
            try:
                report = e.report(n)
                text = orders_text(report)
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


def race_comparison_html(**inputs: Any) -> str:
    """Every variant explored with the same inputs (``handler``, ``folio``, ``kernel``, ``faults``,
    ``readers``; see :func:`~folioviz.kernel.races.compare_variants`), as a styled table for a notebook cell.
    """
    return (
        style_html(controls=False) + '<div class="folioviz">' + race_table_html(compare_variants(**inputs)) + "</div>"
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
        style_html(controls=False) + '<div class="folioviz"><table class="fv-table fv-race-growth" aria-label="growth">'
        f"<caption>How the model grows ({escape(VARIANTS[variant].label)})</caption>"
        "<tr><th>threads</th><th>#</th><th>distinct states</th><th>moves</th><th>orders</th><th>outcomes</th></tr>"
        + "".join(rows)
        + "</table></div>"
    )


def outcome_banner_html(report: OutcomeReport, model: RaceModel) -> str:
    """The chosen outcome: its name, glyph, how many orders reach it, and what it means."""
    colour, _, _ = outcome_style(report.outcome)
    group = (
        "bad" if report.outcome.harmful else ("good" if report.outcome.kinds == (RaceOutcome.WRITE_OK,) else "retry")
    )
    certain = " — whatever the order" if report.certain else ""
    return (
        f'<div class="fv-outcome fv-outcome-{group} fv-race-banner" role="status" aria-live="polite" '
        f'data-outcome="{escape(report.name)}" style="border-left-color: {colour}">'
        f'<span class="fv-outcome-name">{outcome_glyphs(report.outcome)} {escape(report.name)}</span> · '
        f"{escape(orders_text(report))}{certain} · shortest: {len(report.shortest)} steps · "
        f"{escape(VARIANTS[model.variant].label)}<br>{escape(report.outcome.summary)}</div>"
    )


def step_caption_html(step: Step[Any], index: int, total: int) -> str:
    """The caption under a scenario: step number, kernel function, rule, source link, sentence."""
    link = ""
    if step.source is not None:
        link = f' · <a href="{escape(step.source.url)}" target="_blank">{escape(step.source.label)}</a>'
    rule = f' · rule <b class="fv-step-rule">{escape(step.rule)}</b>' if step.rule else ""
    return (
        '<div class="fv-step-caption" role="status" aria-live="polite">'
        f'<span class="fv-step-count">step {index} of {total - 1}</span> · '
        f'<code class="fv-step-function">{escape(step.function)}</code>{rule}{link}'
        f'<div class="fv-step-text">{escape(step.caption)}</div></div>'
    )


def error_html(message: str, lead: str = "Not applied") -> str:
    """The inline error: what was refused and why (the message says what is allowed)."""
    return f'<div class="fv-error" role="alert"><b>{escape(lead)}:</b> {escape(message)}</div>'

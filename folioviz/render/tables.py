"""Pure HTML renderers: the helpers table, the kind line and the widgets' shared stylesheet."""

from __future__ import annotations

from typing import Any

from ..kernel import decode, eras
from ..kernel.errors import FolioVizError
from ..kernel.mapping import MappingDecode, Pointer
from ..kernel.races import VARIANTS, Comparison, OutcomeReport, RaceModel, RaceOutcome, compare_variants, explore
from ..kernel.scenario import Step
from .bits import flags_fields_html
from .markup import Markup, tag
from .race_style import orders_text, outcome_glyphs, outcome_style
from .svg import kind_badge_svg
from .theme import KIND_STYLE, OKABE_ITO, theme

__all__ = ["era_table_html", "helpers_table_html", "kind_line_html", "paste_html", "style_html"]


def style_html(presenter: bool | None = None, *, controls: bool = True) -> Markup:
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
        # The cells carry the colours too: JupyterLab paints its own row and header backgrounds (dark in a dark
        # theme) above the table's, and the dark text must stay on the light background it was chosen for.
        (
            False,
            ".folioviz .fv-disagree, .folioviz table.fv-disagree th, .folioviz table.fv-disagree td,\n"
            "  .folioviz tr.fv-disagree > th, .folioviz tr.fv-disagree > td { background: #FFF3D6; color: #1A1A1A; }",
        ),
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
    # the rules are this module's own text and the theme's values: markup as they stand
    return Markup("<style>\n" + "".join(rule + "\n" for only, rule in rules if controls or not only) + "</style>")


def kind_line_html(result: MappingDecode, *, presenter: bool | None = None) -> Markup:
    """One line under the bits: badge, kind word, what it points to, the rule."""
    style = KIND_STYLE[result.kind.value]
    tag_name = Markup(" {}").format(tag("code", result.tag_name)) if result.tag_name else ""
    return Markup(
        '<div class="fv-kindrow" role="status" aria-live="polite">{badge}'
        '<span class="fv-kind" data-kind="{kind}">{label}</span>'
        "<span>tag <code>0b{tag:02b}</code>{tag_name} → {target}</span>"
        '<span class="fv-rule">rule {rule} · {era}</span>'
        '</div><div class="fv-note">{explanation}</div>'
    ).format(
        badge=kind_badge_svg(result.kind, presenter=presenter),
        kind=result.kind.value,
        label=style.label,
        tag=result.tag,
        tag_name=tag_name,
        target=result.target or "nothing",
        rule=result.rule,
        era=result.era.label,
        explanation=result.explanation,
    )


def _cell_value(value: Pointer | bool | None, text: str) -> Markup:
    if isinstance(value, Pointer) and value.is_null:
        return Markup("<code><b>NULL</b></code>")
    return tag("code", text)


def _live(static: bool, **attrs: Any) -> dict[str, Any]:
    """``attrs`` for the live view; a static snapshot is read, not styled: no classes, ARIA or data attributes."""
    return {} if static else attrs


def helpers_table_html(result: MappingDecode, *, static: bool = False) -> Markup:
    """Every helper's return value for this folio, each with its rule and pinned source link.

    :param static: the form of a static snapshot: no classes, ARIA or ``target``, and links named without
        the release (the caption names it)
    """
    rows = []
    for helper in result.helpers:
        note = tag("div", helper.note, **_live(static, class_="fv-cell-note")) if helper.note else ""
        label = helper.source.label
        if static:
            label = label.removesuffix(f" ({result.era.release})")
        link = tag("a", label, href=helper.source.url, **_live(static, target="_blank"))
        rows.append(
            Markup("<tr><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>").format(
                tag("code", helper.name), _cell_value(helper.value, helper.text), note, helper.rule, link
            )
        )

    def verdict(truncated: bool) -> Markup:
        return Markup("<b>truncated</b> → unlock, return 0, retry" if truncated else "present → go on")

    disagree = result.checks_disagree and result.notes
    checks_class = "fv-table fv-checks" + (" fv-disagree" if result.checks_disagree else "")
    checks = tag(
        "table",
        Markup(
            "<caption>The truncation check in <code>do_page_mkwrite()</code></caption>"
            "<tr><th>check</th><th>verdict</th><th></th></tr>"
            "<tr><td><code>!folio-&gt;mapping</code></td><td>{}</td><td>what the kernel tests (R11)</td></tr>"
            "<tr><td><code>!folio_mapping(folio)</code></td><td>{}</td><td>the patch's first version</td></tr>"
        ).format(verdict(result.raw_check_truncated), verdict(result.folio_mapping_check_truncated)),
        Markup('<tr><td colspan="3"><b>They disagree.</b> {}</td></tr>').format(result.notes[-1]) if disagree else "",
        **_live(static, class_=checks_class, aria_label="the two truncation checks"),
    )
    helpers = tag(
        "table",
        Markup("<caption>What each helper returns ({}; links to {})</caption>").format(
            result.era.label, result.era.release
        ),
        Markup("<tr><th>helper</th><th>returns</th><th>rule</th><th>source</th></tr>"),
        *rows,
        **_live(static, class_="fv-table fv-helpers", aria_label="kernel helpers for this folio"),
    )
    return helpers + checks + paste_html(result, static=static)


def paste_html(result: MappingDecode, *, static: bool = False) -> Markup:
    """What folioviz read from a pasted dump or report (nothing for a bare word)."""
    paste = result.folio.paste
    if paste is None or paste.source == "word":
        return Markup("")
    summary = (
        "Read by drgn from the kernel memory"
        if paste.source.startswith("drgn (kernel")
        else f"Read from a {paste.source} paste"
    )
    items = [f"the word is {paste.word_from}", *paste.notes, *(f"read: {line}" for line in paste.bits_read)]
    fields = (
        flags_fields_html(paste.flags, paste.upper_fields.layout, paste.flag_names, static=static)
        if paste.flags is not None and paste.upper_fields is not None
        else ""
    )
    return tag(
        "details",
        tag("summary", summary),
        tag("ul", *(tag("li", item) for item in items), **_live(static, class_="fv-note")),
        fields,
        **_live(static, class_="fv-paste"),
        open=True,
    )


def era_table_html(word: int | str, **flags: bool) -> Markup:
    """One row per kernel era: how the same word decodes, and whether the two checks disagree."""
    rows = []
    for era in eras():
        try:
            r = decode(word, era, **flags)
        except ValueError as error:  # a flag that does not exist in this era
            rows.append(Markup("<tr><td>{}</td><td colspan='5'>{}</td></tr>").format(era.label, str(error)))
            continue
        style = KIND_STYLE[r.kind.value]
        folio_mapping = r.helper("folio_mapping")
        rows.append(
            Markup(
                "<tr><td>{}<br><small>links: {}</small></td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td>"
                "<td>{}</td></tr>"
            ).format(
                era.label,
                era.release,
                tag("code", r.tag_name or "(none)"),
                style.glyph,
                style.label,
                r.target or "(nothing)",
                _cell_value(folio_mapping.value, folio_mapping.text),
                Markup("<b>yes</b>") if r.checks_disagree else "no",
            )
        )
    first = decode(word, None, **{k: v for k, v in flags.items() if k != "movable_ops"})
    table = tag(
        "table",
        Markup("<caption>The word <code>{}</code> in each kernel era</caption>").format(first.word_text),
        Markup(
            "<tr><th>era</th><th>tag name</th><th>kind</th><th>points to</th><th>folio_mapping()</th>"
            "<th>checks disagree?</th></tr>"
        ),
        *rows,
        class_="fv-table fv-eras",
        aria_label="the same word in each era",
    )
    return style_html(controls=False) + tag("div", table, class_="folioviz")


# --------------------------------------------------------------------------- the race explorer's tables


def race_table_html(comparison: Comparison, *, variant: str | None = None, outcome: str | None = None) -> Markup:
    """Variants × outcomes: how many orders end in each (``—`` for none), and the states explored.

    The cell for ``variant`` / ``outcome`` is marked (the explorer's current choice).
    """
    names = comparison.outcome_names
    outcomes = {r.name: r.outcome for e in comparison for r in e.outcomes}
    head = [Markup('<th scope="col">{} {}</th>').format(outcome_glyphs(outcomes[n]), n) for n in names]
    rows = []
    for e in comparison:
        v = e.model.variant
        cells = []
        for n in names:
            mark = v == variant and n == outcome
            try:
                report = e.report(n)
                text = orders_text(report)
                harmful = "fv-race-bad" if report.outcome.harmful else None
            except FolioVizError:
                text, harmful = "—", None
            cls = "fv-race-cell-current" if mark else harmful
            here = "true" if mark else None
            cells.append(tag("td", text, class_=cls, aria_current=here, data_variant=v, data_outcome=n))
        hypothetical = "" if VARIANTS[v].merged else Markup(" <small>(hypothetical)</small>")
        rows.append(
            tag(
                "tr",
                tag("th", VARIANTS[v].label, hypothetical, scope="row"),
                *cells,
                tag("td", e.states),
                tag("td", f"{e.total:,}"),
                class_="fv-race-row-current" if v == variant else None,
            )
        )
    return tag(
        "table",
        Markup("<caption>Outcomes per variant: {}</caption>").format(comparison.title),
        Markup('<tr><th scope="col">variant</th>{}<th scope="col">states</th><th scope="col">orders</th></tr>').format(
            Markup("").join(head)
        ),
        *rows,
        class_="fv-table fv-race-table",
        aria_label="outcomes per variant",
    )


def race_comparison_html(**inputs: Any) -> Markup:
    """Every variant explored with the same inputs (``handler``, ``folio``, ``kernel``, ``faults``,
    ``readers``; see :func:`~folioviz.kernel.races.compare_variants`), as a styled table for a notebook cell.
    """
    return style_html(controls=False) + tag("div", race_table_html(compare_variants(**inputs)), class_="folioviz")


def growth_table_html(variant: str = "kernel", **inputs: Any) -> Markup:
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
        cells = (label, len(e.model.threads), f"{e.states:,}", f"{e.transitions:,}", f"{e.total:,}", len(e.outcomes))
        rows.append(tag("tr", *(tag("td", cell) for cell in cells)))
    table = tag(
        "table",
        Markup("<caption>How the model grows ({})</caption>").format(VARIANTS[variant].label),
        Markup(
            "<tr><th>threads</th><th>#</th><th>distinct states</th><th>moves</th><th>orders</th><th>outcomes</th></tr>"
        ),
        *rows,
        class_="fv-table fv-race-growth",
        aria_label="growth",
    )
    return style_html(controls=False) + tag("div", table, class_="folioviz")


def outcome_banner_html(report: OutcomeReport, model: RaceModel, *, static: bool = False) -> Markup:
    """The chosen outcome: its name, glyph, how many orders reach it, and what it means.

    :param static: the form of a static snapshot (no classes, ARIA or data attributes)
    """
    colour, _, _ = outcome_style(report.outcome)
    group = (
        "bad" if report.outcome.harmful else ("good" if report.outcome.kinds == (RaceOutcome.WRITE_OK,) else "retry")
    )
    certain = " — whatever the order" if report.certain else ""
    return tag(
        "div",
        tag("span", outcome_glyphs(report.outcome), " ", report.name, **_live(static, class_="fv-outcome-name")),
        Markup(" · {}{} · shortest: {} steps · {}<br>{}").format(
            orders_text(report), certain, len(report.shortest), VARIANTS[model.variant].label, report.outcome.summary
        ),
        **_live(
            static,
            class_=f"fv-outcome fv-outcome-{group} fv-race-banner",
            role="status",
            aria_live="polite",
            data_outcome=report.name,
        ),
        style=f"border-left-color: {colour}",
    )


def race_state_html(view: Any) -> Markup:
    """The race explorer's status line: the folio after the current step (a ``folio_view``) and who holds it."""
    return tag("div", f"folio: {view.line()} · held by {view.holders}", class_="fv-race-state", role="status")


def step_caption_html(step: Step[Any], index: int, total: int) -> Markup:
    """The caption under a scenario: step number, kernel function, rule, source link, sentence.

    (A static snapshot writes the same facts with :func:`~folioviz.render.snapshot.step_html`.)
    """
    link = ""
    if step.source is not None:
        link = Markup(" · ") + tag("a", step.source.label, href=step.source.url, target="_blank")
    rule = Markup(" · rule ") + tag("b", step.rule, class_="fv-step-rule") if step.rule else ""
    return tag(
        "div",
        tag("span", f"step {index} of {total - 1}", class_="fv-step-count"),
        " · ",
        tag("code", step.function, class_="fv-step-function"),
        rule,
        link,
        tag("div", step.caption, class_="fv-step-text"),
        class_="fv-step-caption",
        role="status",
        aria_live="polite",
    )


def error_html(message: str, lead: str = "Not applied") -> Markup:
    """The inline error: what was refused and why (the message says what is allowed)."""
    return tag("div", tag("b", f"{lead}:"), " ", message, class_="fv-error", role="alert")

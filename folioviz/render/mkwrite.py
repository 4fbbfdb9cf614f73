"""The ``do_page_mkwrite()`` views' HTML: the code panel, the state panel, the outcome banner, the history table.

The model (:mod:`folioviz.kernel.mkwrite`) computes every path and outcome; these functions only render them.
:mod:`folioviz.widgets.mkwrite` puts them into widgets.
"""

from __future__ import annotations

from ..kernel.mkwrite import (
    CHECKS,
    FaultLoopState,
    MkwriteRun,
    MkwriteState,
    Outcome,
    PseudoLine,
    code_form,
    decode_fault_flags,
    decode_vm_fault,
)
from ..kernel.versions import kernel_menu
from .markup import Markup, escape, tag
from .svg import kind_badge_svg
from .tables import style_html
from .theme import OKABE_ITO

__all__ = [
    "KERNELS",
    "MKWRITE_STYLE",
    "code_panel_html",
    "history_table_html",
    "kernel_options",
    "outcome_html",
    "pending_outcome_html",
    "side_title",
    "state_html",
]


#: Kernels offered in the menu: (label, version), one per code form and mapping era (``data/kernels.toml``).
KERNELS: tuple[tuple[str, str], ...] = tuple((label, kernel) for kernel, label in kernel_menu())


def kernel_options(kernel: str) -> list[tuple[str, str]]:
    """The kernel menu: one version per code form and era, plus ``kernel`` if the menu lacks it."""
    options = list(KERNELS)
    if kernel not in [value for _, value in options]:
        options.append((f"v{kernel}", kernel))
    return options


_GOOD = {Outcome.WRITE_PROCEEDS, Outcome.RETRY_THEN_NEW_PAGE}


_BAD = {Outcome.LIVELOCK, Outcome.VM_BUG_ON, Outcome.LOCK_NOT_HELD}


_GLYPH = {Outcome.WRITE_PROCEEDS: "✔", Outcome.LIVELOCK: "⟳", Outcome.VM_BUG_ON: "✘", Outcome.LOCK_NOT_HELD: "?"}


MKWRITE_STYLE = Markup(f"""<style>
.folioviz .fv-code {{ font-family: ui-monospace, 'DejaVu Sans Mono', monospace; background: #FAFAFA;
  border: 1px solid #CCCCCC; border-radius: 4px; padding: 0.4em 0; min-width: 30em; max-width: 100%; color: #1A1A1A;
  overflow-x: auto; }}
.folioviz .fv-line {{ white-space: pre; padding: 0 0.6em; line-height: 1.5; }}
.folioviz .fv-line .fv-ln {{ color: #777777; display: inline-block; width: 2.2em; text-align: right;
  margin-right: 0.6em; }}
.folioviz .fv-line .fv-mark {{ display: inline-block; width: 1.2em; }}
.folioviz .fv-line-visited {{ background: #EEF5FB; }}
.folioviz .fv-line-current {{ background: {OKABE_ITO["yellow"]}; font-weight: 700;
  outline: 2px solid #1A1A1A; outline-offset: -2px; }}
.folioviz .fv-line a {{ text-decoration: none; margin-left: 0.5em; }}
.folioviz .fv-code a {{ color: #0D47A1; }}
.folioviz .fv-line .fv-comment {{ color: #4A4A4A; font-weight: 400; }}
.folioviz .fv-outcome {{ border-left: 8px solid #1A1A1A; padding: 0.5em 0.8em; margin: 0.4em 0;
  background: #F4F4F4; color: #1A1A1A; line-height: 1.4; }}
.folioviz .fv-outcome-good {{ border-color: {OKABE_ITO["bluish_green"]}; background: #E6F5EF; }}
.folioviz .fv-outcome-retry {{ border-color: {OKABE_ITO["blue"]}; background: #E6F0F8; }}
.folioviz .fv-outcome-bad {{ border-color: {OKABE_ITO["vermillion"]}; background: #FCEBE0; }}
.folioviz .fv-outcome-name {{ font-size: 1.25em; font-weight: 700; }}
.folioviz .fv-side {{ flex: 1 1 30em; min-width: 30em; margin-right: 1em; }}
</style>""")


def code_panel_html(
    lines: tuple[PseudoLine, ...], current: int | None, visited: tuple[int, ...] = (), *, comments: bool = True
) -> Markup:
    """Our pseudo-code of ``do_page_mkwrite()`` with the running line marked (▶ and a box) and links.

    With ``comments=False`` (narrow panes) each line's comment becomes its tooltip.
    """
    rows = []
    for line in lines:
        cls = "fv-line"
        mark = " "
        if line.number == current:
            cls += " fv-line-current"
            mark = "▶"
        elif line.number in visited:
            cls += " fv-line-visited"
            mark = "·"
        link = (
            tag("a", "↗", href=line.source.url, target="_blank", title=line.source.label)
            if line.source is not None
            else ""
        )
        comment = tag("span", f"  # {line.comment}", class_="fv-comment") if line.comment and comments else ""
        rows.append(
            tag(
                "div",
                tag("span", mark, class_="fv-mark", aria_hidden="true"),
                tag("span", line.number, class_="fv-ln"),
                line.text,
                comment,
                link,
                class_=cls,
                data_line=line.number,
                title=line.comment if line.comment and not comments else None,
            )
        )
    return tag("div", *rows, class_="fv-code", role="region", aria_label="do_page_mkwrite() in our pseudo-code")


def state_html(state: MkwriteState | FaultLoopState, *, static: bool = False) -> Markup:
    """The state panel: flags, return value, lock, word (with its kind badge), branch or loop position.

    :param static: the form of a static snapshot: no badge (the kind is written beside the word), no classes
    """
    rows: list[tuple[str, Markup | str]] = []
    if isinstance(state, MkwriteState):
        rows.append(("vmf->flags", tag("code", decode_fault_flags(state.vmf_flags))))
        rows.append(("ret", "—" if state.ret is None else tag("code", decode_vm_fault(state.ret))))
        rows.append(("folio lock", state.lock_holder or "unlocked"))
        word = Markup("<code>{}</code> {}").format(state.mapping_word, state.mapping_kind)
        if not (state.mapping_kind and static):  # static: no badge, the kind is written beside the word
            word = (kind_badge_svg(state.mapping_kind) if state.mapping_kind else Markup("")) + Markup(" ") + word
        rows.append(("folio->mapping", word))
        if state.check:
            rows.append(("the check", state.check))
        if state.branch:
            rows.append(("branch", state.branch))
    else:
        retries = tag("b", state.retries, **({} if static else {"class_": "fv-retries"}))
        rows.append(("fault", Markup("attempt {} · retries so far {}").format(state.attempt, retries)))
        rows.append(("where", state.where))
        rows.append(("PTE", state.pte))
        rows.append(("folio lock", state.lock_holder or "unlocked"))
        rows.append(("folio->mapping", tag("code", state.mapping_word)))
        rows.append(("references", state.refs))
        if state.ret is not None:
            rows.append(("returned", tag("code", decode_vm_fault(state.ret))))
        if state.mkwrite_path:
            rows.append(("do_page_mkwrite() ran", "lines " + ", ".join(str(n) for n in state.mkwrite_path)))
    body = [Markup("<tr><th>{}</th><td>{}</td></tr>").format(k, v) for k, v in rows]
    attrs = {} if static else {"class_": "fv-table fv-state", "aria_label": "state"}
    return tag("table", *body, **attrs)


def pending_outcome_html() -> Markup:
    """The outcome box before the last step: predict it first."""
    return Markup(
        '<div class="fv-outcome" role="status">Outcome: predict it, then step to the end (or press ▶|) to see it.</div>'
    )


def outcome_html(run: MkwriteRun) -> Markup:
    """The outcome banner: what the model says this input leads to, and why."""
    outcome = run.outcome
    group = "good" if outcome in _GOOD else ("bad" if outcome in _BAD else "retry")
    glyph = _GLYPH.get(outcome, "↻" if group == "retry" else "•")
    retries = f" · detected at retry {run.retries}" if outcome is Outcome.LIVELOCK else ""
    evidence = {"V": "read in source", "I": "inferred from source", "U": "not verifiable here"}.get(
        outcome.evidence, ""
    )
    return tag(
        "div",
        tag("span", f"{glyph} {outcome.name}", class_="fv-outcome-name"),
        retries,
        Markup(" <small>({}; rule {})</small><br>{}").format(evidence, outcome.rule or "—", run.explanation),
        class_=f"fv-outcome fv-outcome-{group}",
        role="status",
        aria_live="polite",
        data_outcome=outcome.name,
    )


def side_title(kernel: str, check: str) -> Markup:
    """A side-by-side pane's title: which test it is, spelled as that kernel's code form spells it.

    The raw test is ``!page->mapping`` in the page-based form (v6.4, the email's kernel) and
    ``!folio->mapping`` in the folio form merged in v6.6; the helper is what the v1 patch tested.
    """
    form = code_form(kernel, check)
    what = "the raw word, as released" if check == next(iter(CHECKS)) else "the helper, as the v1 patch tested"
    return Markup("<b>{}: <code>{}</code></b>").format(what, form.check_expr)


def history_table_html() -> Markup:
    """The history of do_page_mkwrite()'s check, from ``data/mkwrite_history.toml``, with what is uncertain."""
    from ..kernel.mkwrite import mkwrite_history
    from ..kernel.sources import commit_url, lore_url

    rows = []
    for event in mkwrite_history():
        links = []
        if event.commit:
            links.append(tag("a", tag("code", event.commit[:12]), href=commit_url(event.commit), target="_blank"))
        if event.message_id:
            links.append(tag("a", "mail", href=lore_url(event.message_id), target="_blank"))
        unsure = (
            Markup("<br><small><i>unverified: {}</i></small>").format(", ".join(event.uncertain))
            if event.uncertain
            else ""
        )
        version = escape(event.version or "—") + (Markup(" <small>(≈)</small>") if "version" in event.uncertain else "")
        rows.append(
            Markup(
                "<tr><td>{}<br><small>{}</small></td><td>{}</td><td><b>{}</b> <small>{}</small><br>{}{}</td>"
                "<td>{}</td><td>{}</td></tr>"
            ).format(
                event.date,
                event.date_is,
                version,
                event.title,
                event.author,
                event.what,
                unsure,
                Markup(" · ").join(links),
                ", ".join(event.rules),
            )
        )
    table = tag(
        "table",
        Markup("<tr><th>date</th><th>release</th><th>what changed</th><th>source</th><th>rules</th></tr>"),
        *rows,
        class_="fv-table fv-history",
        aria_label="history",
    )
    return style_html(controls=False) + tag("div", table, class_="folioviz")

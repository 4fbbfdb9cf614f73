"""The ``do_page_mkwrite()`` views' HTML: the code panel, the state panel, the outcome banner, the history table.

The model (:mod:`folioviz.kernel.mkwrite`) computes every path and outcome; these functions only render them.
:mod:`folioviz.widgets.mkwrite` puts them into widgets.
"""

from __future__ import annotations

from html import escape

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


MKWRITE_STYLE = f"""<style>
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
</style>"""


def code_panel_html(
    lines: tuple[PseudoLine, ...], current: int | None, visited: tuple[int, ...] = (), *, comments: bool = True
) -> str:
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
            f'<a href="{escape(line.source.url)}" target="_blank" title="{escape(line.source.label)}">↗</a>'
            if line.source is not None
            else ""
        )
        comment = f'<span class="fv-comment">  # {escape(line.comment)}</span>' if line.comment and comments else ""
        tip = f' title="{escape(line.comment)}"' if line.comment and not comments else ""
        rows.append(
            f'<div class="{cls}" data-line="{line.number}"{tip}><span class="fv-mark" aria-hidden="true">{mark}</span>'
            f'<span class="fv-ln">{line.number}</span>{escape(line.text)}{comment}{link}</div>'
        )
    return (
        '<div class="fv-code" role="region" aria-label="do_page_mkwrite() in our pseudo-code">'
        + "".join(rows)
        + "</div>"
    )


def state_html(state: MkwriteState | FaultLoopState) -> str:
    """The state panel: flags, return value, lock, word (with its kind badge), branch or loop position."""
    rows: list[tuple[str, str]] = []
    if isinstance(state, MkwriteState):
        rows.append(("vmf->flags", f"<code>{escape(decode_fault_flags(state.vmf_flags))}</code>"))
        rows.append(("ret", "—" if state.ret is None else f"<code>{escape(decode_vm_fault(state.ret))}</code>"))
        rows.append(("folio lock", escape(state.lock_holder or "unlocked")))
        badge = kind_badge_svg(state.mapping_kind) if state.mapping_kind else ""
        rows.append(
            ("folio->mapping", f"{badge} <code>{escape(state.mapping_word)}</code> {escape(state.mapping_kind)}")
        )
        if state.check:
            rows.append(("the check", escape(state.check)))
        if state.branch:
            rows.append(("branch", escape(state.branch)))
    else:
        rows.append(("fault", f"attempt {state.attempt} · retries so far <b class='fv-retries'>{state.retries}</b>"))
        rows.append(("where", escape(state.where)))
        rows.append(("PTE", escape(state.pte)))
        rows.append(("folio lock", escape(state.lock_holder or "unlocked")))
        rows.append(("folio->mapping", f"<code>{escape(state.mapping_word)}</code>"))
        rows.append(("references", escape(state.refs)))
        if state.ret is not None:
            rows.append(("returned", f"<code>{escape(decode_vm_fault(state.ret))}</code>"))
        if state.mkwrite_path:
            rows.append(("do_page_mkwrite() ran", "lines " + ", ".join(str(n) for n in state.mkwrite_path)))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="fv-table fv-state" aria-label="state">{body}</table>'


def outcome_html(run: MkwriteRun) -> str:
    """The outcome banner: what the model says this input leads to, and why."""
    outcome = run.outcome
    group = "good" if outcome in _GOOD else ("bad" if outcome in _BAD else "retry")
    glyph = _GLYPH.get(outcome, "↻" if group == "retry" else "•")
    retries = f" · detected at retry {run.retries}" if outcome is Outcome.LIVELOCK else ""
    evidence = {"V": "read in source", "I": "inferred from source", "U": "not verifiable here"}.get(
        outcome.evidence, ""
    )
    return (
        f'<div class="fv-outcome fv-outcome-{group}" role="status" aria-live="polite" data-outcome="{outcome.name}"'
        ">"
        f'<span class="fv-outcome-name">{glyph} {escape(outcome.name)}</span>{escape(retries)}'
        f" <small>({escape(evidence)}; rule {escape(outcome.rule or '—')})</small><br>"
        f"{escape(run.explanation)}</div>"
    )


def side_title(kernel: str, check: str) -> str:
    """A side-by-side pane's title: which test it is, spelled as that kernel's code form spells it.

    The raw test is ``!page->mapping`` in the page-based form (v6.4, the email's kernel) and
    ``!folio->mapping`` in the folio form merged in v6.6; the helper is what the v1 patch tested.
    """
    form = code_form(kernel, check)
    what = "the raw word, as released" if check == next(iter(CHECKS)) else "the helper, as the v1 patch tested"
    return f"<b>{what}: <code>{escape(form.check_expr)}</code></b>"


def history_table_html() -> str:
    """The history of do_page_mkwrite()'s check, from ``data/mkwrite_history.toml``, with what is uncertain."""
    from ..kernel.mkwrite import mkwrite_history
    from ..kernel.sources import commit_url, lore_url

    rows = []
    for event in mkwrite_history():
        links = []
        if event.commit:
            links.append(
                f'<a href="{escape(commit_url(event.commit))}" target="_blank">'
                f"<code>{escape(event.commit[:12])}</code></a>"
            )
        if event.message_id:
            links.append(f'<a href="{escape(lore_url(event.message_id))}" target="_blank">mail</a>')
        unsure = (
            f"<br><small><i>unverified: {escape(', '.join(event.uncertain))}</i></small>" if event.uncertain else ""
        )
        version = escape(event.version or "—") + (" <small>(≈)</small>" if "version" in event.uncertain else "")
        rows.append(
            f"<tr><td>{escape(event.date)}<br><small>{escape(event.date_is)}</small></td><td>{version}</td>"
            f"<td><b>{escape(event.title)}</b> <small>{escape(event.author)}</small><br>"
            f"{escape(event.what)}{unsure}</td>"
            f"<td>{' · '.join(links)}</td><td>{escape(', '.join(event.rules))}</td></tr>"
        )
    return (
        style_html(controls=False) + '<div class="folioviz"><table class="fv-table fv-history" aria-label="history">'
        "<tr><th>date</th><th>release</th><th>what changed</th><th>source</th><th>rules</th></tr>"
        + "".join(rows)
        + "</table></div>"
    )

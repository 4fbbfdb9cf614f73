"""Static HTML snapshots: what a widget shows, readable where no Python runs it.

Every folioviz widget mixes in :class:`folioviz.widgets.snapshot.SnapshotMixin`, built on these
functions. Its ``_repr_mimebundle_`` returns the usual ipywidgets bundle (``text/plain`` and
``application/vnd.jupyter.widget-view+json``) plus
``text/html``: a snapshot of the widget's current state built from the same pure renderers as the
live view (the SVG, the helpers table, the step's code and state, a quiz's question but never its
answer).

Which one a reader sees is the frontend's choice, by mimetype:

* JupyterLab, Notebook 7 and Voilà rank the widget view above ``text/html``: the live widget.
* ``jupyter nbconvert --to html`` and nbviewer skip a widget view whose model is not in the
  notebook's stored widget state (nbconvert's ``WidgetsDataTypeFilter``) and take the next
  mimetype of ``HTMLExporter.display_data_priority``: ``text/html``, the snapshot.
* GitHub's notebook preview does not run widgets either and shows ``text/html``.

Snapshots are deterministic text (nbval compares them), carry no ids, and stay small (1–6 kB: the
committed notebooks have a size budget). They carry no stylesheet: plain tables, ``<mark>`` (Okabe–Ito yellow) for the
current row or line, ``<code>`` and ``<b>``, which JupyterLab's, nbconvert's and GitHub's own styles
render readably in light and dark themes; every fact is written as text, every mark has a glyph (▶, ✔,
✘) as well, and the one diagram (the mapping word's SVG) draws its own Okabe–Ito colours on white.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from ..kernel.mkwrite import MkwriteState
from .mkwrite import state_html
from .svg import mapping_svg
from .tables import helpers_table_html
from .theme import KIND_STYLE, OKABE_ITO

__all__ = [
    "SNAPSHOT_NOTE",
    "code_listing_html",
    "decode_snapshot_html",
    "mkwrite_inputs_html",
    "mkwrite_pane_html",
    "options_html",
    "plain_table_html",
    "quiz_html",
    "snapshot_html",
    "step_html",
    "steps_table_html",
    "word_bits_html",
]

#: How the current line, step or cell is marked: Okabe–Ito yellow with black text (readable on light and dark
#: pages alike), always next to a ▶.
MARK = f'<mark style="background:{OKABE_ITO["yellow"]};color:#000">'

#: The sentence every snapshot starts with (tests look for it in nbconvert's HTML).
SNAPSHOT_NOTE = "static snapshot (run the notebook to use it)"


def snapshot_html(kind: str, body: str) -> str:
    """Wrap a widget's snapshot ``body``: a line naming the widget and saying it is static, then the body.

    :param kind: the widget's class name, written into the note and ``data-fv-snapshot``
    """
    return (
        f'<div class="fv-snapshot" data-fv-snapshot="{escape(kind)}"><p><i>{escape(kind)}, {SNAPSHOT_NOTE}</i></p>'
        f"{body}</div>"
    )


# --------------------------------------------------------------------------- small pure renderers


def word_bits_html(word: int, nbits: int = 64) -> str:
    """The word as bits, byte by byte from the top, the two tag bits apart and bold."""
    bits = format(word, f"0{nbits}b")
    groups = " ".join(bits[i : i + 8] for i in range(0, nbits - 8, 8))
    return (
        f"<p>bits {nbits - 1}…0, a byte per group, tag bits 1–0 last: <code>{groups} {bits[-8:-2]}·<b>{bits[-2:]}</b>"
        "</code></p>"
    )


def step_html(step: Any, index: int, total: int) -> str:
    """A scenario step: its number, kernel function, rule, source link and sentence."""
    link = f' · <a href="{escape(step.source.url)}">{escape(step.source.label)}</a>' if step.source else ""
    rule = f" · rule {escape(step.rule)}" if step.rule else ""
    return (
        f"<p><b>step {index} of {total - 1}</b> · <code>{escape(step.function)}</code>{rule}{link}<br>"
        f"{escape(step.caption)}</p>"
    )


def code_listing_html(lines: Iterable[Any], current: int | None, visited: Sequence[int] = ()) -> str:
    """The running line of our pseudo-code (▶, marked) and the lines run so far."""
    by_number = {line.number: line for line in lines}
    if current is None or current not in by_number:
        return ""
    ran = [n for n in dict.fromkeys(visited) if n != current]
    path = f" (ran lines {', '.join(map(str, ran))} before)" if ran else ""
    return f"<p>▶ line {current}: {MARK}<code>{escape(by_number[current].text.strip())}</code></mark>{path}</p>"


def steps_table_html(steps: Sequence[Any], current: int, describe: Any = None) -> str:
    """Every step of a scenario (number, kernel function, what it leaves), the current one marked ▶."""
    rows = []
    for i, step in enumerate(steps):
        text = escape(describe(step.state)) if describe else escape(step.caption)
        number = f"{MARK}{i}</mark>" if i == current else str(i)
        rows.append(
            f"<tr><td>{'▶' if i == current else ''}</td><td>{number}</td><td><code>{escape(step.function)}</code></td>"
            f"<td>{text}</td></tr>"
        )
    head = "state after it" if describe else "what happens"
    return f"<table><tr><th></th><th>step</th><th>function</th><th>{head}</th></tr>{''.join(rows)}</table>"


def plain_table_html(html: str) -> str:
    """A live view's table without its classes, ARIA and data attributes (the snapshot's is read, not styled);
    a cell marked current (``fv-race-cell-current``) becomes ``<mark>``."""
    html = re.sub(r'<td class="fv-race-cell-current"[^>]*>(.*?)</td>', rf"<td>▶ {MARK}\1</mark></td>", html)
    return re.sub(r' (?:class|aria-[a-z]+|data-[a-z]+|scope|role|target|rel)="[^"]*"', "", html)


def options_html(options: Iterable[str], *, many: bool = False) -> str:
    """A quiz's choices as a plain list (☐ for tick-all-that-apply, ○ for pick-one); nothing is ticked."""
    box = "☐" if many else "○"
    return "<ul>" + "".join(f"<li>{box} {escape(text)}</li>" for text in options) + "</ul>"


def quiz_question(widget: Any) -> str:
    """The question paragraph a quiz shows (its first ``<p>`` HTML child); the feedback is never taken."""
    for child in getattr(widget, "children", ()):
        value = getattr(child, "value", None)
        if isinstance(value, str) and value.startswith("<p>"):
            return value
    return ""


def quiz_html(widget: Any, options: Iterable[str] = (), *, many: bool = False, answer_box: bool = False) -> str:
    """A quiz's snapshot: its question and choices; the answer stays with the live quiz (run the notebook)."""
    body = quiz_question(widget)
    if options:
        body += options_html(options, many=many)
    if answer_box:
        body += "<p>Your answer: ____</p>"
    return body


def decode_snapshot_html(result: Any, *, diagram: bool = False) -> str:
    """The mapping-word widget's state: the inputs, the bits, the kind, every helper's answer with its source.

    The diagram (the live view's SVG, ~3 kB) only with ``diagram=True``: the notebooks' size budget
    leaves it out of the snapshots (every fact it draws is written in the lines and the table).
    """

    folio = result.folio
    flags = [
        n for n, on in (("slab", folio.slab), ("swapcache", folio.swapcache), ("movable_ops", folio.movable_ops)) if on
    ]
    tag = f" <code>{escape(result.tag_name)}</code>" if result.tag_name else ""
    return (
        f"<p>Kernel <b>{escape(result.era.label)}</b> · <code>folio-&gt;mapping</code> = "
        f"<code><b>{escape(result.word_text)}</b></code> · folio flags: {escape(', '.join(flags) or 'none')}</p>"
        + word_bits_html(result.word, result.word_bits)
        + f'<p>{KIND_STYLE[result.kind.value].glyph} <b data-kind="{escape(result.kind.value)}">'
        f"{escape(KIND_STYLE[result.kind.value].label)}</b> · tag <code>0b{result.tag:02b}</code>{tag} → "
        f"{escape(result.target or 'nothing')} · rule {escape(result.rule)}<br>{escape(result.explanation)}</p>"
        + (mapping_svg(result) if diagram else "")
        + plain_table_html(helpers_table_html(result)).replace(f" ({escape(result.era.release)})</a>", "</a>")
    )


def mkwrite_inputs_html(inputs: Any) -> str:
    """One line naming every input of a do_page_mkwrite() run (the "what if" controls' values)."""
    parts = [
        f"kernel {escape(inputs.kernel)} ({escape(inputs.era.label)}, {escape(inputs.form.value)} form)",
        f"handler <b>{escape(inputs.handler)}</b>",
        f"folio <b>{escape(inputs.folio)}</b>",
        f"check <code>{escape(inputs.check)}</code>",
        f"caller <code>{escape(inputs.caller)}</code>",
    ]
    if inputs.swapfile:
        parts.append("on a swapfile")
    if inputs.folio == "truncated" and inputs.truncated_beyond_eof is not None:
        parts.append("truncated beyond EOF" if inputs.truncated_beyond_eof else "hole punched inside the file")
    if inputs.debug_vm:
        parts.append("CONFIG_DEBUG_VM")
    return "<p>" + " · ".join(parts) + "</p>"


def mkwrite_pane_html(
    lines: Any, run: Any, step: Any, visited: Sequence[int], *, final: bool, title: str = "", last: Any = None
) -> str:
    """One pane of the mkwrite views: the running line, the state, and the outcome.

    A static snapshot is read where no Python runs, so before the last step it also shows the last step's
    state (``last``, a Step) beside the outcome: a reader who cannot step still sees how it ends.
    """

    def table(state: Any) -> str:
        return plain_table_html(re.sub(r"<svg\b.*?</svg>\s*", "", state_html(state)))  # kind written beside

    state = step.state
    line = state.line if isinstance(state, MkwriteState) else None
    name = escape(run.outcome.name)
    outcome = f'<p data-outcome="{name}">Outcome: <b>{name}</b> · {escape(run.explanation)}</p>'
    if not final and last is not None:
        outcome = (
            f"<p><b>At the last step</b> ({escape(getattr(last, 'function', '') or 'the end')}):</p>"
            + table(last.state)
            + outcome
        )
    head = f"<p>{title}</p>" if title else ""
    return head + code_listing_html(lines, line, visited) + table(state) + outcome

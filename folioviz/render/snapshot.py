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

Snapshots are the same renderers' ``static=True`` form (no controls, classes, ARIA or scripts), never the
live HTML rewritten. They are deterministic text (nbval compares them), carry no ids, and stay small (1–6 kB: the
committed notebooks have a size budget). They carry no stylesheet: plain tables, ``<mark>`` (Okabe–Ito yellow) for the
current row or line, ``<code>`` and ``<b>``, which JupyterLab's, nbconvert's and GitHub's own styles
render readably in light and dark themes; every fact is written as text, every mark has a glyph (▶, ✔,
✘) as well, and the one diagram (the mapping word's SVG) draws its own Okabe–Ito colours on white.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..kernel.mkwrite import MkwriteState
from .markup import Markup, tag
from .mkwrite import state_html
from .svg import mapping_svg
from .tables import helpers_table_html
from .theme import KIND_STYLE, OKABE_ITO

__all__ = [
    "SNAPSHOT_NOTE",
    "code_listing_html",
    "decode_snapshot_html",
    "marked",
    "mkwrite_inputs_html",
    "mkwrite_pane_html",
    "options_html",
    "quiz_html",
    "race_folio_line_html",
    "race_inputs_html",
    "race_last_step_html",
    "scenario_head_html",
    "snapshot_html",
    "step_html",
    "stepper_snapshot_html",
    "steps_table_html",
    "word_bits_html",
]

#: How the current line, step or cell is marked: Okabe–Ito yellow with black text (readable on light and dark
#: pages alike), always next to a ▶.
MARK = Markup(f'<mark style="background:{OKABE_ITO["yellow"]};color:#000">')

#: The sentence every snapshot starts with (tests look for it in nbconvert's HTML).
SNAPSHOT_NOTE = "static snapshot (run the notebook to use it)"


def marked(*children: Any) -> Markup:
    """``children`` marked as the current line, step or cell (see :data:`MARK`)."""
    return MARK + Markup("").join(children) + Markup("</mark>")


def snapshot_html(kind: str, body: Markup) -> Markup:
    """Wrap a widget's snapshot ``body``: a line naming the widget and saying it is static, then the body.

    :param kind: the widget's class name, written into the note and ``data-fv-snapshot``
    :param body: the snapshot's markup (a plain ``str`` is escaped: it shows as text)
    """
    note = Markup("<p><i>{}, {}</i></p>").format(kind, SNAPSHOT_NOTE)
    return tag("div", note, body, class_="fv-snapshot", data_fv_snapshot=kind)


# --------------------------------------------------------------------------- small pure renderers


def word_bits_html(word: int, nbits: int = 64) -> Markup:
    """The word as bits, byte by byte from the top, the two tag bits apart and bold."""
    bits = format(word, f"0{nbits}b")
    groups = " ".join(bits[i : i + 8] for i in range(0, nbits - 8, 8))
    return Markup("<p>bits {}…0, a byte per group, tag bits 1–0 last: <code>{} {}·<b>{}</b></code></p>").format(
        nbits - 1, groups, bits[-8:-2], bits[-2:]
    )


def step_html(step: Any, index: int, total: int) -> Markup:
    """A scenario step: its number, kernel function, rule, source link and sentence."""
    link = Markup(" · {}").format(tag("a", step.source.label, href=step.source.url)) if step.source else ""
    rule = Markup(" · rule {}").format(step.rule) if step.rule else ""
    return Markup("<p><b>step {} of {}</b> · <code>{}</code>{}{}<br>{}</p>").format(
        index, total - 1, step.function, rule, link, step.caption
    )


def code_listing_html(lines: Iterable[Any], current: int | None, visited: Sequence[int] = ()) -> Markup:
    """The running line of our pseudo-code (▶, marked) and the lines run so far."""
    by_number = {line.number: line for line in lines}
    if current is None or current not in by_number:
        return Markup("")
    ran = [n for n in dict.fromkeys(visited) if n != current]
    path = f" (ran lines {', '.join(map(str, ran))} before)" if ran else ""
    code = tag("code", by_number[current].text.strip())
    return Markup("<p>▶ line {}: {}{}</p>").format(current, marked(code), path)


def steps_table_html(steps: Sequence[Any], current: int, describe: Any = None) -> Markup:
    """Every step of a scenario (number, kernel function, what it leaves), the current one marked ▶."""
    rows = []
    for i, step in enumerate(steps):
        text = describe(step.state) if describe else step.caption
        number = marked(str(i)) if i == current else str(i)
        rows.append(
            Markup("<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>").format(
                "▶" if i == current else "", number, step.function, text
            )
        )
    head = "state after it" if describe else "what happens"
    return Markup("<table><tr><th></th><th>step</th><th>function</th><th>{}</th></tr>{}</table>").format(
        head, Markup("").join(rows)
    )


def options_html(options: Iterable[str], *, many: bool = False) -> Markup:
    """A quiz's choices as a plain list (☐ for tick-all-that-apply, ○ for pick-one); nothing is ticked."""
    box = "☐" if many else "○"
    return tag("ul", *(tag("li", f"{box} {text}") for text in options))


def quiz_html(
    question: Markup | str, options: Iterable[str] = (), *, many: bool = False, answer_box: bool = False
) -> Markup:
    """A quiz's snapshot: its question and choices; the answer stays with the live quiz (run the notebook).

    :param question: the quiz's question, as its live view shows it (a plain ``str`` is escaped)
    """
    body = tag("p", question)
    if options:
        body += options_html(options, many=many)
    if answer_box:
        body += Markup("<p>Your answer: ____</p>")
    return body


def decode_snapshot_html(result: Any, *, diagram: bool = False, id_salt: str = "") -> Markup:
    """The mapping-word widget's state: the inputs, the bits, the kind, every helper's answer with its source.

    The diagram (the live view's SVG, ~3 kB) only with ``diagram=True``: the notebooks' size budget
    leaves it out of the snapshots (every fact it draws is written in the lines and the table).
    ``id_salt`` goes to the diagram's ids (see :func:`~folioviz.render.svg.mapping_svg`).
    """
    folio = result.folio
    flags = [
        n for n, on in (("slab", folio.slab), ("swapcache", folio.swapcache), ("movable_ops", folio.movable_ops)) if on
    ]
    tag_name = Markup(" {}").format(tag("code", result.tag_name)) if result.tag_name else ""
    style = KIND_STYLE[result.kind.value]
    return (
        Markup(
            "<p>Kernel <b>{}</b> · <code>folio-&gt;mapping</code> = <code><b>{}</b></code> · folio flags: {}</p>"
        ).format(result.era.label, result.word_text, ", ".join(flags) or "none")
        + word_bits_html(result.word, result.word_bits)
        + Markup('<p>{} <b data-kind="{}">{}</b> · tag <code>0b{:02b}</code>{} → {} · rule {}<br>{}</p>').format(
            style.glyph,
            result.kind.value,
            style.label,
            result.tag,
            tag_name,
            result.target or "nothing",
            result.rule,
            result.explanation,
        )
        + (mapping_svg(result, id_salt=id_salt) if diagram else "")
        + helpers_table_html(result, static=True)
    )


def mkwrite_inputs_html(inputs: Any, *, check: bool = True, view: str = "") -> Markup:
    """One line naming every input of a do_page_mkwrite() run (the "what if" controls' values).

    :param check: name the truncation check (a side-by-side view runs both, so it leaves it out)
    :param view: the view the widget shows, named at the end of the line when given
    """
    parts = [
        Markup("kernel {} ({}, {} form)").format(inputs.kernel, inputs.era.label, inputs.form.value),
        Markup("handler <b>{}</b>").format(inputs.handler),
        Markup("folio <b>{}</b>").format(inputs.folio),
        *([Markup("check <code>{}</code>").format(inputs.check)] if check else []),
        Markup("caller <code>{}</code>").format(inputs.caller),
    ]
    if inputs.swapfile:
        parts.append(Markup("on a swapfile"))
    if inputs.folio == "truncated" and inputs.truncated_beyond_eof is not None:
        parts.append(Markup("truncated beyond EOF" if inputs.truncated_beyond_eof else "hole punched inside the file"))
    if inputs.debug_vm:
        parts.append(Markup("CONFIG_DEBUG_VM"))
    if view:
        parts.append(Markup("view: {}").format(view))
    return tag("p", Markup(" · ").join(parts))


def mkwrite_pane_html(
    lines: Any,
    run: Any,
    step: Any,
    visited: Sequence[int],
    *,
    final: bool,
    title: Markup | str = "",
    last: Any = None,
) -> Markup:
    """One pane of the mkwrite views: the running line, the state, and the outcome.

    A static snapshot is read without a kernel, so before the last step it also shows the last step's
    state (``last``, a Step) beside the outcome: a reader who cannot step still sees how it ends.
    """
    state = step.state
    line = state.line if isinstance(state, MkwriteState) else None
    name = run.outcome.name
    outcome = Markup('<p data-outcome="{}">Outcome: <b>{}</b> · {}</p>').format(name, name, run.explanation)
    if not final and last is not None:
        outcome = (
            Markup("<p><b>At the last step</b> ({}):</p>").format(getattr(last, "function", "") or "the end")
            + state_html(last.state, static=True)
            + outcome
        )
    head = tag("p", title) if title else ""
    return head + code_listing_html(lines, line, visited) + state_html(state, static=True) + outcome


def race_inputs_html(model: Any, outcome: Any, counts: str) -> Markup:
    """The race explorer's inputs as a static reader sees them, and how many orders end each way (``counts``)."""
    from .race_style import VARIANT_SHORT

    return Markup(
        "<p>handler <b>{}</b> · folio <b>{}</b> · kernel {} · threads {} fault(s), {} reader(s) · "
        "variant <b>{}</b> · replaying <b>{}</b></p><p>{}: {}</p>"
    ).format(
        model.handler,
        model.folio,
        model.kernel,
        model.faults,
        model.readers,
        VARIANT_SHORT[model.variant],
        outcome,
        VARIANT_SHORT[model.variant],
        counts,
    )


def race_last_step_html(step: int, folio: str, holders: Any, outcome: Any) -> Markup:
    """The race's last step in one line (a static reader of an earlier step sees how it ends)."""
    return Markup("<p><b>At the last step</b> (step {}): folio {} · held by {} · outcome <b>{}</b></p>").format(
        step, folio, holders, outcome
    )


def stepper_snapshot_html(steps: Sequence[Any], index: int) -> Markup:
    """A stepper's step ``index``; before the last step, the last one too (a static reader cannot step)."""
    html = step_html(steps[index], index, len(steps))
    if index < len(steps) - 1:
        html += Markup("<p><b>At the last step:</b></p>") + step_html(steps[-1], len(steps) - 1, len(steps))
    return html


def scenario_head_html(title: str, era_label: str, release: str) -> Markup:
    """A page-cache snapshot's first line: the scenario, the era, the release its links point into."""
    return Markup("<p>Scenario <b>{}</b> · {} · links to {}</p>").format(title, era_label, release)


def race_folio_line_html(line: str, holders: Any) -> Markup:
    """The race's folio at the step shown, and who holds it."""
    return tag("p", f"folio: {line} · held by {holders}")

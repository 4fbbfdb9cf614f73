"""The quizzes' words as markup: each question, the feedback box, the per-variant verdicts.

``folioviz.widgets.exercises`` takes the answers from the model and puts these on screen; every value put into a
question is escaped (:class:`~folioviz.render.markup.Markup`), so a question built from data shows it as text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .markup import Markup, tag

__all__ = [
    "feedback_html",
    "freed_step_question",
    "harmful_variants_html",
    "kind_question",
    "ksm_bug_count_question",
    "livelock_era_question",
    "mkwrite_inputs_phrase",
    "null_helpers_question",
    "observed_kind_question",
    "old_school_count_question",
    "question_html",
    "refcount_after_step_question",
    "return_line_question",
    "terminates_question",
    "truncated_refcount_question",
    "unsafe_variants_question",
]


def feedback_html(ok: bool, text: Markup | str) -> Markup:
    """A quiz's answer box: right or not, then ``text`` (the model's explanation), announced politely."""
    mark = "✔ Right." if ok else "✘ Not quite."
    cls = "fv-right" if ok else "fv-wrong"
    body = Markup("<b>{}</b> {}").format(mark, text)
    return tag("div", body, class_=f"fv-feedback {cls}", role="status", aria_live="polite")


def kind_question(era_label: str, word_text: str, swapcache: bool) -> Markup:
    """KindQuiz: what is a folio with this mapping word?"""
    return Markup("In {}, what is a folio whose mapping word is <code>{}</code>{}?").format(
        era_label, word_text, " (and which is in the swap cache)" if swapcache else ""
    )


def null_helpers_question(era_label: str, word_text: str, swapcache: bool, slab: bool) -> Markup:
    """NullHelperQuiz: which helpers return NULL or false for this folio?"""
    return Markup("In {}, for a folio whose word is <code>{}</code>{}{}: which of these return NULL or false?").format(
        era_label,
        word_text,
        " and which is in the swap cache" if swapcache else "",
        " and which is a slab folio" if slab else "",
    )


def refcount_after_step_question(title: str, step: int, function: str) -> Markup:
    """refcount_quiz: the folio's refcount after one step of a page-cache scenario."""
    return Markup("In <i>{}</i>, after step {} (<code>{}()</code>), what is the folio's refcount?").format(
        title, step, function
    )


def freed_step_question(title: str) -> Markup:
    """freed_quiz: the step at which the folio is freed."""
    return Markup("In <i>{}</i>, at which step number is the folio freed?").format(title)


def mkwrite_inputs_phrase(inputs: Any) -> Markup:
    """One do_page_mkwrite() input set in words: kernel, handler, folio, check, swapfile."""
    return Markup("kernel {}, a <b>{}</b> handler, a <b>{}</b> folio, the check <code>{}</code>{}").format(
        inputs.kernel, inputs.handler, inputs.folio, inputs.check, ", on a swapfile" if inputs.swapfile else ""
    )


def return_line_question(inputs: Any) -> Markup:
    """return_line_quiz: where does do_page_mkwrite() end for these inputs?"""
    return Markup("With {}: where does <code>do_page_mkwrite()</code> end?").format(mkwrite_inputs_phrase(inputs))


def terminates_question(inputs: Any) -> Markup:
    """terminates_quiz: does the write fault ever finish?"""
    return Markup("With {}: does the write fault ever finish?").format(mkwrite_inputs_phrase(inputs))


def unsafe_variants_question(handler: str, folio_text: str, kernel: str) -> Markup:
    """UnsafeVariantsQuiz: under which variants can a write reach a truncated folio?"""
    return Markup(
        "With {} <code>->page_mkwrite</code> handlers, {} and kernel v{}: "
        "under which variants can some interleaving write to a folio that truncation has already removed "
        "(or is removing)? Tick all that apply."
    ).format(handler, folio_text, kernel)


def harmful_variants_html(verdicts: Iterable[tuple[str, str]]) -> Markup:
    """The explorer's harmful outcomes per variant: ``(variant label, verdict)`` pairs as a list."""
    lines = [Markup("<li><b>{}</b>: {}</li>").format(label, verdict) for label, verdict in verdicts]
    return Markup("Harmful outcomes per variant, from the explorer:") + tag("ul", *lines)


def old_school_count_question(release: str) -> Markup:
    """old_school_quiz: how many handlers of a release follow the old-school convention?"""
    return Markup(
        "How many registered <code>->page_mkwrite</code> handlers in {} follow the old-school "
        "convention (return 0 with the folio unlocked)?"
    ).format(release)


def livelock_era_question() -> Markup:
    """livelock_era_quiz: the era where a folio_mapping() check would livelock an old driver's page."""
    return Markup(
        "In which kernel era would a <code>folio_mapping()</code> check in <code>do_page_mkwrite()</code> make "
        "an old driver's movable page retry for ever?"
    )


def observed_kind_question(version: str, name: str, mapping: int, flags: str, page_type: str) -> Markup:
    """observed_kind_quiz: what is this page of a real kernel (its word, flags and page type)?"""
    typed = Markup(" and page type <code>{}</code>").format(page_type) if page_type else ""
    return Markup(
        "On the real {} kernel, the <code>{}</code> page has <code>mapping = {:#018x}</code>, flags <code>{}</code>{}"
        ". What is it?"
    ).format(version, name, mapping, flags, typed)


def ksm_bug_count_question(compared: int, version: str) -> Markup:
    """ksm_bug_count_quiz: on how many plain anonymous pages did kpageflags say KSM (B7)?"""
    return Markup(
        "The lab compared {} pages of the real {} kernel with folioviz. "
        "On how many plain anonymous pages (tag 0b01) did <code>/proc/kpageflags</code> set KPF_KSM?"
    ).format(compared, version)


def truncated_refcount_question(version: str, pfn: int) -> Markup:
    """truncated_refcount_quiz: the truncated page's refcount in the dump (R8)."""
    return Markup(
        "On the real {} kernel the trace saw pfn {:#x} leave the page cache, "
        "and its <code>mapping</code> is NULL in the dump. What was its refcount there?"
    ).format(version, pfn)


def question_html(question: Markup | str) -> Markup:
    """A quiz's question paragraph (a plain ``str`` is escaped)."""
    return tag("p", question)

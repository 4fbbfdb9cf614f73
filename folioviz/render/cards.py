"""A static card for one decoded word: the diagram, the helpers table and the text form.

Used by the notebooks' "what if" cells: ``explain("0x...2", "6.4")`` shows the same views as the
widget, without controls, and prints as plain text in a terminal or in nbval's comparison.
"""

from __future__ import annotations

from typing import Any

from ..kernel import decode
from ..kernel.errors import FolioVizError
from ..kernel.mapping import MappingDecode
from ..kernel.pagecache import PageCacheFolio, compose_scenario
from ..kernel.scenario import Scenario
from .markup import Markup, instance_salt, tag
from .svg import mapping_svg
from .tables import error_html, helpers_table_html, kind_line_html, style_html
from .text import decode_text
from .theme import is_presenter

__all__ = ["DecodeCard", "explain"]


class DecodeCard:
    """Rich display of a :class:`MappingDecode` (HTML in Jupyter, text elsewhere)."""

    def __init__(self, result: MappingDecode, *, presenter: bool | None = None) -> None:
        self.result = result
        self.id_salt = instance_salt(self)  # two cards of one word on a page draw with different ids
        self.presenter = is_presenter(presenter)

    def _repr_html_(self) -> Markup:
        r = self.result
        return style_html(self.presenter, controls=False) + tag(
            "div",
            kind_line_html(r, presenter=self.presenter),
            mapping_svg(r, presenter=self.presenter, id_salt=self.id_salt),
            helpers_table_html(r),
            class_="folioviz fv-card",
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """HTML, and plain text: the whole decode in a terminal; in Jupyter one line.

        A notebook stores both forms of every output, and every frontend that reads notebooks shows
        the HTML, so there the plain text is only a fallback: one line (kind, target, rule) keeps the
        committed notebooks within their size budget. A terminal (IPython, or ``repr()``) gets it all.
        """
        text = repr(self)
        if _in_jupyter():
            r = self.result
            text = f"DecodeCard({r.word_text}, {r.era.label}): {r.kind.value} → {r.target or 'nothing'} ({r.rule})"
        return {"text/html": str(self._repr_html_()), "text/plain": text}

    def __repr__(self) -> str:
        return decode_text(self.result, sources=False)


def _in_jupyter() -> bool:
    """True in a Jupyter notebook or console (IPython run by Jupyter), False in a terminal IPython or plain Python."""
    import sys

    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    return getattr(get_ipython(), "kernel", None) is not None


def explain(word: int | str, era: Any = None, **flags: Any) -> DecodeCard:
    """Decode ``word`` in ``era`` (see :func:`folioviz.kernel.decode`) and return a card to display."""
    return DecodeCard(decode(word, era, **flags))


class SequenceCard:
    """A "what if" cell's answer: the steps of a learner's sequence, or why the kernel forbids it.

    >>> SequenceCard(["lookup thread A", "remove"])  # doctest: +ELLIPSIS
    Not allowed at step 2 ...
    """

    def __init__(self, ops: list[str], *, era: Any = None) -> None:
        self.ops = list(ops)
        self.error = ""
        self.scenario: Scenario[PageCacheFolio] | None = None
        try:
            self.scenario = compose_scenario(self.ops, era=era)
        except FolioVizError as error:
            self.error = str(error)

    def _rows(self) -> list[tuple[int, str, str]]:
        assert self.scenario is not None
        return [(i, step.function, step.state.describe()) for i, step in enumerate(self.scenario.steps)]

    def __repr__(self) -> str:
        if self.error:
            return f"Not allowed at {self.error}"
        return "\n".join(f"{i:>2}  {fn:<24} {text}" for i, fn, text in self._rows())

    def _repr_html_(self) -> Markup:
        if self.error:
            return style_html(controls=False) + tag("div", error_html(self.error, "Not allowed"), class_="folioviz")
        rows = [
            Markup("<tr><td>{}</td><td><code>{}()</code></td><td>{}</td></tr>").format(i, fn, text)
            for i, fn, text in self._rows()
        ]
        head = Markup("<tr><th>step</th><th>function</th><th>state after it</th></tr>")
        return style_html(controls=False) + tag("div", tag("table", head, *rows, class_="fv-table"), class_="folioviz")

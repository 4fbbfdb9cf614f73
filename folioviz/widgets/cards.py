"""A static card for one decoded word: the diagram, the helpers table and the text form.

Used by the notebooks' "what if" cells: ``explain("0x...2", "6.4")`` shows the same views as the
widget, without controls, and prints as plain text in a terminal or in nbval's comparison.
"""

from __future__ import annotations

from typing import Any

from ..kernel import decode
from ..kernel.mapping import MappingDecode
from .markup import Markup, tag
from .svg import mapping_svg
from .tables import helpers_table_html, kind_line_html, style_html
from .text import decode_text
from .theme import is_presenter

__all__ = ["DecodeCard", "explain"]


class DecodeCard:
    """Rich display of a :class:`MappingDecode` (HTML in Jupyter, text elsewhere)."""

    def __init__(self, result: MappingDecode, *, presenter: bool | None = None) -> None:
        self.result = result
        self.presenter = is_presenter(presenter)

    def _repr_html_(self) -> Markup:
        r = self.result
        return style_html(self.presenter, controls=False) + tag(
            "div",
            kind_line_html(r, presenter=self.presenter),
            mapping_svg(r, presenter=self.presenter),
            helpers_table_html(r),
            class_="folioviz fv-card",
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """HTML, and plain text: the whole decode in a terminal; in a notebook kernel one line.

        A notebook stores both forms of every output, and every frontend that reads notebooks shows
        the HTML, so there the plain text is only a fallback: one line (kind, target, rule) keeps the
        committed notebooks within their size budget. A terminal (IPython, or ``repr()``) gets it all.
        """
        text = repr(self)
        if _in_kernel():
            r = self.result
            text = f"DecodeCard({r.word_text}, {r.era.label}): {r.kind.value} → {r.target or 'nothing'} ({r.rule})"
        return {"text/html": str(self._repr_html_()), "text/plain": text}

    def __repr__(self) -> str:
        return decode_text(self.result, sources=False)


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (an IPython shell with a kernel), False in a terminal or plain Python."""
    import sys

    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    return getattr(get_ipython(), "kernel", None) is not None


def explain(word: int | str, era: Any = None, **flags: Any) -> DecodeCard:
    """Decode ``word`` in ``era`` (see :func:`folioviz.kernel.decode`) and return a card to display."""
    return DecodeCard(decode(word, era, **flags))

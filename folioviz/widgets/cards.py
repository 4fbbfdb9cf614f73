"""A static card for one decoded word: the diagram, the helpers table and the text form.

Used by the notebooks' "what if" cells: ``explain("0x...2", "6.4")`` shows the same views as the
widget, without controls, and prints as plain text in a terminal or in nbval's comparison.
"""

from __future__ import annotations

from typing import Any

from ..kernel import decode
from ..kernel.mapping import MappingDecode
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

    def _repr_html_(self) -> str:
        r = self.result
        return (
            style_html(self.presenter)
            + '<div class="folioviz fv-card">'
            + kind_line_html(r, presenter=self.presenter)
            + mapping_svg(r, presenter=self.presenter)
            + helpers_table_html(r)
            + "</div>"
        )

    def __repr__(self) -> str:
        return decode_text(self.result, sources=False)


def explain(word: int | str, era: Any = None, **flags: Any) -> DecodeCard:
    """Decode ``word`` in ``era`` (see :func:`folioviz.kernel.decode`) and return a card to display."""
    return DecodeCard(decode(word, era, **flags))

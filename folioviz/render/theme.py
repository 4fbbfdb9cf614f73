"""Colours, glyphs and type sizes shared by every view.

The palette is Okabe–Ito (safe for the common forms of colour blindness), and every colour is
paired with a glyph and a label, so nothing is told by colour alone. Presenter mode scales type
and lines up for a projector: :func:`presenter_mode` for the process, ``with presenter(True):`` for a block.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = [
    "HOLDER_COLOURS",
    "KIND_STYLE",
    "OKABE_ITO",
    "KindStyle",
    "Theme",
    "holder_colour",
    "is_presenter",
    "presenter",
    "presenter_mode",
    "theme",
]

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#6E6E6E",
}


@dataclass(frozen=True)
class KindStyle:
    colour: str
    glyph: str
    label: str
    text_colour: str = "#FFFFFF"


#: One style per :class:`folioviz.kernel.MappingKind` value.
KIND_STYLE = {
    "file": KindStyle(OKABE_ITO["blue"], "F", "file"),
    "anon": KindStyle(OKABE_ITO["bluish_green"], "A", "anon"),
    "movable": KindStyle(OKABE_ITO["orange"], "M", "movable", "#000000"),
    "KSM": KindStyle(OKABE_ITO["reddish_purple"], "K", "KSM", "#000000"),
    "NULL": KindStyle(OKABE_ITO["grey"], "∅", "NULL"),
    "slab": KindStyle(OKABE_ITO["vermillion"], "S", "slab"),
    "invalid": KindStyle(OKABE_ITO["black"], "✕", "invalid"),
    "poison": KindStyle(OKABE_ITO["black"], "☠", "poison"),
    "unknown": KindStyle(OKABE_ITO["grey"], "?", "unknown"),
}


@dataclass(frozen=True)
class Theme:
    """Sizes for one audience: a laptop screen or a projector."""

    presenter: bool | None = None

    @property
    def scale(self) -> float:
        return 1.5 if self.presenter else 1.0

    @property
    def font_px(self) -> int:
        return 20 if self.presenter else 13

    @property
    def mono(self) -> str:
        return "ui-monospace, 'DejaVu Sans Mono', 'Liberation Mono', monospace"

    @property
    def sans(self) -> str:
        return "system-ui, 'DejaVu Sans', 'Liberation Sans', sans-serif"

    @property
    def stroke(self) -> float:
        return 3.0 if self.presenter else 1.6


#: Presenter mode for the whole process: what :func:`presenter_mode` sets. A Jupyter notebook may run each
#: cell in its own copy of the context, so a setting that must hold in the next cell cannot live in a context
#: variable alone.
_presenter_everywhere = False

#: Presenter mode inside a ``with presenter(...)`` block (``None`` outside any block: the process-wide setting).
_presenter_here: ContextVar[bool | None] = ContextVar("folioviz_presenter", default=None)


def _checked(on: object, caller: str) -> bool:
    if not isinstance(on, bool):
        from ..kernel.errors import WrongTypeError, quote

        raise WrongTypeError(f"{caller} takes True or False, not {quote(repr(on))}")
    return on


def presenter_mode(on: bool | None = None) -> bool:
    """Switch presenter mode for every widget and figure created from now on; return the setting now in force.

    Presenter mode is for a projector: larger type, thicker lines and outlines, bigger bit buttons.
    ``presenter_mode()`` with no argument just reports the current setting. The switch holds for the whole
    process (every later notebook cell); inside a ``with presenter(...)`` block, the block's choice wins.
    """
    global _presenter_everywhere
    if on is not None:
        _presenter_everywhere = _checked(on, "presenter_mode()")
    return is_presenter(None)


@contextmanager
def presenter(on: bool) -> Iterator[bool]:
    """``with presenter(True):`` presenter mode for what is built inside the block only (this context)."""
    token = _presenter_here.set(_checked(on, "presenter()"))
    try:
        yield on
    finally:
        _presenter_here.reset(token)


def is_presenter(presenter: bool | None) -> bool:
    """An explicit choice wins; ``None`` means "follow the ``with presenter()`` block, else presenter_mode()"."""
    if presenter is not None:
        return presenter
    here = _presenter_here.get()
    return _presenter_everywhere if here is None else here


def theme(presenter: bool | None = None) -> Theme:
    return Theme(presenter=is_presenter(presenter))


#: One colour per reference holder (Okabe–Ito); bars also carry the holder's name as text.
HOLDER_COLOURS = {
    "page cache": OKABE_ITO["blue"],
    "thread A": OKABE_ITO["bluish_green"],
    "truncate": OKABE_ITO["vermillion"],
    "readahead": OKABE_ITO["orange"],
    "page tables": OKABE_ITO["reddish_purple"],
}


_OTHERS = (OKABE_ITO["sky_blue"], OKABE_ITO["yellow"], OKABE_ITO["grey"], OKABE_ITO["black"])


def holder_colour(name: str, order: Sequence[str] = ()) -> str:
    """The colour of a reference holder; unknown holders take the spare colours in order."""
    if name in HOLDER_COLOURS:
        return HOLDER_COLOURS[name]
    extras = [h for h in order if h not in HOLDER_COLOURS]
    index = extras.index(name) if name in extras else 0
    return _OTHERS[index % len(_OTHERS)]

"""Colours, glyphs and type sizes shared by every view.

The palette is Okabe–Ito (safe for the common forms of colour blindness), and every colour is
paired with a glyph and a label, so nothing is told by colour alone. ``presenter`` scales type
and lines up for a projector.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KIND_STYLE", "OKABE_ITO", "KindStyle", "Theme", "is_presenter", "presenter_mode", "theme"]

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


_PRESENTER = [False]


def presenter_mode(on: bool | None = None) -> bool:
    """Switch presenter mode for every widget and figure created from now on; return the new setting.

    Presenter mode is for a projector: larger type, thicker lines and outlines, bigger bit buttons.
    ``presenter_mode()`` with no argument just reports the current setting.
    """
    if on is not None:
        if not isinstance(on, bool):
            from ..kernel.errors import WrongTypeError, quote

            raise WrongTypeError(f"presenter_mode() takes True or False, not {quote(repr(on))}")
        _PRESENTER[0] = on
    return _PRESENTER[0]


def is_presenter(presenter: bool | None) -> bool:
    """An explicit choice wins; ``None`` means "follow presenter_mode()"."""
    return _PRESENTER[0] if presenter is None else presenter


def theme(presenter: bool | None = None) -> Theme:
    return Theme(presenter=is_presenter(presenter))

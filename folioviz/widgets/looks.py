"""Shared ``Layout`` and style models: one model per look, not one per widget.

ipywidgets 8 gives every widget its own ``Layout`` model and its own style model (``HTMLStyle``,
``DescriptionStyle``, ``ButtonStyle``, ...), each one more ``comm_open`` for the kernel to send and the page to
build, though none has a view of its own: they were about 60 % of the models a Run All opened (issue 22,
docs/performance.md). The parts of a folioviz widget take theirs from here instead: one frozen model per set of
trait values, made on first use and shared by every part in every widget of the kernel that looks the same.

A shared model is **frozen**: writing one of its traits raises :class:`SharedLookError` (a reader who wants
to restyle a part gives it its own model: ``part.layout = ipywidgets.Layout(...)``). A part whose layout or
style the widget changes later (shown and hidden with ``layout.display``) gets its own model from its widget,
never one of these. The widget classes themselves keep their own ``Layout``: a reader may style a whole
widget (a border, a width) without touching its parts.

:func:`part` builds a part with the shared looks; :func:`layout` and :func:`style` hand out the models.
"""

from __future__ import annotations

from typing import Any, TypeVar

import ipywidgets as w

from ..kernel.errors import FolioVizError

__all__ = ["SharedLookError", "dropdown", "layout", "part", "shared_models", "style"]

W = TypeVar("W", bound=w.DOMWidget)

#: The shared models, by (model class, sorted trait values).
_SHARED: dict[tuple[type, tuple[tuple[str, Any], ...]], w.Widget] = {}


class SharedLookError(FolioVizError):
    """A trait of a shared (frozen) Layout or style model was written."""


def _refuse(owner: w.Widget, proposal: Any) -> Any:
    name = proposal["trait"].name
    if getattr(owner, "_fv_frozen", False) and proposal["value"] != getattr(owner, name):
        raise SharedLookError(
            f"this {type(owner).__name__} is shared by many folioviz widget parts and cannot change "
            f"({name}={proposal['value']!r}); give the part its own: part.layout = ipywidgets.Layout(...) "
            "or part.style = {...}"
        )
    return proposal["value"]


def _shared(cls: type, traits: dict[str, Any]) -> Any:
    key = (cls, tuple(sorted(traits.items())))
    model = _SHARED.get(key)
    if model is None or model.comm is None:  # never made, or closed (Widget.close_all())
        model = cls(**traits)
        names = [n for n in model.trait_names() if model.trait_metadata(n, "sync") and not n.startswith("_")]
        model._register_validator(_refuse, names)
        model._fv_frozen = True
        _SHARED[key] = model
    return model


def shared_models() -> list[w.Widget]:
    """Every shared model made so far and still open."""
    return [model for model in _SHARED.values() if model.comm is not None]


def layout(**traits: Any) -> w.Layout:
    """The shared, frozen ``Layout`` with these trait values (``layout(width="auto")``)."""
    return _shared(w.Layout, traits)


def style(cls: type, **traits: Any) -> Any:
    """The shared, frozen style model of class ``cls`` (``HTMLStyle``, ``ButtonStyle``, ...) with these values."""
    return _shared(cls, traits)


def style_class(cls: Any) -> type | None:
    """The style model class a widget class ``cls`` makes for each instance, or ``None`` (boxes have none)."""
    trait = cls.class_traits().get("style")
    return getattr(trait, "klass", None) if trait is not None else None


def part(
    cls: type[W], *args: Any, layout: dict[str, Any] | None = None, style: dict[str, Any] | None = None, **kwargs: Any
) -> W:
    """A widget ``cls(*args, **kwargs)`` with a shared Layout and a shared style model.

    :param layout: the Layout's trait values (``{"width": "auto"}``); default: an empty Layout
    :param style: the style model's trait values (``{"description_width": "initial"}``); default: the defaults
    """
    kwargs["layout"] = _shared(w.Layout, layout or {})
    style_cls = style_class(cls)
    if style_cls is not None:
        kwargs["style"] = _shared(style_cls, style or {})
    elif style:
        raise TypeError(f"{cls.__name__} has no style model")
    return cls(*args, **kwargs)


def dropdown(options: Any, value: Any, description: str) -> w.Dropdown:
    """A control-row dropdown: as wide as its choices, its label never cut (the mkwrite and race widgets' look)."""
    return part(
        w.Dropdown,
        options=options,
        value=value,
        description=description,
        layout={"width": "auto"},
        style={"description_width": "initial"},
    )

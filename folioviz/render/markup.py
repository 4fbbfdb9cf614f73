"""Markup escaped by construction: a ``Markup`` string type, an HTML tag helper and an SVG element builder.

Every HTML or SVG renderer of folioviz returns :class:`Markup`. Text that is not already ``Markup`` is
escaped when it is put into markup, whichever way it gets there::

    Markup("<b>{}</b>").format(name)        # name is escaped
    Markup("<li>{}</li>").join(items)        # wrong: join escapes the items, not a template
    Markup("").join(parts)                   # each part escaped unless it is Markup
    tag("code", name)                        # <code>…</code>, the text escaped
    tag("a", label, href=url)                # attribute values escaped
    element("text", {"x": "1.0"}, [label])   # SVG: <text x="1.0">…</text>, or <rect …/> without children
    Markup("<p>") + text                     # text escaped

A parameter that takes HTML says so in its type (``Markup``); a plain ``str`` given there is escaped, so
it shows as text. Anything with an ``__html__`` method (markupsafe's ``Markup``, IPython's objects) counts as
markup, as in markupsafe, Jinja and IPython.

Why not markupsafe itself: folioviz also runs in the browser (``make lite``, Pyodide 314), and markupsafe
has no wheel for that platform on PyPI (only compiled wheels per CPython platform). This module keeps
markupsafe's API (``Markup``, ``escape``, ``__html__``, ``.format``, ``.join``, ``+``), so changing to it is
one import; its escaping is :func:`html.escape`'s (``&quot;`` and ``&#x27;`` for quotes), so the committed
notebooks' outputs did not change when the renderers moved to it.

SVG ids: a diagram that defines ids (an arrow head, a hatch pattern) gets its own prefix from
:class:`DiagramIds`, a hash of the diagram's content and of an optional ``id_salt``, so a renderer stays a pure
function (a notebook rebuilt from scratch gets the same ids) and two different diagrams on one page never share
an id. Two copies of the same drawing share their ids unless their salts differ: a browser that hides the first
copy (a closed tab or accordion) then hides the definitions the second one points at. So every widget and every
:class:`~folioviz.render.cards.DecodeCard` salts its diagrams with its own :func:`instance_salt`, given at
construction: two widgets never share an id. What still shares them is one object shown twice (the same widget
or card displayed in two outputs), and a renderer called twice with the same arguments and no salt.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import string
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, SupportsIndex

__all__ = ["DiagramIds", "Markup", "element", "escape", "instance_salt", "tag"]


class Markup(str):
    """A string that is already markup: it is put into other markup as it is, and escapes what is added to it.

    ``Markup(text)`` trusts ``text`` as it stands (write it only for literals you wrote); objects with an
    ``__html__`` method give their markup. Concatenation, ``format``, ``join`` and ``%`` escape every operand
    that is not markup.
    """

    __slots__ = ()

    def __new__(cls, base: Any = "") -> Markup:
        if hasattr(base, "__html__"):
            base = base.__html__()
        return super().__new__(cls, base)

    def __html__(self) -> Markup:
        return self

    def __add__(self, other: str) -> Markup:
        if isinstance(other, str) or hasattr(other, "__html__"):
            return Markup(str.__add__(self, escape(other)))
        return NotImplemented

    def __radd__(self, other: str) -> Markup:
        if isinstance(other, str) or hasattr(other, "__html__"):
            return Markup(str.__add__(escape(other), self))
        return NotImplemented

    def __mul__(self, count: SupportsIndex) -> Markup:
        return Markup(str.__mul__(self, count))

    def __mod__(self, args: Any) -> Markup:
        if isinstance(args, tuple):
            return Markup(str.__mod__(self, tuple(escape(a) for a in args)))
        if isinstance(args, Mapping):
            return Markup(str.__mod__(self, {k: escape(v) for k, v in args.items()}))
        return Markup(str.__mod__(self, escape(args)))

    def __repr__(self) -> str:
        return f"Markup({str.__repr__(self)})"

    def join(self, parts: Iterable[Any]) -> Markup:
        """The parts joined by this markup; each part escaped unless it is markup."""
        return Markup(str.join(self, (escape(p) for p in parts)))

    def format(self, *args: Any, **kwargs: Any) -> Markup:
        """``str.format`` with every field escaped unless it is markup (and has no format spec)."""
        return Markup(_FORMATTER.vformat(self, args, kwargs))


class _EscapingFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if hasattr(value, "__html__") and not format_spec:
            return str(value.__html__())
        return escape(format(value, format_spec))


_FORMATTER = _EscapingFormatter()


def escape(text: Any) -> Markup:
    """``text`` as markup: unchanged if it is markup already, else its ``str()`` with ``& < > " '`` escaped."""
    if hasattr(text, "__html__"):
        return Markup(text.__html__())
    return Markup(html.escape(str(text), quote=True))


def _attrs(attrs: Mapping[str, Any]) -> str:
    """`` name="value"`` for each attribute; ``None`` and ``False`` leave it out, ``True`` writes it bare."""
    out = []
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        if value is True:
            out.append(f" {name}")
        else:
            out.append(f' {name}="{escape(value)}"')
    return "".join(out)


def _html_name(name: str) -> str:
    """A keyword argument as an attribute name: ``class_`` -> ``class``, ``aria_label`` -> ``aria-label``."""
    return name.rstrip("_").replace("_", "-")


def tag(name: str, *children: Any, **attrs: Any) -> Markup:
    """``<name attrs>children</name>``: each child escaped unless it is markup, each attribute value escaped.

    Keyword names: a trailing ``_`` is dropped (``class_``) and ``_`` becomes ``-`` (``aria_label``,
    ``data_step``). ``None`` or ``False`` leaves an attribute out, ``True`` writes it bare (``open``).
    """
    head = f"<{name}{_attrs({_html_name(k): v for k, v in attrs.items()})}>"
    return Markup(head + "".join(escape(c) for c in children) + f"</{name}>")


def element(name: str, attrs: Mapping[str, Any] | None = None, children: Iterable[Any] = ()) -> Markup:
    """An SVG (XML) element: ``<name attrs/>`` without children, else ``<name attrs>children</name>``.

    Attribute names are given as SVG spells them (``stroke-width``); values and text children are escaped,
    children that are markup (other elements) are kept.
    """
    head = f"<{name}{_attrs(attrs or {})}"
    body = "".join(escape(c) for c in children)
    return Markup(f"{head}>{body}</{name}>" if body else f"{head}/>")


#: Where a diagram's id prefix goes until :meth:`DiagramIds.seal` knows it (NUL never occurs in markup).
_TOKEN = "\x00fv-id\x00"


class DiagramIds:
    """The ids of a diagram. Draw with :meth:`id` / :meth:`url` / :meth:`href`, then :meth:`seal` the markup.

    The prefix is ``fv-`` and 8 hex digits of the SHA-1 of ``salt`` and the diagram drawn (with the ids still
    unprefixed): the same for the same drawing and salt, different for different ones. Without a salt the hash is
    the drawing's alone.

    :param salt: what tells this copy of a drawing from another, e.g. its widget's :func:`instance_salt`
    """

    def __init__(self, salt: str = "") -> None:
        self.salt = salt

    def id(self, name: str) -> str:
        """The value of an ``id`` attribute."""
        return f"{_TOKEN}{name}"

    def url(self, name: str) -> str:
        """``url(#...)``, for ``fill``, ``marker-end`` and the like."""
        return f"url(#{_TOKEN}{name})"

    def href(self, name: str) -> str:
        """``#...``, for ``href``."""
        return f"#{_TOKEN}{name}"

    def seal(self, svg: Markup) -> Markup:
        """The diagram with its ids given their prefix."""
        hashed = f"{self.salt}\x00{svg}" if self.salt else str(svg)
        prefix = f"fv-{hashlib.sha1(hashed.encode('utf-8')).hexdigest()[:8]}-"
        return Markup(str.replace(svg, _TOKEN, prefix))


#: One counter per owner class name, for :func:`instance_salt` (a private cache of the process; a fresh kernel
#: starts every count at 0, so a notebook re-run from the top gets the same salts and the same ids).
_SALT_COUNTERS: dict[str, Iterator[int]] = {}


def instance_salt(owner: object) -> str:
    """A salt of its own for ``owner`` (a widget, a card), for the diagrams it draws: ``"MappingWordWidget-3"``.

    Called once, when ``owner`` is built; the n-th object of a class gets ``<class>-<n>``.
    """
    name = type(owner).__name__
    return f"{name}-{next(_SALT_COUNTERS.setdefault(name, itertools.count()))}"

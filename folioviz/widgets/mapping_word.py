"""``MappingWordWidget``: the mapping word as clickable bits, its target, and every helper's answer.

The widget holds no kernel logic: each change is planned once (:class:`~folioviz.widgets.base.InputProtocol`),
building a new :class:`folioviz.kernel.MappingDecode` through :func:`folioviz.kernel.make_folio` and
:func:`folioviz.kernel.decode_folio`, then shown. Bad input (a bad paste, a contradictory toggle)
shows an inline error and keeps the last good state.

Its state is public: the traits ``word``, ``era``, ``slab``, ``swapcache`` and ``movable_ops``.
Setting one updates every view; ``observe`` and ``ipywidgets.link`` work on them, and an observer is
told only when all five hold a state the model accepts. The bits are one
:class:`~folioviz.widgets.bitfield.BitField` (anywidget), and the children share one layout and
one style model per kind, so a widget is fewer than 20 widget models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ipywidgets as w
from ipywidgets.widgets.widget_bool import CheckboxStyle
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle
from traitlets import Bool, Int, Unicode

from ..kernel import Era, FolioVizError, decode_folio, eras, get_era, make_folio
from ..kernel.bitroles import bit_roles
from ..kernel.mapping import MappingDecode
from ..render.bits import word_hex
from ..render.markup import Markup, instance_salt
from ..render.snapshot import decode_snapshot_html
from ..render.svg import mapping_svg
from ..render.tables import helpers_table_html, kind_line_html, paste_html, style_html
from ..render.theme import is_presenter
from .base import InputProtocol, Plan
from .bitfield import BitField
from .looks import layout as shared_layout
from .looks import part, style
from .snapshot import SnapshotMixin

__all__ = ["MappingWordWidget"]

_NO_CHANGE = object()
_INPUTS = ("word", "era", "slab", "swapcache", "movable_ops")
_FLAGS = ("slab", "swapcache", "movable_ops")


@dataclass(frozen=True)
class _Decoded:
    """What a plan of the widget holds: the decode, the version the reader named, the bits' roles."""

    result: MappingDecode
    kernel: str | None
    roles: tuple[str, ...]


def _reads_movable_tag(era: Era, word: int) -> bool:
    """``era`` reads ``word``'s tag as the driver's movable tag (0b10): then it cannot be in the swap cache."""
    return bool(era.movable_tag) and (word & era.FLAGS) == era.constants[era.const_name("MOVABLE")]


def _ordered(old: dict[str, Any] | None, new: dict[str, Any], new_era: Era, old_word: int) -> dict[str, Any]:
    """The traits in the order they are written, so a one-trait-at-a-time copy stays valid.

    ``ipywidgets.link`` copies one trait at a time into the linked widget, which refuses a state the
    model refuses. The flags that turn off go first, those that turn on last; between them the era
    and the word, the word first only when the new era would read the old word as a movable page in
    the swap cache (:func:`folioviz.kernel.make_folio` refuses that pair).
    """
    if old is None:
        return new
    off = [name for name in _FLAGS if old[name] and not new[name]]
    on = [name for name in _FLAGS if name not in off]
    middle = ["era", "word"]
    if old["swapcache"] and new["swapcache"] and _reads_movable_tag(new_era, old_word):
        middle.reverse()
    return {name: new[name] for name in (*off, *middle, *on)}


class MappingWordWidget(SnapshotMixin, InputProtocol[_Decoded], w.VBox):
    """Explore ``folio->mapping``: click bits, paste a word, switch kernel era, toggle folio state.

    :param word: the initial word (int or hex string as crash/drgn/printk print it)
    :param era: era id, kernel version (``"6.4"``) or ``None`` for the email's era (v6.0–v6.16)
    :param slab: the folio is a slab folio
    :param swapcache: the folio is in the swap cache
    :param movable_ops: v6.17+ only: the ``PG_movable_ops`` page flag
    :param word_bits: 64 (default) or 32
    :param presenter: large type for a projector
    :raises FolioVizError: if the initial values are invalid (later bad input is shown, not raised;
        a bad value assigned to a trait is shown and raised, and the trait keeps its value)
    """

    word = Int(help="folio->mapping: the raw word as an unsigned int (bit 0 is the least significant)")
    era = Unicode(help=f"the kernel era shown, by id ({', '.join(e.id for e in eras())}); a kernel version works too")
    slab = Bool(False, help="the folio belongs to the slab allocator: the word is slab data, no tag is read")
    swapcache = Bool(False, help="the folio is in the swap cache (PG_swapcache)")
    movable_ops = Bool(False, help="the PG_movable_ops page flag of a driver page (only in eras that have the flag)")

    _INPUTS = _INPUTS

    def __init__(
        self,
        word: int | str = 0xFFFF888003A1C000,
        era: Any = None,
        *,
        slab: bool = False,
        swapcache: bool = False,
        movable_ops: bool = False,
        word_bits: int = 64,
        presenter: bool | None = None,
        **kwargs: Any,
    ) -> None:
        presenter = is_presenter(presenter)
        era_obj = get_era(era)
        # A release (6.12.117+deb13-amd64) picks the page-flag table a pasted flags word is read with.
        kernel = era if isinstance(era, str) else None
        first = self._decoded(
            None,
            word,
            era_obj,
            slab=slab,
            swapcache=swapcache,
            movable_ops=movable_ops,
            word_bits=word_bits,
            kernel=kernel,
        )
        self._presenter = presenter
        self._id_salt = instance_salt(self)  # its diagram's ids are its own, even beside an identical widget

        # One layout and one style model per kind, shared by the children (and by every folioviz widget's
        # parts, frozen: folioviz.widgets.looks): each would otherwise be a model.
        layout = shared_layout()
        text_style = style(TextStyle, description_width="initial")
        box_style = style(CheckboxStyle)
        html_style = style(HTMLStyle)

        def html(cls: str = "", value: str = "") -> w.HTML:
            box = w.HTML(value, layout=layout, style=html_style)
            if cls:
                box.add_class(cls)
            return box

        self._era_picker = w.Dropdown(
            options=[(e.label, e.id) for e in eras()],
            value=era_obj.id,
            description="Kernel",
            layout=layout,
            style=text_style,
        )
        self._text = w.Text(
            value=first.state.result.word_text,
            description="folio->mapping",
            placeholder="paste e.g. 0xffff888003a1c001",
            continuous_update=False,
            layout=layout,
            style=text_style,
        )
        self._text.add_class("fv-word-box")
        self._slab = w.Checkbox(value=slab, description="slab folio", indent=False, layout=layout, style=box_style)
        self._swapcache = w.Checkbox(
            value=swapcache, description="in swap cache", indent=False, layout=layout, style=box_style
        )
        self._movable_ops = w.Checkbox(
            value=movable_ops, description="PG_movable_ops (v6.17+)", indent=False, layout=layout, style=box_style
        )
        self._bits = BitField(layout=layout)
        self._make_error_box(layout=layout, style=html_style)
        self._kind = html("fv-kind-line")
        self._diagram = html("fv-diagram-box")
        self._table = html("fv-table-box")

        for name, control in (
            ("era", self._era_picker),
            ("word", self._text),
            ("slab", self._slab),
            ("swapcache", self._swapcache),
            ("movable_ops", self._movable_ops),
        ):
            control.observe(lambda change, name=name: self._from_control({name: change["new"]}), names="value")
        self._bits.observe(lambda change: self._from_control({"word": change["new"]}), names="word")

        controls = w.HBox([self._era_picker, self._text, self._slab, self._swapcache, self._movable_ops], layout=layout)
        controls.add_class("fv-wrap")
        body = w.HBox([self._diagram, self._table], layout=layout)
        body.add_class("fv-wrap")
        children = [html(value=style_html(presenter)), controls, self._error_box, self._bits, self._kind, body]
        # The widget itself gets its own layout: a reader may style it (a border, a width) without its parts.
        super().__init__(children, layout=kwargs.pop("layout", None) or w.Layout(), **kwargs)
        self.add_class("folioviz")
        self.add_class("folioviz-mapping-word")
        if presenter:
            self.add_class("fv-presenter")
        self._start(first)

    # ------------------------------------------------------------------ public API

    @property
    def result(self) -> MappingDecode:
        """The current decode (immutable)."""
        return self._shown.state.result

    def update(
        self,
        *,
        word: Any = _NO_CHANGE,
        era: Any = _NO_CHANGE,
        slab: Any = _NO_CHANGE,
        swapcache: Any = _NO_CHANGE,
        movable_ops: Any = _NO_CHANGE,
        raise_errors: bool = False,
    ) -> bool:
        """Change any inputs at once. Returns ``True`` if applied, ``False`` if refused.

        Bad input is shown in the widget and the last good state is kept; with
        ``raise_errors=True`` the :class:`FolioVizError` is raised as well.
        """
        given = {"word": word, "era": era, "slab": slab, "swapcache": swapcache, "movable_ops": movable_ops}
        return self._input({k: v for k, v in given.items() if v is not _NO_CHANGE}, raise_errors=raise_errors)

    def toggle_bit(self, bit: int) -> None:
        """Flip bit ``bit`` (0 = least significant) of the word, as a click on it does."""
        word_bits = self.result.word_bits
        if isinstance(bit, bool) or not isinstance(bit, int) or not 0 <= bit < word_bits:
            raise FolioVizError(f"bit must be an int from 0 to {word_bits - 1}, not {bit!r}")
        self.update(word=self.result.word ^ (1 << bit), raise_errors=True)

    def paste(self, text: str) -> bool:
        """Type ``text`` into the word box, as a user would (errors are shown, not raised)."""
        self._text.value = text
        return not self._error

    def _snapshot_html(self) -> Markup:
        return decode_snapshot_html(self.result)

    def __repr__(self) -> str:  # short and deterministic (it is stored in notebooks)
        r = self.result
        return f"MappingWordWidget(word={r.word_text}, era={r.era.id!r}, kind={r.kind.value!r})"

    # ------------------------------------------------------------------ the protocol: plan, then show

    def _plan(self, **changes: Any) -> Plan[_Decoded]:
        """The decode these changes lead to (raises :class:`FolioVizError`; changes nothing)."""
        unknown = sorted(set(changes) - set(_INPUTS))
        if unknown:
            raise FolioVizError(f"unknown input(s) {unknown}; allowed: {', '.join(_INPUTS)}")
        current = self._shown.state
        folio = current.result.folio
        era = changes.get("era", _NO_CHANGE)
        new_era = current.result.era if era is _NO_CHANGE else get_era(era)
        movable_ops = changes.get("movable_ops", _NO_CHANGE)
        if movable_ops is _NO_CHANGE:
            # the flag does not exist before v6.17: drop it with the era
            movable_ops = folio.movable_ops and new_era.movable_ops_flag
        return self._decoded(
            self._shown,
            changes.get("word", folio.mapping),
            new_era,
            slab=changes.get("slab", folio.slab),
            swapcache=changes.get("swapcache", folio.swapcache),
            movable_ops=movable_ops,
            word_bits=folio.word_bits,
            kernel=era if isinstance(era, str) else current.kernel,
        )

    @staticmethod
    def _decoded(
        base: Plan[_Decoded] | None,
        word: Any,
        era: Era,
        *,
        slab: Any,
        swapcache: Any,
        movable_ops: Any,
        word_bits: int,
        kernel: str | None,
    ) -> Plan[_Decoded]:
        """Run the model once: check the folio, decode it, and read each bit's role."""
        folio = make_folio(
            word, era, slab=slab, swapcache=swapcache, movable_ops=movable_ops, word_bits=word_bits, kernel=kernel
        )
        result = decode_folio(folio, era)
        traits = {
            "word": result.word,
            "era": era.id,
            "slab": folio.slab,
            "swapcache": folio.swapcache,
            "movable_ops": folio.movable_ops,
        }
        old = None if base is None else dict(base.traits)
        old_word = 0 if base is None else base.state.result.word
        state = _Decoded(result, kernel, tuple(bit_roles(folio, era)))
        return Plan.of(_ordered(old, traits, era, old_word), state)

    def _render_controls(self, plan: Plan[_Decoded]) -> None:
        r, roles = plan.state.result, list(plan.state.roles)
        self._era_picker.value = r.era.id
        self._text.value = r.word_text
        self._slab.value = r.folio.slab
        self._swapcache.value = r.folio.swapcache
        self._movable_ops.value = r.folio.movable_ops
        self._movable_ops.disabled = not r.era.movable_ops_flag
        with self._bits.hold_sync():
            if self._bits.width != r.word_bits:
                self._bits.width = r.word_bits
            if self._bits.roles != roles:
                self._bits.roles = roles
            text = word_hex(r.word, r.word_bits)
            if self._bits.word != text:
                self._bits.word = text

    def _render_views(self, plan: Plan[_Decoded]) -> None:
        r = plan.state.result
        self._kind.value = kind_line_html(r, presenter=self._presenter)
        self._diagram.value = mapping_svg(r, presenter=self._presenter, id_salt=self._id_salt)
        self._table.value = helpers_table_html(r)

    @classmethod
    def from_reading(cls, result: MappingDecode, **kwargs: Any) -> MappingWordWidget:
        """A widget on a decode read from a real kernel (:func:`folioviz.drgn.decode`), with what was read
        listed under it; :func:`folioviz.widgets.from_drgn.mapping_word_widget` reads and opens in one call."""
        folio = result.folio
        widget = cls(
            result.word, result.era, slab=folio.slab, swapcache=folio.swapcache, movable_ops=folio.movable_ops, **kwargs
        )
        read = part(w.HTML, paste_html(result))
        read.add_class("fv-read-from-kernel")
        widget.children = (*widget.children, read)
        return widget

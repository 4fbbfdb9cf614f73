"""``MappingWordWidget``: the mapping word as clickable bits, its target, and every helper's answer.

The widget holds no kernel logic: each change builds a new
:class:`folioviz.kernel.MappingDecode` through :func:`folioviz.kernel.make_folio` and
:func:`folioviz.kernel.decode_folio`, then re-renders. Bad input (a bad paste, a contradictory
toggle) shows an inline error and keeps the last good state.

Its state is public: the traits ``word``, ``era``, ``slab``, ``swapcache`` and ``movable_ops``.
Setting one updates every view; ``observe`` and ``ipywidgets.link`` work on them. The bits are one
:class:`~folioviz.widgets.bitfield.BitField` (anywidget), and the children share one layout and
one style model per kind, so a widget is fewer than 20 widget models.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
from ipywidgets.widgets.widget_bool import CheckboxStyle
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle
from traitlets import Bool, Int, Unicode, observe, validate

from ..kernel import FolioVizError, decode_folio, eras, get_era, make_folio
from ..kernel.bitroles import bit_roles
from ..kernel.mapping import MappingDecode
from ..render.bits import word_hex
from ..render.markup import Markup
from ..render.snapshot import decode_snapshot_html
from ..render.svg import mapping_svg
from ..render.tables import helpers_table_html, kind_line_html, paste_html, style_html
from ..render.theme import is_presenter
from .base import GuardedInputs
from .bitfield import BitField
from .snapshot import SnapshotMixin

__all__ = ["MappingWordWidget"]

_NO_CHANGE = object()
_INPUTS = ("word", "era", "slab", "swapcache", "movable_ops")


class MappingWordWidget(SnapshotMixin, GuardedInputs, w.VBox):
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
        self._syncing = True  # the traits are set below, from the first decode
        presenter = is_presenter(presenter)
        era_obj = get_era(era)
        # A release (6.12.117+deb13-amd64) picks the page-flag table a pasted flags word is read with.
        self._kernel: str | None = era if isinstance(era, str) else None
        folio = make_folio(
            word,
            era_obj,
            slab=slab,
            swapcache=swapcache,
            movable_ops=movable_ops,
            word_bits=word_bits,
            kernel=self._kernel,
        )
        self._result: MappingDecode = decode_folio(folio, era_obj)
        self._presenter = presenter

        # One layout and one style model per kind, shared by the children: each would otherwise be a model.
        layout = w.Layout()
        text_style = TextStyle(description_width="initial")
        box_style = CheckboxStyle()
        html_style = HTMLStyle()

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
            value=self._result.word_text,
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

        self._era_picker.observe(lambda change: self._from_control("era", change), names="value")
        self._text.observe(lambda change: self._from_control("word", change), names="value")
        self._slab.observe(lambda change: self._from_control("slab", change), names="value")
        self._swapcache.observe(lambda change: self._from_control("swapcache", change), names="value")
        self._movable_ops.observe(lambda change: self._from_control("movable_ops", change), names="value")
        self._bits.observe(self._on_bits, names="word")

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
        self._syncing = False
        self._render()

    # ------------------------------------------------------------------ public API

    @property
    def result(self) -> MappingDecode:
        """The current decode (immutable)."""
        return self._result

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
        """Change any inputs at once. Returns ``True`` if applied.

        Bad input is shown in the widget and the last good state is kept; with
        ``raise_errors=True`` the :class:`FolioVizError` is raised as well.
        """
        try:
            result = self._decode(word=word, era=era, slab=slab, swapcache=swapcache, movable_ops=movable_ops)
        except FolioVizError as error:
            self._refuse(str(error))
            if raise_errors:
                raise
            return False
        self._result = result
        if isinstance(era, str):
            self._kernel = era
        self._clear_error()
        self._render()
        return True

    def toggle_bit(self, bit: int) -> None:
        """Flip bit ``bit`` (0 = least significant) of the word, as a click on it does."""
        if isinstance(bit, bool) or not isinstance(bit, int) or not 0 <= bit < self._result.word_bits:
            raise FolioVizError(f"bit must be an int from 0 to {self._result.word_bits - 1}, not {bit!r}")
        self.update(word=self._result.word ^ (1 << bit), raise_errors=True)

    def paste(self, text: str) -> bool:
        """Type ``text`` into the word box, as a user would (errors are shown, not raised)."""
        self._text.value = text
        return not self._error

    def _snapshot_html(self) -> Markup:
        return decode_snapshot_html(self.result)

    def __repr__(self) -> str:  # short and deterministic (it is stored in notebooks)
        r = self._result
        return f"MappingWordWidget(word={r.word_text}, era={r.era.id!r}, kind={r.kind.value!r})"

    # ------------------------------------------------------------------ the model

    def _decode(
        self,
        *,
        word: Any = _NO_CHANGE,
        era: Any = _NO_CHANGE,
        slab: Any = _NO_CHANGE,
        swapcache: Any = _NO_CHANGE,
        movable_ops: Any = _NO_CHANGE,
    ) -> MappingDecode:
        """The decode these changes lead to (raises :class:`FolioVizError`; changes nothing)."""
        current = self._result
        folio = current.folio
        new_era = current.era if era is _NO_CHANGE else get_era(era)
        new_movable = folio.movable_ops if movable_ops is _NO_CHANGE else movable_ops
        if era is not _NO_CHANGE and not new_era.movable_ops_flag and movable_ops is _NO_CHANGE:
            new_movable = False  # the flag does not exist before v6.17: drop it with the era
        new_folio = make_folio(
            folio.mapping if word is _NO_CHANGE else word,
            new_era,
            slab=folio.slab if slab is _NO_CHANGE else slab,
            swapcache=folio.swapcache if swapcache is _NO_CHANGE else swapcache,
            movable_ops=new_movable,
            word_bits=folio.word_bits,
            kernel=era if isinstance(era, str) else self._kernel,
        )
        return decode_folio(new_folio, new_era)

    # ------------------------------------------------------------------ events

    @validate(*_INPUTS)
    def _valid_input(self, proposal: Any) -> Any:
        value = proposal["value"]
        if self._syncing:
            return value
        name = proposal["trait"].name
        try:
            result = self._decode(**{name: value})
        except FolioVizError as error:
            self._refuse(str(error))
            raise
        return result.era.id if name == "era" else value

    @observe(*_INPUTS)
    def _on_input(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.update(**{change["name"]: change["new"]})

    def _from_control(self, name: str, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.update(**{name: change["new"]})

    def _on_bits(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.update(word=change["new"])

    # ------------------------------------------------------------------ rendering

    def _refuse(self, message: str) -> None:
        self._show_error(message)
        self._render_controls()  # put the controls (and the bits) back to the last good state

    def _render_controls(self) -> None:
        r = self._result
        with self._quietly():
            for name, value in (
                ("word", r.word),
                ("era", r.era.id),
                ("slab", r.folio.slab),
                ("swapcache", r.folio.swapcache),
                ("movable_ops", r.folio.movable_ops),
            ):
                if getattr(self, name) != value:
                    setattr(self, name, value)
            self._era_picker.value = r.era.id
            self._text.value = r.word_text
            self._slab.value = r.folio.slab
            self._swapcache.value = r.folio.swapcache
            self._movable_ops.value = r.folio.movable_ops
            self._movable_ops.disabled = not r.era.movable_ops_flag
            roles = list(bit_roles(r.folio, r.era))
            with self._bits.hold_sync():
                if self._bits.width != r.word_bits:
                    self._bits.width = r.word_bits
                if self._bits.roles != roles:
                    self._bits.roles = roles
                text = word_hex(r.word, r.word_bits)
                if self._bits.word != text:
                    self._bits.word = text

    def _render(self) -> None:
        r = self._result
        self._render_controls()
        self._kind.value = kind_line_html(r, presenter=self._presenter)
        self._diagram.value = mapping_svg(r, presenter=self._presenter)
        self._table.value = helpers_table_html(r)

    @classmethod
    def from_reading(cls, result: MappingDecode, **kwargs: Any) -> MappingWordWidget:
        """A widget on a decode read from a real kernel (:func:`folioviz.drgn.decode`), with what was read
        listed under it; :func:`folioviz.widgets.from_drgn.mapping_word_widget` reads and opens in one call."""
        folio = result.folio
        widget = cls(
            result.word, result.era, slab=folio.slab, swapcache=folio.swapcache, movable_ops=folio.movable_ops, **kwargs
        )
        read = w.HTML(paste_html(result))
        read.add_class("fv-read-from-kernel")
        widget.children = (*widget.children, read)
        return widget

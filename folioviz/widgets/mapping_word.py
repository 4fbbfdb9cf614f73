"""``MappingWordWidget``: the mapping word as clickable bits, its target, and every helper's answer.

The widget holds no kernel logic: each change builds a new
:class:`folioviz.kernel.MappingDecode` through :func:`folioviz.kernel.make_folio` and
:func:`folioviz.kernel.decode_folio`, then re-renders. Bad input (a bad paste, a contradictory
toggle) shows an inline error and keeps the last good state.
"""

from __future__ import annotations

from html import escape
from typing import Any

import ipywidgets as w

from ..kernel import FolioVizError, decode_folio, eras, get_era, make_folio
from ..kernel.mapping import MappingDecode
from ..kernel.versions import Era
from .bits import byte_groups, word_bits
from .svg import mapping_svg
from .tables import helpers_table_html, kind_line_html, style_html
from .theme import is_presenter

__all__ = ["MappingWordWidget"]

_NO_CHANGE = object()


class MappingWordWidget(w.VBox):
    """Explore ``folio->mapping``: click bits, paste a word, switch kernel era, toggle folio state.

    :param word: the initial word (int or hex string as crash/drgn/printk print it)
    :param era: era id, kernel version (``"6.4"``) or ``None`` for the email's era (v6.0–v6.16)
    :param slab: the folio is a slab folio
    :param swapcache: the folio is in the swap cache
    :param movable_ops: v6.17+ only: the ``PG_movable_ops`` page flag
    :param word_bits: 64 (default) or 32
    :param presenter: large type for a projector
    :raises FolioVizError: if the initial values are invalid (later bad input is shown, not raised)
    """

    def __init__(
        self,
        word: int | str = 0xFFFF888003A1C000,
        era: Era | str | None = None,
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
        folio = make_folio(word, era_obj, slab=slab, swapcache=swapcache, movable_ops=movable_ops, word_bits=word_bits)
        self._result: MappingDecode = decode_folio(folio, era_obj)
        self._presenter = presenter
        self._syncing = False
        self._error = ""

        self._style = w.HTML(style_html(presenter))
        self._era_picker = w.Dropdown(
            options=[(e.label, e.id) for e in eras()],
            value=era_obj.id,
            description="Kernel",
            layout=w.Layout(width="auto"),
            style={"description_width": "initial"},
        )
        self._text = w.Text(
            value=self._result.word_text,
            description="folio->mapping",
            placeholder="paste e.g. 0xffff888003a1c001",
            continuous_update=False,
            layout=w.Layout(width="30em"),
            style={"description_width": "initial"},
        )
        self._slab = w.Checkbox(value=slab, description="slab folio", indent=False)
        self._swapcache = w.Checkbox(value=swapcache, description="in swap cache", indent=False)
        self._movable_ops = w.Checkbox(value=movable_ops, description="PG_movable_ops (v6.17+)", indent=False)
        for box in (self._slab, self._swapcache, self._movable_ops):
            box.layout = w.Layout(width="auto", margin="0 1.2em 0 0")
        self._error_box = w.HTML("")
        self._error_box.add_class("fv-error-box")
        self._kind = w.HTML("")
        self._kind.add_class("fv-kind-line")
        self._diagram = w.HTML("")
        self._diagram.add_class("fv-diagram-box")
        self._table = w.HTML("")
        self._table.add_class("fv-table-box")
        self._bits: dict[int, w.ToggleButton] = {}
        self._bits_box = w.HBox(layout=w.Layout(flex_flow="row wrap", align_items="flex-end"))
        self._build_bits()

        self._era_picker.observe(self._on_era, names="value")
        self._text.observe(self._on_text, names="value")
        self._slab.observe(lambda change: self._on_flag("slab", change), names="value")
        self._swapcache.observe(lambda change: self._on_flag("swapcache", change), names="value")
        self._movable_ops.observe(lambda change: self._on_flag("movable_ops", change), names="value")

        controls = w.HBox(
            [self._era_picker, self._text],
            layout=w.Layout(flex_flow="row wrap", align_items="center"),
        )
        toggles = w.HBox([self._slab, self._swapcache, self._movable_ops], layout=w.Layout(flex_flow="row wrap"))
        body = w.HBox([self._diagram, self._table], layout=w.Layout(flex_flow="row wrap"))
        super().__init__([self._style, controls, toggles, self._error_box, self._bits_box, self._kind, body], **kwargs)
        self.add_class("folioviz")
        self.add_class("folioviz-mapping-word")
        if presenter:
            self.add_class("fv-presenter")
        self._render()

    # ------------------------------------------------------------------ public API

    @property
    def result(self) -> MappingDecode:
        """The current decode (immutable)."""
        return self._result

    @property
    def word(self) -> int:
        return self._result.word

    @property
    def era(self) -> Era:
        return self._result.era

    @property
    def error(self) -> str:
        """The message of the last rejected input, or ``""`` when the last input was good."""
        return self._error

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
        current = self._result
        folio = current.folio
        try:
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
            )
            result = decode_folio(new_folio, new_era)
        except FolioVizError as error:
            self._error = str(error)
            self._render_controls()  # put the controls back to the last good state
            self._error_box.value = (
                f'<div class="fv-error" role="alert"><b>Not applied:</b> {escape(self._error)}</div>'
            )
            if raise_errors:
                raise
            return False
        self._error = ""
        self._result = result
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

    def __repr__(self) -> str:  # short and deterministic (it is stored in notebooks)
        r = self._result
        return f"MappingWordWidget(word={r.word_text}, era={r.era.id!r}, kind={r.kind.value!r})"

    # ------------------------------------------------------------------ events

    def _on_era(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.update(era=change["new"])

    def _on_text(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.update(word=change["new"])

    def _on_flag(self, name: str, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.update(**{name: change["new"]})

    def _on_bit(self, bit: int, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        wanted = bool(change["new"])
        current = bool(self._result.word >> bit & 1)
        if wanted != current:
            self.update(word=self._result.word ^ (1 << bit))

    # ------------------------------------------------------------------ rendering

    def _build_bits(self) -> None:
        nbits = self._result.word_bits
        groups: list[w.Widget] = []
        self._byte_labels: dict[int, w.HTML] = {}
        for group in byte_groups(self._result.word, nbits):
            shown = [n for n in group.bits if n >= 2]  # bits 1..0 get their own group: the tag
            buttons = [self._make_bit(n) for n in shown]
            label = w.HTML("")
            label.add_class("fv-byte-label-box")
            self._byte_labels[group.index] = label
            groups.append(w.VBox([label, w.HBox(buttons)], layout=w.Layout(margin="0 0.6em 0.3em 0")))
        tag_buttons = [self._make_bit(1), self._make_bit(0)]
        tag_label = w.HTML('<span class="fv-byte-label fv-tag-label">tag · bits 1–0</span>')
        tag_group = w.VBox([tag_label, w.HBox(tag_buttons)], layout=w.Layout(margin="0 0 0.3em 0.4em"))
        tag_group.add_class("fv-tag-group")
        groups.append(tag_group)
        self._bits_box.children = groups

    def _make_bit(self, n: int) -> w.ToggleButton:
        button = w.ToggleButton(
            value=False,
            description="0",
            tooltip=f"bit {n}",
            layout=w.Layout(width="1.9em", padding="0", margin="1px"),
        )
        button.add_class("fv-bit")
        button.add_class(f"fv-bit-{n}")
        if n < 2:
            button.add_class("fv-tag-bit")
        button.observe(lambda change, n=n: self._on_bit(n, change), names="value")
        self._bits[n] = button
        return button

    def _render_controls(self) -> None:
        r = self._result
        self._syncing = True
        try:
            self._era_picker.value = r.era.id
            self._text.value = r.word_text
            self._slab.value = r.folio.slab
            self._swapcache.value = r.folio.swapcache
            self._movable_ops.value = r.folio.movable_ops
            self._movable_ops.disabled = not r.era.movable_ops_flag
            values = word_bits(r.word, r.word_bits)
            role = "slab data" if r.folio.slab else None
            for n, button in self._bits.items():
                bit = values[n]
                if button.value != bit:
                    button.value = bit
                label = "1" if bit else "0"
                if button.description != label:
                    button.description = label
                kind_of_bit = role or ("tag" if n < 2 else "pointer")
                tip = f"bit {n} ({kind_of_bit}) = {int(bit)}; click to flip"
                if button.tooltip != tip:
                    button.tooltip = tip
            for group in byte_groups(r.word, r.word_bits):
                low = group.index * 8
                text = (
                    f'<span class="fv-byte-label">byte {group.index} · bits {low + 7}–{low} · '
                    f"<code>0x{group.hex}</code></span>"
                )
                label_widget = self._byte_labels[group.index]
                if label_widget.value != text:
                    label_widget.value = text
        finally:
            self._syncing = False

    def _render(self) -> None:
        r = self._result
        self._render_controls()
        self._error_box.value = ""
        self._kind.value = kind_line_html(r, presenter=self._presenter)
        self._diagram.value = mapping_svg(r, presenter=self._presenter)
        self._table.value = helpers_table_html(r)

"""``PageCacheWidget``: step through a page-cache lifecycle and see refcount, holders, lock and word.

The scenarios come from :mod:`folioviz.kernel.pagecache`; this view only picks a snapshot and draws
it. A learner can also type their own sequence of kernel operations: an illegal one is explained
(as the kernel's debug checks would catch it) and the last good scenario stays on screen.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..kernel.errors import FolioVizError
from ..kernel.pagecache import (
    COMPOSER_ALIASES,
    COMPOSER_OPS,
    PAGECACHE_SCENARIOS,
    PageCacheFolio,
    compose_scenario,
)
from ..kernel.scenario import Scenario, Step
from ..kernel.versions import DEFAULT_ERA, default_era, eras, get_era
from ..render.markup import Markup, instance_salt
from ..render.pagecache import build_scenario, composer_note_html
from ..render.snapshot import scenario_head_html, step_html, steps_table_html
from ..render.svg import pagecache_svg
from ..render.tables import cell_note_html, style_html
from ..render.theme import is_presenter
from .base import GuardedInputs
from .looks import layout, part
from .snapshot import SnapshotMixin
from .stepper import Stepper

__all__ = ["LARGE_SIZES", "PageCacheWidget"]

LARGE_SIZES = (2, 4, 8, 16, 512)
#: Picker values for a scenario the caller passed in, and for one the learner composed.
GIVEN, COMPOSED = "given", "composed"
_OWN_TITLES = {GIVEN: "The scenario given (fixed to its era)", COMPOSED: "Your own sequence"}


class PageCacheWidget(SnapshotMixin, GuardedInputs, w.VBox):
    """Step through lookup → remove → put and see who holds each reference.

    :param scenario: a scenario name (see :func:`build_scenario`) or a :class:`Scenario`
    :param nr_pages: folio size for the ``large-folio`` scenario
    :param era: kernel era (default: the email's, v6.0–v6.16)
    :param start: the step to show first
    :param presenter: large type for a projector
    """

    def __init__(
        self,
        scenario: str | Scenario[PageCacheFolio] = "truncation",
        *,
        nr_pages: int = 4,
        era: Any = None,
        start: int = 0,
        presenter: bool | None = None,
        **kwargs: Any,
    ) -> None:
        presenter = is_presenter(presenter)
        self._era_note = ""
        if era is None and not default_era().folio_lifecycle:
            era = DEFAULT_ERA
            self._era_note = "the page-cache model starts at v6.0 (folios); showing the email's era"
        self._era = get_era(era).id
        self._presenter = presenter
        self._id_salt = instance_salt(self)  # its diagram's ids are its own, even beside an identical widget
        self._given: Scenario[PageCacheFolio] | None = None
        self._composed: list[str] = []
        if isinstance(scenario, Scenario):
            initial, name, self._given = scenario, GIVEN, scenario
        else:
            initial, name = build_scenario(scenario, nr_pages=nr_pages, era=self._era), scenario
        self._scenario = initial
        self._picker = part(
            w.Dropdown,
            options=self._picker_options(),
            value=name,
            description="Scenario",
            style={"description_width": "initial"},
            layout={"width": "auto"},
        )
        self._size = part(
            w.Dropdown,
            options=[(f"{n} pages", n) for n in LARGE_SIZES],
            value=nr_pages if nr_pages in LARGE_SIZES else 4,
            description="folio size",
            style={"description_width": "initial"},
        )
        self._size.layout = w.Layout(width="auto")  # its own: shown only for the large-folio scenario
        self._size.layout.display = "" if name == "large-folio" else "none"
        self._era_picker = part(
            w.Dropdown,
            options=[(e.label, e.id) for e in eras()],
            value=self._era,
            description="Kernel",
            style={"description_width": "initial"},
            layout={"width": "auto"},
        )
        self._era_picker.observe(self._on_era, names="value")
        self._era_label = part(w.HTML, "")
        self._diagram = part(w.HTML, "")
        self._diagram.add_class("fv-pagecache-box")
        self._make_error_box()
        self._ops = part(
            w.Textarea,
            placeholder="one operation per line, e.g.\nlookup thread A\nfind_lock_entries\nremove\nunlock truncate",
            layout={"width": "28em", "height": "9em"},
        )
        self._run = part(w.Button, description="Run my sequence", tooltip="build a scenario from the lines above")
        self._run.on_click(lambda _: self.compose(self._ops.value.splitlines()))
        names = ", ".join(COMPOSER_OPS)
        aliases = ", ".join(f"{k}={v}" for k, v in COMPOSER_ALIASES.items())
        composer = part(
            w.VBox,
            [
                part(w.HTML, composer_note_html(names, aliases)),
                self._ops,
                self._run,
            ],
        )
        self._stepper: Stepper[PageCacheFolio] = Stepper(initial, self._render_step, start=start, layout=layout())
        self._picker.observe(self._on_pick, names="value")
        self._size.observe(self._on_pick, names="value")
        top = part(
            w.HBox, [self._era_picker, self._picker, self._size, self._era_label], layout={"flex_flow": "row wrap"}
        )
        more = part(w.Accordion, children=[composer], titles=("Compose your own sequence",))
        more.selected_index = None
        super().__init__(
            [part(w.HTML, style_html(presenter)), top, self._stepper, self._error_box, self._diagram, more], **kwargs
        )
        self.add_class("folioviz")
        self.add_class("folioviz-pagecache")
        if presenter:
            self.add_class("fv-presenter")
        self._show_era()

    def _picker_options(self) -> list[tuple[str, str]]:
        options = [(self._title(key), key) for key in PAGECACHE_SCENARIOS]
        if self._given is not None:
            options.append((_OWN_TITLES[GIVEN], GIVEN))
        if self._composed:
            options.append((_OWN_TITLES[COMPOSED], COMPOSED))
        return options

    def _point_picker(self, value: str) -> None:
        """Show ``value`` in the picker without treating it as the learner's pick."""
        with self._quietly():
            self._picker.options = self._picker_options()
            self._picker.value = value

    @staticmethod
    def _title(key: str) -> str:
        return {
            "email": "The email's three steps",
            "truncation": "Lookup, truncate, put (the kernel's sequence)",
            "large-folio": "A large folio",
            "early-put": "The final put comes from truncation",
        }.get(key, key)

    # ------------------------------------------------------------------ public API

    @property
    def scenario(self) -> Scenario[PageCacheFolio]:
        return self._scenario

    @property
    def stepper(self) -> Stepper[PageCacheFolio]:
        return self._stepper

    @property
    def step(self) -> Step[PageCacheFolio]:
        return self._stepper.current

    def show(self, scenario: str | Scenario[PageCacheFolio], *, nr_pages: int | None = None) -> bool:
        """Switch to a named scenario (or a given one). Bad names are shown, not raised."""
        try:
            if isinstance(scenario, Scenario):
                built, name = scenario, GIVEN
            elif scenario == GIVEN and self._given is not None:
                built, name = self._given, GIVEN
            elif scenario == COMPOSED and self._composed:
                built, name = compose_scenario(self._composed, era=self._era), COMPOSED
            else:
                size = nr_pages if nr_pages is not None else self._size.value
                built, name = build_scenario(scenario, nr_pages=size, era=self._era), scenario
        except FolioVizError as error:
            return self._fail(str(error))
        if name == GIVEN:
            self._given = built
        self._set(built)
        self._point_picker(name)
        return True

    def compose(self, ops: list[str]) -> bool:
        """Build a scenario from the learner's operations (as typed in the box); errors keep the last one."""
        if isinstance(ops, str):
            ops = ops.splitlines()
        if not isinstance(ops, (list, tuple)) or not all(isinstance(line, str) for line in ops):
            return self._fail("give the operations as a list of lines of text (for example: ['lookup thread A'])")
        lines = [line.strip() for line in ops if line.strip() and not line.strip().startswith("#")]
        if not lines:
            return self._fail("type at least one operation, one per line (for example: lookup thread A)")
        try:
            built = compose_scenario(lines, era=self._era)
        except FolioVizError as error:
            return self._fail(str(error))
        self._composed = lines
        self._set(built)
        self._point_picker(COMPOSED)
        return True

    def _snapshot_html(self) -> Markup:
        sc, i, step = self.scenario, self.stepper.index, self.step
        era = get_era(self.era)
        return (
            scenario_head_html(sc.title, era.label, era.release)
            + step_html(step, i, len(sc))
            + steps_table_html(sc.steps, i, lambda state: state.describe())
        )

    def __repr__(self) -> str:
        sc = self._scenario
        return f"PageCacheWidget(scenario={sc.name!r}, steps={len(sc)}, step={self._stepper.index})"

    # ------------------------------------------------------------------ internals

    def _fail(self, message: str) -> bool:
        self._show_error(message)
        return False

    def _set(self, scenario: Scenario[PageCacheFolio]) -> None:
        self._clear_error()
        self._scenario = scenario
        self._stepper.set_scenario(scenario)
        self._show_era()

    def _on_era(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        previous = self._era
        self._era = change["new"]
        if self._picker.value == GIVEN and self._given is not None and self._given.era != self._era:
            refused = self._fail(
                f"the scenario given to this widget was built for {self._given.era} and is shown as given; "
                "pick a named scenario, or compose one, to see it in another era"
            )
        else:
            refused = not self.show(self._picker.value)
        if refused:
            self._era = previous
            with self._quietly():
                self._era_picker.value = previous

    @property
    def era(self) -> str:
        """The era id the scenarios are built for."""
        return self._era

    def _on_pick(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        self._size.layout.display = "" if self._picker.value == "large-folio" else "none"
        self.show(self._picker.value)

    def _show_era(self) -> None:
        era = get_era(self._era)
        note = f" · {self._era_note}" if self._era_note else ""
        self._era_label.value = cell_note_html(f"{self._scenario.title} · {era.label} · links to {era.release}{note}")

    def _render_step(self, step: Step[PageCacheFolio]) -> None:
        self._diagram.value = pagecache_svg(
            step.state, function=step.function, presenter=self._presenter, id_salt=self._id_salt
        )

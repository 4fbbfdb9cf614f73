"""The ``->page_mkwrite`` survey as an interactive table and two charts (data: ``data/page_mkwrite_survey.toml``)."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..kernel.survey import (
    CONVENTIONS,
    HELPERS,
    RELEASES,
    PageMkwriteHandler,
    survey,
)
from ..render.markup import Markup
from ..render.survey import survey_count_html, survey_snapshot_html, survey_table_html
from ..render.tables import style_html
from ..render.theme import is_presenter
from .looks import part
from .snapshot import SnapshotMixin

__all__ = ["SurveyExplorer"]


class SurveyExplorer(SnapshotMixin, w.VBox):
    """Filter the survey by release, convention and helper, or search by name; the table follows."""

    def __init__(self, release: str = RELEASES[0], *, presenter: bool | None = None, **kwargs: Any) -> None:
        presenter = is_presenter(presenter)
        if release not in RELEASES:
            raise ValueError(f"release must be one of {', '.join(RELEASES)}, not {release!r}")
        initial = {"description_width": "initial"}
        self._release = part(
            w.ToggleButtons, options=list(RELEASES), value=release, description="release", style=initial
        )
        self._convention = part(
            w.Dropdown, options=[("any", ""), *[(c, c) for c in CONVENTIONS]], description="convention", style=initial
        )
        self._helper = part(
            w.Dropdown, options=[("any", ""), *[(h, h) for h in HELPERS]], description="helper", style=initial
        )
        self._search = part(
            w.Text, placeholder="handler or file", description="search", continuous_update=True, style=initial
        )
        self._count = part(w.HTML, "")
        self._table = part(w.HTML, "")
        for control in (self._release, self._convention, self._helper, self._search):
            control.observe(lambda _: self._render(), names="value")
        controls = part(
            w.HBox, [self._release, self._convention, self._helper, self._search], layout={"flex_flow": "row wrap"}
        )
        super().__init__([part(w.HTML, style_html(presenter)), controls, self._count, self._table], **kwargs)
        self.add_class("folioviz")
        self.add_class("folioviz-survey")
        self._render()

    @property
    def rows(self) -> tuple[PageMkwriteHandler, ...]:
        """The rows the filters currently let through."""
        text = self._search.value.strip().lower()
        return tuple(
            r
            for r in survey(self._release.value)
            if (not self._convention.value or r.convention == self._convention.value)
            and (not self._helper.value or r.helper == self._helper.value)
            and (not text or text in r.handler.lower() or text in r.path.lower())
        )

    def filter(self, *, release: str | None = None, convention: str = "", helper: str = "", search: str = "") -> int:
        """Set every filter at once (as the controls do); returns how many rows are shown."""
        if release is not None:
            self._release.value = release
        self._convention.value = convention
        self._helper.value = helper
        self._search.value = search
        return len(self.rows)

    def _render(self) -> None:
        rows = self.rows
        self._count.value = survey_count_html(len(rows), self._release.value)
        self._table.value = survey_table_html(rows)

    def _snapshot_html(self) -> Markup:
        filters = ", ".join(
            f"{name} {control.value}"
            for name, control in (("convention", self._convention), ("helper", self._helper), ("search", self._search))
            if control.value
        )
        return survey_snapshot_html(self.rows, self._release.value, filters)

    def __repr__(self) -> str:
        return f"SurveyExplorer(release={self._release.value!r}, rows={len(self.rows)})"

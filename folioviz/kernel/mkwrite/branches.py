"""The branch table: hand-written expectations for ``do_page_mkwrite()``, from ``data/mkwrite_branches.toml``.

Each row is an input and the path, return value and outcome expected of it, written by reading the
function in the pinned releases (not computed). The tests check the model against every row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from ..datafiles import load_toml
from ..errors import MkwriteInputError
from .faults import VMFault
from .forms import CodeForm
from .inputs import MkwriteInputs, Outcome

__all__ = ["BRANCH_TABLE", "PATHS", "BranchCase", "all_branches"]


@dataclass(frozen=True)
class BranchCase:
    """One row of the branch table: inputs, and the path, return value and outcome expected of them."""

    label: str
    inputs: MkwriteInputs
    path: tuple[int, ...]
    ret: int | None
    outcome: Outcome

    @property
    def form(self) -> CodeForm:
        return self.inputs.form


def _data() -> Mapping[str, Any]:
    return load_toml("mkwrite_branches.toml")


#: The paths through the pseudo-code, by name (``"old_retry"``: lines 1-4, 6-8, 10-14).
PATHS: Mapping[str, tuple[int, ...]] = MappingProxyType(
    {name: tuple(lines) for name, lines in _data()["paths"].items()}
)


def _ret(text: str) -> int | None:
    if text == "never":
        return None
    value = 0
    for name in text.split("|"):
        value |= int(VMFault[name]) if name.startswith("VM_FAULT_") else int(name, 0)
    return value


def _case(label: str, inputs: MkwriteInputs, row: dict[str, Any]) -> BranchCase:
    return BranchCase(label, inputs, PATHS[row["path"]], _ret(row["ret"]), Outcome[row["outcome"]])


def _movable(kernel: str, check: str, loops: bool) -> BranchCase:
    inputs = MkwriteInputs(handler="old-school", folio="movable-tagged", kernel=kernel, check=check)
    label = f"old-school, movable-tagged word, {inputs.form.check_expr}, v{kernel}"
    if loops:
        return BranchCase(label, inputs, PATHS["old_retry"], 0, Outcome.LIVELOCK)
    return BranchCase(label, inputs, PATHS["old_ok"], _ret("VM_FAULT_LOCKED"), Outcome.WRITE_PROCEEDS)


@cache
def _table() -> tuple[BranchCase, ...]:
    data = _data()
    rows: list[BranchCase] = []
    for form in data["form"]:
        for case in data["case"]:
            inputs = MkwriteInputs(kernel=form["kernel"], check=form["check"], **case["inputs"])
            rows.append(_case(case["label"], inputs, case))
        rows.append(_movable(form["kernel"], form["check"], form["movable_loops"]))
    rows.extend(_movable(row["kernel"], row["check"], row["loops"]) for row in data["movable"])
    rows.extend(_case(row["label"], MkwriteInputs(**row["inputs"]), row) for row in data["row"])
    return tuple(rows)


#: Every branch of every form, plus the livelock's era boundaries (B2) and both callers.
BRANCH_TABLE: tuple[BranchCase, ...] = _table()


def all_branches(form: CodeForm | str | None = None) -> tuple[BranchCase, ...]:
    """The rows of :data:`BRANCH_TABLE`, all or those of one code form (a :class:`CodeForm` or its value)."""
    if form is None:
        return BRANCH_TABLE
    if isinstance(form, str):
        try:
            form = CodeForm(form)
        except ValueError:
            allowed = ", ".join(repr(f.value) for f in CodeForm)
            raise MkwriteInputError(f"form must be one of {allowed}, not {form!r}") from None
    if not isinstance(form, CodeForm):
        raise MkwriteInputError(f"form must be a CodeForm or its value, not {form!r}")
    return tuple(row for row in BRANCH_TABLE if row.form is form)

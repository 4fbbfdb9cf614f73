"""The shared shape of every scenario: an immutable tuple of snapshots.

A scenario is computed once, up front, by a pure state machine. Each :class:`Step` holds the
state *after* one kernel operation, the kernel function it mirrors, the rule of the email it
illustrates and a link to the source. Stepping back, replaying, deep links to a step, tests and
plotly animation frames all read the same tuple; no view ever mutates kernel state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from .errors import FolioVizError
from .sources import SourceRef

__all__ = ["Scenario", "Step"]

S = TypeVar("S")


@dataclass(frozen=True)
class Step(Generic[S]):
    """One snapshot: the state after ``function`` ran.

    :param state: the model state (a frozen dataclass of the scenario's own type)
    :param function: the kernel function this step mirrors (``filemap_get_folio``)
    :param caption: one sentence in our words saying what happened
    :param rule: the email rule (``R8``) or beyond-the-email fact (``B4``) it illustrates
    :param source: where the function lives in the era's pinned release
    :param line: for code-panel scenarios, the line of our pseudo-code that is running
    """

    state: S
    function: str
    caption: str
    rule: str = ""
    source: SourceRef | None = None
    line: int | None = None


@dataclass(frozen=True)
class Scenario(Generic[S]):
    """A named, immutable sequence of steps, in one kernel era."""

    name: str
    title: str
    era: str
    steps: tuple[Step[S], ...]
    description: str = ""

    def __post_init__(self) -> None:
        if not self.steps:
            raise FolioVizError(f"scenario {self.name!r} has no steps; a scenario needs at least one")

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step[S]]:
        return iter(self.steps)

    def __getitem__(self, index: int) -> Step[S]:
        return self.steps[index]

    def step(self, index: int) -> Step[S]:
        """The step at ``index`` (0-based), with a clear error when out of range."""
        if isinstance(index, bool) or not isinstance(index, int):
            raise FolioVizError(f"step index must be an int, not {index!r}")
        if not 0 <= index < len(self.steps):
            raise FolioVizError(
                f"step {index} is out of range: scenario {self.name!r} has steps 0 to {len(self.steps) - 1}"
            )
        return self.steps[index]

    @property
    def states(self) -> tuple[S, ...]:
        return tuple(step.state for step in self.steps)

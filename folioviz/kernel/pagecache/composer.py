"""The composer: a learner's own sequence of page-cache operations, as a scenario or as the step
the kernel would refuse (:class:`CompositionError` names the step and keeps the scenario so far).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from ..errors import FolioVizError, IllegalTransitionError, WrongTypeError
from ..scenario import Scenario
from ..versions import Era
from .captions import COMPOSER_ALIASES, COMPOSER_OPS, OP_SPECS
from .scenarios import ScenarioBuilder, cached_caption, cached_start, lifecycle_era
from .state import TRUNCATE, PageCacheFolio, check_nr_pages
from .transitions import filemap_alloc_folio

__all__ = ["CompositionError", "compose_scenario"]


class CompositionError(IllegalTransitionError):
    """A learner's operation that the kernel would not allow, with where it happened.

    :ivar step: the 1-based position of the failing operation (the index its step would have had)
    :ivar op: the operation as the learner wrote it
    :ivar partial: the scenario up to the last good state (the view keeps showing it)
    """

    def __init__(
        self,
        message: str,
        *,
        step: int,
        op: str,
        partial: Scenario[PageCacheFolio] | None,
        check: str = "",
        function: str = "",
    ) -> None:
        super().__init__(message, check=check, function=function)
        self.step = step
        self.op = op
        self.partial = partial


OpItem = str | tuple[str] | tuple[str, str] | tuple[str, str, int]


def _op_name(name: str) -> str:
    key = name.strip().lower()
    op = COMPOSER_ALIASES.get(key, key)
    if op not in OP_SPECS:
        raise FolioVizError(
            f"unknown operation {name!r}. Allowed: {', '.join(COMPOSER_OPS)}; or the short names "
            f"{', '.join(COMPOSER_ALIASES)}."
        )
    return op


def _parse_item(item: object) -> tuple[str, str | None, int | None, str]:
    """Return (kernel op name, actor or None, refs or None, the text to show)."""
    refs: object = None
    actor: object = None
    if isinstance(item, str) and item.strip():
        text = " ".join(item.split())
        name, *rest = text.split(" ")
        op = _op_name(name)
        if op == "folio_put_refs" and rest and rest[-1].isdigit():
            refs = int(rest.pop())
        actor = " ".join(rest) or None
    elif isinstance(item, tuple) and 1 <= len(item) <= 3 and isinstance(item[0], str):
        op = _op_name(item[0])
        actor = item[1] if len(item) > 1 else None
        refs = item[2] if len(item) > 2 else None
        if actor is not None and not isinstance(actor, str):
            raise FolioVizError(f"the actor in {item!r} must be a name such as 'thread A'")
        if refs is not None and (isinstance(refs, bool) or not isinstance(refs, int)):
            raise FolioVizError(f"the count in {item!r} must be a whole number")
        text = " ".join(str(part) for part in item)
    else:
        raise FolioVizError(
            f"an operation is a string such as 'folio_put thread A' or a tuple ('folio_put', 'thread A'), not {item!r}"
        )
    assert actor is None or isinstance(actor, str)
    assert refs is None or isinstance(refs, int)
    return op, actor, refs, text


def _args_for(op: str, actor: str | None, refs: int | None) -> tuple[object, ...]:
    spec = OP_SPECS[op]
    if op == "folio_put_refs":
        if actor is None or refs is None:
            raise FolioVizError("folio_put_refs needs an actor and a count, e.g. 'folio_put_refs thread A 2'")
        return (actor, refs)
    if refs is not None:
        raise FolioVizError(f"{op} takes no count; only folio_put_refs does")
    if spec.actor == "none":
        if actor is not None and actor != TRUNCATE:
            raise FolioVizError(
                f"{op} is truncation's own step and takes no actor (its reference is held by "
                f"{TRUNCATE!r}); write just '{op}'"
            )
        return ()
    if actor is None:
        if spec.actor == "required":
            raise FolioVizError(f"{op} needs an actor, e.g. '{op} thread A'")
        return ()
    return (actor,)


def compose_scenario(
    ops: Iterable[OpItem],
    *,
    start: Literal["cached", "allocated"] | PageCacheFolio = "cached",
    nr_pages: int = 1,
    era: Era | str | None = None,
    name: str = "composed",
    title: str = "Your sequence",
) -> Scenario[PageCacheFolio]:
    """Apply a learner's operations in order and return the scenario, or say which step the kernel forbids.

    Each operation is a string ``"<name> [actor] [count]"`` or a tuple ``(name, actor[, count])``.
    Names are the kernel's (:data:`COMPOSER_OPS`) or a short alias (:data:`COMPOSER_ALIASES`):
    ``"filemap_get_folio thread A"``, ``"lookup thread A"``, ``"find_lock_entries"``,
    ``"folio_unlock truncate"``, ``"folio_put_refs thread A 2"``. ``folio_unlock`` without an
    actor unlocks on behalf of whoever holds the lock.

    Step 0 is the starting state: ``"cached"`` (in the page cache, the cache's references only,
    as the email starts), ``"allocated"`` (just allocated by readahead, count 1), or any
    :class:`PageCacheFolio`. Operation *k* (1-based) becomes step *k*.

    :raises CompositionError: (an :class:`IllegalTransitionError`) naming the step number, the
        operation and the reason; ``partial`` holds the scenario up to the last good state
    """
    if isinstance(ops, (str, bytes)) or not isinstance(ops, Iterable):
        raise WrongTypeError(
            f"the operations must be a list of operations (strings or tuples), not {type(ops).__name__}"
            " (for example: ['lookup thread A', 'folio_put thread A'])"
        )
    resolved = lifecycle_era(era)
    if isinstance(start, PageCacheFolio):
        first, caption = start, f"Start: {start.describe()}."
        function = "filemap_add_folio" if start.in_xarray or start.removed else "filemap_alloc_folio"
        if start.freed:
            raise FolioVizError("a composed scenario cannot start from a freed folio")
    elif start == "cached":
        first = cached_start(check_nr_pages(nr_pages))
        function, caption = "filemap_add_folio", cached_caption(first)
    elif start == "allocated":
        first = filemap_alloc_folio(check_nr_pages(nr_pages))
        function = "filemap_alloc_folio"
        pages = f"{nr_pages} page{'s' if nr_pages > 1 else ''}"
        caption = f"Start: readahead has allocated a folio of {pages}; it holds the only reference (count 1)."
    else:
        raise FolioVizError(f"start must be 'cached', 'allocated' or a PageCacheFolio, not {start!r}")
    builder = ScenarioBuilder(resolved, first, function, caption, "R8")
    if isinstance(ops, str):
        raise FolioVizError("ops must be a list of operations, e.g. ['filemap_get_folio thread A', ...]")
    for number, item in enumerate(ops, start=1):
        text = str(item)
        try:
            op, actor, refs, text = _parse_item(item)
            args = _args_for(op, actor, refs)
            builder.apply(op, *args)
        except FolioVizError as err:
            partial = builder.scenario(name, title, "")
            check = err.check if isinstance(err, IllegalTransitionError) else ""
            function = err.function if isinstance(err, IllegalTransitionError) else ""
            raise CompositionError(
                f"step {number} ({text}): {err}",
                step=number,
                op=text,
                partial=partial,
                check=check,
                function=function,
            ) from err
    return builder.scenario(
        name,
        title,
        "A sequence of page-cache operations composed step by step; each was checked against the kernel's rules.",
    )

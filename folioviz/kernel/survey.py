"""The survey of every ``->page_mkwrite`` implementation, read in two pinned kernel releases.

The data is ``data/page_mkwrite_survey.toml``: one row per implementation per release, plus the shared
helpers the handlers rely on (``filemap_page_mkwrite``, ``iomap_page_mkwrite``, ``block_page_mkwrite``
and its errno conversion, ``netfs_page_mkwrite``, ``dax_iomap_fault``). Each row says what the handler
returns when the write may go ahead, which convention that is, how it notices truncation, and where it
is defined (an Elixir link pinned to the release that was read).

Releases: ``v7.2.8`` (recent) and ``v6.1.4``, which stands in for v6.4, the era of the email (no exact
v6.4 tree could be read). No Jupyter imports here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from .datafiles import load_toml
from .errors import FolioVizError
from .sources import SourceRef

__all__ = [
    "CONVENTIONS",
    "EMAIL_ERA_RELEASE",
    "EVIDENCE",
    "HELPERS",
    "RECENT_RELEASE",
    "RELEASES",
    "STANDS_IN_FOR",
    "SUCCESS_VALUES",
    "OpsRef",
    "PageMkwriteHandler",
    "RowCounts",
    "SurveyDifference",
    "by_convention",
    "by_helper",
    "differences",
    "find_handler",
    "implementations",
    "old_school",
    "row_counts",
    "survey",
]

SURVEY_FILE = "page_mkwrite_survey.toml"

#: The releases read, newest first (``data/page_mkwrite_survey.toml``).
RELEASES: tuple[str, ...] = tuple(load_toml(SURVEY_FILE)["releases"])
RECENT_RELEASE: str = load_toml(SURVEY_FILE)["recent"]
#: The release read in place of v6.4 (the email's era), which could not be obtained.
EMAIL_ERA_RELEASE: str = load_toml(SURVEY_FILE)["email_era"]
STANDS_IN_FOR: Mapping[str, str] = MappingProxyType(dict(load_toml(SURVEY_FILE)["stands_in_for"]))

#: What a row's ``convention`` may be, in display order.
CONVENTIONS: tuple[str, ...] = ("modern", "old-school", "dax", "pfn-map", "refuses", "helper")
#: What a row's ``success`` may be: the return value when the write may proceed.
SUCCESS_VALUES: tuple[str, ...] = ("VM_FAULT_LOCKED", "0", "dax", "SIGBUS", "errno-0")
#: The shared code a row relies on, in display order.
HELPERS: tuple[str, ...] = ("filemap", "iomap", "block", "netfs", "dax", "none")
EVIDENCE: tuple[str, ...] = ("V", "U")

_REQUIRED = ("release", "path", "handler", "success", "convention", "helper", "truncation_check", "evidence", "notes")
# Fields compared by differences(); free-text fields (notes, truncation_check) are not.
_COMPARED = ("path", "success", "convention", "helper", "also_pfn_mkwrite", "fault_sets_mapping", "ops")


@dataclass(frozen=True)
class OpsRef:
    """A ``vm_operations_struct`` that registers a handler as its ``.page_mkwrite``.

    :param name: the struct's name (``generic_file_vm_ops``)
    :param release: the release it was read in
    :param path: the file defining the struct
    :param line: the line of the struct's definition
    :param mkwrite_line: the line of its ``.page_mkwrite`` initialiser
    """

    name: str
    release: str
    path: str
    line: int
    mkwrite_line: int

    @property
    def source(self) -> SourceRef:
        """Where the struct is defined (its Elixir link is ``.source.url``)."""
        return SourceRef(self.name, self.release, self.path, self.line)

    @property
    def label(self) -> str:
        """``generic_file_vm_ops (mm/filemap.c:4022)``."""
        return f"{self.name} ({self.path}:{self.line})"


@dataclass(frozen=True)
class PageMkwriteHandler:
    """One ``->page_mkwrite`` implementation (or shared helper) in one release, as read in its source.

    ``success`` is what it returns when the write may proceed (``VM_FAULT_LOCKED`` for the modern
    convention, ``0`` for the old-school one); ``convention`` classifies that; ``helper`` names the
    shared code it relies on; ``evidence`` is ``V`` when the function was read, ``U`` when not.
    ``also_pfn_mkwrite`` is true when the same function is also the ops' ``.pfn_mkwrite``;
    ``fault_sets_mapping`` when the ops' ``.fault`` stores a file mapping in ``page->mapping`` (the old
    trick that lets the legacy path's ``->mapping`` test pass for driver memory).
    ``old_school_when`` says, for a handler that returns 0 only on some calls, on which ones (``only
    for page 0 of its buffer ...``); it is "" when the convention holds for every call.
    """

    release: str
    path: str
    handler: str
    line: int | None
    success: str
    convention: str
    helper: str
    truncation_check: str
    evidence: str
    notes: str
    ops: tuple[OpsRef, ...] = ()
    also_pfn_mkwrite: bool = False
    fault_sets_mapping: bool = False
    old_school_when: str = ""

    @property
    def source(self) -> SourceRef:
        """Where the function is defined in its release."""
        return SourceRef(self.handler, self.release, self.path, self.line)

    @property
    def url(self) -> str:
        """The Elixir link to the definition line."""
        return self.source.url

    @property
    def registered(self) -> bool:
        """True when some ``vm_operations_struct`` installs it as ``.page_mkwrite``."""
        return bool(self.ops)

    @property
    def is_helper(self) -> bool:
        return self.convention == "helper"


@dataclass(frozen=True)
class SurveyDifference:
    """How one handler differs between v6.1.4 (standing in for v6.4) and v7.2.8.

    ``change`` is ``added`` (only in v7.2.8), ``removed`` (only in v6.1.4) or ``changed`` (in both, with
    the ``fields`` listed differing). Line numbers alone do not count as a difference.
    """

    handler: str
    change: str
    before: PageMkwriteHandler | None
    after: PageMkwriteHandler | None
    fields: tuple[str, ...] = ()


def _release(release: object) -> str:
    if isinstance(release, str):
        tag = release.strip()
        tag = tag if tag.startswith("v") else f"v{tag}"
        if tag in RELEASES:
            return tag
    raise FolioVizError(
        f"the page_mkwrite survey covers releases {', '.join(RELEASES)} "
        f"({EMAIL_ERA_RELEASE} stands in for {STANDS_IN_FOR[EMAIL_ERA_RELEASE]}, which could not be read), "
        f"not {release!r}"
    )


def _check(row: dict[str, Any], where: str) -> None:
    missing = [key for key in _REQUIRED if not isinstance(row.get(key), str) or not row[key]]
    if missing:
        raise FolioVizError(f"{where}: missing or empty field(s) {', '.join(missing)}")
    allowed = {
        "release": RELEASES,
        "convention": CONVENTIONS,
        "success": SUCCESS_VALUES,
        "helper": HELPERS,
        "evidence": EVIDENCE,
    }
    for key, values in allowed.items():
        if row[key] not in values:
            raise FolioVizError(f"{where}: {key} is {row[key]!r}; allowed: {', '.join(values)}")
    line = row.get("line")
    if line is not None and (not isinstance(line, int) or isinstance(line, bool) or line < 1):
        raise FolioVizError(f"{where}: line must be a positive whole number, not {line!r}")
    if row["evidence"] == "V" and line is None:
        raise FolioVizError(f"{where}: a row read in the source (evidence V) needs its line")


def _ops(raw: Iterable[dict[str, Any]], release: str, where: str) -> tuple[OpsRef, ...]:
    refs = []
    for entry in raw:
        try:
            refs.append(OpsRef(entry["name"], release, entry["path"], entry["line"], entry["mkwrite_line"]))
        except KeyError as missing:
            raise FolioVizError(f"{where}: an ops entry lacks {missing}") from None
    return tuple(refs)


@cache
def _all_rows() -> tuple[PageMkwriteHandler, ...]:
    rows = []
    seen: set[tuple[str, str, str]] = set()
    for index, raw in enumerate(load_toml(SURVEY_FILE).get("handler", [])):
        where = f"{SURVEY_FILE} row {index + 1} ({raw.get('handler', '?')}, {raw.get('release', '?')})"
        _check(raw, where)
        key = (raw["release"], raw["handler"], raw["path"])
        if key in seen:
            raise FolioVizError(f"{where}: duplicate row")
        seen.add(key)
        rows.append(
            PageMkwriteHandler(
                release=raw["release"],
                path=raw["path"],
                handler=raw["handler"],
                line=raw.get("line"),
                success=raw["success"],
                convention=raw["convention"],
                helper=raw["helper"],
                truncation_check=raw["truncation_check"],
                evidence=raw["evidence"],
                notes=raw["notes"],
                ops=_ops(raw.get("ops", ()), raw["release"], where),
                also_pfn_mkwrite=bool(raw.get("also_pfn_mkwrite", False)),
                fault_sets_mapping=bool(raw.get("fault_sets_mapping", False)),
                old_school_when=" ".join(str(raw.get("old_school_when", "")).split()),
            )
        )
    return tuple(rows)


def survey(release: str | None = None) -> tuple[PageMkwriteHandler, ...]:
    """Every row of the survey for ``release`` (``v7.2.8`` or ``v6.1.4``), or of both when ``None``.

    Rows keep the data file's order. Helpers are included (``convention == "helper"``); use
    :func:`implementations` for the registered handlers only.

    :raises FolioVizError: for a release the survey does not cover
    """
    rows = _all_rows()
    if release is None:
        return rows
    tag = _release(release)
    return tuple(row for row in rows if row.release == tag)


def implementations(release: str = RECENT_RELEASE) -> tuple[PageMkwriteHandler, ...]:
    """The functions some ``vm_operations_struct`` registers as ``.page_mkwrite`` in ``release``
    (the email's "about 30 implementations"; ``filemap_page_mkwrite`` counts once)."""
    return tuple(row for row in survey(_release(release)) if row.registered)


@dataclass(frozen=True)
class RowCounts:
    """How the survey's rows for one release split: ``rows == handlers + helpers``.

    ``handlers`` are the functions some ``vm_operations_struct`` registers (:func:`implementations`);
    ``helpers`` are the shared helpers listed so that a handler's *helper* column can be followed, which
    nothing registers as ``.page_mkwrite``.
    """

    release: str
    rows: int
    handlers: int
    helpers: int


def row_counts(release: str | None = None) -> tuple[RowCounts, ...]:
    """The row counts of ``release``, or of every surveyed release (newest first) when ``None``."""
    releases = RELEASES if release is None else (_release(release),)
    out = []
    for tag in releases:
        rows, handlers = len(survey(tag)), len(implementations(tag))
        out.append(RowCounts(tag, rows, handlers, rows - handlers))
    return tuple(out)


def _group(rows: Iterable[PageMkwriteHandler], attr: str, order: tuple[str, ...]) -> dict[str, tuple[Any, ...]]:
    groups: dict[str, list[PageMkwriteHandler]] = {key: [] for key in order}
    for row in rows:
        groups.setdefault(getattr(row, attr), []).append(row)
    return {key: tuple(value) for key, value in groups.items()}


def by_convention(release: str = RECENT_RELEASE) -> dict[str, tuple[PageMkwriteHandler, ...]]:
    """The rows of ``release`` grouped by convention; every name in :data:`CONVENTIONS` is a key (in that
    order), possibly with no rows."""
    return _group(survey(_release(release)), "convention", CONVENTIONS)


def by_helper(release: str = RECENT_RELEASE) -> dict[str, tuple[PageMkwriteHandler, ...]]:
    """The rows of ``release`` grouped by the shared helper they rely on; every name in :data:`HELPERS` is a
    key (in that order), possibly with no rows."""
    return _group(survey(_release(release)), "helper", HELPERS)


def old_school(release: str = RECENT_RELEASE) -> tuple[PageMkwriteHandler, ...]:
    """The handlers that return 0 on success and leave locking and the ``->mapping`` test to
    ``do_page_mkwrite()``: what a ``WARN_ON_ONCE`` on the legacy path would catch in ``release``."""
    return tuple(row for row in survey(_release(release)) if row.convention == "old-school")


def find_handler(name: str, release: str = RECENT_RELEASE) -> PageMkwriteHandler:
    """The row for function ``name`` in ``release``.

    :raises FolioVizError: when the release is unknown or the function is not in its survey
    """
    for row in survey(_release(release)):
        if row.handler == name:
            return row
    raise FolioVizError(f"{name!r} is not a page_mkwrite handler or helper in the {_release(release)} survey")


def _compared(row: PageMkwriteHandler, field: str) -> object:
    if field == "ops":
        return frozenset((ref.name, ref.path) for ref in row.ops)
    return getattr(row, field)


@cache
def differences() -> tuple[SurveyDifference, ...]:
    """What differs between v6.1.4 (standing in for v6.4) and v7.2.8, matched by function name:
    removed handlers first, then added, then changed, each alphabetically."""
    old = {row.handler: row for row in survey(EMAIL_ERA_RELEASE)}
    new = {row.handler: row for row in survey(RECENT_RELEASE)}
    removed = [SurveyDifference(name, "removed", old[name], None) for name in sorted(old.keys() - new.keys())]
    added = [SurveyDifference(name, "added", None, new[name]) for name in sorted(new.keys() - old.keys())]
    changed = []
    for name in sorted(old.keys() & new.keys()):
        fields = tuple(f for f in _COMPARED if _compared(old[name], f) != _compared(new[name], f))
        if fields:
            changed.append(SurveyDifference(name, "changed", old[name], new[name], fields))
    return tuple(removed + added + changed)

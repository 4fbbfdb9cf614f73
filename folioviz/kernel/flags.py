"""Page-flag tables per kernel build, and which one a paste's flags word is read with.

Bit numbers of ``enum pageflags`` change between releases (v6.12's enum is ordered differently from
v6.1's) and with the configuration (``PG_hwpoison`` only exists with ``CONFIG_MEMORY_FAILURE``). So a
table belongs to one *build*: ``data/page_flags/<release>.toml``, written by ``tools/flag_tables.py``
from that build's own BTF (see its schema comment). :func:`table_choice` picks the table for the
release a paste states (or the ``--kernel`` given) and says which bits it cannot vouch for:

* the release of a build itself: that build's table, every bit exact;
* another build of the same upstream version or ``major.minor`` series: that table; the bits from the
  first ``#if``-guarded flag up depend on the configuration, so they are uncertain;
* a release between two builds of other series (v6.7 lies between 6.1.192 and 6.12.117): the nearer
  build's table; uncertain are the bits that the two builds name differently, and the guarded ones;
* only an era (``v6.0-v6.16``) or nothing: the era's example kernel (v6.4 for the email's), as above.

>>> table_choice("6.12.117+deb13-amd64").exact
True
>>> table_choice("6.12.117+deb13-amd64").table.bits["swapbacked"]
17
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any

from .datafiles import check_keys, data_names, load_toml
from .errors import UnknownEraError
from .flagfields import FlagsLayout, layout_from_row
from .versions import Era, get_era, minor_distance, nearest_builds, parse_release

__all__ = ["FlagTable", "TableChoice", "build_releases", "build_table", "fitting_flag_names", "table_choice"]

_FOLDER = "page_flags"


@dataclass(frozen=True)
class FlagTable:
    """``enum pageflags`` and ``enum pagetype`` of one build (``data/page_flags/<release>.toml``)."""

    release: str
    """The build's ``uname -r``: ``6.12.117+deb13-amd64``."""
    version: str
    packages: str
    """``name=version`` of the Debian packages the BTF came from."""
    source: str
    bits: Mapping[str, int] = field(compare=False)
    aliases: Mapping[str, str] = field(compare=False, default_factory=lambda: MappingProxyType({}))
    page_types: Mapping[str, int] = field(compare=False, default_factory=lambda: MappingProxyType({}))
    config: Mapping[str, str] = field(compare=False, default_factory=lambda: MappingProxyType({}))
    config_dependent_from: int = 64
    layout: FlagsLayout | None = field(compare=False, default=None)
    """Where the build keeps section, node, zone, lastcpupid and kasantag (``[layout]``)."""

    def __post_init__(self) -> None:
        # Read-only however the table was built: build_table() hands one table to every caller.
        for name in ("bits", "aliases", "page_types", "config"):
            value = getattr(self, name)
            if not isinstance(value, MappingProxyType):
                object.__setattr__(self, name, MappingProxyType(dict(value)))

    @property
    def slab(self) -> str:
        """``"flag"`` (``PG_slab``) or ``"type"`` (a page type, in the builds without ``PG_slab``)."""
        return "flag" if "slab" in self.bits else "type"

    @property
    def movable_ops_alias(self) -> str:
        """The flag ``PG_movable_ops`` shares a bit with (v6.17+), or ``""``."""
        return self.aliases.get("movable_ops", "")

    @property
    def movable_ops_types(self) -> tuple[str, ...]:
        """The page types on which that bit means movable_ops (``page_has_movable_ops()``, v6.17+)."""
        return tuple(t for t in ("offline", "zsmalloc") if t in self.page_types) if self.movable_ops_alias else ()

    @property
    def numbered_from(self) -> str:
        return f"build {self.release} ({self.packages})"

    def name(self, bit: int) -> str:
        for name, value in self.bits.items():
            if value == bit:
                return name
        return ""

    def names(self, flags: int) -> tuple[str, ...]:
        """The names of the set flag bits, lowest first."""
        by_bit = {bit: name for name, bit in self.bits.items()}
        return tuple(by_bit[b] for b in sorted(by_bit) if flags >> b & 1)

    def page_type_name(self, page_type: int) -> str:
        top = (page_type >> 24) & 0xFF
        for name, value in self.page_types.items():
            if value == top and name != "mapcount_underflow":
                return name
        return ""


@dataclass(frozen=True)
class TableChoice:
    """Which build's table a flags word is read with, and what that table cannot vouch for."""

    asked: str
    """The release or era asked for, as given."""
    table: FlagTable
    exact: bool
    """The table is the asked build's own."""
    older: str = ""
    newer: str = ""
    uncertain_bits: frozenset[int] = frozenset()
    slab_certain: bool = True
    """Whether the table's way of marking slab (a flag, or a page type) holds for the release asked."""
    message: str = ""
    """The "which table" line: what was used and what is uncertain, in words."""

    def uncertain(self, name: str) -> bool:
        """Whether flag ``name``'s bit, set or clear, cannot be trusted for the release asked."""
        bit = self.table.bits.get(name)
        return bit is None or bit in self.uncertain_bits


@cache
def build_releases() -> Mapping[str, str]:
    """Every build with a table: release -> upstream version (read-only)."""
    return MappingProxyType({release: build_table(release).version for release in _table_names()})


def _table_names() -> tuple[str, ...]:
    return tuple(name.removesuffix(".toml") for name in data_names(_FOLDER) if name != "enum_guards.toml")


#: The keys of a build's table file (``layout``: the flags word's upper fields, when recorded).
_TABLE_KEYS = (
    *("nr_pageflags", "config_dependent_from", "build", "pageflags", "aliases", "config", "guarded", "pagetype"),
    "layout",
)
_BUILD_KEYS = ("release", "version", "suite", "packages", "btf_sha256", "source", "guards_read_in")


@cache
def build_table(release: str) -> FlagTable:
    """The table of one build, by its release (``6.1.0-57-amd64``)."""
    if release not in _table_names():
        raise UnknownEraError(
            f"no page-flag table for build {release!r}. Builds with a table: {', '.join(sorted(_table_names()))}."
        )
    row: Mapping[str, Any] = load_toml(f"{_FOLDER}/{release}.toml")
    where = f"{_FOLDER}/{release}.toml"
    check_keys(row, _TABLE_KEYS, ("build", "pageflags", "config_dependent_from"), where)
    check_keys(row["build"], _BUILD_KEYS, ("release", "version", "packages", "source"), f"{where} [build]")
    build = row["build"]
    return FlagTable(
        release=build["release"],
        version=build["version"],
        packages=", ".join(f"{p['name']}={p['version']}" for p in build["packages"]),
        source=build["source"],
        bits=dict(row["pageflags"]),
        aliases=dict(row.get("aliases", {})),
        page_types=dict(row.get("pagetype", {})),
        config=dict(row.get("config", {})),
        config_dependent_from=row["config_dependent_from"],
        layout=layout_from_row(build["release"], row["nr_pageflags"], row["layout"]) if "layout" in row else None,
    )


def _asked_release(kernel: Era | str | None) -> tuple[str, str]:
    """(the release to look up, how to say what was asked)."""
    if isinstance(kernel, str) and kernel.strip().lower() == "latest":
        newest = max(build_releases(), key=lambda r: parse_release(build_releases()[r]).version)
        return newest, "latest"
    if isinstance(kernel, str) and kernel.strip() and kernel.strip() not in _era_words():
        parse_release(kernel)  # a clear error for what is no release
        return kernel.strip(), kernel.strip()
    era = get_era(kernel)
    return era.example_kernel, f"{era.label} (no release given; its example kernel v{era.example_kernel})"


def _era_words() -> set[str]:
    from .versions import era_ids

    return {*era_ids(), "email", "default"}


def _differing(older: FlagTable, newer: FlagTable) -> frozenset[int]:
    top = max([*older.bits.values(), *newer.bits.values()], default=-1) + 1
    return frozenset(bit for bit in range(top) if older.name(bit) != newer.name(bit))


def _guarded(table: FlagTable) -> frozenset[int]:
    return frozenset(bit for bit in table.bits.values() if bit >= table.config_dependent_from)


def table_choice(kernel: Era | str | None = None) -> TableChoice:
    """The table a flags word from ``kernel`` is read with (a release, a version, an era or None).

    ``None`` and ``"default"`` mean the default era at the time of the call (:func:`~.versions.default_era`):
    they are resolved before the cache, so a later ``set_default_era()`` is seen.
    """
    if kernel is None or (isinstance(kernel, str) and kernel.strip().lower() == "default"):
        kernel = get_era(kernel)
    return _table_choice(kernel)


@cache
def _table_choice(kernel: Era | str) -> TableChoice:
    asked, said = _asked_release(kernel)
    same, older, newer = nearest_builds(asked, build_releases())
    if same is not None:
        table = build_table(same)
        if same == asked:
            return TableChoice(
                said, table, True, message=f"bit numbers of build {same} itself, from its BTF ({table.packages})"
            )
        guarded = _guarded(table)
        return TableChoice(
            said,
            table,
            False,
            uncertain_bits=guarded,
            message=(
                f"bit numbers of build {same} ({table.packages}), the build read of the same series; "
                f"bits {_span(guarded)} depend on the configuration ({', '.join(table.config)}) and may "
                "differ in yours"
            ),
        )
    if older is None and newer is None:
        raise UnknownEraError("data/page_flags/ holds no build tables")
    sides = [r for r in (older, newer) if r is not None]
    used = min(sides, key=lambda r: (minor_distance(asked, r), r != older))
    table = build_table(used)
    guarded = _guarded(table)
    if older is not None and newer is not None:
        low, high = build_table(older), build_table(newer)
        differing = _differing(low, high)
        slab_certain = low.slab == high.slab and low.bits.get("slab") == high.bits.get("slab")
        between = f"it lies between builds {older} and {newer}, " + (
            f"which number bits {_span(differing)} differently" if differing else "which number every bit alike"
        )
    else:
        differing, slab_certain = frozenset(), True
        between = f"no build {'after' if newer is None else 'before'} it was read, so its numbering is not checked"
    return TableChoice(
        said,
        table,
        False,
        older=older or "",
        newer=newer or "",
        uncertain_bits=differing | guarded,
        slab_certain=slab_certain,
        message=(
            f"bit numbers of build {used} ({table.packages}), the nearest build read. No build of that series "
            f"was read: {between}; bits {_span(guarded)} depend on the configuration. Uncertain: "
            f"bits {_span(differing | guarded)}"
            + ("" if slab_certain else "; and whether slab is a page flag or a page type")
        ),
    )


def _span(bits: frozenset[int]) -> str:
    """``{19, 20, 21}`` -> ``"19-21"``; gaps are listed: ``"9-12, 17"``."""
    if not bits:
        return "none"
    ordered, parts, start = sorted(bits), [], None
    for i, bit in enumerate(ordered):
        start = bit if start is None else start
        if i + 1 == len(ordered) or ordered[i + 1] != bit + 1:
            parts.append(str(start) if start == bit else f"{start}-{bit}")
            start = None
    return ", ".join(parts)


# When an alias (a second name for a flag bit) is the meaning that fits a page: PG_reported marks a free
# page reported to the host (page type buddy); PG_movable_ops (v6.17+) counts only on an offline or zsmalloc
# page (page_has_movable_ops()). Any other alias is left out, and the bit keeps its first name.


def fitting_flag_names(
    names: tuple[str, ...] | list[str], table: FlagTable, page_type: str, movable_ops: bool
) -> tuple[str, ...]:
    """One name per set bit: the alias where it fits the page (the comment above), else the bit's first name.

    drgn's ``decode_page_flags()`` names every enumerator of a set bit, aliases included (``PG_reported``,
    ``PG_savepinned``, ``PG_movable_ops`` beside ``PG_uptodate`` or ``PG_dirty``).

    :param names: the names as drgn gives them (with or without ``PG_``)
    """
    fits = {"movable_ops": movable_ops, "reported": page_type == "buddy"}
    plain = [n.removeprefix("PG_") for n in names]
    chosen = {table.aliases[n] for n in plain if n in table.aliases and fits.get(n, False)}
    out = []
    for name in plain:
        if name in table.aliases:
            if fits.get(name, False):
                out.append(name)
        elif name not in chosen:
            out.append(name)
    prefix = "PG_" if names and all(n.startswith("PG_") for n in names) else ""
    return tuple(prefix + n for n in out)

"""The kernel eras folioviz models, read from ``data/eras.toml``.

The rules of ``folio->mapping`` changed twice since the movable tag appeared:

* **before v6.0**: tag ``0b10`` pointed at a driver's ``struct address_space`` and
  ``page_mapping()``/``folio_mapping()`` masked it (non-NULL);
* **v6.0 – v6.16** (the email's era): tag ``0b10`` points at a ``struct movable_operations`` and
  ``folio_mapping()`` returns NULL for any tag bit;
* **v6.17+**: movable pages carry a page flag, the constants are ``FOLIO_MAPPING_*`` and ``0b10``
  alone is no encoding.

An era is always an explicit input; :func:`get_era` accepts an era id (``"v6.0-v6.16"``), a kernel
version (``"6.4"``, ``"v6.12.8"``), or the aliases ``"email"``, ``"default"`` and ``"latest"``.

Inside an era some things still differ by kernel version: the shape of ``do_page_mkwrite()``, the
release a link points to, the names of a few functions. ``data/kernels.toml`` lists them, and
:func:`get_kernel` answers for one version: ``get_kernel("6.4").feature("mkwrite_shape")`` is
``"page"``. This module is the only place that parses a version or compares two; everything else
asks an :class:`Era` or a :class:`Kernel` about a feature.

>>> get_kernel("v6.12.8").text, get_kernel("6.12").feature("mkwrite_release")
('6.12', 'v6.12.8')
>>> get_kernel("email").text
'6.4'
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any

from .datafiles import DataFileError, check_keys, load_toml
from .errors import UnknownEraError, quote

__all__ = [
    "DEFAULT_ERA",
    "NEWEST_KERNEL",
    "OLDEST_KERNEL",
    "Era",
    "Kernel",
    "Release",
    "default_era",
    "era",
    "era_ids",
    "eras",
    "get_era",
    "get_kernel",
    "kernel_menu",
    "nearest_builds",
    "parse_kernel",
    "parse_release",
    "release_kernel",
    "set_default_era",
]


_EMPTY: Mapping[Any, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Era:
    """One span of kernel releases that share the ``folio->mapping`` rules."""

    id: str
    label: str
    first: tuple[int, int]
    last: tuple[int, int] | None
    release: str
    """The release whose source the era's links point to (read from Debian's archive)."""
    flags_prefix: str
    movable_tag: str
    folio_mapping_nulls_all_tags: bool
    movable_ops_flag: bool
    folio_lifecycle: bool
    """The page-cache functions the lifecycle model mirrors (``filemap_add_folio()`` ...) exist."""
    summary: str
    constants: Mapping[str, int] = field(compare=False, hash=False)
    """The era's constants by their kernel names (read-only)."""
    tag_names: tuple[str, str, str, str] = ("", "", "", "")
    kernel_names: Mapping[str, str] = field(default_factory=lambda: _EMPTY, compare=False, hash=False)
    example_kernel: str = ""
    """A kernel version that stands for the era in version-based menus (``"6.4"`` for the email's)."""
    bare_words: Mapping[int, str] = field(default_factory=lambda: _EMPTY, compare=False, hash=False)
    """Words that are a tag with no pointer and mean something of their own in this era."""

    def __post_init__(self) -> None:
        # Read-only however the era was built: a cached era is shared by every decode in the process.
        for name in ("constants", "kernel_names", "bare_words"):
            value = getattr(self, name)
            if not isinstance(value, MappingProxyType):
                object.__setattr__(self, name, MappingProxyType(dict(value)))

    @property
    def FLAGS(self) -> int:
        """``PAGE_MAPPING_FLAGS`` / ``FOLIO_MAPPING_FLAGS``: the two tag bits (0x3 in every era)."""
        return self.constants[f"{self.flags_prefix}_FLAGS"]

    @property
    def ANON(self) -> int:
        return self.constants[f"{self.flags_prefix}_ANON"]

    @property
    def KSM(self) -> int:
        return self.constants[f"{self.flags_prefix}_KSM"]

    def const_name(self, suffix: str) -> str:
        """The era's spelling of a constant: ``const_name("FLAGS")`` -> ``PAGE_MAPPING_FLAGS``."""
        return f"{self.flags_prefix}_{suffix}"

    def kernel_name(self, model_name: str) -> str:
        """The name this era's kernel gives a helper (``folio_mapping`` was ``page_mapping`` in v5.10)."""
        return self.kernel_names.get(model_name, model_name)

    @property
    def folio_mapping_check_livelocks(self) -> bool:
        """Whether a ``folio_mapping()`` test in ``do_page_mkwrite()`` would retry an old driver's movable page forever.

        It would when tag 0b10 marks a driver's movable page (``movable_tag``) and ``folio_mapping()``
        returns NULL for any tag bit: the old-school path would then take the page for truncated, return 0
        and fault again, every time. Before v6.0 ``folio_mapping()`` masked the tag and gave a pointer; from
        v6.17 no page carries the movable tag.
        """
        return bool(self.movable_tag) and self.folio_mapping_nulls_all_tags

    def contains(self, version: tuple[int, int]) -> bool:
        return self.first <= version and (self.last is None or version <= self.last)


#: A kernel release as kernels and tools print it: ``v6.4``, ``6.12.8``, ``6.10.0-rc7``, and what follows the
#: version in ``uname -r``: Debian's ``6.1.0-57-amd64`` and ``6.12.117+deb13-amd64``, Ubuntu's
#: ``5.15.0-91-generic``, syzbot's ``6.10.0-rc7-syzkaller-00012-gabcdef``, linux-next's ``6.8.0-rc1-next-20240119``.
#: ASCII digits only, at most four per number, so no input makes int() slow or fail.
_RELEASE = re.compile(
    r"v?(?P<major>[0-9]{1,4})\.(?P<minor>[0-9]{1,4})(?:\.(?P<patch>[0-9]{1,4}))?(?:-rc(?P<rc>[0-9]{1,4}))?"
    r"(?P<local>[-+~_.][0-9A-Za-z._+~-]{0,120})?",
    re.ASCII,
)


@dataclass(frozen=True)
class Release:
    """One kernel release string, read: ``parse_release("6.12.117+deb13-amd64")``.

    >>> r = parse_release("6.10.0-rc7-syzkaller-00012-gabcdef")
    >>> r.version, r.patch, r.rc, r.local
    ((6, 10), 0, 7, '-syzkaller-00012-gabcdef')
    """

    text: str
    version: tuple[int, int]
    patch: int | None
    rc: int | None
    local: str

    @property
    def series(self) -> str:
        """``major.minor``."""
        return _text(self.version)

    @property
    def upstream(self) -> str:
        """``major.minor.patch`` (``major.minor`` when no patch level is printed)."""
        return self.series if self.patch is None else f"{self.series}.{self.patch}"


@cache
def _release_match(text: str) -> re.Match[str] | None:
    return _RELEASE.fullmatch(text.strip()) if len(text) <= 160 else None


def parse_release(text: str) -> Release:
    """Read a release as ``uname -r``, a report's ``Not tainted`` line or a tag prints it.

    :raises UnknownEraError: when ``text`` is no kernel release (what is allowed is in the message)
    """
    match = _release_match(text) if isinstance(text, str) else None
    if match is None:
        shown = text[:80] if isinstance(text, str) else type(text).__name__
        raise UnknownEraError(
            f"{shown!r} is not a kernel release. Allowed: a version (6.4, v6.4, 6.12.8) or a release as "
            "uname -r prints it (6.1.0-57-amd64, 6.12.117+deb13-amd64, 5.15.0-91-generic, "
            "6.10.0-rc7-syzkaller-00012-gabcdef)."
        )
    number = {k: int(v) if v is not None else None for k, v in match.groupdict().items() if k != "local"}
    return Release(
        text=text.strip(),
        version=(number["major"] or 0, number["minor"] or 0),
        patch=number["patch"],
        rc=number["rc"],
        local=match.group("local") or "",
    )


@cache  # pure; the race explorer asks kernels.toml's spans thousands of times per exploration
def _parse_version(text: str) -> tuple[int, int] | None:
    match = _release_match(text)
    return (int(match.group("major")), int(match.group("minor"))) if match else None


def release_key(release: Release) -> tuple[int, int, int, int]:
    """A sort key: by version, patch level, and a release candidate before its release."""
    rc = release.rc if release.rc is not None else 1 << 16
    return (*release.version, release.patch or 0, rc)


def nearest_builds(asked: str, builds: Mapping[str, str]) -> tuple[str | None, str | None, str | None]:
    """For a release ``asked`` and ``builds`` (release -> upstream version), the build to use and the
    builds on either side: ``(same, older, newer)``.

    ``same`` is the build of that release itself, else one of the same upstream version, else one of the
    same ``major.minor`` series (the newest); it is None when no build shares the series. ``older`` and
    ``newer`` are the nearest builds of other series below and above.
    """
    wanted = parse_release(asked)
    read = {release: parse_release(version) for release, version in builds.items()}
    if wanted.text in read:
        return wanted.text, None, None
    same_version = [r for r, v in read.items() if v.version == wanted.version and v.patch == wanted.patch]
    same_series = sorted(
        (r for r, v in read.items() if v.version == wanted.version), key=lambda r: release_key(read[r])
    )
    if same_version or same_series:
        return (same_version or same_series)[-1], None, None
    older = [r for r, v in read.items() if v.version < wanted.version]
    newer = [r for r, v in read.items() if v.version > wanted.version]
    return (
        None,
        max(older, key=lambda r: release_key(read[r])) if older else None,
        min(newer, key=lambda r: release_key(read[r])) if newer else None,
    )


def minor_distance(a: str, b: str) -> int:
    """How many minor releases apart two releases are (across majors, counted as 100 per major)."""
    x, y = parse_release(a).version, parse_release(b).version
    return abs((x[0] - y[0]) * 100 + x[1] - y[1])


def released_since(release: str, since: str) -> bool:
    """Whether ``release`` is ``since`` (a ``vX.Y`` tag) or later, by ``major.minor``."""
    return parse_release(release).version >= parse_release(since).version


#: The keys of an ``[[era]]`` row of ``data/eras.toml`` (``span`` and ``provenance`` are for people and tests).
_ERA_KEYS = (
    *("id", "label", "span", "first", "last", "release", "example_kernel", "flags_prefix", "movable_tag"),
    *("folio_mapping_nulls_all_tags", "movable_ops_flag", "folio_lifecycle", "summary", "constants"),
    *("tag_names", "kernel_names", "bare_words", "provenance"),
)
_ERA_REQUIRED = tuple(
    key for key in _ERA_KEYS if key not in ("span", "example_kernel", "kernel_names", "bare_words", "provenance")
)


@cache
def eras() -> tuple[Era, ...]:
    """All modelled eras, oldest first."""
    result = []
    for index, row in enumerate(load_toml("eras.toml")["era"]):
        check_keys(row, _ERA_KEYS, _ERA_REQUIRED, f"eras.toml, era {index + 1}")
        last = _parse_version(row["last"]) if row["last"] else None
        names = row["tag_names"]
        result.append(
            Era(
                id=row["id"],
                label=row["label"],
                first=_parse_version(row["first"]) or (0, 0),
                last=last,
                release=row["release"],
                flags_prefix=row["flags_prefix"],
                movable_tag=row["movable_tag"],
                folio_mapping_nulls_all_tags=row["folio_mapping_nulls_all_tags"],
                movable_ops_flag=row["movable_ops_flag"],
                folio_lifecycle=row["folio_lifecycle"],
                summary=" ".join(row["summary"].split()),
                constants=MappingProxyType(dict(row["constants"])),
                tag_names=(names["0"], names["1"], names["2"], names["3"]),
                kernel_names=MappingProxyType(dict(row.get("kernel_names", {}))),
                example_kernel=row.get("example_kernel", f"{row['first']}"),
                bare_words=MappingProxyType(
                    {int(k, 16): " ".join(v.split()) for k, v in row.get("bare_words", {}).items()}
                ),
            )
        )
    return tuple(result)


def era_ids() -> tuple[str, ...]:
    return tuple(era.id for era in eras())


DEFAULT_ERA: str = load_toml("eras.toml")["default"]
"""The email's era, v6.0 – v6.16: the workbook's default unless a learner or speaker picks another."""
_ALIASES = MappingProxyType({"email": DEFAULT_ERA})

# The default era: a context variable (``with era("6.17"):`` holds only in its block, thread or task) over a
# process-wide str that set_default_era() rebinds: Jupyter may run each cell in a fresh copy of the context.
_process_default: str = DEFAULT_ERA
_scoped_default: contextvars.ContextVar[str | None] = contextvars.ContextVar("folioviz_era", default=None)


def _default_id() -> str:
    scoped = _scoped_default.get()
    return _process_default if scoped is None else scoped


def default_era() -> Era:
    """The era every model and widget uses when none is given (see :func:`set_default_era` and :func:`era`)."""
    return get_era(_default_id())


@contextmanager
def era(chosen: Era | str | None) -> Iterator[Era]:
    """Use ``chosen`` as the default era inside a ``with`` block, then go back to the one before.

    >>> with era("6.17") as inside:
    ...     default_era().id == inside.id == "v6.17+"
    True

    The choice holds in the block's own context only (another thread or asyncio task keeps its default).

    :raises UnknownEraError: for an era folioviz does not model
    """
    resolved = get_era(DEFAULT_ERA if chosen is None else chosen)
    token = _scoped_default.set(resolved.id)
    try:
        yield resolved
    finally:
        _scoped_default.reset(token)


def set_default_era(era: Era | str | None) -> Era:
    """Pick the era every widget and model uses by default, for the whole workbook session.

    ``None`` (or ``"email"``) goes back to the email's era. ``FOLIOVIZ_ERA`` sets it at import time (``make lab
    ERA=latest`` passes it to every notebook).

    :raises UnknownEraError: for an era folioviz does not model (the default is left unchanged)
    """
    global _process_default
    chosen = get_era(DEFAULT_ERA if era is None else era)
    _process_default = chosen.id
    if _scoped_default.get() is not None:  # inside ``with era(...)``: the new choice holds there too
        _scoped_default.set(chosen.id)
    return chosen


def get_era(era: Era | str | None = None) -> Era:
    """Resolve an era id, a kernel version or an alias to an :class:`Era`.

    >>> get_era("6.4").id
    'v6.0-v6.16'
    >>> get_era("v6.17").flags_prefix
    'FOLIO_MAPPING'
    """
    if isinstance(era, Era):
        return era
    if era is None:
        era = _default_id()
    if not isinstance(era, str):
        raise UnknownEraError(
            f"kernel era must be a string such as 'v6.0-v6.16' or '6.4', not {type(era).__name__} {quote(era)}"
        )
    if era.strip().lower() == "default":
        era = _default_id()
    key = _ALIASES.get(era.strip().lower(), era.strip())
    if key.lower() == "latest":
        return eras()[-1]
    for candidate in eras():
        if candidate.id == key:
            return candidate
    version = _parse_version(key)
    if version is not None:
        for candidate in eras():
            if candidate.contains(version):
                return candidate
        oldest = eras()[0]
        raise UnknownEraError(
            f"kernel version {quote(era)} is older than folioviz models: the oldest era starts at "
            f"v{oldest.first[0]}.{oldest.first[1]}. Allowed: {', '.join(era_ids())}, a version from "
            f"v{oldest.first[0]}.{oldest.first[1]} on, 'email' or 'latest'."
        )
    raise UnknownEraError(
        f"unknown kernel era {quote(era)}. Allowed: {', '.join(era_ids())}, a kernel version such as "
        "'6.4' or 'v6.12.8', 'email' (the email's era) or 'latest'."
    )


# --------------------------------------------------------------------------- kernel versions


def _kernels_data() -> Mapping[str, Any]:
    return load_toml("kernels.toml")


def _must_parse(text: str) -> tuple[int, int]:
    version = _parse_version(text)
    if version is None:
        raise UnknownEraError(f"data/kernels.toml: {text!r} is not a kernel version")
    return version


#: The oldest and newest kernels whose ``do_page_mkwrite()`` was read (``data/kernels.toml``).
OLDEST_KERNEL: tuple[int, int] = _must_parse(_kernels_data()["oldest"])
NEWEST_KERNEL: tuple[int, int] = _must_parse(_kernels_data()["newest"])


def _text(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def _allowed_kernels() -> str:
    menu = ", ".join(repr(kernel) for kernel, _ in kernel_menu())
    release = Kernel(NEWEST_KERNEL).feature("pagecache_release")
    return (
        f"a version string from {_text(OLDEST_KERNEL)} to {_text(NEWEST_KERNEL)} such as {menu} or "
        f"{release!r}, or 'email' ({get_era('email').example_kernel}), 'default' or 'latest'"
    )


def _alias(text: str) -> str:
    key = text.strip().lower()
    if key in ("email", "default"):
        return get_era(key).example_kernel
    if key == "latest":
        return _text(NEWEST_KERNEL)
    return text.strip()


def parse_kernel(kernel: str) -> tuple[int, int]:
    """``"6.4"``, ``"v6.12.8"``, ``"email"``, ``"default"`` or ``"latest"`` -> ``(major, minor)``.

    ``"default"`` is the kernel that stands for the workbook's default era (see
    :func:`set_default_era`), ``"email"`` the email's (v6.4), ``"latest"`` the newest kernel read.

    :raises UnknownEraError: not a version string, or outside the kernels read (``data/kernels.toml``)
    """
    if isinstance(kernel, bool) or not isinstance(kernel, str):
        raise UnknownEraError(
            f"kernel must be a version string, not {type(kernel).__name__} {kernel!r} (as a number 6.10 "
            f"would read as 6.1). Allowed: {_allowed_kernels()}."
        )
    version = _parse_version(_alias(kernel))
    if version is None:
        raise UnknownEraError(f"kernel {quote(kernel)} is not a version. Allowed: {_allowed_kernels()}.")
    oldest, newest = (Kernel(v).feature("mkwrite_release") for v in (OLDEST_KERNEL, NEWEST_KERNEL))
    if version < OLDEST_KERNEL:
        raise UnknownEraError(
            f"kernel {quote(kernel)} is older than the oldest do_page_mkwrite() folioviz has read ({oldest}); "
            "earlier kernels differ (the swapfile check only arrived in 2019, and before 2009 the function "
            f"had no VM_FAULT_LOCKED protocol). Allowed: {_allowed_kernels()}."
        )
    if version > NEWEST_KERNEL:
        raise UnknownEraError(
            f"kernel {quote(kernel)} is newer than the newest do_page_mkwrite() folioviz has read ({newest}). "
            f"Allowed: {_allowed_kernels()}."
        )
    return version


@dataclass(frozen=True)
class Kernel:
    """One kernel version (``major.minor``) and what ``data/kernels.toml`` says differs in it.

    Ask it about a feature instead of comparing numbers: ``kernel.feature("mkwrite_shape")``.
    """

    version: tuple[int, int]

    @property
    def text(self) -> str:
        """``"6.4"``: the form every model keeps a kernel in."""
        return _text(self.version)

    @property
    def era(self) -> Era:
        """The ``folio->mapping`` era the version falls in."""
        return _era_of(self.version)

    def _span(self, name: str) -> Mapping[str, Any]:
        chosen = None
        for start, span in _feature_spans(name):
            if chosen is None or start <= self.version:
                chosen = span
        assert chosen is not None  # _feature_spans() refuses a feature without spans
        return chosen

    def feature(self, name: str) -> Any:
        """The value of feature ``name`` for this version (see ``data/kernels.toml``); read-only (a table is a
        :class:`~types.MappingProxyType`, an array a tuple)."""
        return self._span(name)["value"]

    def feature_text(self, name: str) -> str:
        """The words (with evidence tags) that go with the feature's value for this version."""
        return str(self._span(name).get("text", ""))

    def has(self, name: str) -> bool:
        return bool(self.feature(name))

    def kernel_name(self, model_name: str) -> str:
        """This version's spelling of a function the model names by its later name."""
        names: Mapping[str, str] = self.feature("kernel_names")
        return names.get(model_name, model_name)


@cache
def _feature_spans(name: str) -> tuple[tuple[tuple[int, int], Mapping[str, Any]], ...]:
    """The spans of feature ``name`` in ``data/kernels.toml``, each with its first version, checked once."""
    features = _kernels_data()["feature"]
    if name not in features:
        known = ", ".join(sorted(features))
        raise UnknownEraError(f"no kernel feature {name!r} in data/kernels.toml; known: {known}")
    spans = features[name]["spans"]
    for span in spans:
        check_keys(span, ("from", "value", "text"), ("from", "value"), f"kernels.toml, feature {name}")
    if not spans:
        raise DataFileError(f"data/kernels.toml, feature {name}: no spans")
    return tuple((_must_parse(span["from"]), span) for span in spans)


def get_kernel(kernel: Kernel | str | None = None) -> Kernel:
    """Resolve a version string or alias (``None`` is ``"default"``) to a :class:`Kernel`."""
    if isinstance(kernel, Kernel):
        return kernel
    return Kernel(parse_kernel("default" if kernel is None else kernel))


def release_kernel(release: str) -> Kernel:
    """The :class:`Kernel` of a pinned release tag (``"v6.12.8"`` -> 6.12)."""
    return Kernel(_must_parse(release))


def kernel_menu() -> tuple[tuple[str, str], ...]:
    """The kernels a menu offers: ``(version, label)``, one per code form and mapping era."""
    return tuple((row["kernel"], row["label"]) for row in _kernels_data()["menu"])


def _era_of(version: tuple[int, int]) -> Era:
    for candidate in eras():
        if candidate.contains(version):
            return candidate
    raise UnknownEraError(f"no era holds kernel {_text(version)}")


def _from_environment() -> None:
    import os

    wanted = os.environ.get("FOLIOVIZ_ERA", "").strip()
    if wanted:
        try:
            set_default_era(wanted)
        except UnknownEraError as error:
            import warnings

            warnings.warn(f"FOLIOVIZ_ERA ignored: {error}", stacklevel=2)


_from_environment()


# --------------------------------------------------------------------------- what a report can say, by release

# The release a report names about itself: the "CPU: 0 PID: 1 Comm: x Not tainted 6.1.0-13-amd64 #1"
# line of an oops or a warning, dmesg's "Linux version ..." banner, crash's "RELEASE: ..." header.
_REPORT_RELEASE = re.compile(
    r"(?:Not tainted|Tainted: [A-Z ]{0,40}?|Linux version|RELEASE:)\s{1,3}v?([0-9]{1,2})\.([0-9]{1,3})(?![0-9])"
)


def report_version(text: str) -> str | None:
    """The kernel version (``"5.4"``) a pasted report names about itself, or ``None``."""
    match = _REPORT_RELEASE.search(text)
    return f"{int(match.group(1))}.{int(match.group(2))}" if match else None


def report_feature(name: str, version: str | None) -> tuple[Any, str] | None:
    """``(value, text)`` of a report feature (``data/report_facts.toml``) for ``version``; ``None``
    when the version is not known or is older than the feature's first span."""
    parsed = _parse_version(version) if version else None
    if parsed is None:
        return None
    chosen = None
    for span in load_toml("report_facts.toml")["feature"][name]["spans"]:
        if _must_parse(span["from"]) <= parsed:
            chosen = span
    return (chosen["value"], " ".join(chosen["text"].split())) if chosen else None


def report_feature_texts(name: str) -> tuple[tuple[str, Any, str], ...]:
    """Every span of a report feature: ``(from, value, text)``, for notes that must cover every release."""
    return tuple(
        (span["from"], span["value"], " ".join(span["text"].split()))
        for span in load_toml("report_facts.toml")["feature"][name]["spans"]
    )

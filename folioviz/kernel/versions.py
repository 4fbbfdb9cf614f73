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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from ._data import load_toml
from .errors import UnknownEraError

__all__ = ["DEFAULT_ERA", "Era", "default_era", "era_ids", "eras", "get_era", "set_default_era"]


@dataclass(frozen=True)
class Era:
    """One span of kernel releases that share the ``folio->mapping`` rules."""

    id: str
    label: str
    span: str
    first: tuple[int, int]
    last: tuple[int, int] | None
    release: str
    """The release whose source the era's links point to (read from Debian's archive)."""
    flags_prefix: str
    movable_tag: str
    folio_mapping_nulls_all_tags: bool
    movable_ops_flag: bool
    summary: str
    constants: dict[str, int] = field(compare=False, hash=False)
    tag_names: tuple[str, str, str, str] = ("", "", "", "")
    provenance: tuple[dict[str, str], ...] = field(default=(), compare=False, hash=False)
    kernel_names: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    example_kernel: str = ""
    """A kernel version that stands for the era in version-based menus (``"6.4"`` for the email's)."""
    bare_words: dict[int, str] = field(default_factory=dict, compare=False, hash=False)
    """Words that are a tag with no pointer and mean something of their own in this era."""

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

    def contains(self, version: tuple[int, int]) -> bool:
        return self.first <= version and (self.last is None or version <= self.last)


def _parse_version(text: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.\d+)?(?:-rc\d+)?", text.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


@cache
def eras() -> tuple[Era, ...]:
    """All modelled eras, oldest first."""
    result = []
    for row in load_toml("eras.toml")["era"]:
        last = _parse_version(row["last"]) if row["last"] else None
        names = row["tag_names"]
        result.append(
            Era(
                id=row["id"],
                label=row["label"],
                span=row["span"],
                first=_parse_version(row["first"]) or (0, 0),
                last=last,
                release=row["release"],
                flags_prefix=row["flags_prefix"],
                movable_tag=row["movable_tag"],
                folio_mapping_nulls_all_tags=row["folio_mapping_nulls_all_tags"],
                movable_ops_flag=row["movable_ops_flag"],
                summary=" ".join(row["summary"].split()),
                constants=dict(row["constants"]),
                tag_names=(names["0"], names["1"], names["2"], names["3"]),
                provenance=tuple(row.get("provenance", ())),
                kernel_names=dict(row.get("kernel_names", {})),
                example_kernel=row.get("example_kernel", f"{row['first']}"),
                bare_words={int(k, 16): " ".join(v.split()) for k, v in row.get("bare_words", {}).items()},
            )
        )
    return tuple(result)


def era_ids() -> tuple[str, ...]:
    return tuple(era.id for era in eras())


DEFAULT_ERA: str = load_toml("eras.toml")["default"]
"""The email's era, v6.0 – v6.16: the workbook's default unless a learner or speaker picks another."""
_ALIASES = {"email": DEFAULT_ERA}
_current_default: list[str] = [DEFAULT_ERA]


def default_era() -> Era:
    """The era every model and widget uses when none is given (see :func:`set_default_era`)."""
    return get_era(_current_default[0])


def set_default_era(era: Era | str | None) -> Era:
    """Pick the era every widget and model uses by default, for the whole workbook session.

    ``None`` (or ``"email"``) goes back to the email's era. The environment variable
    ``FOLIOVIZ_ERA`` sets it at import time (``make lab ERA=latest`` passes it to every notebook).

    :raises UnknownEraError: for an era folioviz does not model (the default is left unchanged)
    """
    chosen = get_era(DEFAULT_ERA if era is None else era)
    _current_default[0] = chosen.id
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
        era = _current_default[0]
    if not isinstance(era, str):
        raise UnknownEraError(
            f"kernel era must be a string such as 'v6.0-v6.16' or '6.4', not {type(era).__name__} {era!r}"
        )
    if era.strip().lower() == "default":
        era = _current_default[0]
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
            f"kernel version {era!r} is older than folioviz models: the oldest era starts at "
            f"v{oldest.first[0]}.{oldest.first[1]}. Allowed: {', '.join(era_ids())}, a version from "
            f"v{oldest.first[0]}.{oldest.first[1]} on, 'email' or 'latest'."
        )
    raise UnknownEraError(
        f"unknown kernel era {era!r}. Allowed: {', '.join(era_ids())}, a kernel version such as "
        "'6.4' or 'v6.12.8', 'email' (the email's era) or 'latest'."
    )


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

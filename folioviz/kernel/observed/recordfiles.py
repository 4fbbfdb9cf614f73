"""The kernel lab's records (``data/real_kernels/<release>.json``), read once into frozen records:
:func:`records`, :func:`record`, and the era a record's kernel falls in."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..datafiles import data_root, load_toml
from ..errors import FolioVizError
from ..versions import Era, get_era

__all__ = [
    "RECORDS_DIR",
    "KernelBuild",
    "KernelRecord",
    "Observation",
    "ObservedPage",
    "Package",
    "TraceEvent",
    "WholeMemory",
    "record",
    "record_era",
    "records",
    "records_dir",
]


#: The folder of ``data/`` (``folioviz/_data`` in the wheel) that holds the records.
RECORDS_DIR = "real_kernels"


# --------------------------------------------------------------------------- the records


@dataclass(frozen=True)
class ObservedPage:
    """One ``struct page`` as the lab recorded it from a dump.

    :param words: the page's eight 64-bit words, as the dump holds them (``flags`` first; the mapping word
        is the fourth, ``words[3]``)
    :param mapcount_word: the 32-bit ``_mapcount`` / ``page_type`` field; from v6.12 a page type sits in
        its top byte (see :attr:`page_type`)
    :param pgp: the flag names the kernel's own ``%pGp`` table gives the flags word
    :param kpageflags: the ``KPF_*`` names ``/proc/kpageflags`` gave the page in the guest
    :param page_type: the name the kernel's ``enum pagetype`` gives the top byte, ``""`` when none
    """

    pfn: int
    address: int
    words: tuple[int, ...]
    refcount: int
    mapcount_word: int
    pgp: tuple[str, ...]
    kpageflags: tuple[str, ...]
    page_type: str = ""

    @property
    def flags(self) -> int:
        """``page->flags``."""
        return self.words[0]

    @property
    def compound_word(self) -> int:
        """The word a tail page marks with bit 0 (``compound_head``, ``compound_info`` later)."""
        return self.words[1]

    @property
    def mapping(self) -> int:
        """``page->mapping``, the word the email is about."""
        return self.words[3]

    @property
    def is_tail(self) -> bool:
        return bool(self.compound_word & 1)

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> ObservedPage:
        return cls(
            pfn=int(row["pfn"], 16),
            address=int(row["address"], 16),
            words=tuple(int(w, 16) for w in row["words"]),
            refcount=int(row["refcount"]),
            mapcount_word=int(row["mapcount_word"], 16),
            pgp=tuple(row["pgp"]),
            kpageflags=tuple(row.get("kpageflags", ())),
            page_type=row.get("page_type", ""),
        )


@dataclass(frozen=True)
class Observation:
    """One scenario's page: ``scenario`` (``file``, ``anon``, ``thp``...), ``role`` (``head``, ``tail``,
    ``found-by-kpageflags``...), the page, and its head page when the lab recorded it."""

    scenario: str
    role: str
    page: ObservedPage
    head: ObservedPage | None = None

    @property
    def name(self) -> str:
        """``scenario/role``: unique within a record."""
        return f"{self.scenario}/{self.role}"


@dataclass(frozen=True)
class TraceEvent:
    """One ``filemap`` trace event (``mm_filemap_add_to_page_cache``, ``mm_filemap_delete_from_page_cache``)."""

    event: str
    dev: str
    ino: str
    pfn: int
    offset: int


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    sha256: str


@dataclass(frozen=True)
class KernelBuild:
    """The build that was booted: ``release`` is its ``uname -r``, ``version`` the upstream version."""

    release: str
    version: str
    suite: str
    packages: tuple[Package, ...]
    config: tuple[tuple[str, str], ...]
    """``(option, value)``: ``"y"``, ``"m"`` or ``""`` when the option is not set."""
    struct_page_size: int
    nr_pageflags: int

    def config_value(self, option: str) -> str:
        for name, value in self.config:
            if name == option:
                return value
        raise KeyError(f"the record keeps no CONFIG_{option}; it keeps {[n for n, _ in self.config]}")


@dataclass(frozen=True)
class WholeMemory:
    """The lab's comparison over every page kpageflags classifies (``first_disagreements`` as text)."""

    compared: int
    agree: int
    kpf_ksm_on_plain_anon: int
    first_disagreements: tuple[str, ...]


@dataclass(frozen=True)
class KernelRecord:
    """Everything recorded from one booted kernel (``data/real_kernels/<release>.json``)."""

    kernel: KernelBuild
    lab: tuple[tuple[str, str], ...]
    pageflag_names: tuple[tuple[int, str], ...]
    """The kernel's own ``{mask, name}`` table behind ``%pGp``, read from its memory, in its order."""
    observations: tuple[Observation, ...]
    notes: tuple[str, ...]
    trace: tuple[TraceEvent, ...]
    whole_memory: WholeMemory

    @property
    def release(self) -> str:
        return self.kernel.release

    @property
    def era(self) -> Era:
        return record_era(self)

    @property
    def elixir(self) -> str:
        """Elixir's tree of this build's upstream version (Debian's patches are not in it)."""
        return f"https://elixir.bootlin.com/linux/v{self.kernel.version}/source"

    def observation(self, scenario: str, role: str | None = None) -> Observation:
        """The first observation of ``scenario`` (with ``role``, when given)."""
        for obs in self.observations:
            if obs.scenario == scenario and (role is None or obs.role == role):
                return obs
        have = sorted({o.name for o in self.observations})
        raise FolioVizError(f"{self.release} has no observation {scenario}/{role or '*'}; it has {have}")

    def scenarios(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(o.scenario for o in self.observations))

    def page_type_names(self) -> tuple[tuple[int, str], ...]:
        """``(top byte, name)`` of the page types the kernel named on recorded pages."""
        seen = {o.page.mapcount_word >> 24: o.page.page_type for o in self.observations if o.page.page_type}
        return tuple(sorted(seen.items()))

    def removed_pfns(self) -> frozenset[int]:
        """Frames whose last page-cache event in the trace is a delete: the kernel took them out of a file."""
        last: dict[int, str] = {}
        for event in self.trace:
            last[event.pfn] = event.event
        return frozenset(pfn for pfn, kind in last.items() if kind.startswith("delete"))

    def ksm_bug_seen(self) -> bool:
        """B7 on this build: kpageflags calls the plain anonymous page of the ``anon`` scenario KSM.

        The scenario never asked KSM to merge that page (``lab/guest/scenarios.c``), so a ``KPF_KSM`` there is
        the kernel's mistake, not folioviz's reading."""
        anon = self.observation("anon")
        return "KSM" in anon.page.kpageflags and "ANON" in anon.page.kpageflags


def record_era(rec: KernelRecord) -> Era:
    """The ``folio->mapping`` era of a record: the one place a record's version meets :mod:`versions`.

    The ``version`` field (an upstream version, not Debian's release string) goes to
    :func:`~folioviz.kernel.versions.get_era`, which reads its major and minor number."""
    return get_era(rec.kernel.version)


def _text_pairs(data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((k, "" if v is None else str(v)) for k, v in data.items())


def _parse(data: dict[str, Any], file_release: str) -> KernelRecord:
    """A record from its JSON. ``file_release`` (the file's name) stands in for an empty ``release``: the lab's
    first records missed the guest's ``uname`` line (their ``kernel.release`` is ``""``)."""
    k = data["kernel"]
    observations = []
    for row in data["scenarios"]:
        head = ObservedPage.from_json(row["head"]) if "head" in row else None
        observations.append(Observation(row["scenario"], row["role"], ObservedPage.from_json(row["page"]), head))
    whole = data["whole_memory"]
    return KernelRecord(
        kernel=KernelBuild(
            release=k["release"] or file_release,
            version=k["version"],
            suite=k["suite"],
            packages=tuple(Package(p["name"], p["version"], p["sha256"]) for p in k["packages"]),
            config=_text_pairs(k["config"]),
            struct_page_size=int(k["struct_page_size"]),
            nr_pageflags=int(k["nr_pageflags"]),
        ),
        lab=_text_pairs(data["lab"]),
        pageflag_names=tuple((int(mask, 16), name) for mask, name in data["pageflag_names"]),
        observations=tuple(observations),
        notes=tuple(data.get("notes", ())),
        trace=tuple(
            TraceEvent(e["event"], e["dev"], e["ino"], int(e["pfn"], 16), int(e["offset"])) for e in data["trace"]
        ),
        whole_memory=WholeMemory(
            compared=int(whole["compared"]),
            agree=int(whole["agree"]),
            kpf_ksm_on_plain_anon=int(whole["kpf_ksm_on_plain_anon"]),
            first_disagreements=tuple(json.dumps(d, sort_keys=True) for d in whole["first_disagreements"]),
        ),
    )


def records_dir() -> Any:
    """The folder the records are read from: ``data/real_kernels/`` (``folioviz/_data/real_kernels`` in a wheel)."""
    return data_root() / RECORDS_DIR


@cache
def records() -> tuple[KernelRecord, ...]:
    """Every recorded kernel, in the order of the lab's matrix (``data/kernel_images.toml``: oldest first);
    a record of a build no longer in the matrix comes last."""
    found = []
    for entry in records_dir().iterdir():
        if entry.name.endswith(".json"):
            found.append(_parse(json.loads(entry.read_text(encoding="utf-8")), entry.name.removesuffix(".json")))
    matrix = [image["release"] for image in load_toml("kernel_images.toml")["image"]]
    return tuple(
        sorted(found, key=lambda r: (matrix.index(r.release) if r.release in matrix else len(matrix), r.release))
    )


def record(release_or_version: str) -> KernelRecord:
    """The record of one booted kernel: by release (``uname -r``), by version, or by its first numbers
    (the first record whose version starts with them).

    :raises FolioVizError: when no record matches, with the ones there are
    """
    wanted = release_or_version.strip().removeprefix("v")
    for rec in records():
        if wanted in (rec.release, rec.kernel.version) or rec.kernel.version.startswith(wanted + "."):
            return rec
    have = ", ".join(f"{r.kernel.version} ({r.release})" for r in records())
    raise FolioVizError(f"no real-kernel record for {release_or_version!r}; recorded: {have}")

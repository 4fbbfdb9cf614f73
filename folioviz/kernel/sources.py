"""Links to the kernel source and mail that back each fact.

Source links are pinned to exact releases whose files were read (see ``data/sources.toml``):
``https://elixir.bootlin.com/linux/<release>/source/<path>#L<line>``. When no line is recorded for
an identifier in a release, the link is Elixir's identifier search at that release, which is
still exact about the version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from urllib.parse import quote

from .datafiles import check_keys, load_toml
from .errors import expect_type

__all__ = ["ELIXIR", "GIT_COMMIT", "LORE", "SourceRef", "commit_url", "lore_url", "source_index", "source_ref"]

ELIXIR = "https://elixir.bootlin.com/linux"
LORE = "https://lore.kernel.org/all"
#: Linus's tree on git.kernel.org: the one place a commit link is built (:func:`commit_url`).
GIT_COMMIT = "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id="


@dataclass(frozen=True)
class SourceRef:
    """Where a kernel identifier is defined in one release.

    :param identifier: the kernel's name for it (``folio_mapping``, ``PAGE_MAPPING_ANON``)
    :param release: the exact release tag read (``v6.1.4``)
    :param path: file in the tree (``mm/util.c``), or ``""`` when only the identifier is known
    :param line: 1-based line in that release, or ``None``
    """

    identifier: str
    release: str
    path: str = ""
    line: int | None = None

    @property
    def url(self) -> str:
        """The Elixir link: the exact line when known, else identifier search at the release."""
        if self.path and self.line:
            return f"{ELIXIR}/{self.release}/source/{self.path}#L{self.line}"
        if self.path:
            return f"{ELIXIR}/{self.release}/source/{self.path}"
        return f"{ELIXIR}/{self.release}/C/ident/{self.identifier}"

    @property
    def label(self) -> str:
        """Short text for a link: ``mm/util.c:767 (v6.1.4)``."""
        where = self.path or self.identifier
        if self.line:
            where = f"{where}:{self.line}"
        return f"{where} ({self.release})"


@cache
def source_index() -> Mapping[tuple[str, str], tuple[str, int | None]]:
    """Every line recorded in ``data/sources.toml``: ``(release, identifier) -> (path, line)``, read-only.

    The table is read once and shared, so it is handed out as a read-only mapping.
    """
    table: dict[tuple[str, str], tuple[str, int | None]] = {}
    for index, row in enumerate(load_toml("sources.toml").get("source", [])):
        check_keys(
            row,
            ("release", "identifier", "path", "line"),
            ("release", "identifier", "path"),
            f"sources.toml, row {index + 1}",
        )
        table[(row["release"], row["identifier"])] = (row["path"], row.get("line"))
    return MappingProxyType(table)


def source_ref(identifier: str, release: str) -> SourceRef:
    """Return where ``identifier`` lives in ``release`` (falls back to an identifier search link)."""
    expect_type(identifier, str, "the identifier", "a string such as 'folio_mapping'")
    expect_type(release, str, "the release", "a string such as 'v6.1.4'")
    path, line = source_index().get((release, identifier), ("", None))
    return SourceRef(identifier=identifier, release=release, path=path, line=line)


def lore_url(message_id: str) -> str:
    """A lore.kernel.org link for a mail's Message-ID (``+`` and other specials are escaped)."""
    expect_type(message_id, str, "the Message-ID", "a string")
    return f"{LORE}/{quote(message_id.strip('<>'), safe='@.-_')}/"


def commit_url(sha: str) -> str:
    """The git.kernel.org link for a commit of Linus's tree.

    >>> commit_url("b827e496c893")
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=b827e496c893'
    """
    return f"{GIT_COMMIT}{sha.strip()}"

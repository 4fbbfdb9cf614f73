"""No kernel term in the notebooks' prose goes unexplained (issue 19).

A term found in prose (markdown outside code spans, links, headings and fenced blocks) passes when a
glossary term matches it (data/glossary.toml, linked on first use by the builder) or when
data/prose_terms.toml allows it, saying where it is explained or why it needs no entry. Found terms are:
acronyms (``RCU``, ``PTE``), words in mixed case (``XArray``), and the kernel words data/prose_terms.toml
lists under ``jargon``.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tools.notebooks.glossary import line_pieces, markdown_lines, terms

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "notebooks" / "src"
DATA = tomllib.loads((ROOT / "data" / "prose_terms.toml").read_text())
ALLOWED = {row["term"] for row in DATA["allowed"]}
TEMPLATE = re.compile(r"\{\{[^}]*\}\}")
CANDIDATE = re.compile(
    r"\b(?:[A-Z][A-Z0-9]+(?:_[A-Z0-9]+)*|[A-Z]?[a-z]+[A-Z]\w*)\b|"
    + "|".join(rf"\b{re.escape(word)}\b" for word in DATA["jargon"])
)
RULE_ID = re.compile(r"^[RB]\d+$")


def _markdown_cells(path: Path) -> list[str]:
    cells, kind, lines = [], None, []
    for line in [*path.read_text().splitlines(), "# %%"]:
        if line.startswith("# %%"):
            if kind == "markdown":
                cells.append("\n".join(x[2:] if x.startswith("# ") else x.lstrip("#") for x in lines))
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        else:
            lines.append(line)
    return cells


def _prose_terms(path: Path) -> set[str]:
    found = set()
    for cell in _markdown_cells(path):
        for searchable, block in markdown_lines(TEMPLATE.sub(" ", cell)):
            if not searchable:
                continue
            for piece in line_pieces(block):
                if piece.kind == "prose":
                    found |= {m.group(0) for m in CANDIDATE.finditer(piece.text)}
    return {t for t in found if not RULE_ID.match(t)}


def _in_glossary(term: str) -> bool:
    return any(p.search(term) for t in terms() for p in t.match)


@pytest.mark.parametrize("path", sorted(SRC.glob("*.py")), ids=lambda p: p.stem)
def test_every_kernel_term_in_prose_is_in_the_glossary_or_allowed(path):
    unexplained = sorted(t for t in _prose_terms(path) if not _in_glossary(t) and t not in ALLOWED)
    assert not unexplained, (
        f"{path.name}: kernel terms in prose that the glossary does not define and data/prose_terms.toml "
        f"does not allow: {unexplained}"
    )


def test_the_terms_the_reader_listed_are_in_the_glossary_not_merely_allowed():
    for word in ("readahead", "hugetlb", "shmem", "tmpfs", "XArray", "RCU", "invalidation", "migration",
                 "compaction", "balloon", "zsmalloc", "page type", "mapcount", "copy-on-write", "debug kernel",
                 "fault flags"):  # fmt: skip
        assert _in_glossary(word), word
        assert word not in ALLOWED, word


def test_every_allowed_term_says_why():
    for row in DATA["allowed"]:
        assert len(row["why"].split()) >= 2, row

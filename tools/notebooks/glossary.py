"""The workbook's glossary (data/glossary.toml): terms, their anchors, and links to their first uses.

Build-time Markdown processing (it lives in tools/, not in the runtime package): the primer notebook shows
the glossary; the notebook builder (``tools/notebooks/build.py``) links the first use of every
term in every notebook's prose to its entry there. What counts as a *use*: a match of one of the
term's ``match`` patterns in markdown prose, or a backticked code span whose whole text matches one
of its ``code`` patterns. Headings, fenced code, HTML tags and the text and target of other links do
not count (a link cannot hold another link). Plain Python: no Jupyter imports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from folioviz.kernel.datafiles import load_toml

__all__ = [
    "PRIMER",
    "Term",
    "anchor_of",
    "glossary_cells",
    "line_pieces",
    "link_first_uses",
    "markdown_lines",
    "prose_uses",
    "terms",
]

#: The notebook that holds the glossary (data/workbook.toml lists it before 01).
PRIMER = "00_the_primer"


@dataclass(frozen=True)
class Term:
    """One glossary entry: see the header of data/glossary.toml for the fields."""

    id: str
    heading: str
    definition: str
    source: str
    match: tuple[re.Pattern[str], ...]
    code: tuple[re.Pattern[str], ...]
    also: tuple[str, ...] = ()

    @property
    def cell_id(self) -> str:
        """The id of the primer's cell that defines the term."""
        return f"glossary-{self.id}"

    @property
    def anchor(self) -> str:
        """The URL fragment of the term's entry: its cell, which JupyterLab and nbconvert both find.

        JupyterLab scrolls to ``#cell-id=...`` even when the cell has not been drawn yet (a windowed
        notebook draws only what is on screen); nbconvert gives each cell the element id ``cell-id=...``.
        """
        return f"cell-id={self.cell_id}"

    @property
    def release(self) -> str:
        return self.source.rpartition("@")[2]


def anchor_of(heading: str) -> str:
    """The id JupyterLab (as ``data-jupyter-id``) and nbconvert give a markdown heading."""
    return heading.strip().replace(" ", "-")


@cache
def terms() -> tuple[Term, ...]:
    out = []
    for row in load_toml("glossary.toml")["term"]:
        flags = 0 if row.get("case") else re.IGNORECASE
        out.append(
            Term(
                id=row["id"],
                heading=row["heading"],
                definition=" ".join(row["definition"].split()),
                source=row["source"],
                match=tuple(re.compile(p, flags) for p in row["match"]),
                code=tuple(re.compile(rf"(?:{p})\Z") for p in row.get("code", [])),
                also=tuple(row.get("also", ())),
            )
        )
    return tuple(out)


def glossary_cells() -> list[tuple[str, str]]:
    """The glossary as markdown cells, one per term: (cell id, heading + definition + source link)."""
    from folioviz.kernel.sources import source_ref

    def link(term: Term, source: str) -> str:
        ident, _, release = source.rpartition("@")
        ref = source_ref(ident, release)
        if ref.line is None:
            raise ValueError(f"glossary term {term.id!r}: no line recorded for {source} (data/sources.toml)")
        return f"[`{ref.path}:{ref.line}` ({release})]({ref.url})"

    cells = []
    for term in terms():
        text = f"#### {term.heading}\n\n{term.definition} *Source:* {link(term, term.source)}"
        if term.also:
            text += "; *see also* " + ", ".join(link(term, s) for s in term.also)
        cells.append((term.cell_id, text))
    return cells


# A markdown line is cut into pieces; only "prose" pieces are searched for uses.
_PIECES = re.compile(
    r"(?P<code>`[^`]+`)"
    r"|(?P<link>!?\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]*)\))"
    r"|(?P<html></?[A-Za-z][^>]*>)"
    r"|(?P<url>https?://\S+)"
)


@dataclass(frozen=True)
class Piece:
    kind: str  # "prose", "code", "link", "html", "url", "skip"
    text: str
    target: str = ""
    inner: str = ""


def line_pieces(line: str) -> Iterator[Piece]:
    at = 0
    for m in _PIECES.finditer(line):
        if m.start() > at:
            yield Piece("prose", line[at : m.start()])
        kind = m.lastgroup if m.lastgroup in ("code", "html", "url") else "link"
        if kind == "link":
            yield Piece("link", m.group(0), m.group("target"), m.group("text"))
        else:
            yield Piece(kind, m.group(0), inner=m.group(0)[1:-1] if kind == "code" else "")
        at = m.end()
    if at < len(line):
        yield Piece("prose", line[at:])


def markdown_lines(markdown: str) -> Iterator[tuple[bool, str]]:
    """(searchable, block) pieces of a cell, in order; joined back with newlines they give the cell.

    Headings and fenced code are not searched; consecutive prose lines form one block, so a term
    that wraps onto the next line ("hole" / "punch") is still found.
    """
    fenced, block = False, []
    for line in markdown.split("\n"):
        stripped = line.lstrip()
        searchable = not fenced and not stripped.startswith(("#", "```", "~~~")) and stripped != ""
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
        if searchable:
            block.append(line)
            continue
        if block:
            yield True, "\n".join(block)
            block = []
        yield False, line
    if block:
        yield True, "\n".join(block)


def _uses_in_prose(text: str, pending: dict[str, Term]) -> list[tuple[int, int, Term]]:
    """Non-overlapping uses of the pending terms in a prose string: earliest first, then longest."""
    found = [(m.start(), m.end(), t) for t in pending.values() for p in t.match for m in p.finditer(text)]
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    chosen: list[tuple[int, int, Term]] = []
    end = -1
    seen: set[str] = set()
    for start, stop, term in found:
        if start < end or term.id in seen or start == stop:
            continue
        chosen.append((start, stop, term))
        seen.add(term.id)
        end = stop
    return chosen


def _code_term(inner: str, pending: dict[str, Term]) -> Term | None:
    for term in pending.values():
        if any(p.match(inner.strip()) for p in term.code):
            return term
    return None


def link_first_uses(cells: list[str], notebook: str) -> list[str]:
    """Link the first use of every glossary term in ``cells`` (markdown texts, in order) to its entry.

    :param notebook: the notebook's name (links name the primer's file even inside the primer, so that
        JupyterLab resolves them the same way everywhere).
    """
    prefix = f"{PRIMER}.ipynb"
    pending = {t.id: t for t in terms()}
    out = []
    for cell in cells:
        lines = []
        for searchable, line in markdown_lines(cell):
            if not searchable or not pending:
                lines.append(line)
                continue
            new = []
            for piece in line_pieces(line):
                if piece.kind == "code":
                    term = _code_term(piece.inner, pending)
                    if term is not None:
                        new.append(f"[{piece.text}]({prefix}#{term.anchor})")
                        del pending[term.id]
                        continue
                if piece.kind != "prose":
                    new.append(piece.text)
                    continue
                text, at, bits = piece.text, 0, []
                for start, stop, term in _uses_in_prose(text, pending):
                    bits.append(text[at:start] + f"[{text[start:stop]}]({prefix}#{term.anchor})")
                    del pending[term.id]
                    at = stop
                new.append("".join(bits) + text[at:])
            lines.append("".join(new))
        out.append("\n".join(lines))
    return out


def _piece_uses(piece: Piece, pending: dict[str, Term]) -> list[tuple[Term, str, str]]:
    """The uses of pending terms in one piece: (term, the words used, the link target or "")."""
    if piece.kind == "link":
        # Only links into the glossary carry uses; other links' texts are file:line labels.
        page, _, fragment = piece.target.partition("#")
        if page != f"{PRIMER}.ipynb" or fragment not in {t.anchor for t in terms()}:
            return []
        inner = piece.inner
        code = inner[1:-1] if inner.startswith("`") and inner.endswith("`") else None
        term = _code_term(code, pending) if code is not None else None
        hits = [term] if term else [hit for _, _, hit in _uses_in_prose(inner, pending)]
        return [(hit, inner, piece.target) for hit in hits]
    if piece.kind == "code":
        term = _code_term(piece.inner, pending)
        return [(term, piece.text, "")] if term is not None else []
    if piece.kind == "prose":
        return [(hit, piece.text[start:stop], "") for start, stop, hit in _uses_in_prose(piece.text, pending)]
    return []


def prose_uses(cells: list[str]) -> dict[str, tuple[str, str]]:
    """For each term, its first use in ``cells`` as (the words used, the link target or "").

    Used by the tests: a use inside a link into the glossary counts with that link's target; a use in
    plain prose or a plain code span has target "".
    """
    first: dict[str, tuple[str, str]] = {}
    pending = {t.id: t for t in terms()}
    for cell in cells:
        for searchable, block in markdown_lines(cell):
            if not searchable:
                continue
            for piece in line_pieces(block):
                for term, words, target in _piece_uses(piece, pending):
                    first[term.id] = (words, target)
                    del pending[term.id]
    return first

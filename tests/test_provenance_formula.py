"""Every kernel commit folioviz cites is in data/ with its title and release, and comments cite it one way.

The formula, as drgn's helpers do: ``Since Linux kernel commit <12-hex> ("<title>") (in vX.Y)``.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: A commit id: 12 to 40 hex digits with a letter and a digit, not a kernel address (those start ffff).
SHA = re.compile(r"(?<![0-9a-fA-Fx])(?!ffff)(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{12,40}(?![0-9a-f])")
FORMULA = re.compile(r'Since Linux\s+kernel\s+commit\s+([0-9a-f]{12})\s+\("([^"]+)"\)\s+\(in\s+(v[\d.]+)\)')


def _walk_rows(value: object):
    if isinstance(value, dict):
        if "commit" in value:
            yield value
        for item in value.values():
            yield from _walk_rows(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_rows(item)


def inferred_commits() -> set[str]:
    """The commits whose release data/ marks as inferred (evidence I), by full sha."""
    return {
        row["commit"]
        for path in sorted((ROOT / "data").glob("*.toml"))
        for row in _walk_rows(tomllib.loads(path.read_text()))
        if isinstance(row.get("commit"), str) and row.get("evidence") == "I"
    }


def known_commits() -> dict[str, tuple[str, str]]:
    """sha (full, as written in data/) -> (title, release), from every data file row with a commit."""
    known = {}
    for path in sorted((ROOT / "data").glob("*.toml")):
        for row in _walk_rows(tomllib.loads(path.read_text())):
            if isinstance(row.get("commit"), str) and row["commit"]:
                known[row["commit"]] = (row.get("title", ""), row.get("version", row.get("since", "")))
    return known


def _lookup(sha: str, known: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    matches = [value for full, value in known.items() if full.startswith(sha) or sha.startswith(full)]
    return matches[0] if len(matches) == 1 else None


def _comments_and_docstrings(path: Path) -> list[tuple[int, str]]:
    text = path.read_text()
    found = [
        (tok.start[0], tok.string)
        for tok in tokenize.generate_tokens(io.StringIO(text).readline)
        if tok.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                found.append((getattr(node, "lineno", 1), doc))
    return found


def test_every_commit_in_data_has_a_title_and_a_release():
    for sha, (title, release) in known_commits().items():
        assert title and re.fullmatch(r"v\d+\.\d+(\.\d+)?", release), (sha, title, release)


def test_every_commit_id_in_folioviz_is_in_data():
    known = known_commits()
    missing = []
    for path in sorted((ROOT / "folioviz").rglob("*.py")):
        for sha in SHA.findall(path.read_text()):
            if _lookup(sha, known) is None:
                missing.append(f"{path.relative_to(ROOT)}: {sha}")
    assert not missing, "commit ids with no row (commit, title, version) in data/:\n" + "\n".join(missing)


def test_comments_and_docstrings_cite_commits_with_the_formula():
    known = known_commits()
    problems = []
    for path in sorted((ROOT / "folioviz").rglob("*.py")):
        for line, text in _comments_and_docstrings(path):
            if ">>>" in text:
                text = "\n".join(x for x in text.splitlines() if ">>>" not in x and "git.kernel.org" not in x)
            cited = {m.group(1): m for m in FORMULA.finditer(text)}
            for sha in SHA.findall(text):
                where = f"{path.relative_to(ROOT)}:{line}: {sha}"
                if sha not in cited:
                    problems.append(
                        f'{where} is not cited as: Since Linux kernel commit {sha[:12]} ("title") (in vX.Y)'
                    )
                    continue
                title, release = _lookup(sha, known) or ("", "")
                said = (cited[sha].group(2), cited[sha].group(3))
                if said != (title, release):
                    problems.append(f"{where}: the formula says {said}, data/ says {(title, release)}")
    assert not problems, "\n".join(problems)


def test_a_release_data_marks_inferred_is_said_to_be_inferred_where_it_is_cited():
    """The formula's ``(in vX.Y)`` reads as a fact; for a release data/ infers, the citation says so."""
    inferred = inferred_commits()
    assert inferred, "data/commits.toml has inferred releases; the check below must not be vacuous"
    problems = []
    for path in sorted((ROOT / "folioviz").rglob("*.py")):
        for line, text in _comments_and_docstrings(path):
            for match in FORMULA.finditer(text):
                if any(full.startswith(match.group(1)) for full in inferred):
                    after = " ".join(text[match.end() : match.end() + 120].split())
                    if "inferred" not in after:
                        problems.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)} -- {after!r}")
    assert not problems, "releases data/ marks inferred, cited as facts:\n" + "\n".join(problems)

"""Find, and check, where kernel identifiers are defined in an extracted release tree.

    python tools/kernel_lines.py find  --tree DIR --release vX.Y.Z IDENT [IDENT ...]   # print TOML rows
    python tools/kernel_lines.py check --tree DIR --release vX.Y.Z                      # check data/sources.toml

``find`` looks for a function definition starting in column 0 (``... name(``), a ``#define name``,
or an enum member ``name =`` / ``name,``, under mm/ and include/linux/ (the files folioviz links
to), and prints ``[[source]]`` rows to append to data/sources.toml.

``check`` re-reads every row of data/sources.toml for that release: a plain row's line must
define (or name) the identifier, and be the definition the build uses: a line inside an ``#if``
branch that the configuration of data/build_config.toml turns off (``handle_mm_fault()``'s
``!CONFIG_MMU`` stub in include/linux/mm.h) is refused; an ``ident#what`` row's line must lie inside
the body of ``ident``, whose definition row must exist. It prints each disagreement and exits 1 on any.

``stubs`` lists the definitions of the identifiers data/sources.toml links to that such a branch turns
off (the ``[[stub]]`` rows of data/build_config.toml; a test holds the committed rows against them).
The trees come from Debian's release tarballs (docs/provenance.md); nothing is downloaded here.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEARCH = ("mm", "include/linux")


def _patterns(ident: str) -> list[re.Pattern[str]]:
    name = re.escape(ident)
    return [
        re.compile(rf"^(?![\s*/#])[\w\s\*]*?\b{name}\("),  # function definition in column 0
        re.compile(rf"^#define\s+{name}\b"),
        re.compile(rf"^\s+{name}\s*(=|,)"),  # enum member
        re.compile(rf"^(?:static\s+)?(?:struct|const)\s[\w\s\*]*\b{name}\b"),  # a global
    ]


def find(tree: Path, ident: str) -> tuple[str, int] | None:
    """The first definition of ``ident`` that the build uses (a stub under a config turned off is skipped)."""
    files = sorted(p for base in SEARCH for p in (tree / base).rglob("*.[ch]"))
    for kind, pattern in enumerate(_patterns(ident)):
        for path in files:
            lines = path.read_text(errors="replace").splitlines()
            for number, line in enumerate(lines, start=1):
                if pattern.search(line) and (kind != 0 or _is_definition(lines, number - 1)):
                    if built(lines, number) is False:
                        continue
                    return str(path.relative_to(tree)), number
    return None


# --------------------------------------------------------------------------- the build's configuration


def build_config() -> tuple[frozenset[str], frozenset[str]]:
    """The options data/build_config.toml says the links' build has on, and those it has off."""
    data = tomllib.loads((ROOT / "data" / "build_config.toml").read_text())
    return frozenset(data["config"]["on"]), frozenset(data["config"]["off"])


_DIRECTIVE = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$")


def conditions(lines: list[str], line_no: int) -> list[str]:
    """The preprocessor conditions around line ``line_no`` (1-based), outermost first, as C expressions.

    ``#else`` and ``#elif`` negate the branches before them; comments and continuation lines are dropped.
    """
    stack: list[list[str]] = []  # per open #if: the conditions of its branches so far (the last one is current)
    for text in lines[: line_no - 1]:
        m = _DIRECTIVE.match(text)
        if not m:
            continue
        word, rest = m.group(1), re.sub(r"/\*.*?(\*/|$)|//.*$", "", m.group(2)).strip().rstrip("\\").strip()
        if word in ("if", "ifdef", "ifndef"):
            cond = {"if": rest, "ifdef": f"defined({rest})", "ifndef": f"!defined({rest})"}[word]
            stack.append([cond])
        elif word == "elif" and stack:
            stack[-1].append(rest)
        elif word == "else" and stack:
            stack[-1].append("1")
        elif word == "endif" and stack:
            stack.pop()
    out = []
    for branches in stack:
        *before, current = branches
        out += [f"!({b})" for b in before] + ([] if current == "1" else [current])
    return out


def evaluate(expr: str, on: frozenset[str], off: frozenset[str]) -> bool | None:
    """``expr`` under the build's configuration: True, False, or None when it names anything else."""
    known = on | off
    names = set(re.findall(r"\bCONFIG_\w+", expr))
    if not names or not names <= known:
        return None
    text = re.sub(r"\b(?:defined|IS_ENABLED|IS_BUILTIN)\s*\(\s*(CONFIG_\w+)\s*\)", r"\1", expr)
    text = re.sub(r"\bdefined\s+(CONFIG_\w+)", r"\1", text)
    text = re.sub(r"\bCONFIG_\w+", lambda m: "True" if m.group(0) in on else "False", text)
    text = text.replace("&&", " and ").replace("||", " or ")
    text = re.sub(r"!(?!=)", " not ", text)
    if not re.fullmatch(r"[\sA-Za-z()01]*", text) or set(re.findall(r"[A-Za-z]+", text)) - {
        "True", "False", "and", "or", "not",
    }:  # fmt: skip
        return None
    try:
        return bool(eval(text, {"__builtins__": {}}))  # True/False/and/or/not/parentheses only, checked above
    except Exception:
        return None


def built(lines: list[str], line_no: int) -> bool | None:
    """Whether the build compiles line ``line_no``: False when a condition around it is off, None if unknown."""
    on, off = build_config()
    verdicts = [evaluate(c, on, off) for c in conditions(lines, line_no)]
    if False in verdicts:
        return False
    return True if verdicts and all(verdicts) else None


def stubs(tree: Path, release: str) -> list[tuple[str, str, int, str]]:
    """Definitions of data/sources.toml's identifiers that the build turns off: (identifier, path, line, guard)."""
    rows = tomllib.loads((ROOT / "data" / "sources.toml").read_text())["source"]
    idents = sorted({r["identifier"] for r in rows if r["release"] == release and "#" not in r["identifier"]})
    files = sorted(p for base in SEARCH for p in (tree / base).rglob("*.[ch]"))
    texts = {path: path.read_text(errors="replace").splitlines() for path in files}
    on, off = build_config()
    found = []
    for ident in idents:
        pattern = _patterns(ident)[0]
        for path, lines in texts.items():
            if ident not in "\n".join(lines):
                continue
            for number, line in enumerate(lines, start=1):
                if pattern.search(line) and _is_definition(lines, number - 1):
                    guard = [c for c in conditions(lines, number) if evaluate(c, on, off) is False]
                    if guard:
                        found.append((ident, str(path.relative_to(tree)), number, guard[-1]))
    return found


def _is_definition(lines: list[str], start: int) -> bool:
    """A function header is a definition if its body opens before any ``;`` ends it (a prototype)."""
    for line in lines[start : start + 6]:
        code = line.split("//")[0].rstrip()
        if code.endswith("{") or code == "{":
            return True
        if code.endswith(";"):
            return False
    return False


def _body_end(lines: list[str], start: int) -> int:
    for number in range(start, min(len(lines), start + 400)):
        if lines[number] == "}":
            return number + 1
    return start


def check(tree: Path, release: str) -> int:
    rows = [r for r in tomllib.loads((ROOT / "data" / "sources.toml").read_text())["source"] if r["release"] == release]
    by_ident = {r["identifier"]: r for r in rows}
    problems = 0
    for row in rows:
        path = tree / row["path"]
        if not path.exists():
            print(f"{release} {row['identifier']}: {row['path']} does not exist in the tree")
            problems += 1
            continue
        lines = path.read_text(errors="replace").splitlines()
        line_no = row["line"]
        if not 1 <= line_no <= len(lines):
            print(f"{release} {row['identifier']}: line {line_no} is past the end of {row['path']}")
            problems += 1
            continue
        ident, _, what = row["identifier"].partition("#")
        if not what:
            # Macro-generated helpers (PAGEFLAG(Slab, ...) makes PageSlab and folio_test_slab) name only the stem.
            stem = re.sub(r"^(__)?(Page|folio_test_)", "", ident)
            text = lines[line_no - 1]
            if not re.search(rf"\b{re.escape(ident)}\b", text) and stem.lower() not in text.lower():
                print(f"{release} {ident}: {row['path']}:{line_no} does not name it")
                problems += 1
            elif (
                re.match(rf"^(?![\s*/#])[\w\s\*]*?\b{re.escape(ident)}\(", text)
                and not _is_definition(lines, line_no - 1)
                and not text.startswith("#define")
            ):
                print(f"{release} {ident}: {row['path']}:{line_no} is a prototype, not the definition")
                problems += 1
            elif built(lines, line_no) is False:
                off = [c for c in conditions(lines, line_no) if evaluate(c, *build_config()) is False]
                print(f"{release} {ident}: {row['path']}:{line_no} is a stub under #if {off[-1]}, not the build's")
                problems += 1
            continue
        parent = by_ident.get(ident)
        if parent is None or parent["path"] != row["path"]:
            print(f"{release} {row['identifier']}: no definition row for {ident} in {row['path']}")
            problems += 1
            continue
        if not parent["line"] < line_no <= _body_end(lines, parent["line"]):
            print(f"{release} {row['identifier']}: line {line_no} is outside {ident}() (from line {parent['line']})")
            problems += 1
    print(f"{release}: {len(rows)} rows checked, {problems} disagreement(s)")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["find", "check", "stubs"])
    parser.add_argument("--tree", required=True, type=Path)
    parser.add_argument("--release", required=True)
    parser.add_argument("identifiers", nargs="*")
    args = parser.parse_intermixed_args()
    if args.mode == "check":
        return check(args.tree, args.release)
    if args.mode == "stubs":
        for ident, path, line, guard in stubs(args.tree, args.release):
            print(f'[[stub]]\nrelease = "{args.release}"\nidentifier = "{ident}"\npath = "{path}"\nline = {line}')
            print(f'guard = "{guard}"\n')
        return 0
    missing = 0
    for ident in args.identifiers:
        found = find(args.tree, ident)
        if found is None:
            print(f"# {ident}: not found in {args.release}", file=sys.stderr)
            missing += 1
            continue
        path, line = found
        print(f'[[source]]\nrelease = "{args.release}"\nidentifier = "{ident}"\npath = "{path}"\nline = {line}\n')
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())

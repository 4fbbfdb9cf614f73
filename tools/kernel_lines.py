"""Find, and check, where kernel identifiers are defined in an extracted release tree.

    python tools/kernel_lines.py find  --tree DIR --release vX.Y.Z IDENT [IDENT ...]   # print TOML rows
    python tools/kernel_lines.py check --tree DIR --release vX.Y.Z                      # check data/sources.toml

``find`` looks for a function definition starting in column 0 (``... name(``), a ``#define name``,
or an enum member ``name =`` / ``name,``, under mm/ and include/linux/ (the files folioviz links
to), and prints ``[[source]]`` rows to append to data/sources.toml.

``check`` re-reads every row of data/sources.toml for that release: a plain row's line must
define (or name) the identifier; an ``ident#what`` row's line must lie inside the body of
``ident``, whose definition row must exist. It prints each disagreement and exits 1 on any.
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
    files = sorted(p for base in SEARCH for p in (tree / base).rglob("*.[ch]"))
    for kind, pattern in enumerate(_patterns(ident)):
        for path in files:
            lines = path.read_text(errors="replace").splitlines()
            for number, line in enumerate(lines, start=1):
                if pattern.search(line) and (kind != 0 or _is_definition(lines, number - 1)):
                    return str(path.relative_to(tree)), number
    return None


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
    parser.add_argument("mode", choices=["find", "check"])
    parser.add_argument("--tree", required=True, type=Path)
    parser.add_argument("--release", required=True)
    parser.add_argument("identifiers", nargs="*")
    args = parser.parse_intermixed_args()
    if args.mode == "check":
        return check(args.tree, args.release)
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

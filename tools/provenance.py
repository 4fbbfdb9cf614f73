"""Check every kernel fact folioviz states against the real source of its pinned releases.

    python tools/provenance.py                 # fetch (once, cached) and check every release
    python tools/provenance.py --trees DIR     # use already unpacked trees DIR/<5.10.223|6.1.4|...>/
    python tools/provenance.py --release v6.1.4

For each release in data/kernel_releases.toml it gets the upstream tarball from Debian's archive
(``apt-get source --download-only linux=<version>``, with a private apt configuration whose
``deb-src`` entries reuse the archive address already configured on this machine), verifies its
sha256, unpacks the parts folioviz reads, and then checks:

* every row of data/sources.toml for that release (the identifier is defined, or the line lies
  inside the named function; tools/kernel_lines.py);
* the mapping constants of data/eras.toml (``#define`` values in include/linux/page-flags.h);
* the ``VM_FAULT_*`` and ``FAULT_FLAG_*`` values of folioviz.kernel.mkwrite (include/linux/mm_types.h);
* the survey rows of data/page_mkwrite_survey.toml, when present (the handler is defined there).

It prints each disagreement and exits 1 if there is any. It downloads about 140 MB per release, so
it is not part of ``make test``; run it with ``make provenance``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import kernel_lines  # noqa: E402

from tools import pinned  # noqa: E402  (every pinned download's check and the one policy for a bad file)

CACHE = Path(os.environ.get("FOLIOVIZ_KSRC_CACHE") or pinned.cache_home() / "ksrc")
BASE_PARTS = ("Makefile", "mm/", "include/linux/", "arch/x86/mm/")


def parts() -> tuple[str, ...]:
    """What to unpack: the base folders plus every folder a data row points into."""
    folders = set(BASE_PARTS)
    sources = tomllib.loads((ROOT / "data" / "sources.toml").read_text())["source"]
    folders |= {row["path"].rsplit("/", 1)[0] + "/" for row in sources}
    survey = ROOT / "data" / "page_mkwrite_survey.toml"
    if survey.exists():
        for row in tomllib.loads(survey.read_text()).get("handler", []):
            folders |= {p.rsplit("/", 1)[0] + "/" for p in [row["path"], *(o["path"] for o in row.get("ops", []))]}
    return tuple(sorted(folders))


KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"


def releases() -> list[dict[str, str]]:
    return list(tomllib.loads((ROOT / "data" / "kernel_releases.toml").read_text())["release"])


# --------------------------------------------------------------------------- fetching


def _archive_uri() -> str:
    """The Debian archive this machine's apt already uses (we add deb-src entries for the same place)."""
    candidates: list[str] = []
    for path in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        if not path.is_file() or path.name.endswith(("disabled-by-farm", ".save")):
            continue
        text = path.read_text(errors="replace")
        candidates += re.findall(r"^URIs:\s*(\S+)", text, flags=re.M)
        candidates += re.findall(r"^deb(?:-src)?\s+(?:\[[^\]]*\]\s+)?(\S+)", text, flags=re.M)
    for uri in candidates:
        if uri.rstrip("/").endswith("/debian"):
            return uri.rstrip("/")
    raise SystemExit(
        "provenance: no Debian archive found in this machine's apt sources; "
        "add one (Types: deb, URIs: <mirror>/debian) or pass --trees DIR with unpacked releases"
    )


def _apt_env(workdir: Path, suites: list[str]) -> dict[str, str]:
    etc = workdir / "etc"
    (etc / "sources.list.d").mkdir(parents=True, exist_ok=True)
    (etc / "preferences.d").mkdir(parents=True, exist_ok=True)
    (workdir / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    (workdir / "cache" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
    (etc / "sources.list").write_text("")
    (etc / "sources.list.d" / "folioviz-kernel-src.sources").write_text(
        f"Types: deb-src\nURIs: {_archive_uri()}\nSuites: {' '.join(sorted(set(suites)))}\n"
        f"Components: main\nSigned-By: {KEYRING}\n"
    )
    conf = workdir / "apt.conf"
    conf.write_text(
        f'Dir::Etc::SourceList "{etc / "sources.list"}";\n'
        f'Dir::Etc::SourceParts "{etc / "sources.list.d"}";\n'
        f'Dir::Etc::Preferences "{etc / "preferences"}";\n'
        f'Dir::Etc::PreferencesParts "{etc / "preferences.d"}";\n'
        f'Dir::State::Lists "{workdir / "lists"}";\n'
        f'Dir::Cache "{workdir / "cache"}";\n'
        'Dir::State::status "/dev/null";\nAcquire::Languages "none";\n'
    )
    return {**os.environ, "APT_CONFIG": str(conf)}


def fetch(release: dict[str, str]) -> Path:
    """Return an unpacked tree of ``release`` under the cache, downloading it if needed."""
    version = release["tag"].lstrip("v")
    tree = CACHE / version
    wanted = parts()
    if (tree / "Makefile").exists() and _has_parts(tree, wanted):
        return tree
    if shutil.which("apt-get") is None:
        raise SystemExit("provenance: apt-get is needed to fetch kernel sources (Debian or Ubuntu)")
    try:
        downloads = pinned.cache_dir(CACHE / "downloads")
    except pinned.PinnedFileError as exc:
        raise SystemExit(f"provenance: {exc}") from None
    tarball = downloads / f"linux_{version}.orig.tar.xz"
    what = f"linux={release['debian']}"

    def download(path: Path) -> None:  # apt fetches; tools.pinned checks (a bad file: deleted, fetched once more)
        print(f"provenance: fetching {what} (about 140 MB)...", flush=True)
        env = _apt_env(CACHE / "apt", [r["suite"] for r in releases()])
        subprocess.run(["apt-get", "-q", "update"], env=env, check=True, stdout=subprocess.DEVNULL, timeout=600)
        subprocess.run(
            ["apt-get", "-q", "source", "--download-only", what],
            env=env,
            cwd=path.parent,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=1800,  # about 140 MB
        )

    try:
        pinned.fetch(tarball, release["orig_sha256"], download, what)
    except pinned.PinnedFileError as exc:
        raise SystemExit(f"provenance: {exc}") from None
    print(f"provenance: unpacking {tarball.name} (sha256 verified)", flush=True)
    tmp = tree.with_suffix(".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    with tarfile.open(tarball) as archive:
        prefix = f"linux-{version}/"
        members = []
        for member in archive.getmembers():
            name = member.name.removeprefix(prefix)
            if member.isfile() and any(name == p or name.startswith(p) for p in wanted):
                member.name = name
                members.append(member)
        archive.extractall(tmp, members=members, filter="data")
    (tmp / PARTS_FILE).write_text("\n".join(wanted) + "\n")
    shutil.rmtree(tree, ignore_errors=True)  # an older unpacking with fewer folders
    tmp.rename(tree)
    return tree


PARTS_FILE = ".folioviz-parts"


def _has_parts(tree: Path, wanted: tuple[str, ...]) -> bool:
    """Whether ``tree`` was unpacked with every folder the data now points into (else unpack again)."""
    record = tree / PARTS_FILE
    if not record.exists():  # unpacked before the record existed: unpack once more
        return False
    return set(wanted) <= set(record.read_text().split())


def _makefile_version(tree: Path) -> str:
    text = (tree / "Makefile").read_text()
    parts = [re.search(rf"^{key}\s*=\s*(\S*)", text, re.M) for key in ("VERSION", "PATCHLEVEL", "SUBLEVEL")]
    return "v" + ".".join(m.group(1) for m in parts if m)


# --------------------------------------------------------------------------- checks


def _defines(text: str) -> dict[str, str]:
    text = re.sub(r"\\\n", " ", text)  # join continued lines of multi-line #defines
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^#define\s+(\w+)\s+(.+?)\s*(?:/\*.*)?$", text, re.M)}


_TOKEN = re.compile(r"\s*(?:(0[xX][0-9a-fA-F]+|\d+)[uUlL]*|(<<|>>|[-+~|&^*()]))")
_BINARY = (("|",), ("^",), ("&",), ("<<", ">>"), ("+", "-"), ("*",))  # lowest precedence first, as in C
MAX_EXPR_CHARS = 400
MAX_NESTING = 32
MAX_BITS = 128  # no #define folioviz checks comes near; a shift past this is refused, not computed


def _number(text: str) -> int | None:
    """A C integer literal: hex (0x...), octal (0...) or decimal; None for one C would refuse (such as 08)."""
    try:
        if text[:2].lower() == "0x":
            return int(text, 16)
        return int(text, 8) if len(text) > 1 and text.startswith("0") else int(text)
    except ValueError:
        return None


def _tokens(expr: str) -> list[str] | None:
    tokens, pos = [], 0
    while pos < len(expr):
        match = _TOKEN.match(expr, pos)
        if match is None:
            return None if expr[pos:].strip() else tokens
        number, op = match.groups()
        if number:
            value = _number(number)
            if value is None:
                return None
            tokens.append(str(value))
        else:
            tokens.append(op)
        pos = match.end()
    return tokens


class _Parser:
    """Integer constant expressions as the kernel's headers write them: numbers, ( ), unary - ~ +, and the binary
    operators * + - << >> & ^ | with C's precedence. Anything else, and any value past MAX_BITS, is refused."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.pos, self.depth = tokens, 0, 0

    def parse(self) -> int:
        value = self._binary(0)
        if self.pos != len(self.tokens):
            raise ValueError("trailing tokens")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _binary(self, level: int) -> int:
        if level == len(_BINARY):
            return self._unary()
        value = self._binary(level + 1)
        while self._peek() in _BINARY[level]:
            op = self.tokens[self.pos]
            self.pos += 1
            right = self._binary(level + 1)
            value = _apply(op, value, right)
        return value

    def _unary(self) -> int:
        token = self._peek()
        if token is None:
            raise ValueError("expression ends early")
        self.pos += 1
        if token in ("-", "~", "+"):
            self._enter()
            inner = self._unary()
            self.depth -= 1
            return -inner if token == "-" else ~inner if token == "~" else inner
        if token == "(":
            self._enter()
            value = self._binary(0)
            self.depth -= 1
            if self._peek() != ")":
                raise ValueError("unclosed parenthesis")
            self.pos += 1
            return value
        if token.lstrip("-").isdigit():
            return _bounded(int(token))
        raise ValueError(f"unexpected {token!r}")

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ValueError("nested too deep")


def _bounded(value: int) -> int:
    if abs(value) >> MAX_BITS:
        raise ValueError("value too large")
    return value


def _apply(op: str, left: int, right: int) -> int:
    if op in ("<<", ">>"):
        if not 0 <= right <= MAX_BITS:
            raise ValueError("shift out of range")
        return _bounded(left << right if op == "<<" else left >> right)
    return _bounded(
        {"|": left | right, "^": left ^ right, "&": left & right, "+": left + right, "-": left - right}[op]
        if op != "*"
        else left * right
    )


def _evaluate(expr: str, table: dict[str, str], depth: int = 0) -> int | None:
    """The value of a C constant expression made of numbers, operators, casts and other #defines, or None when it
    is anything else (read by a small parser with bounded work; nothing is executed)."""
    if depth > 8 or len(expr) > MAX_EXPR_CHARS:
        return None
    expr = re.sub(r"\(\s*(?:__force\s+)?\w+(?:\s*\*)?\s*\)", "", expr)  # casts: (void *), (__force vm_fault_t)
    unknown = False

    def name_value(match: re.Match[str]) -> str:
        nonlocal unknown
        name = match.group(0)
        value = _evaluate(table[name], table, depth + 1) if name in table else None
        if value is None:
            unknown = True
            return name
        return f"({value})"

    expr = re.sub(r"\b[A-Za-z_]\w*\b", name_value, re.sub(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b", r"\1", expr))
    tokens = None if unknown or len(expr) > 4 * MAX_EXPR_CHARS else _tokens(expr)
    if not tokens:
        return None
    try:
        return _Parser(tokens).parse()
    except (ValueError, IndexError, KeyError):
        return None


def check_constants(tree: Path, tag: str) -> list[str]:
    from folioviz.kernel.versions import eras

    problems = []
    header = _defines((tree / "include/linux/page-flags.h").read_text(errors="replace"))
    for era in eras():
        if era.release != tag:
            continue
        for name, value in era.constants.items():
            if name not in header:
                problems.append(f"{tag} {name}: not #defined in include/linux/page-flags.h")
                continue
            got = _evaluate(header[name], header)
            if got != value:
                problems.append(f"{tag} {name}: data/eras.toml says {value:#x}, the header gives {header[name]!r}")
    return problems


def check_fault_values(tree: Path, tag: str) -> list[str]:
    from folioviz.kernel import mkwrite

    problems = []
    text = "\n".join(
        (tree / f).read_text(errors="replace")
        for f in ("include/linux/mm_types.h", "include/linux/mm.h")
        if (tree / f).exists()
    )
    table = _defines(text)
    for m in re.finditer(r"^\s*(VM_FAULT_\w+|FAULT_FLAG_\w+)\s*=\s*([^,\n]+),", text, re.M):
        table.setdefault(m.group(1), m.group(2))
    # Flags that some pinned releases do not have (read in the trees): WRITE went after v6.1,
    # COMPLETED came after v5.10.
    only_in = {"VM_FAULT_WRITE": ("v5.10.223", "v6.1.4"), "VM_FAULT_COMPLETED": ("v6.1.4", "v6.12.8", "v7.2.8")}
    for flag in mkwrite.VMFault:
        if flag.name not in table:
            if flag.name in only_in and tag not in only_in[flag.name]:
                continue
            problems.append(f"{tag} {flag.name}: not found in the headers")
            continue
        got = _evaluate(table[flag.name], table)
        if got != int(flag):
            problems.append(f"{tag} {flag.name}: folioviz has {int(flag):#x}, the header gives {table[flag.name]!r}")
    for name in ("FAULT_FLAG_WRITE", "FAULT_FLAG_MKWRITE"):
        got = _evaluate(table.get(name, ""), table)
        if got != int(getattr(mkwrite, name)):
            problems.append(f"{tag} {name}: folioviz has {int(getattr(mkwrite, name))}, the header gives {got}")
    error = _evaluate(table.get("VM_FAULT_ERROR", ""), table)
    if error != int(mkwrite.VM_FAULT_ERROR):
        problems.append(
            f"{tag} VM_FAULT_ERROR: folioviz has {int(mkwrite.VM_FAULT_ERROR):#x}, the header gives {error}"
        )
    return problems


def check_survey(tree: Path, tag: str) -> list[str]:
    path = ROOT / "data" / "page_mkwrite_survey.toml"
    if not path.exists():
        return []
    problems = []
    rows = tomllib.loads(path.read_text()).get("handler", [])
    for row in rows:
        if row.get("release") != tag or not row.get("line"):
            continue
        file = tree / row["path"]
        if not file.exists():
            problems.append(f"{tag} survey {row['handler']}: {row['path']} is not in the unpacked tree")
            continue
        lines = file.read_text(errors="replace").splitlines()
        line = lines[row["line"] - 1] if row["line"] <= len(lines) else ""
        if row["handler"] not in line:
            problems.append(f"{tag} survey {row['handler']}: {row['path']}:{row['line']} does not name it")
        for ops in row.get("ops", []):
            ops_file = tree / ops["path"]
            if not ops_file.exists():
                problems.append(f"{tag} survey {ops['name']}: {ops['path']} is not in the unpacked tree")
                continue
            ops_lines = ops_file.read_text(errors="replace").splitlines()

            def at(n: int, lines: list[str] = ops_lines) -> str:
                return lines[n - 1] if 0 < n <= len(lines) else ""

            if ops["name"] not in at(ops["line"]):
                problems.append(f"{tag} survey {ops['name']}: {ops['path']}:{ops['line']} does not name it")
            if ".page_mkwrite" not in at(ops["mkwrite_line"]):
                problems.append(
                    f"{tag} survey {ops['name']}: {ops['path']}:{ops['mkwrite_line']} sets no .page_mkwrite"
                )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", type=Path, help="use unpacked trees DIR/<version>/ instead of fetching")
    parser.add_argument("--release", action="append", help="check only this release tag (repeatable)")
    args = parser.parse_args()
    problems: list[str] = []
    for release in releases():
        tag = release["tag"]
        if args.release and tag not in args.release:
            continue
        tree = (args.trees / tag.lstrip("v")) if args.trees else fetch(release)
        if not tree.exists():
            problems.append(f"{tag}: no tree at {tree}")
            continue
        if (tree / "Makefile").exists() and _makefile_version(tree) != tag:
            problems.append(f"{tag}: the tree's Makefile says {_makefile_version(tree)}")
        with open(os.devnull, "w") as quiet:
            stdout, sys.stdout = sys.stdout, quiet
            try:
                failed = kernel_lines.check(tree, tag)
            finally:
                sys.stdout = stdout
        if failed:
            kernel_lines.check(tree, tag)  # print the rows that disagree
            problems.append(f"{tag}: data/sources.toml rows disagree (listed above)")
        found = check_constants(tree, tag) + check_fault_values(tree, tag) + check_survey(tree, tag)
        problems += found
        rows = sum(
            1 for r in tomllib.loads((ROOT / "data" / "sources.toml").read_text())["source"] if r["release"] == tag
        )
        print(
            f"provenance: {tag}: {rows} source rows, constants, fault values, survey: "
            f"{'OK' if not failed and not found else 'DISAGREES'}"
        )
    for line in problems:
        print(f"DISAGREE {line}")
    print(f"provenance: {len(problems)} disagreement(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

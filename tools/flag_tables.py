"""make flag-tables: one page-flag table per kernel build, from that build's own BTF.

For every build pinned in ``data/kernel_images.toml`` whose ``btf`` and ``config`` the kernel lab has
extracted (``~/.cache/folioviz/kernels/<release>/``, ``python -m lab kernels``), this writes
``data/page_flags/<release>.toml``:

* the build: release, upstream version, suite, and the packages with their versions and SHA-256;
* ``enum pageflags``: every enumerator. The ones before ``__NR_PAGEFLAGS`` own a bit each; the ones
  after it are second names for a bit that another flag owns (``PG_swapcache`` is ``PG_owner_priv_1``).
  BTF keeps the enumerators in declaration order, so the split needs no list typed in here;
* ``enum pagetype`` (``PGTY_*``), where the build has it;
* the configuration options that the enum's ``#if`` blocks test, with their values in this build's
  config. Which options those are is read from ``include/linux/page-flags.h`` of the release's source
  (``--read-source``), recorded in ``data/page_flags/enum_guards.toml``; a build whose own release was
  not read takes the read of the nearest release, and its table says which;
* ``[layout]``: where the fields above the flag bits sit (section, node, zone, lastcpupid, kasantag, and the
  multi-gen LRU's lru_gen and lru_refs), computed as include/linux/page-flags-layout.h does from the
  build's config (NODES_SHIFT, NR_CPUS, NUMA_BALANCING, SPARSEMEM_VMEMMAP, KASAN, LRU_GEN) and its BTF
  (__NR_PAGEFLAGS, __MAX_NR_ZONES, MAX_NR_GENS and MAX_NR_TIERS from struct lru_gen_folio's arrays). For
  the builds whose Debian linux-headers-<release>-amd64 was read, these inputs equal the build's own
  generated/bounds.h (NR_PAGEFLAGS, MAX_NR_ZONES, NR_CPUS_BITS, LRU_GEN_WIDTH, __LRU_REFS_WIDTH).

``--read-source DIR`` parses ``enum pageflags`` in DIR/include/linux/page-flags.h (for example from
Debian's ``linux-source-X.Y`` package, fetched with ``apt-get download``) and records its guards.
``--fetch`` extracts builds that are not in the cache yet (through ``lab/kernels.py``; downloads).
``--check`` rewrites nothing and fails when a committed table differs from what the BTF gives.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from folioviz.drgn.btf import Btf  # noqa: E402
from lab import kernels  # noqa: E402

OUT = ROOT / "data" / "page_flags"
GUARDS = OUT / "enum_guards.toml"

SCHEMA = """\
# Page flags of one kernel build, written by tools/flag_tables.py (`make flag-tables`) from the build's own
# BTF. Do not edit: regenerate. tests/test_flag_tables.py re-derives it wherever the build is in the cache.
#
# Schema
#   [build]         release: what `uname -r` prints; version: the upstream release; suite: Debian's suite;
#                   packages: name, version, sha256, as pinned in data/kernel_images.toml;
#                   btf_sha256: SHA-256 of the .BTF section the numbers were read from (in vmlinuz's vmlinux);
#                   source: include/linux/page-flags.h of that release (elixir).
#   [pageflags]     every enumerator of enum pageflags before __NR_PAGEFLAGS (PG_ dropped) = its bit.
#   nr_pageflags    __NR_PAGEFLAGS: how many bits the flags use.
#   [aliases]       every enumerator after __NR_PAGEFLAGS = the flag whose bit it names too
#                   (swapcache = "owner_priv_1": PG_swapcache is PG_owner_priv_1).
#   [pagetype]      enum pagetype (PGTY_ dropped) = value of page_type's top byte; absent before v6.12.
#   [config]        each CONFIG_ option an #if inside enum pageflags tests (read in guards_read_in's
#                   source) = its value in this build's config ("n" when unset).
#   [guarded]       each flag inside such an #if = the condition, as the source writes it.
#   config_dependent_from   the bit of the first guarded flag: it and every bit above it move with the
#                   configuration; the bits below do not.
#   [layout]        the fields above the flag bits, from the top down: section, node, zone, lastcpupid,
#                   kasantag (named as %pGp prints them), then lru_gen and lru_refs (which %pGp does not
#                   print); each = { width, shift }, shift being the bit number of the field's lowest bit;
#                   width 0 (and shift 0) when the field is not in page->flags. Computed as
#                   include/linux/page-flags-layout.h and include/linux/mmzone.h do, from this build's
#                   config and BTF: [layout.inputs] says which values were used and where each came from.
#                   zone_names: enum zone_type (ZONE_ dropped), in value order.
"""


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text)[:3])


# --------------------------------------------------------------------------- reading the source


def read_guards(header: str) -> dict[str, str]:
    """``{flag: condition}`` for the members of ``enum pageflags`` inside an ``#if`` block."""
    body = re.search(r"enum pageflags\s*\{(.*?)__NR_PAGEFLAGS", header, re.S)
    if body is None:
        raise SystemExit("no enum pageflags in that header")
    text = re.sub(r"/\*.*?\*/", "", body.group(1), flags=re.S)
    stack: list[str] = []
    guards: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        directive = re.match(r"#\s*(ifdef|ifndef|if|else|elif|endif)\b\s*(.*)", line)
        if directive:
            kind, rest = directive.groups()
            if kind == "ifdef":
                stack.append(rest.strip())
            elif kind == "ifndef":
                stack.append(f"!{rest.strip()}")
            elif kind == "if":
                stack.append(rest.strip())
            elif kind in ("else", "elif"):
                stack[-1] = f"!({stack[-1]})" + (f" && {rest.strip()}" if kind == "elif" else "")
            else:
                stack.pop()
            continue
        member = re.match(r"PG_(\w+)\s*,", line)
        if member and stack:
            guards[member.group(1)] = " && ".join(stack)
    return guards


def record_source(source: Path, version: str, package: str) -> None:
    OUT.mkdir(exist_ok=True)
    guards = read_guards((source / "include" / "linux" / "page-flags.h").read_text())
    reads = _guard_reads()
    reads = [r for r in reads if r["version"] != version]
    reads.append({"version": version, "package": package, "guarded": guards})
    reads.sort(key=lambda r: _version_key(r["version"]))
    lines = [
        "# Which members of enum pageflags sit inside an #if, and under which condition, per release read.",
        "# Written by `python tools/flag_tables.py --read-source DIR --version X.Y.Z --package NAME=VERSION`",
        "# from include/linux/page-flags.h of Debian's linux-source package of that release.",
        "# Schema: [[read]] version (upstream release), package (the Debian source package read),",
        "# [read.guarded] flag (PG_ dropped) = the #if condition around it.",
    ]
    for read in reads:
        lines += ["", "[[read]]", f'version = "{read["version"]}"', f'package = "{read["package"]}"']
        lines += ["", "[read.guarded]"]
        lines += [f'{name} = "{cond}"' for name, cond in read["guarded"].items()]
    GUARDS.write_text("\n".join(lines) + "\n")


def _guard_reads() -> list[dict[str, Any]]:
    if not GUARDS.exists():
        return []
    return list(tomllib.loads(GUARDS.read_text())["read"])


def guards_for(version: str) -> dict[str, Any]:
    """The read of ``version`` itself, else of the nearest release read (same series first)."""
    reads = _guard_reads()
    if not reads:
        raise SystemExit(f"{GUARDS} is empty: record a source read first (--read-source)")
    want = _version_key(version)
    return min(reads, key=lambda r: (_version_key(r["version"]) != want, abs(_distance(r["version"], want))))


def _distance(version: str, want: tuple[int, ...]) -> int:
    have = _version_key(version)
    return (have[0] - want[0]) * 100 + (have[1] - want[1])


# --------------------------------------------------------------------------- the upper fields

#: The page-flags-layout.h read for the layout rules (the rules are the same in every build's release:
#: the 5.10.223, 6.1.192, 6.12.117 and 7.3.4 headers (Debian's linux-headers-*-common) and 6.17.8's source
#: were read; 5.10 has no LRU_GEN, which the rules below give as width 0).
LAYOUT_SOURCE = "https://elixir.bootlin.com/linux/v{version}/source/include/linux/page-flags-layout.h"

#: KASAN_TAG_WIDTH under CONFIG_KASAN_HW_TAGS: 8 up to v6.12.117, 4 in v6.17.8 and v7.3.4 (sources read).
#: No build between was read, so a build there with hardware tags is refused instead of guessed.
_HW_TAG_WIDTH = {(6, 12): 8, (6, 17): 4}


def _order_base_2(n: int) -> int:
    """order_base_2() of include/linux/log2.h: the smallest k with 2**k >= n."""
    return max(0, (n - 1).bit_length())


def _elements(btf: Btf, type_id: int) -> int:
    """How many scalars an array member holds (nested arrays multiplied out)."""
    from folioviz.drgn.btf import ARRAY

    t = btf.types[type_id]
    count = 1
    while t is not None and t.kind == ARRAY:
        elem, _index, nelems = t.items
        count *= nelems
        t = btf.types[elem]
    return count


def _lru_gen_counts(btf: Btf) -> tuple[int, int]:
    """(MAX_NR_GENS, MAX_NR_TIERS) from the arrays of struct lru_gen_folio (lru_gen_struct in v6.1).

    ``timestamps`` has MAX_NR_GENS entries, ``min_seq`` ANON_AND_FILE, ``avg_refaulted``
    ANON_AND_FILE x MAX_NR_TIERS (include/linux/mmzone.h)."""
    from folioviz.drgn.btf import STRUCT

    for name in ("lru_gen_folio", "lru_gen_struct"):
        for t in btf.named(name, (STRUCT,)):
            members = {m[0]: m[1] for m in t.items}
            sizes = {k: _elements(btf, members[k]) for k in ("timestamps", "min_seq", "avg_refaulted")}
            return sizes["timestamps"], sizes["avg_refaulted"] // sizes["min_seq"]
    raise SystemExit("CONFIG_LRU_GEN=y but no struct lru_gen_folio or lru_gen_struct in the BTF")


def layout_of(
    version: str, config: dict[str, str], btf: Btf, nr_pageflags: int
) -> tuple[dict[str, tuple[int, int]], dict[str, str]]:
    """``({field: (width, shift)}, {input: "value (where from)"})``: page->flags above the flag bits.

    Mirrors include/linux/page-flags-layout.h (the widths, and whether node and lastcpupid fit) and the
    *_PGOFF/*_PGSHIFT macros of include/linux/mmzone.h (mm.h in v5.10): fields stack from bit 63 down in
    the order section, node, zone, lastcpupid, kasantag, lru_gen, lru_refs."""

    def on(name: str) -> bool:
        return config.get(f"CONFIG_{name}") == "y"

    zones = btf.enum_values("zone_type")["__MAX_NR_ZONES"]
    zones_width = next(w for w, top in ((0, 1), (1, 2), (2, 4), (3, 8)) if zones <= top)
    if on("SPARSEMEM") and not on("SPARSEMEM_VMEMMAP"):
        raise SystemExit(
            "section numbers in page->flags (SPARSEMEM without VMEMMAP): this tool does not read "
            "MAX_PHYSMEM_BITS - SECTION_SIZE_BITS from the arch headers; no build needs it yet"
        )
    sections = 0
    nodes_shift = int(config.get("CONFIG_NODES_SHIFT", "0")) if on("NUMA") else 0
    gens = tiers = 0
    if on("LRU_GEN"):
        gens, tiers = _lru_gen_counts(btf)
    lru_gen, lru_refs_max = (_order_base_2(gens + 1), tiers - 2) if gens else (0, 0)
    room = 64 - nr_pageflags
    if zones_width + lru_gen + sections + nodes_shift <= room:
        nodes = nodes_shift
    elif on("SPARSEMEM_VMEMMAP"):
        raise SystemExit("no room for the node field (the kernel's build fails here too)")
    else:
        nodes = 0
    kasan = 0
    if on("KASAN_SW_TAGS"):
        kasan = 8
    elif on("KASAN_HW_TAGS"):
        key = _version_key(version)[:2]
        if key <= (6, 12):
            kasan = 8
        elif key >= (6, 17):
            kasan = 4
        else:
            raise SystemExit(f"{version}: KASAN_TAG_WIDTH for hardware tags was not read for this release")
    cpus = int(config.get("CONFIG_NR_CPUS", "1"))
    cpupid_shift = 8 + _order_base_2(cpus) if on("NUMA_BALANCING") else 0
    fits = zones_width + lru_gen + sections + nodes + kasan + cpupid_shift <= room
    lastcpupid = cpupid_shift if fits else 0
    lru_refs = min(lru_refs_max, room - zones_width - lru_gen - sections - nodes - kasan - lastcpupid)
    widths = {
        "section": sections,
        "node": nodes,
        "zone": zones_width,
        "lastcpupid": lastcpupid,
        "kasantag": kasan,
        "lru_gen": lru_gen,
        "lru_refs": lru_refs,
    }
    fields, offset = {}, 64
    for name, width in widths.items():
        offset -= width
        fields[name] = (width, offset if width else 0)
    inputs = {
        "NR_PAGEFLAGS": f"{nr_pageflags} (BTF: enum pageflags __NR_PAGEFLAGS)",
        "MAX_NR_ZONES": f"{zones} (BTF: enum zone_type __MAX_NR_ZONES)",
        "NODES_SHIFT": f"{nodes_shift} (config: CONFIG_NODES_SHIFT, 0 without CONFIG_NUMA)",
        "NR_CPUS_BITS": f"{_order_base_2(cpus)} (config: order_base_2(CONFIG_NR_CPUS={cpus}))",
        "LAST_CPUPID_SHIFT": f"{cpupid_shift} (config: 8 + NR_CPUS_BITS with CONFIG_NUMA_BALANCING, else 0)",
        "SPARSEMEM_VMEMMAP": f"{config.get('CONFIG_SPARSEMEM_VMEMMAP', 'n')} (config: y keeps section numbers out)",
        "KASAN_TAG_WIDTH": f"{kasan} (config: CONFIG_KASAN_SW_TAGS / CONFIG_KASAN_HW_TAGS)",
        "MAX_NR_GENS": f"{gens} (BTF: timestamps[] of struct lru_gen_folio, lru_gen_struct in older builds)",
        "MAX_NR_TIERS": f"{tiers} (BTF: avg_refaulted[][] of that struct; both 0 without CONFIG_LRU_GEN)",
    }
    return fields, inputs


# --------------------------------------------------------------------------- the table


def _config(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.startswith("CONFIG_") and "=" in line:
            name, value = line.split("=", 1)
            values[name] = value.strip('"')
    return values


def table_text(image: kernels.Image, btf_path: Path, config_path: Path) -> str:
    """The TOML text of ``image``'s table, from its BTF and config."""
    blob = btf_path.read_bytes()
    btf = Btf(blob)
    enum = list(btf.enum_values("pageflags").items())
    split = [name for name, _ in enum].index("__NR_PAGEFLAGS")
    flags = {name.removeprefix("PG_"): value for name, value in enum[:split]}
    if sorted(flags.values()) != list(range(len(flags))):
        raise SystemExit(f"{image.release}: enum pageflags is not numbered 0..n-1 before __NR_PAGEFLAGS")
    by_bit = {bit: name for name, bit in flags.items()}
    aliases = {name.removeprefix("PG_"): by_bit[value] for name, value in enum[split + 1 :]}
    try:
        pagetype = {n.removeprefix("PGTY_"): v for n, v in btf.enum_values("pagetype").items()}
    except KeyError:
        pagetype = {}
    read = guards_for(image.version)
    guarded = dict(read["guarded"])
    options = sorted({opt for cond in guarded.values() for opt in re.findall(r"CONFIG_\w+", cond)})
    config = _config(config_path)
    present_guarded = [flags[name] for name in guarded if name in flags]
    lines = [
        SCHEMA,
        f"nr_pageflags = {split}",
        f"config_dependent_from = {min(present_guarded) if present_guarded else split}",
        "",
        "[build]",
        f'release = "{image.release}"',
        f'version = "{image.version}"',
        f'suite = "{image.suite}"',
        "packages = [",
        *(f'  {{ name = "{p.name}", version = "{p.version}", sha256 = "{p.sha256}" }},' for p in image.packages),
        "]",
        f'btf_sha256 = "{hashlib.sha256(blob).hexdigest()}"',
        f'source = "https://elixir.bootlin.com/linux/v{image.version}/source/include/linux/page-flags.h"',
        f'guards_read_in = "{read["version"]} ({read["package"]})"',
        "",
        "[pageflags]",
        *(f"{name} = {bit}" for name, bit in flags.items()),
        "",
        "[aliases]",
        *(f'{name} = "{target}"' for name, target in aliases.items()),
    ]
    if pagetype:
        lines += ["", "[pagetype]", *(f"{name} = {value:#04x}" for name, value in pagetype.items())]
    lines += ["", "[config]", *(f'{opt} = "{config.get(opt, "n")}"' for opt in options)]
    lines += ["", "[guarded]", *(f'{name} = "{cond}"' for name, cond in guarded.items())]
    fields, inputs = layout_of(image.version, config, btf, split)
    zone_names = [n.removeprefix("ZONE_") for n, v in sorted(btf.enum_values("zone_type").items(), key=lambda i: i[1])]
    lines += [
        "",
        "[layout]",
        f'source = "{LAYOUT_SOURCE.format(version=image.version)}"',
        "zone_names = [" + ", ".join(f'"{n}"' for n in zone_names if not n.startswith("__")) + "]",
        *(f"{name} = {{ width = {width}, shift = {shift} }}" for name, (width, shift) in fields.items()),
        "",
        "[layout.inputs]",
        *(f'{name} = "{text}"' for name, text in inputs.items()),
    ]
    return "\n".join(lines) + "\n"


def build_tables(*, fetch: bool = False, check: bool = False) -> int:
    OUT.mkdir(exist_ok=True)
    failures = 0
    for image in kernels.images():
        if fetch:
            kernels.extract(image)
        btf_path, config_path = image.dir / "btf", image.dir / "config"
        target = OUT / f"{image.release}.toml"
        if not (btf_path.exists() and config_path.exists()):
            print(f"{image.release}: not in the cache (python -m lab kernels); {target.name} left as it is")
            continue
        text = table_text(image, btf_path, config_path)
        if check:
            same = target.exists() and target.read_text() == text
            print(f"{image.release}: {'matches its BTF' if same else 'DIFFERS from its BTF'}")
            failures += not same
        else:
            target.write_text(text)
            print(f"{image.release}: wrote {target.relative_to(ROOT)}")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fetch", action="store_true", help="extract builds missing from the cache (downloads)")
    parser.add_argument("--check", action="store_true", help="compare the committed tables with the BTF")
    parser.add_argument("--read-source", type=Path, metavar="DIR", help="a kernel source tree to read guards from")
    parser.add_argument("--version", help="with --read-source: its upstream release (6.12.117)")
    parser.add_argument("--package", default="", help="with --read-source: the package read (name=version)")
    args = parser.parse_args(argv)
    if args.read_source:
        if not args.version:
            parser.error("--read-source needs --version")
        record_source(args.read_source, args.version, args.package)
        print(f"recorded the guards of {args.version} in {GUARDS.relative_to(ROOT)}")
        return 0
    return build_tables(fetch=args.fetch, check=args.check)


if __name__ == "__main__":
    sys.exit(main())

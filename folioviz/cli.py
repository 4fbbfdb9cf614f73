"""``folioviz`` on the command line: decode a mapping word pasted from crash, drgn or printk.

$ folioviz decode 0xffff888003a1c002 --kernel 6.4
$ folioviz decode ffff888003a1c001 --swapcache --json
$ folioviz eras
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from . import __version__
from .kernel import FolioVizError, decode, eras, get_era
from .widgets.text import decode_text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="folioviz", description="Decode folio->mapping words and explore the kernel's rules for them."
    )
    parser.add_argument("--version", action="version", version=f"folioviz {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    dec = sub.add_parser("decode", help="decode a mapping word", description="Decode folio->mapping words.")
    dec.add_argument(
        "words",
        nargs="+",
        metavar="WORD",
        help="e.g. 0xffff888003a1c001, ffff888003a1c001, a quoted crash/drgn member line, or - to read one "
        "paste (a crash or drgn struct dump, a dmesg dump_page() report) from standard input",
    )
    dec.add_argument(
        "--kernel",
        default=None,
        metavar="KERNEL",
        help="era id (" + ", ".join(e.id for e in eras()) + "), a version such as 6.4, a release as uname -r "
        "prints it (6.1.0-57-amd64, 6.10.0-rc7-syzkaller-...; a flags word is then read with that build's "
        "page-flag table, or the nearest one's), 'email' or 'latest' (default: the email's era)",
    )
    dec.add_argument("--slab", action="store_true", help="the folio is a slab folio")
    dec.add_argument("--swapcache", action="store_true", help="the folio is in the swap cache")
    dec.add_argument("--movable-ops", action="store_true", help="v6.17+: the PG_movable_ops page flag is set")
    dec.add_argument(
        "--32bit", dest="word_bits", action="store_const", const=32, default=64, help="decode a 32-bit word"
    )
    dec.add_argument("--json", action="store_true", help="print the full result as JSON")
    sub.add_parser("eras", help="list the kernel eras folioviz models")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "eras":
            for era in eras():
                print(f"{era.id:<12} {era.label:<28} links to {era.release}\n    {era.summary}\n")
            return 0
        era = get_era(args.kernel)
        if args.words == ["-"]:
            args.words = [sys.stdin.read()]
        results = [
            decode(
                word,
                args.kernel if args.kernel is not None else era,
                slab=args.slab,
                swapcache=args.swapcache,
                movable_ops=args.movable_ops,
                word_bits=args.word_bits,
            )
            for word in args.words
        ]
    except FolioVizError as error:
        print(f"folioviz: error: {error}", file=sys.stderr)
        return 2
    if args.json:
        payload = [r.to_dict() for r in results]
        print(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2))
    else:
        print("\n\n".join(decode_text(r) for r in results))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

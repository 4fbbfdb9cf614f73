"""``folioviz`` on the command line: decode a mapping word pasted from crash, drgn or printk.

$ folioviz decode 0xffff888003a1c002 --kernel 6.4
$ folioviz decode ffff888003a1c001 --swapcache --json
$ folioviz eras
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from ._version import __version__
from .kernel import FolioVizError, decode, eras, get_era
from .kernel.errors import printable
from .kernel.paste import MAX_PASTE_CHARS
from .render.text import decode_text


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


def _read_stdin() -> tuple[str, str]:
    """Standard input as text, read as bytes: ``(text, note)``. Bad UTF-8 (dump_page() prints file names
    as raw bytes) is replaced with U+FFFD and the note says where the first bad byte was."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:  # a text stream (tests, or an embedding program)
        return sys.stdin.read(MAX_PASTE_CHARS + 1), ""
    data = buffer.read(MAX_PASTE_CHARS * 4 + 1)
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError as error:
        bad = len(data) - len(data.decode("utf-8", "ignore").encode("utf-8"))
        note = (
            f"standard input is not valid UTF-8 (first bad byte {data[error.start]:#04x} at offset {error.start}"
            + (f"; {bad} bytes in all" if bad > 1 else "")
            + "): each bad byte was read as U+FFFD (\ufffd)"
        )
        return data.decode("utf-8", "replace"), note


def _write(text: str, stream: TextIO) -> None:
    """Print to a terminal or a pipe with control characters escaped (a paste may carry escape codes)."""
    stream.write("\n".join(printable(line) for line in text.split("\n")) + "\n")
    stream.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """``folioviz`` itself. Ends quietly with status 1 when its output goes nowhere (a closed pipe
    such as ``| head -1``, a full disk) and 2 on bad input."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (| head -1): say nothing more, and keep Python from saying it at exit.
        _silence_stdout()
        return 1
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
            raise
        try:
            sys.stderr.write(f"folioviz: error: cannot write the output: {error.strerror}\n")
            sys.stderr.flush()
        except OSError:
            pass
        _silence_stdout()
        return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python's flush at exit cannot fail on it again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    stdin_note = ""
    try:
        if args.command == "eras":
            _write(
                "\n".join(f"{e.id:<12} {e.label:<28} links to {e.release}\n    {e.summary}\n" for e in eras()),
                sys.stdout,
            )
            return 0
        era = get_era(args.kernel)
        if "-" in args.words and len(args.words) > 1:
            raise FolioVizError("'-' reads one paste from standard input: give it alone (folioviz decode -)")
        if args.words == ["-"]:
            text, stdin_note = _read_stdin()
            args.words = [text]
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
        _write(f"folioviz: error: {error}" + (f" (also: {stdin_note})" if stdin_note else ""), sys.stderr)
        return 2
    if args.json:
        payload = [r.to_dict() for r in results]
        if stdin_note:
            for item in payload:
                item["notes"].insert(0, stdin_note)
        _write(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2), sys.stdout)
    else:
        _write(
            (f"note: {stdin_note}\n\n" if stdin_note else "") + "\n\n".join(decode_text(r) for r in results),
            sys.stdout,
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

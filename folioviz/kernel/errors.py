"""Errors a learner can read: each says what was wrong and what is allowed.

Every public entry point raises one of these (all are ``ValueError`` subclasses), never a
traceback from deep inside the model.
"""

from __future__ import annotations

__all__ = [
    "MAX_QUOTE",
    "BadWordError",
    "ContradictoryFolioError",
    "FolioVizError",
    "IllegalTransitionError",
    "MkwriteInputError",
    "PasteTooLargeError",
    "UnknownEraError",
    "printable",
    "quote",
]


class FolioVizError(ValueError):
    """Base class: bad input to a folioviz model, with a message meant for people."""


class WrongTypeError(FolioVizError, TypeError):
    """A value of the wrong type given to a public entry (also a TypeError, as Python would raise)."""


def expect_type(value: object, types: type | tuple[type, ...], what: str, allowed: str) -> None:
    """Raise :class:`WrongTypeError` unless ``value`` is one of ``types`` (a bool is never taken as an int)."""
    wanted = types if isinstance(types, tuple) else (types,)
    if isinstance(value, bool) and bool not in wanted:
        raise WrongTypeError(f"{what} must be {allowed}, not a bool ({value!r})")
    if not isinstance(value, wanted):
        raise WrongTypeError(f"{what} must be {allowed}, not {type(value).__name__} {quote(repr(value))}")


class BadWordError(FolioVizError):
    """A mapping word that is not a number, is negative, or is wider than the word size."""


class UnknownEraError(FolioVizError):
    """A kernel era or version that folioviz does not model."""


class ContradictoryFolioError(FolioVizError):
    """Folio state that no kernel could produce (for example slab and swap cache at once)."""


class MkwriteInputError(FolioVizError):
    """An input to the ``do_page_mkwrite()`` model that is not one of the allowed values."""


class IllegalTransitionError(FolioVizError):
    """A step the kernel's debug checks would catch (the message names the check)."""

    def __init__(self, message: str, *, check: str = "", function: str = "") -> None:
        super().__init__(message)
        self.check = check
        self.function = function


#: The most characters of the user's input an error message quotes.
MAX_QUOTE = 200


def printable(text: str) -> str:
    """``text`` with control characters (terminal escapes, bells, NULs...) written as ``\\xNN`` escapes."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable() or char == " ":
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def quote(text: object, limit: int = MAX_QUOTE) -> str:
    """Quote user input in an error message: its first non-blank line, cut to ``limit`` characters,
    control characters escaped, and a word on what was left out."""
    if not isinstance(text, str):
        text = repr(text)
    start = len(text) - len(text.lstrip())
    end = text.find("\n", start)
    line = text[start : end if end >= 0 else len(text)].rstrip()
    cut = line[:limit]
    more = []
    if len(line) > limit:
        more.append(f"{len(line):,} characters in all")
    if end >= 0 and text[end:].strip():
        more.append("more lines follow")
    return "'" + printable(cut) + ("…'" if len(line) > limit else "'") + (f" ({', '.join(more)})" if more else "")


class PasteTooLargeError(BadWordError):
    """A paste longer than folioviz reads (see ``folioviz.kernel.paste.MAX_PASTE_CHARS``)."""

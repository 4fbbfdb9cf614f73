"""Poison values: what the kernel stores in a word that must never be followed (``TAIL_MAPPING`` in a tail
page's ``mapping``, ``LIST_POISON1/2`` in freed list nodes), per architecture (``data/report_facts.toml``)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from .datafiles import load_toml

__all__ = ["poison_name"]


@cache
def _poison_values() -> Mapping[int, str]:
    data = load_toml("report_facts.toml")["poison"]
    values: dict[int, str] = {}
    for delta in data["delta"]:
        for name, offset in data["offsets"].items():
            values.setdefault(
                delta["value"] + offset,
                f"{name} ({offset:#x} + POISON_POINTER_DELTA {delta['value']:#x}, {delta['arch']})",
            )
    return MappingProxyType(values)


def poison_name(word: int) -> str:
    """The poison value ``word`` is (``"TAIL_MAPPING (0x400 + ...)"``), or ``""``.

    A tail page's ``mapping`` holds ``TAIL_MAPPING`` and freed list nodes hold ``LIST_POISON1/2``:
    ``0x400``, ``0x100`` and ``0x122`` above the architecture's ``POISON_POINTER_DELTA``
    (``data/report_facts.toml``). None of them points at anything.
    """
    return _poison_values().get(word, "")

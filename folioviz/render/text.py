"""Plain-text rendering of a decoded word (the CLI's output, and the text form in notebooks)."""

from __future__ import annotations

from ..kernel.mapping import MappingDecode

__all__ = ["decode_text"]


def decode_text(result: MappingDecode, *, sources: bool = True) -> str:
    """A terminal-friendly description of ``result``: tag, kind, every helper, both checks."""
    era = result.era
    lines = [
        f"word      {result.word_text}  ({result.word_bits}-bit)",
        f"kernel    {era.label}  [links: {era.release}]",
        f"tag       0b{result.tag:02b}" + (f"  {result.tag_name}" if result.tag_name else ""),
        f"kind      {result.kind.value}  ({result.rule})",
        f"points to {result.target or '(nothing)'}" + (f"  [{result.target_note}]" if result.target_note else ""),
        "",
        result.explanation,
        "",
    ]
    width = max(len(h.name) for h in result.helpers) + 2
    lines.append(f"  {'helper':<{width}}returns")
    for helper in result.helpers:
        row = f"  {helper.name:<{width}}{helper.text}"
        if helper.note:
            row += f"   # {helper.note}"
        lines.append(row)
    lines += [
        "",
        "truncation check in do_page_mkwrite()",
        "  !folio->mapping        -> "
        + ("truncated" if result.raw_check_truncated else "present")
        + "   (what the kernel tests)",
        "  !folio_mapping(folio)  -> "
        + ("truncated" if result.folio_mapping_check_truncated else "present")
        + ("   <- they disagree" if result.checks_disagree else ""),
    ]
    paste = result.folio.paste
    if paste is not None and paste.flags is not None and paste.upper_fields is not None:
        # Imported here so that the CLI's word decode loads no bitstring (tests/test_layering.py).
        from .bits import flags_fields_text

        lines += ["", flags_fields_text(paste.flags, paste.upper_fields.layout, paste.flag_names)]
    if result.notes:
        lines.append("")
        lines += [f"note: {note}" for note in result.notes]
    if sources:
        lines += ["", "sources:"]
        seen: list[str] = []
        for helper in result.helpers:
            if helper.source.url not in seen:
                seen.append(helper.source.url)
        lines += [f"  {url}" for url in seen]
    return "\n".join(lines)

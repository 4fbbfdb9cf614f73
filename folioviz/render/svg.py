"""Pure functions from model states to SVG text.

SVG is deterministic text: it renders in JupyterLab, Notebook 7, VS Code, Voilà and static HTML,
and nbval can compare it. Every shape has a text label next to its colour, and every diagram has
a ``<title>`` and ``aria-label`` for screen readers.
"""

from __future__ import annotations

from html import escape
from typing import Any

from ..kernel.mapping import MappingDecode, MappingKind
from ..kernel.pagecache import PageCacheFolio
from ..kernel.races import RaceOutcome, Replay, folio_view
from .race_style import DARK_TEXT, LANE_STYLE
from .theme import KIND_STYLE, OKABE_ITO, holder_colour, theme

__all__ = ["kind_badge_svg", "mapping_svg", "pagecache_svg"]


def _glyph_shape(kind: str, cx: float, cy: float, r: float) -> str:
    """A shape per kind (square, circle, diamond, hexagon...) so kinds differ without colour."""
    style = KIND_STYLE[kind]
    fill = style.colour
    if kind == "file":
        shape = f'<rect x="{cx - r:.1f}" y="{cy - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" fill="{fill}"/>'
    elif kind == "anon":
        shape = f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{fill}"/>'
    elif kind == "movable":
        shape = (
            f'<polygon points="{cx:.1f},{cy - r:.1f} {cx + r:.1f},{cy:.1f} {cx:.1f},{cy + r:.1f} '
            f'{cx - r:.1f},{cy:.1f}" fill="{fill}"/>'
        )
    elif kind == "KSM":
        pts = " ".join(
            f"{cx + r * dx:.1f},{cy + r * dy:.1f}"
            for dx, dy in ((1, 0), (0.5, 0.87), (-0.5, 0.87), (-1, 0), (-0.5, -0.87), (0.5, -0.87))
        )
        shape = f'<polygon points="{pts}" fill="{fill}"/>'
    elif kind == "slab":
        shape = (
            f'<polygon points="{cx:.1f},{cy - r:.1f} {cx + r:.1f},{cy + r * 0.8:.1f} '
            f'{cx - r:.1f},{cy + r * 0.8:.1f}" fill="{fill}"/>'
        )
    else:  # NULL, invalid
        shape = (
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="#FFFFFF" stroke="{fill}" '
            f'stroke-width="2" stroke-dasharray="3 2"/>'
        )
    text_fill = style.text_colour if kind not in ("NULL", "invalid") else fill
    return (
        shape + f'<text x="{cx:.1f}" y="{cy + r * 0.38:.1f}" text-anchor="middle" font-weight="700" '
        f'font-size="{r * 1.1:.1f}" fill="{text_fill}">{escape(style.glyph)}</text>'
    )


def kind_badge_svg(kind: MappingKind | str, *, presenter: bool | None = None) -> str:
    """A small inline badge for a mapping kind: its shape and glyph (the label is written beside it)."""
    key = kind.value if isinstance(kind, MappingKind) else kind
    t = theme(presenter)
    h = 26 * t.scale
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{h:.0f}" height="{h:.0f}" role="img" '
        f'aria-label="kind: {escape(KIND_STYLE[key].label)}" font-family="{t.sans}">'
        + _glyph_shape(key, h / 2, h / 2, h / 2 - 2)
        + "</svg>"
    )


def _split_word(result: MappingDecode) -> tuple[str, str]:
    """The word's hex text split into (pointer digits, last digit), to highlight the tag nibble."""
    text = result.word_text
    return text[:-1], text[-1]


def mapping_svg(result: MappingDecode, *, presenter: bool | None = None) -> str:
    """The folio, its mapping word with the tag bits called out, and an arrow to what it points to.

    :param result: a decoded word (from :func:`folioviz.kernel.decode`)
    :param presenter: larger type and thicker lines for a projector
    """
    t = theme(presenter)
    s = t.scale
    kind = result.kind.value
    style = KIND_STYLE[kind]
    width, height = 760 * s, 230 * s
    fs = t.font_px
    mono = t.mono
    ink = "#1A1A1A"
    parts: list[str] = []
    label = (
        f"folio->mapping = {result.word_text}: tag 0b{result.tag:02b}, kind {style.label}"
        + (f", points to {result.target}" if result.target else ", points to nothing")
        + f" ({result.era.label})"
    )
    parts.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="fv-diagram" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(label)}" '
        f'font-family="{t.sans}" font-size="{fs}">'
        f"<title>{escape(label)}</title>"
        "<defs>"
        f'<marker id="fv-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="{7 * s:.1f}" '
        f'markerHeight="{7 * s:.1f}" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{ink}"/></marker>'
        '<pattern id="fv-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<line x1="0" y1="0" x2="0" y2="8" stroke="#F6D5C0" stroke-width="3"/></pattern>'
        "</defs>"
        f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#FFFFFF"/>'
    )
    # --- the folio box
    fx, fy, fw, fh = 14 * s, 30 * s, 330 * s, 170 * s
    parts.append(
        f'<rect x="{fx:.1f}" y="{fy:.1f}" width="{fw:.1f}" height="{fh:.1f}" rx="{6 * s:.1f}" fill="#F7F7F7" '
        f'stroke="{ink}" stroke-width="{t.stroke}"/>'
        f'<text x="{fx + 10 * s:.1f}" y="{fy - 9 * s:.1f}" font-weight="700" fill="{ink}">struct folio</text>'
    )
    flags = []
    if result.folio.slab:
        flags.append("slab")
    if result.folio.swapcache:
        flags.append("swapcache")
    if result.folio.movable_ops:
        flags.append("movable_ops")
    parts.append(
        f'<text x="{fx + 12 * s:.1f}" y="{fy + 28 * s:.1f}" fill="{ink}">flags: '
        f'<tspan font-family="{mono}">{escape(" | ".join(flags) or "(none that matter here)")}</tspan></text>'
    )
    # the mapping word, with the last hex digit (holding the tag) boxed
    head, last = _split_word(result)
    wy = fy + 70 * s
    parts.append(f'<text x="{fx + 12 * s:.1f}" y="{wy:.1f}" fill="{ink}">mapping:</text>')
    mono_w = fs * 0.61
    word_x = fx + 12 * s
    word_y = wy + 30 * s
    parts.append(
        f'<text x="{word_x:.1f}" y="{word_y:.1f}" font-family="{mono}" font-size="{fs * 1.15:.1f}" '
        f'fill="{ink}">{escape(head)}<tspan font-weight="700" fill="{style.colour if kind != "NULL" else ink}">'
        f"{escape(last)}</tspan></text>"
    )
    digit_x = word_x + len(head) * mono_w * 1.15
    parts.append(
        f'<rect x="{digit_x - 2 * s:.1f}" y="{word_y - fs * 1.1:.1f}" width="{mono_w * 1.15 + 4 * s:.1f}" '
        f'height="{fs * 1.45:.1f}" fill="none" stroke="{ink}" stroke-width="{t.stroke * 0.8:.1f}" rx="2"/>'
    )
    tag_text = (
        "slab data: do not decode"
        if result.folio.slab
        else (f"tag bits 1..0 = {result.tag:02b}" + (f"  {result.tag_name}" if result.tag_name else "  (no tag)"))
    )
    parts.append(
        f'<text x="{fx + 12 * s:.1f}" y="{word_y + 30 * s:.1f}" font-family="{mono}" '
        f'font-size="{fs * 0.92:.1f}" fill="{ink}">{escape(tag_text)}</text>'
    )
    # --- the target
    tx, ty, tw, th = 470 * s, 40 * s, 275 * s, 150 * s
    start_x, start_y = fx + fw, wy + 18 * s
    if kind == "NULL":
        parts.append(
            f'<line x1="{start_x:.1f}" y1="{start_y:.1f}" x2="{tx + 20 * s:.1f}" y2="{start_y:.1f}" '
            f'stroke="{ink}" stroke-width="{t.stroke}"/>'
        )
        gx = tx + 20 * s
        for i, half in enumerate((16, 11, 6)):
            yy = start_y - 14 * s + i * 7 * s
            parts.append(
                f'<line x1="{gx + (6 + i * 4) * s:.1f}" y1="{yy:.1f}" x2="{gx + (6 + i * 4) * s:.1f}" '
                f'y2="{yy + 2 * half * s:.1f}" stroke="{ink}" stroke-width="{t.stroke}"/>'
            )
        parts.append(
            f'<text x="{gx + 36 * s:.1f}" y="{start_y + 5 * s:.1f}" font-weight="700" fill="{ink}">NULL</text>'
            f'<text x="{tx:.1f}" y="{start_y + 40 * s:.1f}" fill="{ink}">points to nothing</text>'
        )
    else:
        dashed = ' stroke-dasharray="6 4"' if kind in ("slab", "invalid") else ""
        fill = "url(#fv-hatch)" if kind == "invalid" else "#FFFFFF"
        parts.append(
            f'<line x1="{start_x:.1f}" y1="{start_y:.1f}" x2="{tx - 4 * s:.1f}" y2="{ty + th / 2:.1f}" '
            f'stroke="{ink}" stroke-width="{t.stroke}" marker-end="url(#fv-arrow)"{dashed}/>'
            f'<rect x="{tx:.1f}" y="{ty:.1f}" width="{tw:.1f}" height="{th:.1f}" rx="{6 * s:.1f}" fill="{fill}" '
            f'stroke="{style.colour}" stroke-width="{t.stroke * 2:.1f}"{dashed}/>'
        )
        parts.append(_glyph_shape(kind, tx + 26 * s, ty + 28 * s, 15 * s))
        title = result.target or "not a valid encoding"
        parts.append(
            f'<text x="{tx + 50 * s:.1f}" y="{ty + 34 * s:.1f}" font-weight="700" fill="{ink}">{escape(title)}</text>'
        )
        if kind not in ("slab", "invalid") and result.pointer:
            parts.append(
                f'<text x="{tx + 14 * s:.1f}" y="{ty + 64 * s:.1f}" font-family="{mono}" '
                f'font-size="{fs * 0.92:.1f}" fill="{ink}">at {escape(hex(result.pointer))}</text>'
            )
        first_line = 64 if kind in ("slab", "invalid") else 90
        for i, line in enumerate(_wrap(result.target_note, 36)):
            parts.append(
                f'<text x="{tx + 14 * s:.1f}" y="{ty + (first_line + 19 * i) * s:.1f}" font-size="{fs * 0.9:.1f}" '
                f'fill="{ink}">{escape(line)}</text>'
            )
    parts.append(
        f'<text x="{width - 10 * s:.1f}" y="{height - 8 * s:.1f}" text-anchor="end" font-size="{fs * 0.85:.1f}" '
        f'fill="{OKABE_ITO["grey"]}">{escape(result.era.label)} · rule {escape(result.rule)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines[:4]


def pagecache_svg(state: PageCacheFolio, *, function: str = "", presenter: bool | None = None) -> str:
    """One page-cache snapshot: the cache slot, the folio with its refcount, holders, lock and word.

    :param state: a snapshot from a page-cache scenario
    :param function: the kernel function that produced it (shown as the diagram's subtitle)
    """
    t = theme(presenter)
    s = t.scale
    fs = t.font_px
    ink = "#1A1A1A"
    width, height = 780 * s, 250 * s
    order = [name for name, _ in state.holders]
    in_window = state.in_window
    label = (
        f"folio refcount {state.refcount}, "
        + ("freed" if state.freed else ("in the page cache" if state.in_xarray else "removed from the page cache"))
        + f", mapping {'NULL' if state.mapping == 0 else 'set'}, "
        + (f"locked by {state.locked_by}" if state.locked_by else "unlocked")
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="fv-pagecache" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(label)}" '
        f'font-family="{t.sans}" font-size="{fs}"><title>{escape(label)}</title>',
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#FFFFFF"/>',
    ]
    # --- the page cache (an XArray slot at the folio's index)
    cx, cy, cw, ch = 12 * s, 40 * s, 190 * s, 150 * s
    parts.append(
        f'<text x="{cx:.1f}" y="{cy - 10 * s:.1f}" font-weight="700" fill="{ink}">page cache (XArray)</text>'
        f'<rect x="{cx:.1f}" y="{cy:.1f}" width="{cw:.1f}" height="{ch:.1f}" rx="{5 * s:.1f}" fill="#F2F2F2" '
        f'stroke="{ink}" stroke-width="{t.stroke}"/>'
    )
    slot_y = cy + 55 * s
    if state.in_xarray:
        slot_text, slot_fill = f"index {state.index} → folio", OKABE_ITO["blue"]
    elif state.freed or state.removed:
        slot_text, slot_fill = f"index {state.index}: no folio", OKABE_ITO["grey"]
    else:
        slot_text, slot_fill = "not added yet", OKABE_ITO["grey"]
    parts.append(
        f'<rect x="{cx + 12 * s:.1f}" y="{slot_y:.1f}" width="{cw - 24 * s:.1f}" height="{34 * s:.1f}" '
        f'fill="#FFFFFF" stroke="{slot_fill}" stroke-width="{t.stroke * 1.5:.1f}"'
        + ("" if state.in_xarray else ' stroke-dasharray="5 3"')
        + "/>"
        f'<text x="{cx + cw / 2:.1f}" y="{slot_y + 22 * s:.1f}" text-anchor="middle" fill="{ink}">'
        f"{escape(slot_text)}</text>"
    )
    # --- the folio
    fx, fy, fw, fh = 290 * s, 40 * s, 470 * s, 190 * s
    if state.in_xarray:
        parts.append(
            f'<line x1="{cx + cw - 12 * s:.1f}" y1="{slot_y + 17 * s:.1f}" x2="{fx - 4 * s:.1f}" '
            f'y2="{slot_y + 17 * s:.1f}" stroke="{OKABE_ITO["blue"]}" stroke-width="{t.stroke * 1.4:.1f}" '
            'marker-end="url(#fv-pc-arrow)"/>'
        )
    parts.append(
        "<defs>"
        f'<marker id="fv-pc-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="{7 * s:.1f}" '
        f'markerHeight="{7 * s:.1f}" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{OKABE_ITO["blue"]}"/></marker>'
        "</defs>"
    )
    box_fill = "#EDEDED" if state.freed else ("#FFF8D6" if in_window else "#F7F7F7")
    parts.append(
        f'<text x="{fx:.1f}" y="{fy - 10 * s:.1f}" font-weight="700" fill="{ink}">struct folio'
        + (f"  ·  after {escape(function)}()" if function else "")
        + "</text>"
        f'<rect x="{fx:.1f}" y="{fy:.1f}" width="{fw:.1f}" height="{fh:.1f}" rx="{6 * s:.1f}" fill="{box_fill}" '
        f'stroke="{ink}" stroke-width="{t.stroke}"' + (' stroke-dasharray="6 4"' if state.freed else "") + "/>"
    )
    parts.append(
        f'<text x="{fx + 14 * s:.1f}" y="{fy + 38 * s:.1f}" font-size="{fs * 1.9:.0f}" font-weight="700" '
        f'fill="{ink}" class="fv-refcount">{state.refcount}</text>'
        f'<text x="{fx + 22 * s + fs * 1.2 * len(str(state.refcount)):.1f}" y="{fy + 36 * s:.1f}" fill="{ink}">'
        f"{'freed: back to the page allocator' if state.freed else 'references'}</text>"
    )
    # holder chips
    x = fx + 14 * s
    y = fy + 56 * s
    for name, count in state.holders:
        text = f"{name} ×{count}"
        chip_w = (len(text) * fs * 0.62 + 16) * 1.0
        colour = holder_colour(name, order)
        dark_text = colour in (OKABE_ITO["orange"], OKABE_ITO["yellow"], OKABE_ITO["sky_blue"])
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{chip_w:.1f}" height="{24 * s:.1f}" rx="{4 * s:.1f}" '
            f'fill="{colour}"/><text x="{x + 8:.1f}" y="{y + 17 * s:.1f}" '
            f'fill="{"#000000" if dark_text else "#FFFFFF"}">{escape(text)}</text>'
        )
        x += chip_w + 8 * s
    # lock and mapping rows
    lock_text = f"locked by {state.locked_by}" if state.locked_by else "unlocked"
    lx, ly = fx + 16 * s, fy + 98 * s
    shackle = f"M{lx + 2 * s:.1f},{ly + 7 * s:.1f} v{-4 * s:.1f} a{5 * s:.1f},{5 * s:.1f} 0 0 1 {10 * s:.1f},0" + (
        f" v{4 * s:.1f}" if state.locked_by else ""
    )
    parts.append(
        f'<path d="{shackle}" fill="none" stroke="{ink}" stroke-width="{1.8 * s:.1f}"/>'
        f'<rect x="{lx:.1f}" y="{ly + 7 * s:.1f}" width="{14 * s:.1f}" height="{10 * s:.1f}" rx="{1.5 * s:.1f}" '
        f'fill="{ink if state.locked_by else "#FFFFFF"}" stroke="{ink}" stroke-width="{1.4 * s:.1f}"/>'
        f'<text x="{fx + 38 * s:.1f}" y="{fy + 112 * s:.1f}" fill="{ink}">{escape(lock_text)}</text>'
    )
    mapping_kind = "NULL" if state.mapping == 0 else "file"
    glyph = _glyph_shape(mapping_kind, fx + 24 * s, fy + 143 * s, 10 * s)
    mapping_text = "mapping = NULL" if state.mapping == 0 else f"mapping = {state.mapping_text} (address_space)"
    parts.append(
        glyph + f'<text x="{fx + 42 * s:.1f}" y="{fy + 148 * s:.1f}" font-family="{t.mono}" fill="{ink}">'
        f"{escape(mapping_text)}</text>"
        f'<text x="{fx + 14 * s:.1f}" y="{fy + 176 * s:.1f}" fill="{ink}" font-size="{fs * 0.9:.0f}">'
        f"index {state.index} · {state.nr_pages} page{'s' if state.nr_pages != 1 else ''}"
        + (f" · mapped by {state.mapcount} PTE(s)" if state.mapcount else "")
        + "</text>"
    )
    if in_window:
        parts.append(
            f'<text x="{width - 12 * s:.1f}" y="{height - 4 * s:.1f}" text-anchor="end" font-weight="700" '
            f'fill="{ink}" font-size="{fs * 0.95:.0f}">⚠ mapping NULL while count &gt; 0: do_page_mkwrite() '
            "can meet this folio (R9)</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- the race explorer's timeline


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _folio_cell(replay: Replay, state: Any, lx: float, lw: float, y: float, t: Any, row_h: float) -> str:
    """The folio column of one timeline row: refcount, lock, ->mapping and where the folio is."""
    s, fs, ink = t.scale, t.font_px, "#1A1A1A"
    view = folio_view(replay.model, state)
    lock = f"locked by {view.locked_by}" if view.locked_by else "unlocked"
    if view.mapping_is_null:
        mapping = "mapping NULL"
    else:
        mapping = "mapping: movable tag" if replay.model.folio == "driver" else "mapping: the file"
    line1 = f"ref {view.refcount} · {lock}"
    line2 = f"{mapping} · {view.where}" + (f" · mapped {view.mapcount}x" if view.mapcount else "")
    null = view.mapping_is_null and view.where != "freed"
    fill = "#FFF3D6" if null else "#F4F4F4"
    return (
        f'<rect x="{lx:.1f}" y="{y + 3 * s:.1f}" width="{lw:.1f}" height="{row_h - 6 * s:.1f}" '
        f'rx="{4 * s:.1f}" fill="{fill}" stroke="#BBBBBB"/>'
        f'<text x="{lx + 8 * s:.1f}" y="{y + 17 * s:.1f}" fill="{ink}" font-size="{fs * 0.92:.0f}">'
        f"{escape(line1)}</text>"
        f'<text x="{lx + 8 * s:.1f}" y="{y + 32 * s:.1f}" fill="{ink}" font-size="{fs * 0.85:.0f}">'
        f"{'⚠ ' if null else ''}{escape(_trim(line2, 40))}</text>"
    )


def _move_cell(move: Any, colour: str, lx: float, lw: float, y: float, t: Any, row_h: float, future: bool) -> str:
    """The cell of the lane that moved: a box in its colour, and (unless in the future) what it did."""
    s, fs, ink = t.scale, t.font_px, "#1A1A1A"
    box = (
        f'<rect x="{lx:.1f}" y="{y + 3 * s:.1f}" width="{lw:.1f}" height="{row_h - 6 * s:.1f}" '
        f'rx="{4 * s:.1f}" fill="#FFFFFF" stroke="{colour}" stroke-width="{t.stroke * 1.6:.1f}"/>'
        f'<rect x="{lx:.1f}" y="{y + 3 * s:.1f}" width="{6 * s:.1f}" height="{row_h - 6 * s:.1f}" '
        f'fill="{colour}"/>'
    )
    if future:
        return box
    return box + (
        f'<text class="fv-race-move" x="{lx + 12 * s:.1f}" y="{y + 17 * s:.1f}" fill="{ink}" '
        f'font-family="{t.mono}" font-size="{fs * 0.88:.0f}">{escape(_trim(move.function, 30))}</text>'
        f'<text x="{lx + 12 * s:.1f}" y="{y + 32 * s:.1f}" fill="{ink}" '
        f'font-size="{fs * 0.88:.0f}">{escape(_trim(move.label, 34))}</text>'
    )


def _wait_cell(holder: str, colour: str, lx: float, lw: float, y: float, t: Any, row_h: float) -> str:
    """The dashed cell of a lane waiting for the folio lock."""
    s, fs, ink = t.scale, t.font_px, "#1A1A1A"
    return (
        f'<rect x="{lx:.1f}" y="{y + 3 * s:.1f}" width="{lw:.1f}" height="{row_h - 6 * s:.1f}" '
        f'rx="{4 * s:.1f}" fill="none" stroke="{colour}" stroke-dasharray="5 3"/>'
        f'<text class="fv-race-wait" x="{lx + 10 * s:.1f}" y="{y + row_h / 2 + fs * 0.35:.1f}" '
        f'fill="{ink}" font-size="{fs * 0.88:.0f}">… waits for the lock ({escape(holder)})</text>'
    )


def _lane_headers(xs: list[tuple[int | None, float, float]], lanes: tuple[str, ...], t: Any) -> list[str]:
    """The timeline's column heads: each lane's glyph and name, and the folio column's title."""
    s, ink = t.scale, "#1A1A1A"
    out: list[str] = []
    for lane, lx, lw in xs:
        if lane is None:
            out.append(
                f'<text x="{lx + lw / 2:.1f}" y="{22 * s:.1f}" text-anchor="middle" font-weight="700" fill="{ink}">'
                "the folio after the step</text>"
            )
            continue
        name = lanes[lane]
        colour, glyph = LANE_STYLE.get(name, (OKABE_ITO["grey"], name[:2].upper()))
        out.append(
            f'<rect x="{lx:.1f}" y="{6 * s:.1f}" width="{26 * s:.1f}" height="{22 * s:.1f}" rx="{4 * s:.1f}" '
            f'fill="{colour}"/><text x="{lx + 13 * s:.1f}" y="{22 * s:.1f}" text-anchor="middle" font-weight="700" '
            f'fill="{"#000000" if colour in DARK_TEXT else "#FFFFFF"}">{escape(glyph)}</text>'
            f'<text x="{lx + 32 * s:.1f}" y="{22 * s:.1f}" font-weight="700" fill="{ink}">{escape(name)}</text>'
        )
    return out


def _row_notes(replay: Replay, i: int, last: int) -> list[str]:
    """What a timeline row marks: the point of no return, the state a livelock loops back to, a broken rule."""
    notes = []
    if replay.decided_at == i and replay.outcome.kinds == (RaceOutcome.LIVELOCK,):
        notes.append("point of no return")
    if replay.loops_to == i:
        notes.append(f"⟲ step {last} is this state again")
    state = replay.scenario.steps[i].state
    if i == last and state.broken is not None:
        notes.append(f"✘ {state.broken.outcome.name}")
    return notes


def race_timeline_svg(replay: Replay, upto: int | None = None, *, presenter: bool | None = None) -> str:
    """One interleaving as lanes: the fault, the folio's state between, truncation, then any extra threads.

    Rows are steps; row ``upto`` (default: the last) is highlighted and later rows are drawn faint,
    showing who will move but not what happens. A thread waiting for the folio lock gets a dashed
    "waits" box; the point of no return of a livelock, the state it loops back to, and a step that
    broke a page-cache rule are marked.
    """
    steps = replay.scenario.steps
    last = len(steps) - 1
    upto = last if upto is None else max(0, min(last, upto))
    t = theme(presenter)
    s, fs = t.scale, t.font_px
    ink = "#1A1A1A"
    lanes = replay.lanes
    col_num, col_lane, col_folio = 46 * s, 236 * s, 262 * s
    order = [0, None, *range(1, len(lanes))]  # fault lane, folio column, truncation, extras
    xs: list[tuple[int | None, float, float]] = []
    x = col_num
    for lane in order:
        width = col_folio if lane is None else col_lane
        xs.append((lane, x, width))
        x += width + 6 * s
    width = x + 4 * s
    head, row_h = 34 * s, 40 * s
    height = head + row_h * len(steps) + 8 * s
    moved = [replay.mover(i) for i in range(len(steps))]
    now = steps[upto]
    label = (
        f"Interleaving of {', '.join(lanes)}: {len(steps) - 1} steps, outcome {replay.outcome.name}. "
        f"At step {upto}: {now.caption}"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="fv-race-timeline" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(label)}" '
        f'font-family="{t.sans}" font-size="{fs}" data-step="{upto}"><title>{escape(label)}</title>',
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#FFFFFF"/>',
    ]
    # header
    parts.append(f'<text x="{6 * s:.1f}" y="{22 * s:.1f}" font-weight="700" fill="{ink}">step</text>')
    parts.extend(_lane_headers(xs, lanes, t))
    for i, step in enumerate(steps):
        y = head + row_h * i
        future = i > upto
        current = i == upto
        classes = "fv-race-row" + (" fv-race-current" if current else "") + (" fv-race-future" if future else "")
        opacity = ' opacity="0.3"' if future else ""
        parts.append(f'<g class="{classes}" data-step="{i}"{opacity}>')
        if current:
            parts.append(
                f'<rect x="{1 * s:.1f}" y="{y + 1:.1f}" width="{width - 2 * s:.1f}" height="{row_h - 2:.1f}" '
                f'fill="{OKABE_ITO["yellow"]}" fill-opacity="0.35" stroke="{ink}" stroke-width="{t.stroke}"/>'
            )
        marker = "▶ " if current else ""
        weight = ' font-weight="700"' if current else ""
        parts.append(
            f'<text x="{6 * s:.1f}" y="{y + row_h / 2 + fs * 0.35:.1f}" fill="{ink}"{weight}>{marker}{i}</text>'
        )
        waiting = {} if future else replay.waiting(i)
        if i == 0:
            parts.append(
                f'<text x="{xs[0][1] + 10 * s:.1f}" y="{y + row_h / 2 + fs * 0.35:.1f}" fill="#555555" '
                f'font-style="italic">start: no thread has moved</text>'
            )
        for lane, lx, lw in xs:
            if lane is None:
                if future:
                    continue
                parts.append(_folio_cell(replay, step.state, lx, lw, y, t, row_h))
                continue
            name = lanes[lane]
            colour, _ = LANE_STYLE.get(name, (OKABE_ITO["grey"], ""))
            if moved[i] == lane:
                parts.append(_move_cell(replay.moves[i - 1], colour, lx, lw, y, t, row_h, future))
            elif lane in waiting:
                parts.append(_wait_cell(waiting[lane], colour, lx, lw, y, t, row_h))
        notes = [] if future else _row_notes(replay, i, last)
        if notes:
            parts.append(
                f'<text x="{width - 6 * s:.1f}" y="{y + 12 * s:.1f}" text-anchor="end" font-weight="700" '
                f'fill="{ink}" font-size="{fs * 0.8:.0f}">{escape(" · ".join(notes))}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)

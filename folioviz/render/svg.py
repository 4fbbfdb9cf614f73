"""Pure functions from model states to SVG markup.

SVG is deterministic text: it renders in JupyterLab, Notebook 7, VS Code, Voilà and static HTML,
and nbval can compare it. Every shape has a text label next to its colour, and every diagram has
a ``<title>`` and ``aria-label`` for screen readers.

Every element is built by :func:`~folioviz.render.markup.element`, which escapes text and attribute
values; a diagram's ids (arrow heads, hatching) come from its own
:class:`~folioviz.render.markup.DiagramIds`, a hash of the drawing and of the caller's ``id_salt``: different
diagrams never share an id, and neither do copies of one drawing with different salts (each widget passes its own).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..kernel.mapping import MappingDecode, MappingKind
from ..kernel.pagecache import PageCacheFolio
from ..kernel.races import RaceOutcome, Replay, folio_view
from .markup import DiagramIds, Markup, element
from .race_style import DARK_TEXT, LANE_STYLE
from .theme import KIND_STYLE, OKABE_ITO, holder_colour, theme

__all__ = ["kind_badge_svg", "mapping_svg", "pagecache_svg"]

_INK = "#1A1A1A"
_SVG_NS = "http://www.w3.org/2000/svg"


def _f(value: float) -> str:
    """A coordinate as the diagrams write it (one decimal)."""
    return f"{value:.1f}"


def _i(value: float) -> str:
    """A size as the diagrams write it (no decimals)."""
    return f"{value:.0f}"


def _text(attrs: dict[str, Any], *children: Any) -> Markup:
    return element("text", attrs, children)


def _svg(width: float, height: float, label: str, children: Iterable[Any], **attrs: Any) -> Markup:
    """A diagram: ``<svg>`` with its size, role and label (and ``attrs``), its ``<title>``, then ``children``."""
    cls = attrs.pop("class_", None)
    head = {"xmlns": _SVG_NS, "class": cls, "width": _i(width), "height": _i(height)}
    head |= {"viewBox": f"0 0 {_i(width)} {_i(height)}", "role": "img", "aria-label": label, **attrs}
    return element("svg", head, [element("title", {}, [label]), *children])


def _arrow_marker(ids: DiagramIds, name: str, s: float, fill: str, orient: str) -> Markup:
    return element(
        "marker",
        {
            "id": ids.id(name),
            "viewBox": "0 0 10 10",
            "refX": "9",
            "refY": "5",
            "markerWidth": _f(7 * s),
            "markerHeight": _f(7 * s),
            "orient": orient,
        },
        [element("path", {"d": "M0,0 L10,5 L0,10 z", "fill": fill})],
    )


def _glyph_shape(kind: str, cx: float, cy: float, r: float) -> Markup:
    """A shape per kind (square, circle, diamond, hexagon...) so kinds differ without colour."""
    style = KIND_STYLE[kind]
    fill = style.colour
    if kind == "file":
        shape = element(
            "rect", {"x": _f(cx - r), "y": _f(cy - r), "width": _f(2 * r), "height": _f(2 * r), "fill": fill}
        )
    elif kind == "anon":
        shape = element("circle", {"cx": _f(cx), "cy": _f(cy), "r": _f(r), "fill": fill})
    elif kind == "movable":
        points = f"{_f(cx)},{_f(cy - r)} {_f(cx + r)},{_f(cy)} {_f(cx)},{_f(cy + r)} {_f(cx - r)},{_f(cy)}"
        shape = element("polygon", {"points": points, "fill": fill})
    elif kind == "KSM":
        points = " ".join(
            f"{_f(cx + r * dx)},{_f(cy + r * dy)}"
            for dx, dy in ((1, 0), (0.5, 0.87), (-0.5, 0.87), (-1, 0), (-0.5, -0.87), (0.5, -0.87))
        )
        shape = element("polygon", {"points": points, "fill": fill})
    elif kind == "slab":
        points = f"{_f(cx)},{_f(cy - r)} {_f(cx + r)},{_f(cy + r * 0.8)} {_f(cx - r)},{_f(cy + r * 0.8)}"
        shape = element("polygon", {"points": points, "fill": fill})
    else:  # NULL, invalid
        shape = element(
            "circle",
            {
                "cx": _f(cx),
                "cy": _f(cy),
                "r": _f(r),
                "fill": "#FFFFFF",
                "stroke": fill,
                "stroke-width": "2",
                "stroke-dasharray": "3 2",
            },
        )
    text_fill = style.text_colour if kind not in ("NULL", "invalid") else fill
    label = {
        "x": _f(cx),
        "y": _f(cy + r * 0.38),
        "text-anchor": "middle",
        "font-weight": "700",
        "font-size": _f(r * 1.1),
        "fill": text_fill,
    }
    return shape + _text(label, style.glyph)


def kind_badge_svg(kind: MappingKind | str, *, presenter: bool | None = None) -> Markup:
    """A small inline badge for a mapping kind: its shape and glyph (the label is written beside it)."""
    key = kind.value if isinstance(kind, MappingKind) else kind
    t = theme(presenter)
    h = 26 * t.scale
    attrs = {
        "xmlns": _SVG_NS,
        "width": _i(h),
        "height": _i(h),
        "role": "img",
        "aria-label": f"kind: {KIND_STYLE[key].label}",
        "font-family": t.sans,
    }
    return element("svg", attrs, [_glyph_shape(key, h / 2, h / 2, h / 2 - 2)])


def _split_word(result: MappingDecode) -> tuple[str, str]:
    """The word's hex text split into (pointer digits, last digit), to highlight the tag nibble."""
    text = result.word_text
    return text[:-1], text[-1]


def mapping_svg(result: MappingDecode, *, presenter: bool | None = None, id_salt: str = "") -> Markup:
    """The folio, its mapping word with the tag bits called out, and an arrow to what it points to.

    :param result: a decoded word (from :func:`folioviz.kernel.decode`)
    :param presenter: larger type and thicker lines for a projector
    :param id_salt: told to the diagram's ids, so two copies of one drawing (two widgets) get different ids
    """
    t = theme(presenter)
    s = t.scale
    kind = result.kind.value
    style = KIND_STYLE[kind]
    width, height = 760 * s, 230 * s
    fs = t.font_px
    mono = t.mono
    ink = _INK
    ids = DiagramIds(id_salt)
    label = (
        f"folio->mapping = {result.word_text}: tag 0b{result.tag:02b}, kind {style.label}"
        + (f", points to {result.target}" if result.target else ", points to nothing")
        + f" ({result.era.label})"
    )
    hatch = element(
        "pattern",
        {
            "id": ids.id("hatch"),
            "width": "8",
            "height": "8",
            "patternUnits": "userSpaceOnUse",
            "patternTransform": "rotate(45)",
        },
        [element("line", {"x1": "0", "y1": "0", "x2": "0", "y2": "8", "stroke": "#F6D5C0", "stroke-width": "3"})],
    )
    parts: list[Markup] = [
        element("defs", {}, [_arrow_marker(ids, "arrow", s, ink, "auto-start-reverse"), hatch]),
        element("rect", {"x": "0", "y": "0", "width": _i(width), "height": _i(height), "fill": "#FFFFFF"}),
    ]
    # --- the folio box
    fx, fy, fw, fh = 14 * s, 30 * s, 330 * s, 170 * s
    box = {"x": _f(fx), "y": _f(fy), "width": _f(fw), "height": _f(fh), "rx": _f(6 * s), "fill": "#F7F7F7"}
    parts.append(element("rect", {**box, "stroke": ink, "stroke-width": t.stroke}))
    parts.append(_text({"x": _f(fx + 10 * s), "y": _f(fy - 9 * s), "font-weight": "700", "fill": ink}, "struct folio"))
    flags = []
    if result.folio.slab:
        flags.append("slab")
    if result.folio.swapcache:
        flags.append("swapcache")
    if result.folio.movable_ops:
        flags.append("movable_ops")
    flag_text = element("tspan", {"font-family": mono}, [" | ".join(flags) or "(none that matter here)"])
    parts.append(_text({"x": _f(fx + 12 * s), "y": _f(fy + 28 * s), "fill": ink}, "flags: ", flag_text))
    # the mapping word, with the last hex digit (holding the tag) boxed
    head, last = _split_word(result)
    wy = fy + 70 * s
    parts.append(_text({"x": _f(fx + 12 * s), "y": _f(wy), "fill": ink}, "mapping:"))
    mono_w = fs * 0.61
    word_x = fx + 12 * s
    word_y = wy + 30 * s
    tag_digit = element("tspan", {"font-weight": "700", "fill": style.colour if kind != "NULL" else ink}, [last])
    word = {"x": _f(word_x), "y": _f(word_y), "font-family": mono, "font-size": _f(fs * 1.15), "fill": ink}
    parts.append(_text(word, head, tag_digit))
    digit_x = word_x + len(head) * mono_w * 1.15
    parts.append(
        element(
            "rect",
            {
                "x": _f(digit_x - 2 * s),
                "y": _f(word_y - fs * 1.1),
                "width": _f(mono_w * 1.15 + 4 * s),
                "height": _f(fs * 1.45),
                "fill": "none",
                "stroke": ink,
                "stroke-width": _f(t.stroke * 0.8),
                "rx": "2",
            },
        )
    )
    tag_text = (
        "slab data: do not decode"
        if result.folio.slab
        else (f"tag bits 1..0 = {result.tag:02b}" + (f"  {result.tag_name}" if result.tag_name else "  (no tag)"))
    )
    small = {"font-family": mono, "font-size": _f(fs * 0.92), "fill": ink}
    parts.append(_text({"x": _f(fx + 12 * s), "y": _f(word_y + 30 * s), **small}, tag_text))
    # --- the target
    tx, ty, tw, th = 470 * s, 40 * s, 275 * s, 150 * s
    start_x, start_y = fx + fw, wy + 18 * s
    stroke = {"stroke": ink, "stroke-width": t.stroke}
    if kind == "NULL":
        parts.append(
            element("line", {"x1": _f(start_x), "y1": _f(start_y), "x2": _f(tx + 20 * s), "y2": _f(start_y), **stroke})
        )
        gx = tx + 20 * s
        for i, half in enumerate((16, 11, 6)):
            yy = start_y - 14 * s + i * 7 * s
            x = _f(gx + (6 + i * 4) * s)
            parts.append(element("line", {"x1": x, "y1": _f(yy), "x2": x, "y2": _f(yy + 2 * half * s), **stroke}))
        parts.append(_text({"x": _f(gx + 36 * s), "y": _f(start_y + 5 * s), "font-weight": "700", "fill": ink}, "NULL"))
        parts.append(_text({"x": _f(tx), "y": _f(start_y + 40 * s), "fill": ink}, "points to nothing"))
    else:
        dashed = {"stroke-dasharray": "6 4"} if kind in ("slab", "invalid") else {}
        fill = ids.url("hatch") if kind == "invalid" else "#FFFFFF"
        arrow = {"x1": _f(start_x), "y1": _f(start_y), "x2": _f(tx - 4 * s), "y2": _f(ty + th / 2), **stroke}
        parts.append(element("line", {**arrow, "marker-end": ids.url("arrow"), **dashed}))
        target = {"x": _f(tx), "y": _f(ty), "width": _f(tw), "height": _f(th), "rx": _f(6 * s), "fill": fill}
        parts.append(element("rect", {**target, "stroke": style.colour, "stroke-width": _f(t.stroke * 2), **dashed}))
        parts.append(_glyph_shape(kind, tx + 26 * s, ty + 28 * s, 15 * s))
        title = result.target or "not a valid encoding"
        parts.append(_text({"x": _f(tx + 50 * s), "y": _f(ty + 34 * s), "font-weight": "700", "fill": ink}, title))
        if kind not in ("slab", "invalid") and result.pointer:
            parts.append(_text({"x": _f(tx + 14 * s), "y": _f(ty + 64 * s), **small}, f"at {hex(result.pointer)}"))
        first_line = 64 if kind in ("slab", "invalid") else 90
        for i, line in enumerate(_wrap(result.target_note, 36)):
            at = {"x": _f(tx + 14 * s), "y": _f(ty + (first_line + 19 * i) * s), "font-size": _f(fs * 0.9)}
            parts.append(_text({**at, "fill": ink}, line))
    footer = {"x": _f(width - 10 * s), "y": _f(height - 8 * s), "text-anchor": "end", "font-size": _f(fs * 0.85)}
    parts.append(_text({**footer, "fill": OKABE_ITO["grey"]}, f"{result.era.label} · rule {result.rule}"))
    svg = _svg(width, height, label, parts, class_="fv-diagram", **{"font-family": t.sans, "font-size": fs})
    return ids.seal(svg)


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


def pagecache_svg(
    state: PageCacheFolio, *, function: str = "", presenter: bool | None = None, id_salt: str = ""
) -> Markup:
    """One page-cache snapshot: the cache slot, the folio with its refcount, holders, lock and word.

    :param state: a snapshot from a page-cache scenario
    :param function: the kernel function that produced it (shown as the diagram's subtitle)
    :param id_salt: told to the diagram's ids, so two copies of one drawing (two widgets) get different ids
    """
    t = theme(presenter)
    s = t.scale
    fs = t.font_px
    ink = _INK
    ids = DiagramIds(id_salt)
    width, height = 780 * s, 250 * s
    order = [name for name, _ in state.holders]
    in_window = state.in_window
    label = (
        f"folio refcount {state.refcount}, "
        + ("freed" if state.freed else ("in the page cache" if state.in_xarray else "removed from the page cache"))
        + f", mapping {'NULL' if state.mapping == 0 else 'set'}, "
        + (f"locked by {state.locked_by}" if state.locked_by else "unlocked")
    )
    parts = [element("rect", {"width": _i(width), "height": _i(height), "fill": "#FFFFFF"})]
    stroke = {"stroke": ink, "stroke-width": t.stroke}
    # --- the page cache (an XArray slot at the folio's index)
    cx, cy, cw, ch = 12 * s, 40 * s, 190 * s, 150 * s
    parts.append(_text({"x": _f(cx), "y": _f(cy - 10 * s), "font-weight": "700", "fill": ink}, "page cache (XArray)"))
    cache = {"x": _f(cx), "y": _f(cy), "width": _f(cw), "height": _f(ch), "rx": _f(5 * s), "fill": "#F2F2F2"}
    parts.append(element("rect", {**cache, **stroke}))
    slot_y = cy + 55 * s
    if state.in_xarray:
        slot_text, slot_fill = f"index {state.index} → folio", OKABE_ITO["blue"]
    elif state.freed or state.removed:
        slot_text, slot_fill = f"index {state.index}: no folio", OKABE_ITO["grey"]
    else:
        slot_text, slot_fill = "not added yet", OKABE_ITO["grey"]
    slot = {"x": _f(cx + 12 * s), "y": _f(slot_y), "width": _f(cw - 24 * s), "height": _f(34 * s)}
    slot_line = {"fill": "#FFFFFF", "stroke": slot_fill, "stroke-width": _f(t.stroke * 1.5)}
    parts.append(element("rect", {**slot, **slot_line, "stroke-dasharray": None if state.in_xarray else "5 3"}))
    parts.append(
        _text({"x": _f(cx + cw / 2), "y": _f(slot_y + 22 * s), "text-anchor": "middle", "fill": ink}, slot_text)
    )
    # --- the folio
    fx, fy, fw, fh = 290 * s, 40 * s, 470 * s, 190 * s
    if state.in_xarray:
        arrow_y = _f(slot_y + 17 * s)
        arrow = {"x1": _f(cx + cw - 12 * s), "y1": arrow_y, "x2": _f(fx - 4 * s), "y2": arrow_y}
        arrow["stroke"] = OKABE_ITO["blue"]
        parts.append(element("line", {**arrow, "stroke-width": _f(t.stroke * 1.4), "marker-end": ids.url("pc-arrow")}))
    parts.append(element("defs", {}, [_arrow_marker(ids, "pc-arrow", s, OKABE_ITO["blue"], "auto")]))
    box_fill = "#EDEDED" if state.freed else ("#FFF8D6" if in_window else "#F7F7F7")
    title = "struct folio" + (f"  ·  after {function}()" if function else "")
    parts.append(_text({"x": _f(fx), "y": _f(fy - 10 * s), "font-weight": "700", "fill": ink}, title))
    box = {"x": _f(fx), "y": _f(fy), "width": _f(fw), "height": _f(fh), "rx": _f(6 * s), "fill": box_fill}
    parts.append(element("rect", {**box, **stroke, "stroke-dasharray": "6 4" if state.freed else None}))
    big = {"x": _f(fx + 14 * s), "y": _f(fy + 38 * s), "font-size": _i(fs * 1.9), "font-weight": "700", "fill": ink}
    parts.append(_text({**big, "class": "fv-refcount"}, state.refcount))
    refs = "freed: back to the page allocator" if state.freed else "references"
    refs_x = fx + 22 * s + fs * 1.2 * len(str(state.refcount))
    parts.append(_text({"x": _f(refs_x), "y": _f(fy + 36 * s), "fill": ink}, refs))
    # holder chips
    x = fx + 14 * s
    y = fy + 56 * s
    for name, count in state.holders:
        text = f"{name} ×{count}"
        chip_w = (len(text) * fs * 0.62 + 16) * 1.0
        colour = holder_colour(name, order)
        dark_text = colour in (OKABE_ITO["orange"], OKABE_ITO["yellow"], OKABE_ITO["sky_blue"])
        chip = {"x": _f(x), "y": _f(y), "width": _f(chip_w), "height": _f(24 * s), "rx": _f(4 * s), "fill": colour}
        parts.append(element("rect", chip))
        text_at = {"x": _f(x + 8), "y": _f(y + 17 * s), "fill": "#000000" if dark_text else "#FFFFFF"}
        parts.append(_text(text_at, text))
        x += chip_w + 8 * s
    # lock and mapping rows
    lock_text = f"locked by {state.locked_by}" if state.locked_by else "unlocked"
    lx, ly = fx + 16 * s, fy + 98 * s
    shackle = f"M{_f(lx + 2 * s)},{_f(ly + 7 * s)} v{_f(-4 * s)} a{_f(5 * s)},{_f(5 * s)} 0 0 1 {_f(10 * s)},0" + (
        f" v{_f(4 * s)}" if state.locked_by else ""
    )
    parts.append(element("path", {"d": shackle, "fill": "none", "stroke": ink, "stroke-width": _f(1.8 * s)}))
    body = {"x": _f(lx), "y": _f(ly + 7 * s), "width": _f(14 * s), "height": _f(10 * s), "rx": _f(1.5 * s)}
    body_fill = {"fill": ink if state.locked_by else "#FFFFFF", "stroke": ink, "stroke-width": _f(1.4 * s)}
    parts.append(element("rect", {**body, **body_fill}))
    parts.append(_text({"x": _f(fx + 38 * s), "y": _f(fy + 112 * s), "fill": ink}, lock_text))
    mapping_kind = "NULL" if state.mapping == 0 else "file"
    parts.append(_glyph_shape(mapping_kind, fx + 24 * s, fy + 143 * s, 10 * s))
    mapping_text = "mapping = NULL" if state.mapping == 0 else f"mapping = {state.mapping_text} (address_space)"
    parts.append(_text({"x": _f(fx + 42 * s), "y": _f(fy + 148 * s), "font-family": t.mono, "fill": ink}, mapping_text))
    index = f"index {state.index} · {state.nr_pages} page{'s' if state.nr_pages != 1 else ''}" + (
        f" · mapped by {state.mapcount} PTE(s)" if state.mapcount else ""
    )
    parts.append(_text({"x": _f(fx + 14 * s), "y": _f(fy + 176 * s), "fill": ink, "font-size": _i(fs * 0.9)}, index))
    if in_window:
        at = {"x": _f(width - 12 * s), "y": _f(height - 4 * s), "text-anchor": "end", "font-weight": "700"}
        warning = "⚠ mapping NULL while count > 0: do_page_mkwrite() can meet this folio (R9)"
        parts.append(_text({**at, "fill": ink, "font-size": _i(fs * 0.95)}, warning))
    svg = _svg(width, height, label, parts, class_="fv-pagecache", **{"font-family": t.sans, "font-size": fs})
    return ids.seal(svg)


# --------------------------------------------------------------------------- the race explorer's timeline


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cell_box(lx: float, lw: float, y: float, s: float, row_h: float, **attrs: Any) -> Markup:
    box = {"x": _f(lx), "y": _f(y + 3 * s), "width": _f(lw), "height": _f(row_h - 6 * s), "rx": _f(4 * s)}
    return element("rect", {**box, **attrs})


def _folio_cell(replay: Replay, state: Any, lx: float, lw: float, y: float, t: Any, row_h: float) -> Markup:
    """The folio column of one timeline row: refcount, lock, ->mapping and where the folio is."""
    s, fs, ink = t.scale, t.font_px, _INK
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
    x = _f(lx + 8 * s)
    return (
        _cell_box(lx, lw, y, s, row_h, fill=fill, stroke="#BBBBBB")
        + _text({"x": x, "y": _f(y + 17 * s), "fill": ink, "font-size": _i(fs * 0.92)}, line1)
        + _text(
            {"x": x, "y": _f(y + 32 * s), "fill": ink, "font-size": _i(fs * 0.85)},
            ("⚠ " if null else "") + _trim(line2, 40),
        )
    )


def _move_cell(move: Any, colour: str, lx: float, lw: float, y: float, t: Any, row_h: float, future: bool) -> Markup:
    """The cell of the lane that moved: a box in its colour, and (unless in the future) what it did."""
    s, fs, ink = t.scale, t.font_px, _INK
    box = _cell_box(
        lx, lw, y, s, row_h, fill="#FFFFFF", stroke=colour, **{"stroke-width": _f(t.stroke * 1.6)}
    ) + element(
        "rect", {"x": _f(lx), "y": _f(y + 3 * s), "width": _f(6 * s), "height": _f(row_h - 6 * s), "fill": colour}
    )
    if future:
        return box
    x, size = _f(lx + 12 * s), _i(fs * 0.88)
    function = {"class": "fv-race-move", "x": x, "y": _f(y + 17 * s), "fill": ink, "font-family": t.mono}
    return (
        box
        + _text({**function, "font-size": size}, _trim(move.function, 30))
        + _text({"x": x, "y": _f(y + 32 * s), "fill": ink, "font-size": size}, _trim(move.label, 34))
    )


def _wait_cell(holder: str, colour: str, lx: float, lw: float, y: float, t: Any, row_h: float) -> Markup:
    """The dashed cell of a lane waiting for the folio lock."""
    s, fs, ink = t.scale, t.font_px, _INK
    at = {"class": "fv-race-wait", "x": _f(lx + 10 * s), "y": _f(y + row_h / 2 + fs * 0.35)}
    return _cell_box(lx, lw, y, s, row_h, fill="none", stroke=colour, **{"stroke-dasharray": "5 3"}) + _text(
        {**at, "fill": ink, "font-size": _i(fs * 0.88)}, f"… waits for the lock ({holder})"
    )


def _lane_headers(xs: list[tuple[int | None, float, float]], lanes: tuple[str, ...], t: Any) -> list[Markup]:
    """The timeline's column heads: each lane's glyph and name, and the folio column's title."""
    s, ink = t.scale, _INK
    out: list[Markup] = []
    for lane, lx, lw in xs:
        if lane is None:
            at = {"x": _f(lx + lw / 2), "y": _f(22 * s), "text-anchor": "middle", "font-weight": "700", "fill": ink}
            out.append(_text(at, "the folio after the step"))
            continue
        name = lanes[lane]
        colour, glyph = LANE_STYLE.get(name, (OKABE_ITO["grey"], name[:2].upper()))
        chip = {"x": _f(lx), "y": _f(6 * s), "width": _f(26 * s), "height": _f(22 * s), "rx": _f(4 * s)}
        at = {"x": _f(lx + 13 * s), "y": _f(22 * s), "text-anchor": "middle", "font-weight": "700"}
        out.append(
            element("rect", {**chip, "fill": colour})
            + _text({**at, "fill": "#000000" if colour in DARK_TEXT else "#FFFFFF"}, glyph)
            + _text({"x": _f(lx + 32 * s), "y": _f(22 * s), "font-weight": "700", "fill": ink}, name)
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


def _timeline_row(
    replay: Replay,
    i: int,
    upto: int,
    xs: list[tuple[int | None, float, float]],
    geometry: tuple[float, float, float],
    t: Any,
) -> Markup:
    """Row ``i`` of the timeline: the step number, the cell of the lane that moved, the waiting lanes, notes."""
    head, row_h, width = geometry
    s, fs, ink = t.scale, t.font_px, _INK
    steps = replay.scenario.steps
    last = len(steps) - 1
    y = head + row_h * i
    future, current = i > upto, i == upto
    classes = "fv-race-row" + (" fv-race-current" if current else "") + (" fv-race-future" if future else "")
    cells: list[Markup] = []
    if current:
        at = {"x": _f(1 * s), "y": _f(y + 1), "width": _f(width - 2 * s), "height": _f(row_h - 2)}
        mark = {"fill": OKABE_ITO["yellow"], "fill-opacity": 0.35, "stroke": ink, "stroke-width": t.stroke}
        cells.append(element("rect", {**at, **mark}))
    number = {
        "x": _f(6 * s),
        "y": _f(y + row_h / 2 + fs * 0.35),
        "fill": ink,
        "font-weight": "700" if current else None,
    }
    cells.append(_text(number, f"{'▶ ' if current else ''}{i}"))
    waiting = {} if future else replay.waiting(i)
    if i == 0:
        at = {"x": _f(xs[0][1] + 10 * s), "y": _f(y + row_h / 2 + fs * 0.35), "fill": "#555555"}
        cells.append(_text({**at, "font-style": "italic"}, "start: no thread has moved"))
    moved = replay.mover(i)
    for lane, lx, lw in xs:
        if lane is None:
            if not future:
                cells.append(_folio_cell(replay, steps[i].state, lx, lw, y, t, row_h))
            continue
        colour, _ = LANE_STYLE.get(replay.lanes[lane], (OKABE_ITO["grey"], ""))
        if moved == lane:
            cells.append(_move_cell(replay.moves[i - 1], colour, lx, lw, y, t, row_h, future))
        elif lane in waiting:
            cells.append(_wait_cell(waiting[lane], colour, lx, lw, y, t, row_h))
    notes = [] if future else _row_notes(replay, i, last)
    if notes:
        at = {"x": _f(width - 6 * s), "y": _f(y + 12 * s), "text-anchor": "end", "font-weight": "700", "fill": ink}
        cells.append(_text({**at, "font-size": _i(fs * 0.8)}, " · ".join(notes)))
    return element("g", {"class": classes, "data-step": i, "opacity": 0.3 if future else None}, cells)


def race_timeline_svg(replay: Replay, upto: int | None = None, *, presenter: bool | None = None) -> Markup:
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
    now = steps[upto]
    label = (
        f"Interleaving of {', '.join(lanes)}: {len(steps) - 1} steps, outcome {replay.outcome.name}. "
        f"At step {upto}: {now.caption}"
    )
    parts = [
        element("rect", {"width": _i(width), "height": _i(height), "fill": "#FFFFFF"}),
        _text({"x": _f(6 * s), "y": _f(22 * s), "font-weight": "700", "fill": _INK}, "step"),
        *_lane_headers(xs, lanes, t),
        *(_timeline_row(replay, i, upto, xs, (head, row_h, width), t) for i in range(len(steps))),
    ]
    fonts = {"font-family": t.sans, "font-size": fs, "data-step": upto}
    return _svg(width, height, label, parts, class_="fv-race-timeline", **fonts)

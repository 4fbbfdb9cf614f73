"""The primer's pictures, as pure functions returning SVG markup (no widget, no state).

* :func:`folio_map_svg`: page -> folio -> ``mapping`` -> ``address_space`` or ``anon_vma``.
* :func:`write_fault_svg`: why a shared writable page starts read-only, and what the first store does
  (dirty tracking), with the ``VM_FAULT_*`` answers of ``do_page_mkwrite()``.
* :func:`folio_mapping_order_svg`: the order of ``folio_mapping()``'s tests (notebook 01).

Both draw on their own white background (so they read the same in a dark theme), use the Okabe-Ito
palette with a label and a shape beside every colour, and scale up in presenter mode. They describe
the email's era (``get_era("email")``), whose release the primer's links point to.
"""

from __future__ import annotations

from ..kernel.versions import Era, get_era
from .markup import DiagramIds, Markup, element
from .theme import KIND_STYLE, OKABE_ITO, theme

__all__ = ["folio_map_svg", "folio_mapping_order_svg", "write_fault_svg"]

INK = "#1A1A1A"


#: Draws the ids' placeholders; :func:`_diagram` seals each diagram with a ``DiagramIds`` of its caller's salt.
_IDS = DiagramIds()


def _diagram(
    width: float, height: float, label: str, font: str, size: int, s: float, parts: list[Markup], id_salt: str = ""
) -> Markup:
    """The whole ``<svg>``: size, label, title, the arrow head's marker, a white background, then ``parts``."""
    marker = element(
        "marker",
        {
            "id": _IDS.id("arrow"),
            "viewBox": "0 0 10 10",
            "refX": "9",
            "refY": "5",
            "markerWidth": f"{7 * s:.1f}",
            "markerHeight": f"{7 * s:.1f}",
            "orient": "auto-start-reverse",
        },
        [element("path", {"d": "M0,0 L10,5 L0,10 z", "fill": INK})],
    )
    attrs = {
        "xmlns": "http://www.w3.org/2000/svg",
        "class": "fv-diagram fv-primer",
        "width": f"{width:.0f}",
        "height": f"{height:.0f}",
        "viewBox": f"0 0 {width:.0f} {height:.0f}",
        "role": "img",
        "aria-label": label,
        "font-family": font,
        "font-size": size,
    }
    background = element(
        "rect", {"x": "0", "y": "0", "width": f"{width:.0f}", "height": f"{height:.0f}", "fill": "#FFFFFF"}
    )
    children = [element("title", {}, [label]), element("defs", {}, [marker]), background, *parts]
    return DiagramIds(id_salt).seal(element("svg", attrs, children))


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: float | None = None,
    bold: bool = False,
    anchor: str = "start",
    fill: str = INK,
    mono: str = "",
) -> Markup:
    attrs = {
        "x": f"{x:.1f}",
        "y": f"{y:.1f}",
        "text-anchor": anchor,
        "fill": fill,
        "font-size": f"{size:.1f}" if size else None,
        "font-weight": "700" if bold else None,
        "font-family": mono or None,
    }
    return element("text", attrs, [text])


def _box(
    x: float,
    y: float,
    w: float,
    h: float,
    *,
    stroke: str = INK,
    width: float = 1.6,
    fill: str = "#FFFFFF",
    dash: str = "",
) -> Markup:
    attrs = {"x": f"{x:.1f}", "y": f"{y:.1f}", "width": f"{w:.1f}", "height": f"{h:.1f}", "rx": "6", "fill": fill}
    return element(
        "rect", {**attrs, "stroke": stroke, "stroke-width": f"{width:.1f}", "stroke-dasharray": dash or None}
    )


def _arrow(x1: float, y1: float, x2: float, y2: float, width: float, dash: str = "") -> Markup:
    ends = {"x1": f"{x1:.1f}", "y1": f"{y1:.1f}", "x2": f"{x2:.1f}", "y2": f"{y2:.1f}"}
    line = {"stroke": INK, "stroke-width": f"{width:.1f}", "marker-end": _IDS.url("arrow")}
    return element("line", {**ends, **line, "stroke-dasharray": dash or None})


def _kind_mark(kind: str, cx: float, cy: float, r: float) -> Markup:
    """The kind's colour, shape and glyph, as in every other folioviz view (square = file, circle = anon)."""
    style = KIND_STYLE[kind]
    if kind == "file":
        square = {"x": f"{cx - r:.1f}", "y": f"{cy - r:.1f}", "width": f"{2 * r:.1f}", "height": f"{2 * r:.1f}"}
        shape = element("rect", {**square, "fill": style.colour})
    else:
        shape = element("circle", {"cx": f"{cx:.1f}", "cy": f"{cy:.1f}", "r": f"{r:.1f}", "fill": style.colour})
    glyph = {"x": f"{cx:.1f}", "y": f"{cy + r * 0.4:.1f}", "text-anchor": "middle", "font-weight": "700"}
    return shape + element("text", {**glyph, "font-size": f"{r * 1.1:.1f}", "fill": style.text_colour}, [style.glyph])


def folio_map_svg(*, presenter: bool | None = None, id_salt: str = "") -> Markup:
    """Page -> folio -> ``mapping`` -> ``struct address_space`` (a file) or ``struct anon_vma`` (anonymous)."""
    t = theme(presenter)
    s = t.scale
    fs = t.font_px
    small = fs * 0.9
    width, height = 780 * s, 330 * s
    label = (
        "A folio is one or more pages handled as one; its mapping field points, for a file folio (tag 00), "
        "to the file's struct address_space, and for an anonymous folio (tag 01) to a struct anon_vma, "
        "which finds the VMAs that map it."
    )
    p: list[Markup] = []
    # --- four pages, one folio
    px, py, pw, ph, gap = 16 * s, 46 * s, 46 * s, 40 * s, 6 * s
    p.append(_text(px, py - 26 * s, "physical memory: pages", bold=True))
    for i in range(4):
        x = px + i * (pw + gap)
        p.append(_box(x, py, pw, ph, fill="#F2F2F2", width=t.stroke))
        p.append(_text(x + pw / 2, py + ph / 2 + 5 * s, "page", size=small, anchor="middle"))
    brace_y = py + ph + 12 * s
    right = px + 4 * pw + 3 * gap
    brace = f"M{px:.1f},{brace_y - 6 * s:.1f} L{px:.1f},{brace_y:.1f} L{right:.1f},{brace_y:.1f} "
    brace += f"L{right:.1f},{brace_y - 6 * s:.1f}"
    p.append(element("path", {"d": brace, "fill": "none", "stroke": INK, "stroke-width": f"{t.stroke:.1f}"}))
    p.append(_text(px, brace_y + 20 * s, "one folio = 1, 2, 4 ... contiguous pages;", size=small))
    p.append(_text(px, brace_y + 38 * s, "flags, mapping: the head (first) page's fields", size=small))
    # --- the folio's fields
    fx, fy, fw, fh = 16 * s, 176 * s, 228 * s, 132 * s
    p.append(_box(fx, fy, fw, fh, fill="#F7F7F7", width=t.stroke))
    p.append(_text(fx + 10 * s, fy - 8 * s, "struct folio", bold=True))
    rows = [("flags", "locked, dirty, lru, ..."), ("_refcount", "how many holders"), ("index", "offset in the file")]
    for i, (name, note) in enumerate(rows):
        y = fy + 26 * s + i * 24 * s
        p.append(_text(fx + 12 * s, y, name, mono=t.mono, size=small))
        p.append(_text(fx + 96 * s, y, note, size=small))
    my = fy + 26 * s + 3 * 24 * s
    p.append(_box(fx + 6 * s, my - 17 * s, fw - 12 * s, 26 * s, stroke=OKABE_ITO["orange"], width=t.stroke * 1.6))
    p.append(_text(fx + 12 * s, my, "mapping", mono=t.mono, size=small, bold=True))
    p.append(_text(fx + 96 * s, my, "a pointer + 2 tag bits", size=small))
    p.append(_arrow(px + 2 * pw, brace_y + 46 * s, px + 2 * pw, fy - 24 * s, t.stroke))
    # --- the two targets
    tx, tw, th = 430 * s, 330 * s, 104 * s
    targets = [
        (
            "file",
            40 * s,
            "tag 00: a file's folio",
            "struct address_space",
            ["one per cached file: the page cache's", "index of its folios, by offset"],
        ),
        (
            "anon",
            192 * s,
            "tag 01: anonymous memory",
            "struct anon_vma",
            ["finds every VMA that may map the folio", "(it is not a VMA itself)"],
        ),
    ]
    start_x, start_y = fx + fw, my - 4 * s
    for kind, ty, tag, title, lines in targets:
        colour = KIND_STYLE[kind].colour
        p.append(_box(tx, ty, tw, th, stroke=colour, width=t.stroke * 2))
        p.append(_kind_mark(kind, tx + 24 * s, ty + 26 * s, 13 * s))
        p.append(_text(tx + 46 * s, ty + 31 * s, title, bold=True, mono=t.mono))
        for i, line in enumerate(lines):
            p.append(_text(tx + 14 * s, ty + 60 * s + i * 20 * s, line, size=small))
        end_y = ty + th / 2
        p.append(_arrow(start_x, start_y, tx - 4 * s, end_y, t.stroke))
        p.append(_text(tx - 10 * s, end_y - 12 * s, tag, size=small, anchor="end", bold=True))
    p.append(
        _text(
            tx,
            height - 10 * s,
            "Tags 10 (movable) and 11 (KSM), and slab: notebook 01.",
            size=small,
            fill=OKABE_ITO["grey"],
        )
    )
    return _diagram(width, height, label, t.sans, fs, s, p, id_salt)


def write_fault_svg(*, presenter: bool | None = None, id_salt: str = "") -> Markup:
    """A shared writable file page: read-only at first, the first store faults, ``->page_mkwrite`` answers."""
    t = theme(presenter)
    s = t.scale
    fs = t.font_px
    small = fs * 0.9
    width, height = 780 * s, 440 * s
    label = (
        "Dirty tracking: a shared writable mapping's page table entries start read-only; the first store "
        "faults; do_page_mkwrite calls the handler's page_mkwrite; VM_FAULT_LOCKED or 0 then a successful check "
        "lets the write go on and the folio is marked dirty; 0 with a NULL mapping, or VM_FAULT_NOPAGE, retries "
        "the fault; VM_FAULT_SIGBUS or another error fails it; writeback later cleans the folio and "
        "write-protects the entries again."
    )
    p: list[Markup] = []
    email = get_era("email")
    user, kern = OKABE_ITO["orange"], OKABE_ITO["blue"]
    # left column: the story, top to bottom
    x, w, h = 16 * s, 330 * s, 62 * s
    steps = [
        (
            user,
            "1  mmap(MAP_SHARED, PROT_WRITE)",
            "the VMA may be written, but its page",
            "table entries start read-only",
        ),
        (user, "2  the first store to a page", "the CPU finds a read-only entry:", "a write fault"),
        (
            kern,
            "3  do_wp_page() or do_shared_fault()",
            "entry present: wp_page_shared();",
            "no entry yet: do_shared_fault()",
        ),
        (kern, "4  do_page_mkwrite()", "calls the file's ->page_mkwrite,", "then judges its answer (right)"),
    ]
    ys = []
    for i, (colour, title, a, b) in enumerate(steps):
        y = 22 * s + i * (h + 24 * s)
        ys.append(y)
        p.append(_box(x, y, w, h, stroke=colour, width=t.stroke * 1.6))
        who = "you" if colour == user else "kernel"
        p.append(_text(x + w - 8 * s, y + 17 * s, who, size=small * 0.9, anchor="end", fill=INK, bold=True))
        p.append(_text(x + 10 * s, y + 18 * s, title, bold=True, size=small))
        p.append(_text(x + 10 * s, y + 38 * s, a, size=small))
        p.append(_text(x + 10 * s, y + 55 * s, b, size=small))
        if i:
            p.append(_arrow(x + w / 2, ys[i - 1] + h, x + w / 2, y - 2 * s, t.stroke))
    # right column: the answers
    rx, rw, rh = 380 * s, 384 * s, 58 * s
    answers = [
        ("bluish_green", "✔", "VM_FAULT_LOCKED", "modern handler, folio locked: go on"),
        ("bluish_green", "✔", "0, mapping still set", "old-school: the kernel locked and checked"),
        ("grey", "↻", "0, mapping NULL  ·  VM_FAULT_NOPAGE", "nothing mapped here: the store runs again"),
        ("vermillion", "✕", "VM_FAULT_SIGBUS (VM_FAULT_ERROR)", "the access fails: the task gets SIGBUS"),
    ]
    ay0 = 22 * s
    src_x, src_y = x + w, ys[3] + h / 2
    for i, (colour_name, glyph, code, meaning) in enumerate(answers):
        colour = OKABE_ITO[colour_name]
        y = ay0 + i * (rh + 14 * s)
        p.append(_box(rx, y, rw, rh, stroke=colour, width=t.stroke * 1.6))
        p.append(
            element(
                "circle", {"cx": f"{rx + 22 * s:.1f}", "cy": f"{y + rh / 2:.1f}", "r": f"{13 * s:.1f}", "fill": colour}
            )
            + _text(rx + 22 * s, y + rh / 2 + 6 * s, glyph, anchor="middle", bold=True, fill="#FFFFFF")
        )
        p.append(_text(rx + 44 * s, y + 24 * s, code, mono=t.mono, size=small, bold=True))
        p.append(_text(rx + 44 * s, y + 44 * s, meaning, size=small))
        p.append(_arrow(src_x, src_y, rx - 4 * s, y + rh / 2, t.stroke * 0.7, dash="4 3"))
    # bottom: what "go on" does, and writeback
    by = ay0 + 4 * (rh + 14 * s) + 6 * s
    p.append(_box(rx, by, rw, 84 * s, stroke=OKABE_ITO["bluish_green"], width=t.stroke, fill="#F3FBF8"))
    p.append(_text(rx + 12 * s, by + 20 * s, "go on: the entry becomes writable,", size=small, bold=True))
    p.append(_text(rx + 12 * s, by + 38 * s, "the folio is marked dirty, the store runs.", size=small))
    p.append(_text(rx + 12 * s, by + 58 * s, "Later writeback saves the folio, cleans it and", size=small))
    p.append(_text(rx + 12 * s, by + 76 * s, "makes the entry read-only again: back to 2.", size=small))
    p.append(
        _text(
            x + 10 * s,
            ys[3] + h + 26 * s,
            f"Kernel shown: {email.label} (links: {email.release}).",
            size=small * 0.95,
            fill=OKABE_ITO["grey"],
        )
    )
    return _diagram(width, height, label, t.sans, fs, s, p, id_salt)


def folio_mapping_order_svg(
    era: Era | str | None = None, *, presenter: bool | None = None, id_salt: str = ""
) -> Markup:
    """``folio_mapping()``'s three tests in the order the kernel makes them: slab, swap cache, tag bits.

    The first test that says yes decides the answer, which is why "NULL for any tag bit" and "the swap
    cache's space whatever the word holds" do not contradict each other. ``era`` picks the third test:
    from v6.0 any tag bit gives NULL; before v6.0 only the anon bit did (``page_mapping()``).
    """
    resolved = get_era(era)
    helper = resolved.kernel_name("folio_mapping")
    arg = "page" if helper == "page_mapping" else "folio"
    t = theme(presenter)
    s = t.scale
    fs = t.font_px
    small = fs * 0.9
    width, height = 780 * s, 330 * s
    if resolved.folio_mapping_nulls_all_tags:
        third, third_yes = "3  is either tag bit of mapping set?", "NULL (anon, movable, KSM: not a file)"
    else:
        third, third_yes = "3  is the anon bit of mapping set?", "NULL (anon, KSM); movable: tag masked off"
    label = (
        f"{helper}() in {resolved.label}: first, a slab folio gives NULL; then a folio in the swap cache gives "
        "the swap cache's address_space, whatever its word holds; then the tag bits are tested; otherwise the "
        "word itself is returned: a file's address_space, or NULL after removal from the page cache."
    )
    p: list[Markup] = []
    grey, green, blue = OKABE_ITO["grey"], OKABE_ITO["bluish_green"], OKABE_ITO["blue"]
    tests = [
        (f"1  {resolved.kernel_name('folio_test_slab')}({arg})?", "NULL: the word is slab data", grey),
        (f"2  {resolved.kernel_name('folio_test_swapcache')}({arg})?", "the swap cache's address_space", green),
        (third, third_yes, grey),
    ]
    x, w, h, step = 16 * s, 330 * s, 50 * s, 70 * s
    rx, rw = 430 * s, 334 * s
    p.append(_text(x, 20 * s, f"{helper}({arg}), {resolved.label}: the first yes decides", bold=True))
    for i, (question, answer, colour) in enumerate(tests):
        y = 36 * s + i * step
        p.append(_box(x, y, w, h, stroke=INK, width=t.stroke))
        p.append(_text(x + 12 * s, y + h / 2 + 5 * s, question, mono=t.mono, size=small))
        p.append(_box(rx, y, rw, h, stroke=colour, width=t.stroke * 1.6))
        p.append(_text(rx + 12 * s, y + h / 2 + 5 * s, answer, size=small, bold=True))
        p.append(_arrow(x + w, y + h / 2, rx - 4 * s, y + h / 2, t.stroke))
        p.append(_text((x + w + rx) / 2, y + h / 2 - 6 * s, "yes", size=small, anchor="middle", bold=True))
        p.append(_arrow(x + w / 2, y + h, x + w / 2, y + step - 2 * s, t.stroke))
        p.append(_text(x + w / 2 + 8 * s, y + h + 14 * s, "no", size=small, bold=True))
    y = 36 * s + 3 * step
    p.append(_box(x, y, w + (rx - x - w) + rw, h + 6 * s, stroke=blue, width=t.stroke * 1.6))
    if resolved.folio_mapping_nulls_all_tags:
        last, note = (
            "4  return the word itself",
            "the file's address_space, or NULL once the folio has left the page cache",
        )
    else:
        last, note = (
            "4  return the word, tag bits masked off",
            ("a file's or a movable driver's address_space, or NULL after removal"),
        )
    p.append(_text(x + 12 * s, y + 22 * s, last, mono=t.mono, size=small, bold=True))
    p.append(_text(x + 12 * s, y + 42 * s, note, size=small))
    p.append(
        _text(
            width - 10 * s,
            height - 10 * s,
            f"{resolved.label} · links: {resolved.release}",
            size=small * 0.95,
            anchor="end",
            fill=grey,
        )
    )
    return _diagram(width, height, label, t.sans, fs, s, p, id_salt)

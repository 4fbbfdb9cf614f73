"""Views of what real kernels showed (the kernel lab's records, :mod:`folioviz.kernel.observed`).

Pure functions: record -> markup (tables with inline SVG), Okabe–Ito colours always paired with a
label or a glyph. Each output is static and self-contained: what a reader sees in JupyterLab is what nbconvert,
GitHub and the static site store and show (the snapshot is the output; nothing in it needs Python running).
"""

from __future__ import annotations

from ..kernel.observed import (
    Comparison,
    KernelRecord,
    ObservedPage,
    compare,
    comparisons,
    record,
    records,
    rules_seen,
)
from .markup import Markup, element, escape, tag
from .tables import style_html
from .theme import KIND_STYLE, OKABE_ITO

__all__ = [
    "AGREE_STYLE",
    "ksm_bug_html",
    "movable_change_html",
    "observed_table_html",
    "records_summary_html",
    "rules_seen_html",
    "truncation_html",
]

#: How agreement is shown: a glyph and a word with each colour.
AGREE_STYLE = {
    "agree": (OKABE_ITO["bluish_green"], "✔", "agree"),
    "b7": (OKABE_ITO["orange"], "⚠", "the kernel's B7 bug"),
    "disagree": (OKABE_ITO["vermillion"], "✘", "disagree"),
}

_MARKS = {
    "tag": (OKABE_ITO["orange"], "the movable tag: mapping bits 1–0"),
    "flag": (OKABE_ITO["sky_blue"], "PG_uptodate, read as PG_movable_ops on a zsmalloc page from v6.17"),
    "type": (OKABE_ITO["reddish_purple"], "the page type: the top byte of page_type (PGTY_zsmalloc = 0xf6)"),
}


def _wrap(body: Markup, label: str) -> Markup:
    return style_html(controls=False) + tag("div", body, class_="folioviz", aria_label=label)


def _chip(text: str, style: str) -> Markup:
    """``text`` on a coloured background (``style`` is this module's own CSS: colours from the theme)."""
    return tag("span", text, style=style)


def _kind(kind: str) -> Markup:
    style = KIND_STYLE.get(kind)
    if style is None:
        return escape(kind or "no class")
    chip = f"background:{style.colour};color:{style.text_colour};padding:0 0.3em;border-radius:3px"
    return _chip(style.glyph, chip) + Markup(" ") + escape(style.label)


def _badge(key: str) -> Markup:
    """The glyph of an agreement style on its colour, the text black or white for contrast (never colour alone:
    the word follows)."""
    colour, glyph, _ = AGREE_STYLE[key]
    text = "#000" if key == "b7" else "#FFF"
    return _chip(glyph, f"background:{colour};color:{text};font-weight:700;padding:0 0.3em;border-radius:3px")


def _agree_cell(result: Comparison) -> Markup:
    key = "agree" if result.agree else "b7" if result.b7 else "disagree"
    return Markup("<td>{} {}</td>").format(_badge(key), AGREE_STYLE[key][2])


def _build_line(rec: KernelRecord) -> Markup:
    package = rec.kernel.packages[0]
    return Markup("<b>{}</b> (<code>{}</code>, Debian {}, <code>{}</code> {}; {}) · era <code>{}</code>").format(
        rec.kernel.version,
        rec.release,
        rec.kernel.suite,
        package.name,
        package.version,
        tag("a", "source on Elixir", href=rec.elixir),
        rec.era.id,
    )


def observed_table_html(release: str) -> Markup:
    """One kernel: each recorded page, what the kernel says (and from what), what folioviz says, and whether
    they agree."""
    rec = record(release)
    rows = []
    for result in comparisons(rec):
        obs, ours = result.observation, result.folioviz
        swap = " · swap cache" if ours.swapcache else ""
        head = " (through its head)" if ours.via_head else ""
        rows.append(
            Markup(
                "<tr><td><code>{}</code><br><small>{} · pfn {:#x}</small></td>"
                '<td>{}{}<div class="fv-cell-note">{}</div></td>'
                '<td>{}{}{}<div class="fv-cell-note">word <code>{:#018x}</code></div></td>{}</tr>'
            ).format(
                obs.scenario,
                obs.role,
                obs.page.pfn,
                _kind(result.kernel.kind),
                " · swap cache" if result.kernel.swapcache else "",
                result.kernel.evidence,
                _kind(ours.kind),
                swap,
                head,
                ours.word,
                _agree_cell(result),
            )
        )
    caption = Markup("<caption>Observed on {}</caption>").format(_build_line(rec))
    head_row = Markup(
        "<tr><th>scenario</th><th>the kernel says (observed)</th><th>folioviz says (decoded from the words)</th>"
        "<th></th></tr>"
    )
    table = tag("table", caption, head_row, *rows, class_="fv-table", aria_label="kernel versus folioviz")
    return _wrap(table, "kernel versus folioviz")


def records_summary_html() -> Markup:
    """Every recorded kernel: build, era, pages recorded, agreement, and whole memory."""
    rows = []
    for rec in records():
        results = comparisons(rec)
        agree = sum(r.agree for r in results)
        b7 = sum(r.b7 for r in results)
        whole = rec.whole_memory
        scenario = f"{agree} of {len(results)}" + (f" (+{b7} B7)" if b7 else "")
        memory = f"{whole.agree} of {whole.compared}" + (
            f" (+{whole.kpf_ksm_on_plain_anon} B7)" if whole.kpf_ksm_on_plain_anon else ""
        )
        rows.append(Markup("<tr><td>{}</td><td>{}</td><td>{}</td></tr>").format(_build_line(rec), scenario, memory))
    head = Markup(
        "<tr><th>kernel booted</th><th>scenario pages: folioviz agrees</th>"
        "<th>whole memory: pages kpageflags classifies, folioviz agrees</th></tr>"
    )
    return _wrap(tag("table", head, *rows, class_="fv-table", aria_label="the kernels booted"), "the kernels booted")


def _bits(value: int, top: int, marked: dict[int, str]) -> Markup:
    """Bits ``top``..``top-7`` of ``value``, the marked ones coloured and labelled by a letter."""
    out: list[Markup | str] = []
    for bit in range(top, top - 8, -1):
        digit = str(value >> bit & 1)
        if bit in marked:
            colour, _ = _MARKS[marked[bit]]
            out.append(
                tag(
                    "span",
                    digit,
                    style=f"background:{colour};color:#000;font-weight:700;padding:0 1px",
                    title=f"bit {bit}",
                )
            )
        else:
            out.append(digit)
    return Markup("<code>{}</code> <small>(bits {}–{})</small>").format(Markup("").join(out), top, top - 7)


def _flag_bit(rec: KernelRecord, name: str) -> int:
    for mask, flag in rec.pageflag_names:
        if flag == name and mask and mask & (mask - 1) == 0:
            return mask.bit_length() - 1
    raise KeyError(name)


def _zsmalloc_column(rec: KernelRecord) -> list[Markup]:
    obs = rec.observation("zsmalloc")
    page: ObservedPage = obs.page
    ours = compare(obs, rec).folioviz
    uptodate = _flag_bit(rec, "uptodate")
    type_bits = {b: "type" for b in range(24, 32)} if page.page_type else {}
    return [
        _build_line(rec),
        Markup("<code>{:#018x}</code><br>{}<br>%pGp: <code>{}</code>").format(
            page.flags, _bits(page.flags, 7, {uptodate: "flag"}), "|".join(page.pgp) or "(none)"
        ),
        Markup("<code>{:#018x}</code><br>{}").format(page.mapping, _bits(page.mapping, 7, {1: "tag", 0: "tag"})),
        Markup("<code>{:#010x}</code><br>{}<br>{}").format(
            page.mapcount_word, _bits(page.mapcount_word, 31, type_bits), page.page_type or "no page type"
        ),
        escape(obs.role.replace("-", " ")),
        Markup("{} · movable_ops {} · folio_test_movable(): {}").format(
            _kind(ours.kind),
            "yes" if ours.movable_ops else "no",
            ours.decode.helper("folio_test_movable").text,
        ),
    ]


def movable_change_html(before: str | None = None, after: str | None = None) -> Markup:
    """The same kind of page, a zsmalloc page of zram's store, on the last kernel with the movable tag and the
    first with ``PG_movable_ops``: its words side by side, the bits that say "movable" coloured.

    By default the two recorded builds on either side of that change (asked of their eras, not their numbers)."""
    tagged = [r for r in records() if r.era.movable_tag and not r.era.movable_ops_flag]
    flagged = [r for r in records() if r.era.movable_ops_flag]
    left = record(before) if before else tagged[-1]
    right = record(after) if after else flagged[0]
    columns = [_zsmalloc_column(left), _zsmalloc_column(right)]
    labels = (
        "kernel",
        "flags",
        "mapping",
        "_mapcount / page_type",
        "how the lab found it (the kernel's own symbol or type)",
        "folioviz says",
    )
    rows = [
        Markup("<tr><th>{}</th><td>{}</td><td>{}</td></tr>").format(label, columns[0][i], columns[1][i])
        for i, label in enumerate(labels)
    ]
    key = Markup(" ").join(
        _chip(text, f"background:{colour};color:#000;padding:0 0.3em") for colour, text in _MARKS.values()
    )
    table = tag(
        "table",
        Markup("<caption>A zsmalloc page, before and after v6.17</caption>"),
        *rows,
        class_="fv-table",
        aria_label="the movable tag and its replacement",
    )
    return _wrap(table + Markup("<p>Coloured bits: {}</p>").format(key), "the movable tag and its replacement")


def ksm_bug_html() -> Markup:
    """The kpageflags KSM bug (B7) across builds: what kpageflags says of the plain anonymous page, how many
    plain anonymous pages of the whole memory it calls KSM, and what the word's tag says."""
    rows = []
    most = max(1, *(r.whole_memory.kpf_ksm_on_plain_anon for r in records()))
    for rec in records():
        anon = rec.observation("anon").page
        count = rec.whole_memory.kpf_ksm_on_plain_anon
        seen = rec.ksm_bug_seen()
        colour = AGREE_STYLE["b7" if seen else "agree"][0]
        width = 120 * count // most
        bar = element(
            "svg",
            {"width": "130", "height": "14", "role": "img", "aria-label": f"{count} pages"},
            [element("rect", {"width": width, "height": "12", "fill": colour})],
        )
        rows.append(
            Markup(
                "<tr><td>{}</td><td><code>{}</code></td><td>tag <code>0b{:02b}</code> → anon</td><td>{} {}</td>"
                "<td>{} {}</td></tr>"
            ).format(
                _build_line(rec),
                "|".join(anon.kpageflags),
                anon.mapping & 3,
                bar,
                count,
                _badge("b7" if seen else "agree"),
                "bug seen" if seen else "no bug",
            )
        )
    head = Markup(
        "<caption>/proc/kpageflags on a plain anonymous page (B7)</caption>"
        "<tr><th>kernel</th><th>kpageflags of the anon scenario's page (observed)</th><th>its word</th>"
        "<th>plain anon pages called KSM, whole memory</th><th></th></tr>"
    )
    table = tag("table", head, *rows, class_="fv-table", aria_label="the kpageflags KSM bug")
    return _wrap(table, "the kpageflags KSM bug")


def truncation_html(release: str) -> Markup:
    """A real truncation: the page-cache events the trace saw for the truncated file, then the page as the dump
    holds it (``mapping`` NULL, still referenced)."""
    rec = record(release)
    obs = rec.observation("truncated")
    page = obs.page
    ino = next(e.ino for e in rec.trace if e.pfn == page.pfn)
    steps = []
    for event in rec.trace:
        if event.ino != ino:
            continue
        colour = OKABE_ITO["blue"] if event.event.startswith("add") else OKABE_ITO["vermillion"]
        glyph = "＋" if event.event.startswith("add") else "－"
        steps.append(
            Markup(
                "<tr><td>{} <code>mm_filemap_{}</code></td><td>dev {} ino {}</td><td>pfn {:#x} · offset {}</td></tr>"
            ).format(
                _chip(glyph, f"color:{colour};font-weight:700"),
                event.event,
                event.dev,
                event.ino,
                event.pfn,
                event.offset,
            )
        )
    result = compare(obs, rec)
    steps.append(
        Markup(
            "<tr><td>▶ <b>in the dump</b></td><td><code>mapping = {:#x}</code> · refcount <b>{}</b></td><td>{}: "
            "<code>!folio-&gt;mapping</code> is {} (truncated, yet still referenced: the pipe holds it)</td></tr>"
        ).format(
            page.mapping,
            page.refcount,
            _kind(result.folioviz.kind),
            "true" if result.folioviz.decode.raw_check_truncated else "false",
        )
    )
    head = Markup(
        "<caption>A truncation traced on {}</caption><tr><th>event (observed)</th><th>file</th><th>page</th></tr>"
    ).format(_build_line(rec))
    table = tag("table", head, *steps, class_="fv-table", aria_label="a truncation traced")
    return _wrap(table, "a truncation traced")


def rules_seen_html() -> Markup:
    """Every rule, and the builds on which a real kernel showed it (or "read in source only")."""
    from ..kernel.rules import get_rule

    rows = []
    for rule_id, builds in rules_seen():
        rule = get_rule(rule_id)
        seen = (
            _chip("●", f"color:{OKABE_ITO['bluish_green']}") + escape(f" seen on {', '.join(builds)}")
            if builds
            else _chip("○", f"color:{OKABE_ITO['grey']}") + escape(" read in source only")
        )
        rows.append(Markup("<tr><td><b>{}</b></td><td>{}</td><td>{}</td></tr>").format(rule_id, rule.title, seen))
    head = Markup("<tr><th>rule</th><th>title</th><th>on a real kernel</th></tr>")
    table = tag("table", head, *rows, class_="fv-table", aria_label="rules seen on real kernels")
    return _wrap(table, "rules seen on real kernels")

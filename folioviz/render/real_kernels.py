"""Views of what real kernels showed (the kernel lab's records, :mod:`folioviz.kernel.observed`).

Pure functions: record -> escaped HTML text (tables with inline SVG), Okabe–Ito colours always paired with a
label or a glyph. Each output is static and self-contained: what a reader sees in JupyterLab is what nbconvert,
GitHub and the static site store and show (the snapshot is the output; nothing in it needs Python running).
"""

from __future__ import annotations

from html import escape

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


def _wrap(body: str, label: str) -> str:
    return style_html(controls=False) + f'<div class="folioviz" aria-label="{escape(label)}">{body}</div>'


def _kind(kind: str) -> str:
    style = KIND_STYLE.get(kind)
    if style is None:
        return escape(kind or "no class")
    return (
        f'<span style="background:{style.colour};color:{style.text_colour};padding:0 0.3em;border-radius:3px">'
        f"{escape(style.glyph)}</span> {escape(style.label)}"
    )


def _badge(key: str) -> str:
    """The glyph of an agreement style on its colour, the text black or white for contrast (never colour alone:
    the word follows)."""
    colour, glyph, _ = AGREE_STYLE[key]
    text = "#000" if key == "b7" else "#FFF"
    return (
        f'<span style="background:{colour};color:{text};font-weight:700;padding:0 0.3em;border-radius:3px">'
        f"{glyph}</span>"
    )


def _agree_cell(result: Comparison) -> str:
    key = "agree" if result.agree else "b7" if result.b7 else "disagree"
    return f"<td>{_badge(key)} {escape(AGREE_STYLE[key][2])}</td>"


def _build_line(rec: KernelRecord) -> str:
    package = rec.kernel.packages[0]
    return (
        f"<b>{escape(rec.kernel.version)}</b> (<code>{escape(rec.release)}</code>, Debian {escape(rec.kernel.suite)}, "
        f"<code>{escape(package.name)}</code> {escape(package.version)}; "
        f'<a href="{escape(rec.elixir)}">source on Elixir</a>) · era <code>{escape(rec.era.id)}</code>'
    )


def observed_table_html(release: str) -> str:
    """One kernel: each recorded page, what the kernel says (and from what), what folioviz says, and whether
    they agree."""
    rec = record(release)
    rows = []
    for result in comparisons(rec):
        obs, ours = result.observation, result.folioviz
        swap = " · swap cache" if ours.swapcache else ""
        head = " (through its head)" if ours.via_head else ""
        rows.append(
            f"<tr><td><code>{escape(obs.scenario)}</code><br><small>{escape(obs.role)} · pfn {obs.page.pfn:#x}"
            f"</small></td><td>{_kind(result.kernel.kind)}{' · swap cache' if result.kernel.swapcache else ''}"
            f'<div class="fv-cell-note">{escape(result.kernel.evidence)}</div></td>'
            f"<td>{_kind(ours.kind)}{swap}{escape(head)}"
            f'<div class="fv-cell-note">word <code>{ours.word:#018x}</code></div></td>' + _agree_cell(result) + "</tr>"
        )
    caption = f"Observed on {_build_line(rec)}"
    return _wrap(
        f'<table class="fv-table" aria-label="kernel versus folioviz"><caption>{caption}</caption>'
        "<tr><th>scenario</th><th>the kernel says (observed)</th><th>folioviz says (decoded from the words)</th>"
        "<th></th></tr>" + "".join(rows) + "</table>",
        "kernel versus folioviz",
    )


def records_summary_html() -> str:
    """Every recorded kernel: build, era, pages recorded, agreement, and whole memory."""
    rows = []
    for rec in records():
        results = comparisons(rec)
        agree = sum(r.agree for r in results)
        b7 = sum(r.b7 for r in results)
        whole = rec.whole_memory
        rows.append(
            f"<tr><td>{_build_line(rec)}</td><td>{agree} of {len(results)}"
            + (f" (+{b7} B7)" if b7 else "")
            + f"</td><td>{whole.agree} of {whole.compared}"
            + (f" (+{whole.kpf_ksm_on_plain_anon} B7)" if whole.kpf_ksm_on_plain_anon else "")
            + "</td></tr>"
        )
    return _wrap(
        '<table class="fv-table" aria-label="the kernels booted">'
        "<tr><th>kernel booted</th><th>scenario pages: folioviz agrees</th>"
        "<th>whole memory: pages kpageflags classifies, folioviz agrees</th></tr>" + "".join(rows) + "</table>",
        "the kernels booted",
    )


def _bits(value: int, top: int, marked: dict[int, str]) -> str:
    """Bits ``top``..``top-7`` of ``value``, the marked ones coloured and labelled by a letter."""
    out = []
    for bit in range(top, top - 8, -1):
        digit = str(value >> bit & 1)
        if bit in marked:
            colour, _ = _MARKS[marked[bit]]
            out.append(
                f'<span style="background:{colour};color:#000;font-weight:700;padding:0 1px" '
                f'title="bit {bit}">{digit}</span>'
            )
        else:
            out.append(digit)
    return f"<code>{''.join(out)}</code> <small>(bits {top}–{top - 7})</small>"


def _flag_bit(rec: KernelRecord, name: str) -> int:
    for mask, flag in rec.pageflag_names:
        if flag == name and mask and mask & (mask - 1) == 0:
            return mask.bit_length() - 1
    raise KeyError(name)


def _zsmalloc_column(rec: KernelRecord) -> list[str]:
    obs = rec.observation("zsmalloc")
    page: ObservedPage = obs.page
    ours = compare(obs, rec).folioviz
    uptodate = _flag_bit(rec, "uptodate")
    return [
        _build_line(rec),
        f"<code>{page.flags:#018x}</code><br>"
        + _bits(page.flags, 7, {uptodate: "flag"})
        + f"<br>%pGp: <code>{escape('|'.join(page.pgp) or '(none)')}</code>",
        f"<code>{page.mapping:#018x}</code><br>" + _bits(page.mapping, 7, {1: "tag", 0: "tag"}),
        f"<code>{page.mapcount_word:#010x}</code><br>"
        + _bits(page.mapcount_word, 31, {b: "type" for b in range(24, 32)} if page.page_type else {})
        + f"<br>{escape(page.page_type or 'no page type')}",
        escape(obs.role.replace("-", " ")),
        f"{_kind(ours.kind)} · movable_ops {'yes' if ours.movable_ops else 'no'} · folio_test_movable(): "
        f"{escape(ours.decode.helper('folio_test_movable').text)}",
    ]


def movable_change_html(before: str | None = None, after: str | None = None) -> str:
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
    rows = "".join(
        f"<tr><th>{escape(label)}</th><td>{columns[0][i]}</td><td>{columns[1][i]}</td></tr>"
        for i, label in enumerate(labels)
    )
    key = " ".join(
        f'<span style="background:{colour};color:#000;padding:0 0.3em">{escape(text)}</span>'
        for colour, text in _MARKS.values()
    )
    return _wrap(
        '<table class="fv-table" aria-label="the movable tag and its replacement">'
        f"<caption>A zsmalloc page, before and after v6.17</caption>{rows}</table><p>Coloured bits: {key}</p>",
        "the movable tag and its replacement",
    )


def ksm_bug_html() -> str:
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
        bar = (
            f'<svg width="130" height="14" role="img" aria-label="{count} pages"><rect width="{width}" height="12" '
            f'fill="{colour}"/></svg> {count}'
        )
        rows.append(
            f"<tr><td>{_build_line(rec)}</td><td><code>{escape('|'.join(anon.kpageflags))}</code></td>"
            f"<td>tag <code>0b{anon.mapping & 3:02b}</code> → anon</td><td>{bar}</td>"
            f"<td>{_badge('b7' if seen else 'agree')} {'bug seen' if seen else 'no bug'}</td></tr>"
        )
    return _wrap(
        '<table class="fv-table" aria-label="the kpageflags KSM bug">'
        "<caption>/proc/kpageflags on a plain anonymous page (B7)</caption>"
        "<tr><th>kernel</th><th>kpageflags of the anon scenario's page (observed)</th><th>its word</th>"
        "<th>plain anon pages called KSM, whole memory</th><th></th></tr>" + "".join(rows) + "</table>",
        "the kpageflags KSM bug",
    )


def truncation_html(release: str) -> str:
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
            f'<tr><td><span style="color:{colour};font-weight:700">{glyph}</span> '
            f"<code>mm_filemap_{escape(event.event)}</code></td><td>dev {escape(event.dev)} ino {escape(event.ino)}"
            f"</td><td>pfn {event.pfn:#x} · offset {event.offset}</td></tr>"
        )
    result = compare(obs, rec)
    steps.append(
        f"<tr><td>▶ <b>in the dump</b></td><td><code>mapping = {page.mapping:#x}</code> · "
        f"refcount <b>{page.refcount}</b></td><td>{_kind(result.folioviz.kind)}: "
        f"<code>!folio-&gt;mapping</code> is {'true' if result.folioviz.decode.raw_check_truncated else 'false'} "
        "(truncated, yet still referenced: the pipe holds it)</td></tr>"
    )
    return _wrap(
        '<table class="fv-table" aria-label="a truncation traced">'
        f"<caption>A truncation traced on {_build_line(rec)}</caption>"
        "<tr><th>event (observed)</th><th>file</th><th>page</th></tr>" + "".join(steps) + "</table>",
        "a truncation traced",
    )


def rules_seen_html() -> str:
    """Every rule, and the builds on which a real kernel showed it (or "read in source only")."""
    from ..kernel.rules import get_rule

    rows = []
    for rule_id, builds in rules_seen():
        rule = get_rule(rule_id)
        seen = (
            f'<span style="color:{OKABE_ITO["bluish_green"]}">●</span> seen on {escape(", ".join(builds))}'
            if builds
            else f'<span style="color:{OKABE_ITO["grey"]}">○</span> read in source only'
        )
        rows.append(f"<tr><td><b>{escape(rule_id)}</b></td><td>{escape(rule.title)}</td><td>{seen}</td></tr>")
    return _wrap(
        '<table class="fv-table" aria-label="rules seen on real kernels">'
        "<tr><th>rule</th><th>title</th><th>on a real kernel</th></tr>" + "".join(rows) + "</table>",
        "rules seen on real kernels",
    )

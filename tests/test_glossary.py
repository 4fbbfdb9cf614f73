"""The glossary and the learner's path (issue 12).

* every glossary term is defined, with a source line in a pinned release, and the primer shows it;
* in every committed notebook, the first use of each glossary term links to its entry in the primer;
* no notebook calls a ready notebook "planned" or "coming";
* the primer is registered everywhere the notebook list lives.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from folioviz.kernel.datafiles import workbook_notebooks
from folioviz.kernel.sources import source_ref
from tools.notebooks.glossary import PRIMER, anchor_of, link_first_uses, prose_uses, terms

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
WORKBOOK = workbook_notebooks()
READY = [nb.id for nb in workbook_notebooks("ready")]
ISSUE_TERMS = (
    # the terms the learner met before they were explained (issue 12), by glossary id
    "folio", "page-cache", "address_space", "reference-count", "folio-lock", "anonymous-memory", "anon_vma",
    "ksm", "slab", "swap-cache", "lru", "non-lru-movable-page", "dax", "pfn-map", "hole-punch", "truncation",
    "dirty-tracking", "vm_fault-codes",
)  # fmt: skip


def _cells(name: str) -> list[dict]:
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())["cells"]


def _markdown(name: str) -> list[str]:
    return ["".join(c["source"]) for c in _cells(name) if c["cell_type"] == "markdown"]


def test_every_term_the_issue_lists_is_in_the_glossary():
    ids = [t.id for t in terms()]
    assert len(ids) == len(set(ids)), "duplicate glossary ids"
    assert set(ISSUE_TERMS) <= set(ids), sorted(set(ISSUE_TERMS) - set(ids))


@pytest.mark.parametrize("term", terms(), ids=lambda t: t.id)
def test_every_term_is_defined_with_a_pinned_source(term):
    assert len(term.definition.split()) >= 8, "a definition, in a sentence or more"
    assert term.match, "prose patterns, so first uses can be found and linked"
    ident, _, release = term.source.rpartition("@")
    ref = source_ref(ident, release)
    assert ref.line is not None and f"/linux/{release}/source/" in ref.url
    assert re.fullmatch(r"[\w -]+", term.heading), "plain heading text: its anchor must be the same everywhere"


def test_the_primer_shows_every_term_in_the_cell_its_links_point_to():
    cells = {c["id"]: "".join(c["source"]) for c in _cells(PRIMER)}
    text = "\n".join(_markdown(PRIMER))
    assert re.findall(r"^#### (.+)$", text, re.M) == [t.heading for t in terms()]
    for term in terms():
        entry = cells[term.cell_id]  # the fragment #cell-id=glossary-<id> finds this cell
        assert entry.startswith(f"#### {term.heading}\n") and term.anchor == f"cell-id={term.cell_id}"
        assert f"[`{source_ref(*term.source.rsplit('@', 1)).path}" in entry


@pytest.mark.parametrize("name", READY)
def test_first_use_of_each_term_links_to_the_glossary(name):
    first = prose_uses(_markdown(name))
    prefix = f"{PRIMER}.ipynb"
    by_id = {t.id: t for t in terms()}
    unlinked = {tid: words for tid, (words, target) in first.items() if target != f"{prefix}#{by_id[tid].anchor}"}
    assert not unlinked, f"{name}: first uses not linked to the glossary: {unlinked}"


def test_core_notebooks_use_the_core_terms():
    """The check above is not vacuous: the notebooks do use the terms."""
    used = {tid for name in READY for tid in prose_uses(_markdown(name))}
    assert set(ISSUE_TERMS) <= used, sorted(set(ISSUE_TERMS) - used)


def test_linking_skips_headings_code_and_other_links_and_links_once():
    cells = [
        "# A folio heading\n\nSee [`mm/truncate.c:1` (v6.1.4)](https://example.invalid) and `truncate_x()`.",
        "```\nfolio\n```\nA folio, then another folio; `struct anon_vma`.",
    ]
    out = link_first_uses(cells, "02_page_cache_refcounts")
    assert out[0].splitlines()[0] == "# A folio heading"
    assert "[`mm/truncate.c:1` (v6.1.4)](https://example.invalid)" in out[0]
    assert out[1].startswith("```\nfolio\n```")
    assert out[1].count(f"]({PRIMER}.ipynb#cell-id=glossary-folio)") == 1
    assert f"[`struct anon_vma`]({PRIMER}.ipynb#cell-id=glossary-anon_vma)" in out[1]


def test_a_term_wrapped_onto_the_next_line_is_still_found_and_linked():
    out = link_first_uses(["After a hole\npunch inside the file, the page cache refills."], "03_do_page_mkwrite")
    assert f"[hole\npunch]({PRIMER}.ipynb#cell-id=glossary-hole-punch)" in out[0]
    assert prose_uses(out)["hole-punch"] == ("hole\npunch", f"{PRIMER}.ipynb#cell-id=glossary-hole-punch")


def test_comparisons_are_not_taken_for_html():
    out = link_first_uses(["count < 2 while the folio > 0 references"], "02_page_cache_refcounts")
    assert f"[folio]({PRIMER}.ipynb#cell-id=glossary-folio)" in out[0]


def test_heading_ids_are_what_the_frontends_generate():
    assert anchor_of("page cache") == "page-cache" and anchor_of("VM_FAULT codes") == "VM_FAULT-codes"
    ids = [t.cell_id for t in terms()]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", i) for i in ids) and len(set(ids)) == len(ids)


# ------------------------------------------------------------------------- stale notes


_STALE = re.compile(r"\b(planned|coming next|coming soon|to come|not written yet)\b", re.I)


@pytest.mark.parametrize("name", [nb.id for nb in WORKBOOK])
def test_no_notebook_calls_a_ready_notebook_planned_or_coming(name):
    source = (NOTEBOOKS / "src" / f"{name}.py").read_text()
    for paragraph in re.split(r"\n#\s*\n", source):
        if not _STALE.search(paragraph):
            continue
        mentioned = [nb for nb in READY if nb in paragraph or re.search(rf"\bnotebooks? [^.]*\b{nb[:2]}\b", paragraph)]
        assert not mentioned, f"{name} calls ready notebook(s) {mentioned} planned/coming: {paragraph.strip()[:200]}"


def test_the_stale_note_rule_catches_the_old_wording():
    old = "# **Next:** `06_races` explores every interleaving (planned)."
    assert _STALE.search(old) and "06_races" in old


# ------------------------------------------------------------------------- registration


def test_the_primer_sorts_before_01_and_is_registered_everywhere():
    assert "00_start_here" < PRIMER < "01_the_mapping_word"
    assert READY.index(PRIMER) == READY.index("00_start_here") + 1
    assert (NOTEBOOKS / "src" / f"{PRIMER}.py").exists() and (NOTEBOOKS / f"{PRIMER}.ipynb").exists()
    assert f"notebooks/{PRIMER}.ipynb" in (ROOT / "README.md").read_text()
    assert f'"{PRIMER}.ipynb"' in (ROOT / "tests" / "browser" / "test_workbook_suite.py").read_text()
    assert PRIMER in (NOTEBOOKS / "src" / "00_start_here.py").read_text()


def test_start_here_has_a_short_route_whose_times_are_honest():
    """Issue 19: 30 minutes for a reader who knows the words, and a newcomer's time said too (and in the README)."""
    text = (NOTEBOOKS / "src" / "00_start_here.py").read_text()
    route = text.split("## The short route", 1)[1].split("# %%", 1)[0]
    rows = re.findall(r"^# \| (\d+) / (\d+) \|", route, re.M)
    familiar, new = sum(int(a) for a, _ in rows), sum(int(b) for _, b in rows)
    assert familiar == 30 and f"about {new} for a newcomer" in re.sub(r"\s*\n#\s*", " ", route)
    assert 45 <= new <= 75 and "about an hour" in route
    assert (
        "30 minutes for a reader" in (ROOT / "README.md").read_text()
        and "about an hour" in (ROOT / "README.md").read_text()
    )
    for name in re.findall(r"`(\d\d_\w+)`", route):
        assert name in READY, name

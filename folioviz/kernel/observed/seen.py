"""Which rules (R1–R12, B1–B7) a real kernel showed, per recorded build (:func:`rules_seen`)."""

from __future__ import annotations

from functools import cache

from .recordfiles import KernelRecord, records
from .says import comparisons

__all__ = ["rules_seen"]


# --------------------------------------------------------------------------- rules seen


#: What a record must show for a rule to count as seen on that build (the scenarios' pages).
_RULE_EVIDENCE = {
    "R1": ("file", "anon", "ksm", "slab", "zsmalloc"),
    "R2": ("slab",),
    "R3": ("anon", "ksm"),
    "R4": ("file",),
    "R5": ("anon",),
    "R6": ("zsmalloc",),
    "R7": ("ksm",),
    "R8": ("truncated",),
    "B2": ("zsmalloc",),
    "B3": ("swapcache",),
}


def _rule_seen(rule: str, rec: KernelRecord) -> bool:
    if rule == "B7":
        return rec.ksm_bug_seen()
    if rule == "R6":
        return not rec.era.movable_ops_flag and _scenarios_agree(rec, ("zsmalloc",))
    if rule == "B2":
        return _scenarios_agree(rec, ("zsmalloc",))
    if rule == "R8":
        return _truncation_seen(rec)
    wanted = _RULE_EVIDENCE.get(rule)
    return bool(wanted) and _scenarios_agree(rec, wanted)  # type: ignore[arg-type]


def _scenarios_agree(rec: KernelRecord, scenarios: tuple[str, ...]) -> bool:
    present = set(rec.scenarios())
    if not set(scenarios) <= present:
        return False
    # a B7 page counts: its word was read right, the kernel's KPF_KSM is the build's bug (seen as B7)
    return all(c.agree or c.b7 for c in comparisons(rec) if c.observation.scenario in scenarios)


def _truncation_seen(rec: KernelRecord) -> bool:
    page = rec.observation("truncated").page
    return page.mapping == 0 and page.refcount >= 1 and page.pfn in rec.removed_pfns()


@cache
def rules_seen() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """For each rule (R1–R12, B1–B7): the recorded builds (versions) on which a real kernel showed it.

    A rule counts as seen on a build when the scenarios that show it are recorded there and folioviz agrees
    with the kernel on all of them, or differs only by the kernel's own B7 bug. B7: when the build has the
    kpageflags bug; R6: the 0b10 tag itself, so only before v6.17; R8: the truncated page's word is NULL, it is
    still referenced, and the trace saw it deleted. The other rules (do_page_mkwrite()'s branches, the history)
    were read in source only; an empty tuple says so."""
    from ..rules import rules

    return tuple(
        (rule.id, tuple(rec.kernel.version for rec in records() if _rule_seen(rule.id, rec))) for rule in rules()
    )

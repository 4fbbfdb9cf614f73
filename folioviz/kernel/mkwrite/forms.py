"""``do_page_mkwrite()``'s code forms, and our numbered pseudo-code of each, linked to the real lines.

The function had two shapes in released kernels (``data/kernels.toml``, ``mkwrite_shape``): it took a
page until v6.5 and the folio its caller passes from v6.6. The v1 patch of July 2023 and a what-if
before v6.0 test the helper instead of the raw word. Each form's 17 pseudo-code lines are numbered
alike, so a view can keep a line highlighted while the learner switches kernel or check.

>>> code_form("6.4"), code_form("6.12"), code_form("6.4", "folio_mapping()").value
(<CodeForm.PAGE: 'page'>, <CodeForm.FOLIO: 'folio'>, 'folio-v1')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache
from types import MappingProxyType

from ..errors import MkwriteInputError
from ..sources import SourceRef, source_ref
from ..versions import get_kernel, release_kernel

__all__ = [
    "CHECKS",
    "HELPER",
    "RAW",
    "CodeForm",
    "PseudoLine",
    "code_form",
    "normalise_check",
    "pinned_release",
    "pseudo_code",
    "render_pseudo_code",
]


def pinned_release(kernel: str | None = None) -> str:
    """The release whose ``mm/memory.c`` the links for ``kernel`` point to (``data/kernels.toml``).

    v5.10.223 before v6.0, v6.1.4 for v6.0 – v6.5 (the page form, the email's era), v6.12.8 for
    v6.6 – v6.16 (the folio form), v7.2.8 from v6.17.
    """
    return str(get_kernel(kernel).feature("mkwrite_release"))


def _page_shaped(release: str) -> bool:
    """The release's ``do_page_mkwrite()`` still takes a page (``struct page *page = vmf->page``)."""
    return bool(release_kernel(release).feature("mkwrite_shape") == "page")


RAW = "folio->mapping"
HELPER = "folio_mapping()"
#: The two truncation checks: the raw field (merged) and the helper (the v1 patch of July 2023).
CHECKS: Mapping[str, str] = MappingProxyType(
    {
        RAW: "test the raw word, as merged in v6.6 (and as !page->mapping before)",
        HELPER: "test folio_mapping(), as the v1 patch of 2 July 2023 did (page_mapping() before v5.16)",
    }
)
_CHECK_ALIASES = {
    "folio->mapping": RAW,
    "!folio->mapping": RAW,
    "page->mapping": RAW,
    "!page->mapping": RAW,
    "raw": RAW,
    "folio_mapping()": HELPER,
    "folio_mapping": HELPER,
    "folio_mapping(folio)": HELPER,
    "!folio_mapping(folio)": HELPER,
    "page_mapping()": HELPER,
    "page_mapping": HELPER,
    "page_mapping(page)": HELPER,
    "v1": HELPER,
}


class CodeForm(Enum):
    """One shape of ``do_page_mkwrite()``'s code (see the table in the module docstring)."""

    PAGE = "page"
    FOLIO = "folio"
    FOLIO_V1 = "folio-v1"
    PAGE_HELPER = "page-helper"

    @property
    def label(self) -> str:
        return _FORM_INFO[self]["label"]

    @property
    def description(self) -> str:
        return _FORM_INFO[self]["description"]

    @property
    def merged(self) -> bool:
        """True for code some released kernel had; False for the v1 patch and the pre-v6.0 what-if."""
        return self in (CodeForm.PAGE, CodeForm.FOLIO)

    @property
    def lock_call(self) -> str:
        return "lock_page(page)" if self._page_based else "folio_lock(folio)"

    @property
    def unlock_call(self) -> str:
        return "unlock_page(page)" if self._page_based else "folio_unlock(folio)"

    @property
    def check_expr(self) -> str:
        """The truncation test as this form spells it: ``!folio->mapping``, ``!folio_mapping(folio)``..."""
        return {
            CodeForm.PAGE: "!page->mapping",
            CodeForm.FOLIO: "!folio->mapping",
            CodeForm.FOLIO_V1: "!folio_mapping(folio)",
            CodeForm.PAGE_HELPER: "!page_mapping(page)",
        }[self]

    @property
    def bug_check(self) -> str:
        if self._page_based:
            return "VM_BUG_ON_PAGE(!PageLocked(page), page)"
        return "VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio)"

    @property
    def get_call(self) -> str:
        return "get_page(page)" if self._page_based else "folio_get(folio)"

    @property
    def put_call(self) -> str:
        return "put_page(page)" if self._page_based else "folio_put(folio)"

    @property
    def _page_based(self) -> bool:
        return self in (CodeForm.PAGE, CodeForm.PAGE_HELPER)


_FORM_INFO: dict[CodeForm, dict[str, str]] = {
    CodeForm.PAGE: {
        "label": "page form (v5.10 – v6.5)",
        "description": "The code of the email's time: lock_page(), !page->mapping, VM_BUG_ON_PAGE(). "
        "Read in v5.10.223 and v6.1.4; the July 2023 patches show the same code after v6.4.",
    },
    CodeForm.FOLIO: {
        "label": "folio form (v6.6 and later)",
        "description": "Sidhartha Kumar's conversion as merged in v6.6 (v3 of the patch): folio_lock(), "
        "!folio->mapping, VM_BUG_ON_FOLIO(), and the folio passed in by the caller. Read in v6.12.8 and "
        "v7.2.8.",
    },
    CodeForm.FOLIO_V1: {
        "label": "v1 patch: !folio_mapping(folio) (never merged)",
        "description": "The first version of the conversion (2 July 2023) tested folio_mapping(folio). "
        "Matthew Wilcox objected (the email): for an old driver page tagged movable it returns NULL in "
        "v6.0 – v6.16 and the fault would retry for ever. For kernels from v6.6 this shows what would have "
        "happened had v1 been merged.",
    },
    CodeForm.PAGE_HELPER: {
        "label": "what-if before v6.0: !page_mapping(page)",
        "description": "No kernel had this: the page form with the v1 patch's idea, spelled with the helper "
        "of the time (page_mapping(); folio_mapping() from v5.16). Before v6.0 the helper returned the "
        "masked, non-NULL pointer for a movable page, so even this would not have looped (B2).",
    },
}


def normalise_check(check: object) -> str:
    """The truncation check ``check`` names (an alias allowed), as :data:`RAW` or :data:`HELPER`.

    :raises MkwriteInputError: for any other value
    """
    if not isinstance(check, str) or check.strip() not in _CHECK_ALIASES:
        raise MkwriteInputError(
            f"check must be {RAW!r} (the raw word, as merged) or {HELPER!r} (as the v1 patch had it), not {check!r}"
        )
    return _CHECK_ALIASES[check.strip()]


def code_form(kernel: str | None = None, check: str = RAW) -> CodeForm:
    """The form of ``do_page_mkwrite()`` for a kernel (default: the default era's) and a truncation check."""
    info = get_kernel(kernel)
    if normalise_check(check) == RAW:
        return CodeForm(info.feature("mkwrite_shape"))
    return CodeForm(info.feature("helper_check_form"))


# --------------------------------------------------------------------------- the pseudo-code


@dataclass(frozen=True)
class PseudoLine:
    """One numbered line of our pseudo-code, with the real line it stands for.

    :param number: 1-based; the same number means the same step in every form
    :param text: our paraphrase, indented four spaces per level
    :param comment: a short gloss (views may show it dimmed)
    :param source: the real line in the pinned release (``mm/memory.c``)
    """

    number: int
    text: str
    comment: str
    source: SourceRef


#: For each pseudo line: the sources.toml anchor, and the offset from it in a page-shaped release
#: (v5.10.223, v6.1.4) and in a folio-shaped one (v6.12.8, v7.2.8). Checked against all four
#: release tarballs; the anchors are the lines recorded in ``data/sources.toml``.
_ANCHORS: dict[int, tuple[str, int, int]] = {
    1: ("do_page_mkwrite", 0, 0),
    2: ("do_page_mkwrite", 3, 3),
    3: ("do_page_mkwrite", 6, 5),
    4: ("do_page_mkwrite#is-swapfile-check", 0, 0),
    5: ("do_page_mkwrite#is-swapfile-check", 1, 1),
    6: ("do_page_mkwrite#call-of-page-mkwrite", 0, 0),
    7: ("do_page_mkwrite#call-of-page-mkwrite", 2, 2),
    8: ("do_page_mkwrite#vm-fault-error-vm-fault-nopage-test", 0, 0),
    9: ("do_page_mkwrite#vm-fault-error-vm-fault-nopage-test", 1, 1),
    10: ("do_page_mkwrite#vm-fault-locked-test", 0, 0),
    11: ("do_page_mkwrite#lock-line", 0, 0),
    12: ("do_page_mkwrite#mapping-check", 0, 0),
    13: ("do_page_mkwrite#mapping-check", 1, 1),
    14: ("do_page_mkwrite#return-0", 0, 0),
    15: ("do_page_mkwrite#return-0", 2, 2),
    16: ("do_page_mkwrite#vm-bug-on-line", 0, 0),
    17: ("do_page_mkwrite#vm-bug-on-line", 1, 1),
}

# Line numbers of the pseudo-code, by role (the same in every form).
L_ENTRY, L_SAVE, L_SET_FLAGS, L_SWAPFILE, L_SWAPFILE_RET = 1, 2, 3, 4, 5
L_CALL, L_RESTORE, L_ERR_TEST, L_ERR_RET, L_LOCKED_TEST = 6, 7, 8, 9, 10
L_LOCK, L_CHECK, L_UNLOCK, L_RET0, L_SET_LOCKED, L_BUG, L_RET = 11, 12, 13, 14, 15, 16, 17


def _line_texts(form: CodeForm) -> dict[int, tuple[str, str]]:
    page = form in (CodeForm.PAGE, CodeForm.PAGE_HELPER)
    entry = {
        CodeForm.PAGE: ("do_page_mkwrite(vmf):", "the caller holds a page reference, not the page lock"),
        CodeForm.PAGE_HELPER: ("do_page_mkwrite(vmf):", "the caller holds a page reference, not the page lock"),
        CodeForm.FOLIO: ("do_page_mkwrite(vmf, folio):", "the caller holds a folio reference, not the lock"),
        CodeForm.FOLIO_V1: ("do_page_mkwrite(vmf):", "v1 still took only vmf; the folio came from vmf->page"),
    }[form]
    save = {
        CodeForm.PAGE: "page = vmf->page; saved = vmf->flags",
        CodeForm.PAGE_HELPER: "page = vmf->page; saved = vmf->flags",
        CodeForm.FOLIO: "saved = vmf->flags",
        CodeForm.FOLIO_V1: "folio = page_folio(vmf->page); saved = vmf->flags",
    }[form]
    check_comment = "was it truncated while unlocked?"
    if form is CodeForm.FOLIO_V1:
        check_comment = "v1: NULL for ANY tag bit in v6.0 – v6.16 (R11)"
    elif form is CodeForm.PAGE_HELPER:
        check_comment = "what-if: masked pointer before v6.0, not NULL (B2)"
    return {
        1: entry,
        2: ("    " + save, "remember the caller's flags"),
        3: ("    vmf->flags = FAULT_FLAG_WRITE | FAULT_FLAG_MKWRITE", "what ->page_mkwrite sees"),
        4: ("    if the VMA's file is an active swapfile (IS_SWAPFILE):", "checked before the handler runs"),
        5: ("        return VM_FAULT_SIGBUS", "never dirty a swapfile; flags are not restored here"),
        6: ("    ret = vma->vm_ops->page_mkwrite(vmf)", "the file's or driver's handler"),
        7: ("    vmf->flags = saved", "restore, so the caller is not surprised"),
        8: ("    if ret has a VM_FAULT_ERROR or VM_FAULT_NOPAGE bit:", "error, or 'nothing to do, retry'"),
        9: ("        return ret", "passed up unchanged"),
        10: ("    if ret lacks VM_FAULT_LOCKED:", "an old-school handler returned 0"),
        11: ("        " + ("lock_page(page)" if page else "folio_lock(folio)"), "do it for the handler"),
        12: ("        if " + form.check_expr + ":", check_comment),
        13: ("            " + ("unlock_page(page)" if page else "folio_unlock(folio)"), "give the lock back"),
        14: ("            return 0", "'retry the fault', not an error (B5)"),
        15: ("        ret |= VM_FAULT_LOCKED", "as if the handler had locked it"),
        16: ("    else: " + form.bug_check, "a runtime check only with CONFIG_DEBUG_VM"),
        17: ("    return ret", "locked on every non-zero, non-error return"),
    }


def _line_ref(number: int, release: str) -> SourceRef:
    anchor, page_offset, folio_offset = _ANCHORS[number]
    ref = source_ref(anchor, release)
    if ref.line is None:  # no recorded line: keep Elixir's identifier search at the release
        return source_ref("do_page_mkwrite", release)
    offset = page_offset if _page_shaped(release) else folio_offset
    return SourceRef(identifier="do_page_mkwrite", release=release, path=ref.path, line=ref.line + offset)


@cache
def _pseudo_code(form: CodeForm, release: str) -> tuple[PseudoLine, ...]:
    texts = _line_texts(form)
    return tuple(
        PseudoLine(number, texts[number][0], texts[number][1], _line_ref(number, release)) for number in sorted(texts)
    )


def pseudo_code(kernel: str | None = None, check: str = RAW) -> tuple[PseudoLine, ...]:
    """Our numbered pseudo-code of ``do_page_mkwrite()`` for a kernel and a check, linked to the pinned release.

    The 17 lines are numbered alike in every form, so a view can keep a line highlighted while the
    learner switches kernel or check. For the ``folio-v1`` form at a page-era kernel (v6.0 – v6.5),
    the links point to the v6.1.4 lines the v1 patch rewrote.
    """
    return _pseudo_code(code_form(kernel, check), pinned_release(kernel))


def render_pseudo_code(lines: tuple[PseudoLine, ...], *, comments: bool = True, mark: int | None = None) -> str:
    """The listing as plain text: ``NN  text   # comment``; ``mark`` puts ``>`` before one line number."""
    width = max(len(line.text) for line in lines)
    out = []
    for line in lines:
        prefix = ">" if mark == line.number else " "
        text = f"{prefix}{line.number:2d}  {line.text}"
        if comments and line.comment:
            text = f"{text.ljust(width + 5)}  # {line.comment}"
        out.append(text.rstrip())
    return "\n".join(out)

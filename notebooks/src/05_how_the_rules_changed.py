# %% [markdown] id="05-how-the-rules-changed-2007-2026"
# # 05 · How the rules changed, 2007 – 2026
#
# **What you will be able to do:** place the email in the history of `do_page_mkwrite()` and of the
# mapping word; say which kernels could show the endless retry; and check a claim about "the modern
# way" against what the commits actually did.
#
# **Which kernels:** every event names the release it landed in and links to its commit or mail.
# The explorer below switches the widgets to the era of each event: before v6.0 (links to
# v5.10.223), v6.0 – v6.16 (v6.1.4) and v6.17 onwards (v7.2.8). "Today" here means the newest release
# we read, v7.2.8, as served by Debian's archive on 26 November 2026.
#
# *How sure each entry is.* A release marked **≈** is our best estimate, not checked: the change was
# seen in a mailing-list post or a later tree, but the first release that shipped it was not read. A
# table entry's *unverified* note names which of its fields (date, version, commit) were not checked in
# source or mail. A quiz's answer uses the same data, so an answer marked ≈ is an estimate too.
#
# Facts taught here: **B1, B2, B3, B6** and the history behind **R12**.

# %% id="05-how-the-rules-changed-2007-2026-1"
from IPython.display import HTML

from folioviz.kernel.mkwrite import CodeForm
from folioviz.render.history import history_figure
from folioviz.render.markup import Markup
from folioviz.render.mkwrite import history_table_html
from folioviz.render.tables import era_table_html
from folioviz.widgets.exercises import ChoiceQuiz, history_release_quiz, history_year_quiz, livelock_era_quiz
from folioviz.widgets.history import HistoryExplorer

# %% [markdown] id="the-timeline"
# ## The timeline
#
# Blue circles changed `do_page_mkwrite()` or how it is called; orange diamonds changed what the
# mapping word can hold. The shaded span is the only stretch in which testing `folio_mapping()`
# could have made a fault retry for ever (B2), had that test been merged; no released kernel had it
# (notebook 03). Hover a marker for its date and title.

# %% id="the-timeline-1"
history_figure()

# %% [markdown] id="explore-a-moment"
# ## Explore a moment
#
# Pick a moment: the card says what changed, the table says what the email's driver page (an old
# driver's page tagged movable, with an old-school handler) would do under each truncation check in
# that era, and the mapping-word widget below it switches to that era, in place. Try *2022-08 · v6.0*,
# then *2025-07 · v6.17*.

# %% id="explore-a-moment-1"
HistoryExplorer("email-2023")

# %% [markdown] id="the-email-s-dates-checked-b1"
# ## The email's dates, checked (B1)
#
# The email dates the "modern" protocol to 2007, commit {{commit:d0217ac04ca6591841e5665f518e38064f4e65bd}}.
# The history took two steps, and they did different things:
#
# * **2007** ({{commit:d0217ac04ca6591841e5665f518e38064f4e65bd}}, "mm: fault feedback #1"): the *kernel*
#   started checking after the handler. `->page_mkwrite` always returned with the page unlocked; the
#   fault path then locked it and treated a NULL `mapping` as a truncation that happened meanwhile.
# * **2009** ({{commit:b827e496c893de0c0f142abfaeb8730a2fd6b37f}}, "mm: close page_mkwrite races"): the
#   *handler* may lock the page itself and say so with `VM_FAULT_LOCKED`, so its own check stays true
#   until the fault is done. That is the "modern" protocol. Handlers that still return 0 get the 2007
#   check as a fallback: lock, return 0 to retry if `mapping` is NULL.
#
# Both halves are still in v7.2.8's `do_page_mkwrite()` ({{src:do_page_mkwrite#vm-fault-locked-test@v7.2.8}},
# {{src:do_page_mkwrite#mapping-check@v7.2.8}}).

# %% [markdown] id="what-the-mapping-word-went-through-b2-b3"
# ## What the mapping word went through (B2, B3)
#
# * **v6.0** made movable pages point to a `struct movable_operations` and made `folio_mapping()`
#   return NULL for any tag bit ({{src:folio_mapping#flags-test@v6.1.4}}); before it, only the anon
#   bit gave NULL and other tags were masked off ({{src:page_mapping#flags-test@v5.10.223}}).
# * **v6.17** took the movable marking out of the word altogether: a page flag, `PG_movable_ops`
#   ({{src:PG_movable_ops@v7.2.8}}), and the constants became `FOLIO_MAPPING_*`
#   ({{src:FOLIO_MAPPING_FLAGS@v7.2.8}}).
# * **v6.18** gave the swap cache one global `address_space`, `swap_space`, which `folio_mapping()` now
#   returns for every swap-cache folio. v6.17.8 still has one set of spaces per swap device; v6.18.15 has
#   the global one ({{src:swapper_spaces@v6.17.8}}, {{src:swap_space@v6.18.15}},
#   {{src:folio_mapping#swap-cache-branch@v6.18.15}}).
#
# The same driver word in the three eras:

# %% id="what-the-mapping-word-went-through-b2-b3-1"
HTML(era_table_html("0xffffffffc0a04042"))

# %% [markdown] id="after-the-email-b6-r12"
# ## After the email (B6, R12)
#
# The folio conversion that prompted the email was merged in v6.6 testing the raw `folio->mapping`
# ({{src:do_page_mkwrite#mapping-check@v6.12.8}}). The `WARN_ON_ONCE` the email proposed for handlers
# that still return 0 was not added: the old-school path in v7.2.8 is unchanged and silent.
#
# Two drivers used to store their file's `address_space` in the `mapping` word of their own pages, and
# both have stopped. Why they stored it: perf, so that the raw check in `do_page_mkwrite()` would see a
# non-NULL word for its driver memory; fb_defio, so that `page_mkclean()` (the kernel function that finds
# every page-table entry mapping a page and makes it read-only again, so that the next write faults) could
# find its pages' entries. Why they stopped: perf now maps its buffer as a PFN map, with no `struct page`
# for the fault path to use, and fb_defio keeps the file's mapping in the driver's own state and
# write-protects through that:
#
# * **perf**'s `.fault` still does it in v6.12.8 ({{src:perf_mmap_fault#sets-page-mapping@v6.12.8}}); by
#   v7.2.8 perf maps its buffer as a PFN map and registers only a `.pfn_mkwrite`. Its `.page_mkwrite`
#   had been old-school for page 0 of the buffer only (notebook 04).
# * **fb_defio**'s `.fault` does it in v5.10.223, v6.1.4 and v6.12.8
#   ({{src:fb_deferred_io_fault#sets-page-mapping@v6.1.4}}, {{src:fb_deferred_io_fault#sets-page-mapping@v6.12.8}})
#   and no longer in v6.17.8 or v7.2.8 ({{src:fb_deferred_io_fault@v6.17.8}}, {{src:fb_deferred_io_fault@v7.2.8}}),
#   which keep the file's mapping in the driver's own state instead. Its `->page_mkwrite` did not change convention: it already locked the page and
#   returned `VM_FAULT_LOCKED` in v5.10.223 ({{src:fb_deferred_io_mkwrite#returns-vm-fault-locked@v5.10.223}})
#   and v6.1.4 ({{survey:fb_deferred_io_mkwrite@v6.1.4}}), as in v7.2.8
#   ({{survey:fb_deferred_io_mkwrite@v7.2.8}}). The patch, "fb_defio: do not use
#   deprecated page->mapping, index fields", was posted in early 2025
#   ({{lore:81171ab16c14e3df28f6de9d14982cee528d8519.1739029358.git.lorenzo.stoakes@oracle.com}}); which
#   release first shipped it was not checked (after v6.12.8, by v6.17.8).
#
# kernfs still returns 0 when the ops it wraps have no `->page_mkwrite`
# ({{src:kernfs_vma_page_mkwrite#ret-0@v7.2.8}}).

# %% id="after-the-email-b6-r12-1"
HTML(history_table_html())

# %% [markdown] id="check-your-understanding"
# ## Check your understanding
#
# The answers come from the history data and the model; each shows once you answer.

# %% id="check-your-understanding-1"
livelock_era_quiz()

# %% id="check-your-understanding-2"
history_year_quiz(
    "locked-return-2009",
    Markup(
        "In which year could a <code>->page_mkwrite</code> handler first hand the page back locked "
        "(<code>VM_FAULT_LOCKED</code>)?"
    ),
)

# %% id="check-your-understanding-3"
history_release_quiz(
    "swapfile-2019",
    Markup(
        "The first thing <code>do_page_mkwrite()</code> checks is whether the file is an active swap file. "
        "In which release did that check arrive?"
    ),
    ("v2.6.30", "v5.4", "v6.0", "v6.6"),
)

# %% id="check-your-understanding-4"
ChoiceQuiz(
    Markup("Did any released kernel test <code>folio_mapping()</code> in <code>do_page_mkwrite()</code>?"),
    [("yes", True), ("no", False)],
    CodeForm.FOLIO_V1.merged,
    CodeForm.FOLIO_V1.description,
)

# %% [markdown] id="check-your-understanding-5"
# **Next:** `06_races` explores every interleaving of a write fault against truncation.

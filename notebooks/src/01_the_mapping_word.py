# %% [markdown] id="01-the-mapping-word"
# # 01 · The mapping word
#
# **What you will be able to do:** read any `folio->mapping` value the way the kernel does, say
# what it points to, predict what each helper returns for it, and explain why
# `do_page_mkwrite()` must test the raw word and not `folio_mapping()`.
#
# **Which kernel:** everything below is shown for **v6.0 – v6.16**, the era of the email
# (Matthew Wilcox, 4 July 2023, {{lore:ZKR0n+lkqICOrWgr@casper.infradead.org}}), unless a cell
# says otherwise. Source links point to **v6.1.4**, a release in that era whose files we read;
# the rules below are the same across the era. Two later sections switch to the eras before
# and after it.
#
# Rules taught here: **R1–R7** and **R11** from the email; **B2, B3, B7** from the kernel's
# history since (see `00_start_here` for the whole map).

# %% id="01-the-mapping-word-1"
from IPython.display import HTML

from folioviz import MappingWordWidget
from folioviz.render import explain
from folioviz.render.primer import folio_mapping_order_svg
from folioviz.render.tables import era_table_html
from folioviz.widgets import KindQuiz, NullHelperQuiz

# %% [markdown] id="one-word-many-jobs-r1-r3"
# ## One word, many jobs (R1, R3)
#
# `struct folio` has a single pointer-sized field called `mapping`. Its C type says
# `struct address_space *`, but that is only true for one kind of folio. Pointers to the
# structures stored there are at least 4-byte aligned, so their two lowest bits are always
# zero; the kernel borrows those two bits as a **type tag**. The mask for them is
# `PAGE_MAPPING_FLAGS` = `0x3` ({{src:PAGE_MAPPING_FLAGS@v6.1.4}}).
#
# The widget shows the word as 64 clickable bits, grouped by byte, with the two tag bits set
# apart on the right. Click a bit, paste a value from `crash` or `drgn` into the box, switch the
# kernel, or tick the folio's state; every view updates at once.
#
# *Keyboard:* the bit field is one <kbd>Tab</kbd> stop. Inside it, <kbd>←</kbd> <kbd>→</kbd> move
# between bits, <kbd>Home</kbd> <kbd>End</kbd> jump to either end, and <kbd>Space</kbd> or
# <kbd>Enter</kbd> flips the focused bit; <kbd>Tab</kbd> goes on to the other controls.

# %% id="one-word-many-jobs-r1-r3-1"
MappingWordWidget("0xffff888003a1c000")  # starts in the workbook's era (see 00_start_here)

# %% [markdown] id="the-four-tags-r4-r7"
# ## The four tags (R4–R7)
#
# | bits 1..0 | name in v6.0–v6.16 | the word, tag stripped, points to | rule |
# |---|---|---|---|
# | `00` | (none) | the file's `struct address_space` — or the whole word is NULL | R4 |
# | `01` | `PAGE_MAPPING_ANON` = 0x1 ({{src:PAGE_MAPPING_ANON@v6.1.4}}) | `struct anon_vma` (not a VMA!) | R5 |
# | `10` | `PAGE_MAPPING_MOVABLE` = 0x2 ({{src:PAGE_MAPPING_MOVABLE@v6.1.4}}) | `struct movable_operations` of a driver's non-LRU movable page | R6 |
# | `11` | `PAGE_MAPPING_KSM` = 0x3 ({{src:PAGE_MAPPING_KSM@v6.1.4}}) | `struct ksm_stable_node` | R7 |
#
# Note what `01` points to: an `anon_vma` is the root of the reverse map that finds every VMA
# that may map an anonymous folio. It is a different structure from a VMA
# (`struct vm_area_struct`), despite the name.
#
# `10` is for driver memory such as balloon pages and zsmalloc pages, which can be migrated
# by asking the driver through its `movable_operations`. Ordinary anonymous and file memory
# can be migrated too, but it is not marked this way.
#
# Each card below is the same decode the widget does, for one word.

# %% id="the-four-tags-r4-r7-1"
explain("0xffff888003a1c000", "email")  # tag 00, a pointer: a page-cache folio

# %% id="the-four-tags-r4-r7-2"
explain("0xffff888003a1c001", "email")  # tag 01: anonymous

# %% id="the-four-tags-r4-r7-3"
explain("0xffff888003a1c003", "email")  # tag 11: KSM

# %% [markdown] id="null-is-a-state-not-a-kind-of-memory-r4"
# ### NULL is a state, not a kind of memory (R4, R8)
#
# A word of all zeros has tag `00` but no pointer. A folio that was never in a file looks like
# this, and so does a folio that **was** in a file's page cache and has been removed from it:
# removal (truncation, hole punching, invalidation) sets `mapping` to NULL, often while other
# threads still hold references to the folio. Notebook 02 animates that lifecycle.

# %% id="null-is-a-state-not-a-kind-of-memory-r4-1"
explain(0, "email")

# %% [markdown] id="slab-owns-the-word-r2"
# ## Slab owns the word (R2)
#
# If the folio belongs to the slab allocator, `mapping` is not a tagged pointer at all:
# `struct slab` is laid over the same memory as `struct page`, and the slab allocator keeps its
# own data in that word. The tag bits mean nothing there. `folio_mapping()` tests for slab
# first and returns NULL ({{src:folio_mapping#slab-branch@v6.1.4}}). A slab folio is never
# mapped into user space, so `do_page_mkwrite()` never meets one; the email mentions slab
# because `folio_mapping()` is called from other places that can.

# %% id="slab-owns-the-word-r2-1"
explain("0xffff888003a1c0f2", "email", slab=True)

# %% [markdown] id="how-folio-mapping-decides-the-order-of"
# ## How `folio_mapping()` decides: the order of its tests (R2, B2, B3)
#
# `folio_mapping()` asks three questions, always in this order, and the first "yes" decides
# (v6.1.4, `mm/util.c`):
#
# 1. Is the folio a slab folio? Then NULL ({{src:folio_mapping#slab-branch@v6.1.4}}).
# 2. Is it in the swap cache? Then the swap cache's `address_space`, **whatever the word holds**
#    ({{src:folio_mapping#swap-cache-branch@v6.1.4}}).
# 3. Is either tag bit of the word set? Then NULL ({{src:folio_mapping#flags-test@v6.1.4}}).
#
# Otherwise it returns the word: a file's `address_space`, or NULL once the folio has left the page
# cache. Read in this order, the two rules that look contradictory are not: "NULL whenever a tag bit
# is set" only applies to folios that are neither slab nor in the swap cache. Before v6.0 the third
# test looked only at the anon bit, and a movable word came back with its tag masked off
# ({{src:page_mapping#flags-test@v5.10.223}}).

# %% id="how-folio-mapping-decides-the-order-of-1"
HTML(folio_mapping_order_svg("email"))

# %% [markdown] id="two-truncation-checks-r9-r11"
# ## Two truncation checks (R9, R11)
#
# `do_page_mkwrite()` runs on the first write to a page of a shared, file-backed mapping whose file has
# a `->page_mkwrite`: either the page is mapped read-only (`wp_page_shared()`), or it is not mapped yet
# and the write is the first touch (`do_shared_fault()`; the primer shows both). If the filesystem's `->page_mkwrite` handler is an old one that returns 0 instead of
# locking the folio, the kernel takes the lock itself and then asks: *is this folio still in its
# file?* In v6.1.4 that test is `!page->mapping` ({{src:do_page_mkwrite#mapping-check@v6.1.4}}); the
# folio conversion merged in v6.6 kept the raw test as `!folio->mapping`
# ({{src:do_page_mkwrite#mapping-check@v6.12.8}}).
#
# The first version of that conversion used `!folio_mapping(folio)` instead
# ({{lore:20230703055850.227169-1-sidhartha.kumar@oracle.com}}). For file folios the two agree.
# But for a folio that is not slab and not in the swap cache, `folio_mapping()` returns NULL whenever
# **any** tag bit is set (its third test, above; {{src:folio_mapping#flags-test@v6.1.4}}). An old driver that mapped one of its movable pages
# into user space would then look truncated for ever: the handler returns 0, the check says
# "gone", the fault returns 0 to be retried, the task writes again, and nothing ever changes.
# That endless retry is the email's warning. The widget's lower table puts the two checks side
# by side; flip bit 1 of a file word to see them part ways.

# %% id="two-truncation-checks-r9-r11-1"
explain("0xffff888003a1c002", "email")  # tag 10: a driver's movable page

# %% [markdown] id="the-rules-changed-twice-b2"
# ## The rules changed twice (B2)
#
# The danger above could exist only in **v6.0 to v6.16**, and only in code that was never merged (the
# v1 patch; every released `do_page_mkwrite()` tests the raw word, notebook 03):
#
# * **Before v6.0** the movable tag pointed at a driver's own `struct address_space`, and
#   `page_mapping()` returned NULL only for the anon bit; for a movable page it returned the
#   pointer with the tag masked off, which is not NULL ({{src:page_mapping#flags-test@v5.10.223}},
#   {{src:page_mapping#return-masked-pointer@v5.10.223}}). The v6.0 change
#   ({{commit:68f2736a858324c3ec852f6c2cddd9d1c777357d}}, "mm: Convert all PageMovable users to
#   movable_operations") made any tag bit give NULL.
# * **From v6.17** movable driver pages are marked by a page flag, `PG_movable_ops`
#   ({{src:PG_movable_ops@v7.2.8}}), not by the word. The constants were renamed `FOLIO_MAPPING_*`,
#   and 0x2 became `FOLIO_MAPPING_ANON_KSM` ({{src:FOLIO_MAPPING_ANON_KSM@v7.2.8}}), which never appears
#   without the anon bit. A bare `10` tag is no longer a valid encoding.
#
# The same word, in each era:

# %% id="the-rules-changed-twice-b2-1"
HTML(era_table_html("0xffff888003a1c002"))

# %% [markdown] id="the-rules-changed-twice-b2-2"
# In the widget, switch the **Kernel** menu to *before v6.0* or *v6.17 and later* with a
# movable word and watch the kind and the `folio_mapping()` row change.

# %% id="the-rules-changed-twice-b2-3"
explain("0xffff888003a1c002", "v6.17")

# %% [markdown] id="the-ksm-bit-test-trap-b7"
# ## The KSM bit-test trap (B7)
#
# The KSM constant is both tag bits: `PAGE_MAPPING_KSM` = `PAGE_MAPPING_ANON | PAGE_MAPPING_MOVABLE`
# = 0x3 ({{src:PAGE_MAPPING_KSM@v6.1.4}}), and after the v6.17 rename `FOLIO_MAPPING_KSM` =
# `FOLIO_MAPPING_ANON | FOLIO_MAPPING_ANON_KSM` = 0x3 ({{src:FOLIO_MAPPING_KSM@v7.2.8}}). So a test
# written as `mapping & ..._KSM` is true for **every** anonymous folio, because the anon bit is part
# of the mask. The right test compares the masked tag as a whole, as `folio_test_ksm()` does
# ({{src:folio_test_ksm@v6.1.4}}).
#
# `/proc/kpageflags` fell into this trap. In v6.1.4 it asked `PageKsm()`
# ({{src:stable_page_flags#kpf-ksm-test@v6.1.4}}); by v6.12.8 it tested the bit
# ({{src:stable_page_flags#kpf-ksm-test@v6.12.8}}) and reported every anonymous page as KSM; v7.2.8
# compares the masked tag again ({{src:stable_page_flags#kpf-ksm-test@v7.2.8}}). The fix was posted
# in June 2026 ({{lore:20260626013252.2846774-1-tujinjiang@huawei.com}}). The rename did not create
# the trap, but a name like `FOLIO_MAPPING_KSM` makes a single-bit test look even more natural.

# %% id="the-ksm-bit-test-trap-b7-1"
explain("0xffff888003a1c001", "v6.17")  # anon: a bit test would say KSM; folio_test_ksm() does not

# %% [markdown] id="the-swap-cache-branch-b3"
# ## The swap-cache branch (B3)
#
# `folio_mapping()`'s second test is one the email does not mention: for a folio in the swap cache
# it returns the swap cache's `address_space`, whatever the word holds
# ({{src:folio_mapping#swap-cache-branch@v6.1.4}}). Two different folios meet it:
#
# * **An anonymous folio in the swap cache.** Its word is *not* NULL: it is tagged `01` and points to
#   its `anon_vma`. On its own, that tag would make `folio_mapping()` return NULL (third test); because
#   the swap-cache test comes first, it returns the swap cache's space instead.
# * **A tmpfs (shmem) folio on its way to swap.** Here the word *is* NULL: `shmem_writepage()` adds the
#   folio to the swap cache ({{src:shmem_writepage#add-to-swap-cache@v6.1.4}}) and then takes it out of
#   its file's page cache ({{src:shmem_writepage#delete-from-page-cache@v6.1.4}}), which sets `mapping`
#   to NULL ({{src:shmem_delete_from_page_cache#sets-mapping-null@v6.1.4}}). `folio_mapping()` still
#   answers with the swap cache's space.
#
# In both cases `folio_mapping()` gives a non-NULL answer that is not the folio's file. A truncation check
# written with it would, for the second folio, say "still in a file" although the folio has left its file.
# Another reason to test the raw word. The card below is the second case: word NULL, in the swap cache.

# %% id="the-swap-cache-branch-b3-1"
explain(0, "email", swapcache=True)

# %% [markdown] id="check-your-understanding"
# ## Check your understanding
#
# Pick an answer; the feedback comes from the model, at once. Use the widget above to experiment
# before you answer.
#
# **1.** A word you pasted from `crash`:

# %% id="check-your-understanding-1"
KindQuiz("ffff88810a2b3c41", "email")

# %% [markdown] id="check-your-understanding-2"
# **2.** The same low bits as a question earlier, in a newer kernel:

# %% id="check-your-understanding-3"
KindQuiz("0xffff88810a2b3c42", "v6.17")

# %% [markdown] id="check-your-understanding-4"
# **3.** And in an older one:

# %% id="check-your-understanding-5"
KindQuiz("0xffff88810a2b3c42", "5.10")

# %% [markdown] id="check-your-understanding-6"
# **4.** Tick every helper that returns NULL or false for this driver page, then press *Check*.

# %% id="check-your-understanding-7"
NullHelperQuiz("0xffff88810a2b3c42", "6.4")

# %% [markdown] id="check-your-understanding-8"
# **5.** Same question for an anonymous folio in the swap cache.

# %% id="check-your-understanding-9"
NullHelperQuiz("0xffff88810a2b3c41", "6.4", swapcache=True)

# %% [markdown] id="from-a-terminal"
# ## From a terminal
#
# The same decode is a command, for pasting values during a `crash` or `drgn` session:
#
# ```console
# $ folioviz decode 0xffff888003a1c002 --kernel 6.4
# $ folioviz decode ffff888003a1c001 --swapcache --json
# ```

# %% id="from-a-terminal-1"
from folioviz import browser_note

browser_note("cli")  # prints a note only in the browser version (JupyterLite)

# %% [markdown] id="from-a-terminal-2"
# **Next:** `02_page_cache_refcounts` shows how a folio gets a NULL word while others still hold
# references.

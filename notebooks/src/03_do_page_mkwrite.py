# %% [markdown] id="03-stepping-through-do-page-mkwrite"
# # 03 · Stepping through `do_page_mkwrite()`
#
# **What you will be able to do:** say which branch of `do_page_mkwrite()` runs for a given
# handler and folio; explain what its return value 0 means to the fault that called it; and show,
# step by step, why testing `folio_mapping()` instead of the raw `folio->mapping` can make a write
# fault retry for ever.
#
# **Which kernel:** the widgets start in **v6.4**, the email's kernel, where the function was still
# page-based; links for it point to **v6.1.4**, whose `do_page_mkwrite()` reads the same
# ({{src:do_page_mkwrite@v6.1.4}}). The folio form merged in v6.6 is linked to **v6.12.8**
# ({{src:do_page_mkwrite@v6.12.8}}). Switch the *kernel* menu to see v5.10, v6.6, v6.12 or v6.17+.
#
# The code panel is **our own pseudo-code**, line for line with the kernel's logic; each line's
# ↗ links to the real line in the pinned release.
#
# Rules taught here: **R9–R12**, and **B1, B2, B5, B6** from the kernel's history.

# %% id="03-stepping-through-do-page-mkwrite-1"
from IPython.display import HTML

from folioviz.render.mkwrite import history_table_html
from folioviz.widgets import MkwriteSideBySide, MkwriteWidget, return_line_quiz, terminates_quiz

# %% [markdown] id="who-calls-it-and-when"
# ## Who calls it, and when
#
# Two functions of the write-fault path call `do_page_mkwrite()`, both only when the mapping has a
# `->page_mkwrite` (v6.1.4):
#
# * **`wp_page_shared()`** runs when the page is already in the page table but read-only, which is how
#   dirty tracking maps a shared writable page until its first write (notebook 00, the primer):
#   `do_wp_page()` sends a write to such an entry of a shared writable mapping there
#   ({{src:do_wp_page#calls-wp-page-shared@v6.1.4}}). Its call: {{src:wp_page_shared#call-of-do-page-mkwrite@v6.1.4}}.
# * **`do_shared_fault()`** runs when there is no entry yet and the first access through this mapping is
#   a store: `do_fault()` picks it for a write to a shared mapping ({{src:do_fault#calls-do-shared-fault@v6.1.4}}).
#   It first gets the folio, locked, from the file's `->fault`, unlocks it, then calls `do_page_mkwrite()`
#   ({{src:do_shared_fault#call-of-do-page-mkwrite@v6.1.4}}).
#
# Either way the caller holds a reference to the folio but not its lock while the handler runs, and
# treats the result the same: 0, an error or `VM_FAULT_NOPAGE` make it drop its reference and return
# that value; anything else means "locked, carry on". **This notebook's steppers follow
# `wp_page_shared()`** (a store to a page already mapped read-only; each snapshot names its caller), and
# **notebook 06's races follow `do_shared_fault()`**. The two differ only in how they find the folio and
# in a re-check of the page-table entry that `wp_page_shared()` makes afterwards.
#
# ## Every way out, by return value
#
# `do_page_mkwrite()` has five exits (v6.1.4; the folio form read in v6.12.8 and v7.2.8 returns the same
# values):
#
# | path | returns | where |
# |---|---|---|
# | the file is an active swap file | `VM_FAULT_SIGBUS`, before the handler runs | {{src:do_page_mkwrite#return-vm-fault-sigbus@v6.1.4}} |
# | the handler failed, or handled the fault itself | the handler's value unchanged: a `VM_FAULT_ERROR` bit such as `VM_FAULT_SIGBUS` or `VM_FAULT_OOM`, or `VM_FAULT_NOPAGE` | {{src:do_page_mkwrite#return-handler-error@v6.1.4}} |
# | old-school handler (returned 0), folio truncated meanwhile | 0: "retry the fault" | {{src:do_page_mkwrite#return-0@v6.1.4}} |
# | old-school handler, folio still in its file | the handler's value with `VM_FAULT_LOCKED` added, folio locked by the kernel | {{src:do_page_mkwrite#adds-vm-fault-locked@v6.1.4}}, {{src:do_page_mkwrite#return-ret@v6.1.4}} |
# | modern handler (returned `VM_FAULT_LOCKED`) | its value, `VM_FAULT_LOCKED` included, after a debug-only check that the folio is locked | {{src:do_page_mkwrite#vm-bug-on-line@v6.1.4}}, {{src:do_page_mkwrite#return-ret@v6.1.4}} |
#
# The sections below step through each one.
#
# ## The modern protocol (R10)
#
# A write to a shared file page that is mapped read-only faults; the kernel calls the filesystem's
# `->page_mkwrite` so it can prepare (reserve blocks, start journalling...). A **modern** handler
# locks the folio itself and returns `VM_FAULT_LOCKED`. If it finds the folio truncated, it unlocks
# and returns `VM_FAULT_NOPAGE`, as the generic `filemap_page_mkwrite()` does
# ({{src:filemap_page_mkwrite#mapping-recheck@v6.1.4}}). `do_page_mkwrite()` then only checks, on
# debug kernels, that the folio really is locked, and returns the handler's value, `VM_FAULT_LOCKED`.
#
# Step through it: *handler* is `modern`, the *folio* is `present`.

# %% id="who-calls-it-and-when-1"
MkwriteWidget(handler="modern", folio="present")

# %% [markdown] id="the-old-school-path-r10-r9"
# ## The old-school path (R10, R9)
#
# An **old-school** handler returns 0 and leaves the folio unlocked. For those,
# `do_page_mkwrite()` takes the lock itself ({{src:do_page_mkwrite#lock-line@v6.1.4}}) and checks
# that the folio is still in its file ({{src:do_page_mkwrite#mapping-check@v6.1.4}}): while the
# handler ran without the lock, truncation may have removed the folio and set its word to NULL
# (notebook 02). If so, it unlocks and returns 0 ({{src:do_page_mkwrite#return-0@v6.1.4}}). If not, it
# keeps the lock and returns `VM_FAULT_LOCKED`, as a modern handler would have
# ({{src:do_page_mkwrite#adds-vm-fault-locked@v6.1.4}}).
#
# Pick *folio* = `truncated` and step to the end.

# %% id="the-old-school-path-r10-r9-1"
MkwriteWidget(handler="old-school", folio="truncated")

# %% [markdown] id="what-0-means-b5"
# ### What 0 means (B5)
#
# 0 means two things in this chain, one per link (the primer's *return chain* table sets them side by
# side): a **handler** returning 0 to `do_page_mkwrite()` says "done, and I did not lock the folio";
# `do_page_mkwrite()` returning 0 to its **caller** says "the folio left its file: retry". Here it is
# the second. It is not an error: it means "nothing was installed; let the access happen again". The caller
# (`wp_page_shared()`, {{src:wp_page_shared@v6.1.4}}) drops its reference and returns 0, the
# architecture's fault handler returns to user space, and the store runs again. The email says
# userspace is about to get a segfault; in fact the refault goes through `->fault`, and for a page
# wholly beyond the new end of file `filemap_fault()` returns `VM_FAULT_SIGBUS`
# ({{src:filemap_fault#eof-check-1@v6.1.4}}), so the task gets **SIGBUS**. The test works on page
# indices: a store into the page that holds the new end of file does not fault out. After a hole
# punch inside the file, the refault finds or creates a new page and the write goes ahead.
#
# Switch the view to **the fault, retried** to see the loop around the function.

# %% id="what-0-means-b5-1"
MkwriteWidget(handler="old-school", folio="truncated", view="loop")

# %% [markdown] id="the-endless-loop-r11"
# ## The endless loop (R11)
#
# Now the email's case. An old driver has mapped one of its own pages into user space, its
# `->page_mkwrite` is old-school, and the page's word carries the **movable** tag `0b10` (a
# `struct movable_operations` pointer with the tag, in v6.0–v6.16). The page was never truncated.
#
# * With the raw test, `folio->mapping` is not NULL: the write goes ahead.
# * With `folio_mapping()`, the answer is NULL, because any tag bit gives NULL in this era
#   ({{src:folio_mapping#flags-test@v6.1.4}}). The page looks truncated, the function returns 0, the
#   store runs again, and comes back to exactly the same state. Nothing will ever unmap or replace
#   the page: the task spins through the fault for ever (it stays killable, since it returns to user
#   mode each time).
#
# Same input, both checks, one stepper:

# %% id="the-endless-loop-r11-1"
MkwriteSideBySide(handler="old-school", folio="movable-tagged", kernel="6.4")

# %% [markdown] id="the-endless-loop-r11-2"
# And the loop itself: the model detects the livelock when a retry starts from a state it has
# already seen, and reports how many retries that took.

# %% id="the-endless-loop-r11-3"
MkwriteWidget(handler="old-school", folio="movable-tagged", check="folio_mapping()", kernel="6.4", view="loop")

# %% [markdown] id="only-in-v6-0-v6-16-b2"
# ### Only in v6.0 – v6.16 (B2)
#
# Two spans of kernels are named for this hazard, and they answer two different questions:
#
# * [ ] **v6.0 – v6.16: where `folio_mapping()` says NULL for a movable-tagged word.** That is the
#   era of the mapping word (00, 01, 05 and 05's quiz use this span). In any kernel of this era, a
#   `folio_mapping()` truncation check *would* loop on such a page.
# * [ ] **v6.6 – v6.16: where that check could have sat in `do_page_mkwrite()`.** The folio
#   conversion that would have brought it was merged in v6.6; before v6.6 the function was page-based
#   and tested `!page->mapping`. This is the narrower span this section uses below.
# * [x] **Released kernels that had it: none.** The v1 patch was not merged.
#
# Switch the side-by-side widget's *kernel* to **v5.10**: both sides write. Before v6.0
# `page_mapping()` masked the tag and returned the driver's `address_space`, which is not NULL
# ({{src:page_mapping#return-masked-pointer@v5.10.223}}). Switch to **v6.17+**: the widget refuses the
# input, because no word is tagged `0b10` alone any more; movable driver pages carry the
# `PG_movable_ops` page flag ({{src:PG_movable_ops@v7.2.8}}).
#
# **What could have happened, and what did.** The endless retry needs three things at once: the
# `folio_mapping()` test in `do_page_mkwrite()`, a `folio_mapping()` that returns NULL for a movable
# tag (v6.0 to v6.16), and an old-school handler whose page carries that tag. The test was only ever in
# the first version of the July 2023 patch, which was not merged; the conversion that was merged, in
# v6.6, tests the raw word. So it *could* have happened only in v6.6 to v6.16, had that version been
# merged, and **no released kernel had it**: every `do_page_mkwrite()` we read tests the raw word
# (`!page->mapping` in v5.10.223 and v6.1.4, {{src:do_page_mkwrite#mapping-check@v6.1.4}}; `!folio->mapping`
# in v6.12.8 and v7.2.8, {{src:do_page_mkwrite#mapping-check@v7.2.8}}). Nor do we know of a driver that could
# have met it: of the old-school handlers in notebook 04's survey, perf's pages carried its file's mapping
# (tag `00`), and among the sysfs files whose mappings kernfs wraps we found none that maps a movable
# driver page. The email's warning was
# about code under review, and it kept that code out.

# %% [markdown] id="the-other-branches"
# ## The other branches
#
# Every line of the function is reachable from some input. Try these in the first widget above,
# or build one here:
#
# * **swapfile**: writes to an active swapfile are refused with `VM_FAULT_SIGBUS` before the handler
#   runs ({{src:do_page_mkwrite#is-swapfile-check@v6.1.4}}; added by
#   {{commit:dc617f29dbe5ef0c8ced65ce62c464af1daaab3d}}, "vfs: don't allow writes to swap files", merged for
#   v5.4, which also made `write()` to an active swap file fail with `-ETXTBSY`; that refusal is still in
#   v7.2.8, {{src:generic_write_checks_count#swapfile-etxtbsy@v7.2.8}}).
# * **error** / **nopage** handlers: their result is passed up unchanged
#   ({{src:do_page_mkwrite#vm-fault-error-vm-fault-nopage-test@v6.1.4}}).
# * **forgets-lock**: a handler that returns `VM_FAULT_LOCKED` without locking. With
#   `CONFIG_DEBUG_VM` the `VM_BUG_ON` fires ({{src:do_page_mkwrite#vm-bug-on-line@v6.1.4}}); without
#   it the check compiles to nothing and the caller carries on with a folio it believes locked. What
#   happens next depends on code we have not modelled, and the widget says so.

# %% id="the-other-branches-1"
MkwriteWidget(handler="forgets-lock", folio="present", debug_vm=True)

# %% [markdown] id="history-b1-b6-r12"
# ## History (B1, B6, R12)
#
# The email dates the "modern" way to 2007. Kernel history is a little more precise: in 2007 the
# *kernel* began to lock the page and re-check its mapping after `->page_mkwrite` returned; in 2009 the
# *handler* got the right to lock it itself and return `VM_FAULT_LOCKED`, and the 2007 check became the
# fallback for handlers that return 0. The folio conversion merged in v6.6 tests the
# raw `folio->mapping`, as the email asked. The `WARN_ON_ONCE` the email suggests for the legacy
# path has not been added: v7.2.8's `do_page_mkwrite()` ({{src:do_page_mkwrite@v7.2.8}}) still takes
# the old-school path silently. Old-school handlers still exist: `kernfs_vma_page_mkwrite()` returns
# 0 when the file it wraps has no `->page_mkwrite` ({{src:kernfs_vma_page_mkwrite#ret-0@v7.2.8}}).
#
# Items marked *unverified* are what we could not check in source or mail.

# %% id="history-b1-b6-r12-1"
HTML(history_table_html())

# %% [markdown] id="check-your-understanding"
# ## Check your understanding

# %% id="check-your-understanding-1"
return_line_quiz(handler="old-school", folio="truncated")

# %% id="check-your-understanding-2"
return_line_quiz(handler="modern", folio="present", swapfile=True)

# %% id="check-your-understanding-3"
terminates_quiz(handler="old-school", folio="movable-tagged", check="folio_mapping()", kernel="6.4")

# %% id="check-your-understanding-4"
terminates_quiz(handler="old-school", folio="movable-tagged", check="folio_mapping()", kernel="5.10")

# %% id="check-your-understanding-5"
terminates_quiz(handler="old-school", folio="truncated", check="folio_mapping()", kernel="6.12")

# %% [markdown] id="check-your-understanding-6"
# **Next:** the kernel's `->page_mkwrite` handlers surveyed (notebook 04), and the rules' history on a
# timeline (notebook 05).

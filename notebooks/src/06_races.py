# %% [markdown] id="06-races-every-order-of-a-write-fault"
# # 06 · Races: every order of a write fault against truncation
#
# **What you will be able to do:** say why `do_page_mkwrite()` takes the folio lock *and then* tests
# `folio->mapping` for an old-school handler; predict what goes wrong when the lock is missing, the
# check is missing, or the two come in the wrong order; and read any interleaving of two threads as
# a timeline.
#
# **Which kernel:** the explorer starts in **v6.4**, the email's kernel; its links point to **v6.1.4**,
# whose fault path and truncation read the same. Switch its *kernel* menu to v6.6 or v6.12 for the folio
# form merged in v6.6 (links to **v6.12.8**), or to v5.10 and v6.17+ to see the livelock come and go.
#
# Rules taught here: **R8–R11** from the email ({{lore:ZKR0n+lkqICOrWgr@casper.infradead.org}}), and
# **B4, B5** from kernel source.

# %% id="06-races-every-order-of-a-write-fault-1"
from IPython.display import HTML

from folioviz.kernel.races import compare_variants
from folioviz.render.race_figure import race_summary_figure
from folioviz.render.tables import growth_table_html, race_comparison_html
from folioviz.widgets.exercises import UnsafeVariantsQuiz, orders_quiz
from folioviz.widgets.races import RaceExplorer

# %% [markdown] id="why-the-lock-and-why-the-check"
# ## Why the lock, and why the check
#
# A write fault that reaches `do_page_mkwrite()` holds a *reference* to the folio, not its *lock*:
# `do_shared_fault()` unlocks the folio just before the call ({{src:do_shared_fault#call-of-do-page-mkwrite@v6.1.4}}),
# and an old-school `->page_mkwrite` handler then runs without it. A reference keeps the memory alive.
# It does not keep the folio in its file.
#
# Truncation removes a folio from the page cache **while holding its lock**. Its first pass takes a
# reference and only *tries* the lock ({{src:find_lock_entries#trylock@v6.1.4}}); a folio someone else
# has locked is left to the second pass, which waits for the lock
# ({{src:truncate_inode_pages_range#second-pass-folio-lock@v6.1.4}}). Holding it, truncation unmaps the folio
# ({{src:truncate_cleanup_folio#unmap-from-page-tables@v6.1.4}}); `page_cache_delete()` clears `->mapping`
# (here its batch twin `page_cache_delete_batch()`, {{src:page_cache_delete_batch#sets-mapping-null@v6.1.4}});
# `filemap_free_folio()` drops the cache's reference ({{src:filemap_free_folio#put-line@v6.1.4}}); and only
# then truncation unlocks.
#
# That is why the fault needs both, in this order:
#
# 1. **The lock** ({{src:do_page_mkwrite#lock-line@v6.1.4}}). Once the fault holds it, truncation
#    cannot delete the folio until the fault lets go; if truncation holds it, the fault waits until
#    truncation has finished with the folio. From the moment the lock is held, the answer to "is this
#    folio still in its file?" can no longer change.
# 2. **The check** ({{src:do_page_mkwrite#mapping-check@v6.1.4}}). The lock does not undo what happened
#    before it was taken. If truncation ran to the end while the handler worked unlocked, the fault now
#    holds the lock of a folio that has left the file, and `->mapping` is NULL. It unlocks and returns 0
#    ({{src:do_page_mkwrite#return-0@v6.1.4}}), which means "retry the fault" (B5): the store runs
#    again and meets truncation's result (for a page beyond the new end of file, `filemap_fault()`
#    returns `VM_FAULT_SIGBUS`, {{src:filemap_fault#eof-check-1@v6.1.4}}).
#
# A check without the lock answers a question whose answer may change a moment later. A lock without
# the check guards a folio that may already be gone. *Lock, then check* gives an answer that stays
# true until the fault unlocks, after it has mapped and dirtied the folio
# ({{src:fault_dirty_shared_page@v6.1.4}}). A modern handler does the same itself:
# `filemap_page_mkwrite()` locks, then compares `->mapping` with the file's
# ({{src:filemap_page_mkwrite#mapping-recheck@v6.1.4}}).

# %% [markdown] id="the-model"
# ## The model
#
# Two threads, each a sequence of atomic steps. Every step on the folio is a transition of the
# page-cache model of notebook 02, so a step that model refuses is a bug, and the order ends there.
#
# | the write fault (`do_shared_fault()`) | truncation (`truncate_inode_pages_range()`) |
# |---|---|
# | `->fault`: find the folio, take a reference (waits while the folio is locked) | first pass: take a reference and *try* the lock; if someone holds it, skip to the second pass, which takes a reference and waits for the lock |
# | `->page_mkwrite`: old-school returns 0; modern locks and checks | unmap (`truncate_cleanup_folio()`) |
# | `do_page_mkwrite()`: lock, check (as the *variant* says) | `page_cache_delete()`: `->mapping` = NULL |
# | retry: unlock, drop the reference, the store faults again | `filemap_free_folio()`: drop the cache's reference |
# | proceed: `finish_fault()` maps the folio ({{src:do_set_pte@v6.1.4}}), `fault_dirty_shared_page()` dirties and unlocks it | unlock, then release truncation's own reference |
#
# A thread whose next step needs the lock that another thread holds waits. The explorer tries every
# order of steps, merges identical states, and for each distinct outcome keeps one shortest order
# and counts how many orders end in it.
#
# **Where the model is coarser than the kernel.** One folio of one page, wholly inside the truncated
# range. `filemap_fault()`'s lookup, lock and `->mapping` check, and the unlock in `do_shared_fault()`,
# are a single step. Truncation starts at its page-cache pass (the new file size is already set). No
# writeback, dirty bits, RCU or XArray. An order also ends when a step breaks a rule of the page-cache
# model (the kernel would carry on, silently or into a debug check), or, for a livelock, at the first
# state from which no order can finish. The model follows `do_shared_fault()`, the caller for a store
# to an empty page-table entry (notebook 03 explains when each of the two callers runs). The other
# caller, `wp_page_shared()` ({{src:wp_page_shared@v6.1.4}}),
# reaches the folio through a page-table entry that truncation clears before it deletes the folio, and
# after `do_page_mkwrite()` its `finish_mkwrite_fault()` (which makes the entry writable once the
# handler agreed) first re-checks that the entry is unchanged, under the page-table lock
# ({{src:finish_mkwrite_fault@v6.1.4}}). We infer that this second guard would turn most of the bad
# orders below into retries there; the model does not include it.
#
# **The variants.** Only *the kernel's code* is real. *folio_mapping() instead of folio->mapping* is
# the first version of the July 2023 patch, never merged
# ({{lore:20230703055850.227169-1-sidhartha.kumar@oracle.com}}). *No lock before the check*, *the check
# before the lock* and *no check* are hypothetical, written to show what each half of the pair buys.
# Despite its name, *no lock before the check* takes no lock at all: it checks, then maps, unlocked.
#
# *Orders and states.* An order is one complete run of both threads, step by step. A state is one
# situation the search met (where each thread is, and the folio). The search merges runs that reach the
# same state, so it counts many orders through few states; a livelock is the opposite case: no order
# ever finishes, so it counts as one (endless) order while passing through every state on its loop and
# those leading to it, which is why the explorer reports, say, 1 order and 24 states.

# %% [markdown] id="the-explorer"
# ## The explorer
#
# The table counts, for all five variants, how many orders end in each outcome. Pick a variant and
# an outcome (*replay*) to step through its shortest order: the fault's lane on the left, truncation's
# on the right, and the folio after each step between them. A dashed box is a thread waiting for the
# lock; rows after the current step are faint, so you can predict what happens before you step.

# %% id="the-explorer-1"
RaceExplorer()

# %% [markdown] id="the-explorer-2"
# With the kernel's code no order ends badly. Three outcomes are possible: the write came first
# (`WRITE_OK`: if truncation runs afterwards it unmaps the folio again), the fault saw the truncation
# and was retried (`RETRY`), or truncation deleted the folio before the fault found it (`MISSED`).
# Replay `RETRY`: truncation takes the lock after the handler has returned and before
# `do_page_mkwrite()` takes it; the fault waits, and when it finally gets the lock, `->mapping` is NULL.

# %% [markdown] id="outcomes-per-variant"
# ## Outcomes per variant
#
# Each bar is one variant; its segments are the share of all orders that end in each outcome (the
# count is written in the segment, the total beside the bar). The lower panel is the email's case, an
# old driver's page whose word carries the movable tag.

# %% id="outcomes-per-variant-1"
race_summary_figure(compare_variants(), compare_variants(folio="driver"))

# %% [markdown] id="a-stale-answer-the-check-before-the-lock"
# ## A stale answer: the check before the lock
#
# Here the variant asks first and locks afterwards. Step through: the check passes, truncation takes
# the lock, deletes the folio and unlocks, and the fault, which was waiting, gets the lock of a folio
# that has left the file. It never asks again. `finish_fault()` maps it: the page-cache model refuses,
# because a page-cache folio is only ever mapped while it is in the cache. In the kernel nothing would
# notice; the store would land in memory that no file will ever write back.

# %% id="a-stale-answer-the-check-before-the-lock-1"
RaceExplorer(variant="check-before-lock", outcome="WRITE_ON_TRUNCATED")

# %% [markdown] id="a-stale-answer-the-check-before-the-lock-2"
# *No check* fails the same way, with fewer steps: it locks and never asks.

# %% [markdown] id="no-lock-at-all-two-ways-to-lose"
# ## No lock at all: two ways to lose
#
# Without the lock the check can pass, and truncation can then delete the folio before the fault maps
# it (`WRITE_ON_TRUNCATED` again). There is a second way: the fault maps the folio *between*
# truncation's unmap and its delete. Truncation then deletes a folio that is still mapped, which
# `filemap_unaccount_folio()` reports (a `VM_BUG_ON_FOLIO` with `CONFIG_DEBUG_VM`, a "Bad page cache"
# message without it), called from `delete_from_page_cache_batch()`
# ({{src:delete_from_page_cache_batch@v6.1.4}}). Only this variant can do that: the others map the folio
# while holding its lock, and truncation holds the lock from before its unmap to after its delete.

# %% id="no-lock-at-all-two-ways-to-lose-1"
RaceExplorer(variant="no-lock", outcome="WRITE_DURING_TRUNCATION")

# %% [markdown] id="the-endless-retry-r11"
# ## The endless retry (R11)
#
# Now the email's case: an old driver's page, mapped to user space, whose word carries the movable
# tag, and an old-school handler. The page was never in the file's page cache, so truncation finds
# nothing. With the check as merged (`!folio->mapping`), the word is not NULL and the write goes ahead
# in every order. With `folio_mapping()`, any tag bit gives NULL in v6.0 – v6.16
# ({{src:folio_mapping#flags-test@v6.1.4}}): the page looks truncated, the fault returns 0, the store runs
# again and meets the same state. The explorer finds that no order can ever finish. Its replay goes
# round the loop twice and marks the step where the state repeats; truncation plays no part.
#
# Switch the *kernel* to v5.10: before v6.0 `page_mapping()` returned the masked pointer
# ({{src:page_mapping#return-masked-pointer@v5.10.223}}), so the fault finishes. Switch to v6.17+: the
# explorer refuses the input, because no word carries the movable tag on its own any more.

# %% id="the-endless-retry-r11-1"
RaceExplorer(folio="driver", variant="folio_mapping")

# %% [markdown] id="modern-handlers"
# ## Modern handlers
#
# A modern handler takes the lock and checks `->mapping` itself, and returns `VM_FAULT_LOCKED`, so
# `do_page_mkwrite()` never reaches its own lock and check. Whatever that code looks like, every
# variant then has the same orders and the same outcomes:

# %% id="modern-handlers-1"
HTML(race_comparison_html(handler="modern"))

# %% [markdown] id="more-threads"
# ## More threads
#
# A third thread multiplies the orders. A reader that looks the folio up and puts it (a second
# lookup, as `read()` does) or a second write fault on the same folio adds states, and merging identical
# states keeps them to thousands while the number of orders reaches millions. With two faults, each
# fault has its own outcome (`WRITE_OK+RETRY` means the first wrote and the second retried). Timings
# are in `benchmarks/races.py`, not here.

# %% id="more-threads-1"
HTML(growth_table_html())

# %% [markdown] id="check-your-understanding"
# ## Check your understanding

# %% id="check-your-understanding-1"
UnsafeVariantsQuiz()

# %% id="check-your-understanding-2"
UnsafeVariantsQuiz(handler="modern")

# %% id="check-your-understanding-3"
UnsafeVariantsQuiz(folio="driver")

# %% id="check-your-understanding-4"
orders_quiz(
    "kernel",
    "MISSED",
    "With the kernel's code, in how many orders does truncation delete the folio before the fault finds it?",
    hint="Before the delete, the fault's lookup would have to wait for truncation's lock; after it, the lookup "
    "finds nothing, and it can come after any of truncation's remaining steps.",
)

# %% [markdown] id="check-your-understanding-5"
# **Back to:** notebook 03 for `do_page_mkwrite()` line by line, and notebook 02 for the page cache's
# references.

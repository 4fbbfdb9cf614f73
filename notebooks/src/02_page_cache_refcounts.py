# %% [markdown] id="02-page-cache-refcounts-how-a-folio-gets"
# # 02 · Page-cache refcounts: how a folio gets a NULL word while others still hold it
#
# **What you will be able to do:** follow a folio's reference count through lookup, removal from
# the page cache and the final put; say who holds each reference at each moment; and point at
# the window in which `do_page_mkwrite()` can meet a folio whose `mapping` is already NULL.
#
# **Which kernel:** v6.0 – v6.16, the email's era. Links point to **v6.1.4**, a release we read;
# where v6.12.8 differs it says so.
#
# Rules taught here: **R8** and **R9** from the email ({{lore:ZKR0n+lkqICOrWgr@casper.infradead.org}})
# and **B4**, which kernel source adds.

# %% id="02-page-cache-refcounts-how-a-folio-gets-1"
from folioviz.kernel.pagecache import early_put_scenario, email_scenario, large_folio_scenario, truncation_scenario
from folioviz.render import refcount_figure
from folioviz.render.cards import SequenceCard
from folioviz.widgets import PageCacheWidget, freed_quiz, refcount_quiz

# %% [markdown] id="the-email-s-three-steps-r8"
# ## The email's three steps (R8)
#
# The email describes the common case in three moves, with two actors. **Thread A** looks the folio up
# in the page cache by its file offset (a lookup, as `read()` does; not through the page tables), which
# takes a reference. **A remover** (truncation, in the next section) then takes the folio out of the page
# cache, which sets `mapping` to NULL and drops the cache's reference. Last, thread A puts its own
# reference, which may be the last one. Between the removal and the put, the folio is alive, referenced,
# and has a NULL word.
#
# *Page tables hold references too.* In these scenarios no process has the folio mapped, so no page
# table holds a reference. In the kernel, a folio mapped by a page-table entry is referenced by it
# (notebook 03's stepper shows "page tables 1"), and unmapping drops that reference; that is why
# truncation unmaps a folio before it removes it.
#
# Step through it with the buttons or the slider (in JupyterLab, with the slider focused, <kbd>←</kbd>
# <kbd>→</kbd> step and <kbd>Home</kbd> <kbd>End</kbd> jump; in Notebook 7 use the buttons). The caption names the kernel function
# of each step and links to it.

# %% id="the-email-s-three-steps-r8-1"
PageCacheWidget("email")

# %% [markdown] id="the-email-s-three-steps-r8-2"
# The removal path has six names. The picture first: one folio goes out through
# `filemap_remove_folio()`, a batch of folios (truncation) through `delete_from_page_cache_batch()`, and
# both end in the same two jobs.
#
# ```text
# one folio                          a batch of folios (truncation)
# filemap_remove_folio()             delete_from_page_cache_batch()
# ├─ __filemap_remove_folio()        ├─ page_cache_delete_batch()   clears mapping (batch twin)
# │  └─ page_cache_delete()          │
# │       clears mapping             │
# └─ filemap_free_folio()            └─ filemap_free_folio()        drops the cache's references
#      drops the cache's references       (once per folio)
# ```
#
# In v6.1.4 the lookup-and-lock is `filemap_lock_folio()` and the removal `filemap_remove_folio()`, which
# must run with the folio locked ({{src:filemap_lock_folio@v6.1.4}}, {{src:filemap_remove_folio@v6.1.4}}).
# Removal is two jobs, and the workbook always names them the same way:
#
# * **`page_cache_delete()` clears `mapping`**: it takes the folio out of the file's index and sets the
#   word to NULL ({{src:page_cache_delete#sets-mapping-null@v6.1.4}}; reached through
#   `__filemap_remove_folio()`, {{src:__filemap_remove_folio#calls-page-cache-delete@v6.1.4}}).
# * **`filemap_free_folio()` drops the cache's references**, after the clearing
#   ({{src:filemap_remove_folio#calls-filemap-free-folio@v6.1.4}}, {{src:filemap_free_folio#put-line@v6.1.4}}).
#
# The final put is `folio_put()` ({{src:folio_put@v6.1.4}}).

# %% [markdown] id="the-kernel-s-own-sequence-b4"
# ## The kernel's own sequence (B4)
#
# Real truncation does a little more than the email's sketch, and the extra steps matter:
#
# * it finds the folio and takes **its own** reference, then only *tries* the folio lock
#   (`find_lock_entries()`, {{src:find_lock_entries#trylock@v6.1.4}}). A folio that someone else has
#   locked is skipped here and left to a second pass, which waits for the lock in `folio_lock()`
#   ({{src:truncate_inode_pages_range#second-pass-folio-lock@v6.1.4}}). The animation shows the first
#   pass, where the trylock succeeds;
# * it unmaps the folio from every page table that maps it (`truncate_cleanup_folio()`,
#   {{src:truncate_cleanup_folio#unmap-from-page-tables@v6.1.4}});
# * `page_cache_delete()` clears `mapping` (truncation deletes a batch of folios at once, through its
#   batch twin `page_cache_delete_batch()`, {{src:page_cache_delete_batch#sets-mapping-null@v6.1.4}});
# * `filemap_free_folio()` drops the cache's references
#   ({{src:delete_from_page_cache_batch#calls-filemap-free-folio@v6.1.4}}, {{src:filemap_free_folio#put-line@v6.1.4}});
# * it unlocks and releases its own reference.
#
# The animation below plays the whole sequence once when it appears; use *play* and the slider to
# replay it. The shaded steps are **the window**: `mapping` is NULL while the count is above zero.

# %% id="the-kernel-s-own-sequence-b4-1"
refcount_figure(truncation_scenario())

# %% id="the-kernel-s-own-sequence-b4-2"
PageCacheWidget("truncation")

# %% [markdown] id="why-do-page-mkwrite-can-meet-a-null-word"
# ## Why `do_page_mkwrite()` can meet a NULL word (R9)
#
# Thread A in the scenario could be a write fault: it found the folio through the page tables and
# holds a reference while it calls the filesystem's `->page_mkwrite`. Its reference keeps the
# memory alive, but nothing stops truncation from clearing `mapping` while the folio is unlocked.
# That is why `do_page_mkwrite()`, after locking the folio, checks the word and gives up on the
# write if it is NULL (notebook 03 steps through that). Holding the **lock** is what makes the
# check meaningful: removal needs the lock too, so under the lock the word cannot change.

# %% [markdown] id="a-large-folio-holds-nr-references-in-the"
# ## A large folio holds `nr` references in the cache (B4)
#
# A folio of `nr` pages is referenced `nr` times by the page cache: adding it raises the count by
# `folio_nr_pages()` ({{src:__filemap_add_folio#page-cache-reference@v6.12.8}}), and removing it
# drops as many ({{src:filemap_free_folio#put-line@v6.12.8}}). In v6.1.4 hugetlb folios were the
# exception and held a single cache reference ({{src:__filemap_add_folio#page-cache-reference@v6.1.4}});
# by v6.12.8 that special case is gone. Pick a size in the widget and watch the jump at removal.

# %% id="a-large-folio-holds-nr-references-in-the-1"
PageCacheWidget("large-folio", nr_pages=8)

# %% [markdown] id="who-puts-last-does-not-matter"
# ## Who puts last does not matter
#
# If thread A is done with the folio before truncation gets to it, truncation's own release is
# the final put and frees the folio. The word still goes NULL before the count reaches zero.

# %% id="who-puts-last-does-not-matter-1"
refcount_figure(early_put_scenario())

# %% [markdown] id="what-if-illegal-moves"
# ## What if...? Illegal moves
#
# The model catches the moves the kernel's debug checks would catch, and says why. Removing a
# folio without holding its lock:

# %% id="what-if-illegal-moves-1"
SequenceCard(["lookup thread A", "remove"])

# %% [markdown] id="what-if-illegal-moves-2"
# Dropping a reference you never took:

# %% id="what-if-illegal-moves-3"
SequenceCard(["put thread A"])

# %% [markdown] id="what-if-illegal-moves-4"
# And a legal sequence of your own: truncation runs while thread A holds a reference.

# %% id="what-if-illegal-moves-5"
SequenceCard(["lookup thread A", "find_lock_entries", "remove", "unlock truncate", "put truncate", "put thread A"])

# %% [markdown] id="what-if-illegal-moves-6"
# The widgets above have a **Compose your own sequence** panel: type one operation per line and
# press *Run my sequence*. A forbidden step is explained and the last good sequence stays.

# %% [markdown] id="check-your-understanding"
# ## Check your understanding
#
# Predict, then press *Check*.

# %% id="check-your-understanding-1"
refcount_quiz(truncation_scenario(), 4)

# %% id="check-your-understanding-2"
refcount_quiz(large_folio_scenario(8), 7)

# %% id="check-your-understanding-3"
freed_quiz(early_put_scenario())

# %% id="check-your-understanding-4"
refcount_quiz(email_scenario(), 2)

# %% [markdown] id="check-your-understanding-5"
# **Next:** `03_do_page_mkwrite` steps through the function that has to cope with the window.

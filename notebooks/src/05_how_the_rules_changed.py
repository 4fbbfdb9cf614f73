# %% [markdown]
# # 05 · How the rules changed, 2007 – today
#
# **What you will be able to do:** place the email in the history of `do_page_mkwrite()` and of the
# mapping word; say which kernels could show the endless retry; and check a claim about "the modern
# way" against what the commits actually did.
#
# **Which kernels:** every event names the release it landed in and links to its commit or mail.
# The explorer below switches the widgets to the era of each event: before v6.0 (links to
# v5.10.223), v6.0 – v6.16 (v6.1.4) and v6.17 onwards (v7.2.8). Releases marked ≈ are not verified.
#
# Facts taught here: **B1, B2, B3, B6** and the history behind **R12**.

# %%
from IPython.display import HTML

from folioviz.widgets.figures import history_figure
from folioviz.widgets.history import HistoryExplorer
from folioviz.widgets.mkwrite import history_table_html
from folioviz.widgets.tables import era_table_html

# %% [markdown]
# ## The timeline
#
# Blue circles changed `do_page_mkwrite()` or how it is called; orange diamonds changed what the
# mapping word can hold. The shaded span is the only stretch in which testing `folio_mapping()`
# could make a fault retry for ever (B2). Hover a marker for its date and title.

# %%
history_figure()

# %% [markdown]
# ## Explore a moment
#
# Pick a moment: the card says what changed, the table says what the email's driver page (an old
# driver's page tagged movable, with an old-school handler) would do under each truncation check in
# that era, and the mapping-word widget below it switches to that era, in place. Try *2022-08 · v6.0*,
# then *2025-07 · v6.17*.

# %%
HistoryExplorer("email-2023")

# %% [markdown]
# ## The email's dates, checked (B1)
#
# The email dates the "modern" protocol to 2007, commit {{commit:d0217ac04ca6591841e5665f518e38064f4e65bd}}.
# That commit added the re-check of the mapping after `->page_mkwrite`. Returning `VM_FAULT_LOCKED`,
# and the fallback for handlers that still return 0 (lock, check, retry), came two years later with
# {{commit:b827e496c893de0c0f142abfaeb8730a2fd6b37f}}, "mm: close page_mkwrite races". Both halves are
# still in v7.2.8's `do_page_mkwrite()` ({{src:do_page_mkwrite#vm-fault-locked-test@v7.2.8}},
# {{src:do_page_mkwrite#mapping-check@v7.2.8}}).

# %% [markdown]
# ## What the mapping word went through (B2, B3)
#
# * **v6.0** made movable pages point to a `struct movable_operations` and made `folio_mapping()`
#   return NULL for any tag bit ({{src:folio_mapping#flags-test@v6.1.4}}); before it, only the anon
#   bit gave NULL and other tags were masked off ({{src:page_mapping#flags-test@v5.10.223}}).
# * **v6.17** took the movable marking out of the word altogether: a page flag, `PG_movable_ops`
#   ({{src:PG_movable_ops@v7.2.8}}), and the constants became `FOLIO_MAPPING_*`
#   ({{src:FOLIO_MAPPING_FLAGS@v7.2.8}}).
# * **v6.18** (≈; read in v6.18.15 and v7.2.8) gave the swap cache one global `address_space`, which
#   `folio_mapping()` now returns for every swap-cache folio ({{src:folio_mapping#swap-cache-branch@v7.2.8}}).
#
# The same driver word in the three eras:

# %%
HTML(era_table_html("0xffffffffc0a04042"))

# %% [markdown]
# ## After the email (B6, R12)
#
# The folio conversion that prompted the email was merged in v6.6 testing the raw `folio->mapping`
# ({{src:do_page_mkwrite#mapping-check@v6.12.8}}). The `WARN_ON_ONCE` the email proposed for handlers
# that still return 0 was not added: the old-school path in v7.2.8 is unchanged and silent. Two
# users of the old convention changed their ways: perf wrote a file mapping into its pages' words so
# they would pass the check ({{src:perf_mmap_fault#sets-page-mapping@v6.12.8}}) and no longer does by
# v6.18.15, and fb_defio's handler locks the page and returns `VM_FAULT_LOCKED`
# ({{src:fb_deferred_io_track_page#returns-vm-fault-locked@v7.2.8}}). kernfs still returns 0 when
# the file it wraps has no handler ({{src:kernfs_vma_page_mkwrite#ret-0@v7.2.8}}).

# %%
HTML(history_table_html())

# %% [markdown]
# **Next:** `06_races` explores every interleaving of a write fault against truncation (planned).

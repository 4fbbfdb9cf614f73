# %% [markdown]
# # folioviz · start here
#
# This workbook teaches one corner of Linux memory management in depth: the word
# `folio->mapping`, what it can hold, and why `do_page_mkwrite()` tests it the way it does.
#
# It grew from one email. On 4 July 2023, reviewing a patch that converted `do_page_mkwrite()`
# to folios, Matthew Wilcox explained the rules of `folio->mapping` and why the patch's
# `folio_mapping()` check could make a fault retry for ever
# ({{lore:ZKR0n+lkqICOrWgr@casper.infradead.org}}). The workbook numbers the rules of that email
# **R1–R12** and adds **B1–B7**, facts that kernel history since then adds or corrects.
#
# ## How to use it
#
# * Run each notebook from the top (*Run ▸ Run All Cells*). Everything works offline.
# * The widgets are for clicking: flip bits, paste a value from `crash` or `drgn`, switch the
#   kernel era. Nothing you do can break them; bad input shows a message and the widget keeps
#   its last good state.
# * Every kernel fact names the kernel version it holds for and links to the source of a
#   release we read, on [Elixir](https://elixir.bootlin.com/linux/v6.1.4/source), or to the
#   mail on lore.kernel.org.
# * **Kernel eras.** The rules changed twice: before v6.0, v6.0–v6.16 (the email's era, the
#   default everywhere) and v6.17 onwards. Each widget shows the era it models and can switch it.
# * Each notebook ends with exercises that check your answer at once.

# %%
from IPython.display import HTML

from folioviz.widgets.workbook import eras_table_html, notebook_index_html, rules_map_html

# %% [markdown]
# ## New to Linux memory management?
#
# Read `00_the_primer` first. It is short: one picture of how a page, a folio, its `mapping`
# word and the structures it points to fit together, one of what happens on the first write to a
# shared file mapping, and a glossary. In every notebook the first use of a term links to it.
#
# ## The 30-minute route
#
# For readers and speakers in a hurry. Each stop names the section to read; skip the rest of the
# notebook and come back later.
#
# | minutes | notebook | read |
# |---|---|---|
# | 5 | `00_the_primer` | the two pictures; look terms up as you go |
# | 7 | `01_the_mapping_word` | *One word, many jobs*, *The four tags*, *Two truncation checks* (the core: click a tag bit and watch the two checks part ways) |
# | 6 | `02_page_cache_refcounts` | *The email's three steps*: step the widget through lookup, removal and put |
# | 7 | `03_do_page_mkwrite` | *The endless loop*: the side-by-side stepper, then *Only in v6.0 – v6.16* |
# | 5 | `05_how_the_rules_changed` | *The timeline* and *The email's dates, checked* |
#
# Then, with more time: `04` surveys the kernel's real handlers, and `06` tries every order of a
# write fault against truncation.

# %% [markdown]
# ## The notebooks

# %%
HTML(notebook_index_html())

# %% [markdown]
# ## The rules, and where each is taught

# %%
HTML(rules_map_html())

# %% [markdown]
# ## Pick the kernel era
#
# Every widget shows the era it models and has a menu to switch it. To start the **whole
# workbook** in another era, start JupyterLab with `make lab ERA=latest` (or `ERA=5.10`, `ERA=6.4`),
# which sets the environment variable `FOLIOVIZ_ERA` for every notebook. Inside one notebook,
# `set_default_era(...)` does the same for that notebook's widgets. Cells that illustrate the email
# itself name their era explicitly, so they read the same whatever the default.

# %%
from folioviz import browser_note

browser_note("era")  # prints a note only in the browser version (JupyterLite)
HTML(eras_table_html())

# %% [markdown]
# ## A first taste
#
# Click bit 0 (the rightmost button, in the orange *tag* group) and watch a file's page turn
# into an anonymous one. Then go to `00_the_primer`, or straight to `01_the_mapping_word` if the
# words page cache, folio and `anon_vma` are already familiar.

# %%
from folioviz import MappingWordWidget

MappingWordWidget("0xffff888003a1c000")

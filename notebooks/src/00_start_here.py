# %% [markdown] id="folioviz-start-here"
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
# * **Kernel eras.** The rules changed twice: before v6.0, v6.0–v6.16, and v6.17 onwards. Each widget
#   shows the era it models and can switch it.
# * **One setting, several names.** v6.4 is the email's kernel; v6.1.4 is the tree we read for it (no
#   v6.4 tree was available; the code the email discusses reads the same there); and the era both
#   belong to is v6.0–v6.16. "The email's era", "v6.4" in a kernel menu and links to v6.1.4 all mean
#   this one setting, the default everywhere.
# * Each notebook ends with exercises that check your answer at once.

# %% id="folioviz-start-here-1"
from IPython.display import HTML

from folioviz.render.workbook import eras_table_html, notebook_index_html, rules_map_html

# %% [markdown] id="new-to-linux-memory-management"
# ## New to Linux memory management?
#
# Read `00_the_primer` first. It is short: one picture of how a page, a folio, its `mapping`
# word and the structures it points to fit together, one of what happens on the first write to a
# shared file mapping, and a glossary. In every notebook the first use of a term links to it.
#
# ## The short route: 30 minutes if the words are familiar, about an hour if not
#
# For readers and speakers in a hurry. Each stop names the section to read; skip the rest of the
# notebook and come back later. The times are for a reader who already knows what a page cache, a
# folio and a page fault are. A newcomer to Linux memory management should plan **about an hour**:
# the glossary look-ups take the extra time (keep the primer's glossary and the rules map below open
# in a second tab). A test reader new to mm took 45–60 minutes.
#
# | minutes (familiar / new) | notebook | read |
# |---|---|---|
# | 5 / 15 | `00_the_primer` | the two pictures and *The return chain*; look terms up as you go |
# | 8 / 12 | `01_the_mapping_word` | *One word, many jobs*, *The four tags*, *Two truncation checks* (click a tag bit and watch the two checks part ways), *The KSM bit-test trap* |
# | 6 / 10 | `02_page_cache_refcounts` | *The email's three steps* and *A large folio holds `nr` references* |
# | 7 / 12 | `03_do_page_mkwrite` | *The endless loop*: the side-by-side stepper, then *Only in v6.0 – v6.16* |
# | 4 / 8 | `05_how_the_rules_changed` | *The timeline* and *The email's dates, checked* |
#
# That is 30 minutes for a reader at home in mm, about 57 for a newcomer. Then, with more time: `04`
# surveys the kernel's real handlers, and `06` tries every order of a write fault against truncation.

# %% [markdown] id="the-notebooks"
# ## The notebooks

# %% id="the-notebooks-1"
HTML(notebook_index_html())

# %% [markdown] id="the-rules-and-where-each-is-taught"
# ## The rules, and where each is taught

# %% id="the-rules-and-where-each-is-taught-1"
HTML(rules_map_html())

# %% [markdown] id="pick-the-kernel-era"
# ## Pick the kernel era
#
# Every widget shows the era it models and has a menu to switch it. To start the **whole
# workbook** in another era, start JupyterLab with `make lab ERA=latest` (or `ERA=5.10`, `ERA=6.4`),
# which sets the environment variable `FOLIOVIZ_ERA` for every notebook. Inside one notebook,
# `set_default_era(...)` does the same for that notebook's widgets. Cells that illustrate the email
# itself name their era explicitly, so they read the same whatever the default.

# %% id="pick-the-kernel-era-1"
from folioviz import browser_note

browser_note("era")  # prints a note only in the browser version (JupyterLite)
HTML(eras_table_html())

# %% [markdown] id="a-first-taste"
# ## A first taste
#
# Click bit 0 (the rightmost button, in the orange *tag* group) and watch a file's page turn
# into an anonymous one. Then go to `00_the_primer`, or straight to `01_the_mapping_word` if the
# words page cache, folio and `anon_vma` are already familiar.

# %% id="a-first-taste-1"
from folioviz import MappingWordWidget

MappingWordWidget("0xffff888003a1c000")

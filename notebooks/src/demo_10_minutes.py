# %% [markdown] id="a-10-minute-talk-why-do-page-mkwrite"
# # A 10-minute talk: why `do_page_mkwrite()` tests the raw `folio->mapping`
#
# A script for a speaker, in three acts, one widget each. Everything runs offline. Run all cells
# before the talk (*Run ▸ Run All Cells*), then walk down; the notes tell you what to say and what
# to click. The widgets are in **presenter mode**: large type and thick lines for a projector.
#
# **Keyboard, for a clicker or a laptop:** <kbd>Tab</kbd> moves between controls; <kbd>Space</kbd>
# or <kbd>Enter</kbd> presses a button or flips a bit; in JupyterLab or the app view (`make app`), with
# a step slider focused, <kbd>←</kbd> <kbd>→</kbd> step and <kbd>Home</kbd> <kbd>End</kbd> jump to the
# ends (Notebook 7 keeps the arrow keys for moving between cells).
#
# Kernel: the email's era, **v6.0 – v6.16** (links point to v6.1.4 and, for the folio form,
# v6.12.8). The email: {{lore:ZKR0n+lkqICOrWgr@casper.infradead.org}}.

# %% id="a-10-minute-talk-why-do-page-mkwrite-1"
from folioviz import presenter_mode
from folioviz.kernel.pagecache import truncation_scenario
from folioviz.render import refcount_figure
from folioviz.render.history import history_figure
from folioviz.widgets import MappingWordWidget, MkwriteSideBySide, PageCacheWidget

presenter_mode(True)

# %% [markdown] id="act-1-0-00-3-00-one-word-four-meanings"
# ## Act 1 (0:00 – 3:00) · one word, four meanings
#
# **Say:** in July 2023 a patch converted `do_page_mkwrite()` to folios and checked
# `folio_mapping()`; Matthew Wilcox explained why that is wrong. It starts with one word of
# `struct folio`.
#
# **Click:** bit 0 (orange tag group): a file page becomes anonymous. Bit 0 again, then bit 1: a
# driver's movable page. **Point at** the lower table: `folio->mapping` is not NULL, but
# `folio_mapping()` is. That gap is the whole talk.

# %% id="act-1-0-00-3-00-one-word-four-meanings-1"
MappingWordWidget("0xffff888003a1c000", era="email")

# %% [markdown] id="act-2-3-00-6-00-how-a-real-page-gets-a"
# ## Act 2 (3:00 – 6:00) · how a real page gets a NULL word
#
# **Say:** a NULL word is normal: truncation clears it while others still hold references. That is
# why `do_page_mkwrite()` checks it.
#
# **Click:** *next ▶* until the folio is yellow (the window: mapping NULL, count still above zero).
# The chart below replays the whole sequence by itself.

# %% id="act-2-3-00-6-00-how-a-real-page-gets-a-1"
PageCacheWidget("truncation", era="email")

# %% id="act-2-3-00-6-00-how-a-real-page-gets-a-2"
refcount_figure(truncation_scenario("email"))

# %% [markdown] id="act-3-6-00-9-00-the-check-both-ways"
# ## Act 3 (6:00 – 9:00) · the check, both ways
#
# **Say:** an old-school handler returns 0; the kernel locks the page and asks "still in the file?".
# Left, the raw word, as merged in v6.6. Right, `folio_mapping()`, as the first patch had it.
#
# **Click:** *last ▶|*. Left: the write proceeds. Right: LIVELOCK, the fault retries for ever on a
# page nobody truncated. **Then** switch *kernel* to v5.10: both sides write (the tag was masked
# before v6.0). Switch to v6.17+: refused, because the movable tag left the word.

# %% id="act-3-6-00-9-00-the-check-both-ways-1"
MkwriteSideBySide(handler="old-school", folio="movable-tagged", kernel="6.4")

# %% [markdown] id="close-9-00-10-00-where-this-sits-in"
# ## Close (9:00 – 10:00) · where this sits in history
#
# **Say:** the hazard existed only between v6.0 and v6.16; the merged code tests the raw word; the
# warning the email proposed for old-school handlers was never added. The workbook (`make lab`)
# has the details, the sources, and exercises.

# %% id="close-9-00-10-00-where-this-sits-in-1"
history_figure()

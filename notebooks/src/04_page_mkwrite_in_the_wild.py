# %% [markdown] id="04-page-mkwrite-in-the-wild"
# # 04 · `->page_mkwrite` in the wild
#
# **What you will be able to do:** say how the kernel's own `->page_mkwrite` handlers behave, which
# of them still use the old convention the email wants to retire, and what the warning the email
# proposed would catch today.
#
# **Which kernels:** every handler registered in **v7.2.8** (the newest full source Debian's archive
# served on the day of the survey, 26 November 2026; newer releases have appeared since) and in **v6.1.4**, which stands in for v6.4, the email's kernel (no exact v6.4 tree was
# available; the handlers' code is what v6.1.4 shows). Each row was read in the source; its name
# links to the line. The data is in `data/page_mkwrite_survey.toml`, and `make provenance`
# re-checks every line against the real files.
#
# Rules taught here: **R10** and **R12** (the email: "only about 30 implementations").

# %% id="04-page-mkwrite-in-the-wild-1"
from IPython.display import HTML

from folioviz.kernel.survey import old_school
from folioviz.render.survey import row_counts_html, survey_differences_html, survey_figure, survey_table_html
from folioviz.widgets.exercises import old_school_quiz
from folioviz.widgets.survey import SurveyExplorer

# %% [markdown] id="how-many-and-which-convention-r12"
# ## How many, and which convention (R12)
#
# The email guesses about 30 implementations. Counting the functions some `vm_operations_struct`
# installs as `.page_mkwrite`: 26 in v7.2.8 and 25 in v6.1.4. **21 of the 26 (v7.2.8) and 18 of the 25
# (v6.1.4) are modern**: they lock the folio and return `VM_FAULT_LOCKED`, most through a shared helper
# (iomap, the buffer-head helpers, netfs, or the generic `filemap_page_mkwrite()`
# {{survey:filemap_page_mkwrite@v7.2.8}}, which the survey files under *helper* because other handlers
# call it, though it is registered directly and modern too). DAX and PFN-mapped handlers have no
# page-cache folio to lock at all.
#
# The survey's categories (its *convention* column), in one line each:
#
# * **modern**: locks the folio and returns `VM_FAULT_LOCKED`;
# * **old-school**: returns 0 with the folio unlocked, so `do_page_mkwrite()` locks and checks;
# * **dax**: maps the storage itself (DAX), no page-cache folio;
# * **pfn-map**: a handler for a PFN map, where only `->pfn_mkwrite` is really called;
# * **refuses**: never lets the write happen (always an error, such as SELinux's policy file);
# * **helper**: not a handler but a shared function that handlers call; its row says what it does.
#
# The helpers the rows name most often, in a line each: `block_page_mkwrite()` does the buffer-head
# work and `block_page_mkwrite_return()` turns its error number into a `VM_FAULT_*` code;
# `folio_mkwrite_check_truncate()` (and its page twin `page_mkwrite_check_truncate()`) checks, under
# the lock, that the folio is still in the file and returns how many of its bytes lie inside the file;
# `vmf_fs_error()` turns a filesystem's error number into a `VM_FAULT_*` code.

# %% id="how-many-and-which-convention-r12-1"
survey_figure("convention")

# %% id="how-many-and-which-convention-r12-2"
survey_figure("helper")

# %% [markdown] id="the-whole-survey"
# ## The whole survey
#
# Filter by release, convention or helper, or search for a filesystem. Each handler links to its
# definition; the last column says whether the row was read in the source (V) or not.
#
# The explorer lists more rows than there are handlers: besides the functions that some
# `vm_operations_struct` registers as `.page_mkwrite`, it lists the **shared helpers** they call
# (convention *helper*: `block_page_mkwrite()`, `iomap_page_mkwrite()` and the like), so that a handler's
# *helper* column can be followed. `filemap_page_mkwrite()` is both a helper and registered directly, so
# it is one row and counts as a registered handler. So the rows are the registered handlers plus the
# helpers that nobody registers. The counts, from the data:

# %% id="the-whole-survey-1"
HTML(row_counts_html())

# %% id="the-whole-survey-2"
SurveyExplorer()

# %% [markdown] id="the-old-school-handlers-that-remain"
# ## The old-school handlers that remain
#
# Old-school handlers return 0 and leave the folio unlocked, so `do_page_mkwrite()` locks it and
# checks the raw word itself (notebook 03).
#
# * **kernfs** (sysfs and friends) wraps the `vm_ops` that a file's own `mmap` installed. It is
#   old-school **only when those wrapped ops have no `->page_mkwrite`**: then it just updates the file
#   time and returns 0 ({{src:kernfs_vma_page_mkwrite#ret-0@v6.1.4}}); when they have one, it forwards
#   the call and returns whatever that handler returns
#   ({{src:kernfs_vma_page_mkwrite#forwards-to-wrapped-page-mkwrite@v6.1.4}}). The same in both releases
#   ({{survey:kernfs_vma_page_mkwrite@v6.1.4}}, {{survey:kernfs_vma_page_mkwrite@v7.2.8}}). No in-tree ops
#   that kernfs wraps define one, so in-tree it takes the 0 path. A 2024 proposal to drop it came from
#   the P2PDMA work (peer-to-peer DMA: PCI devices reading and writing each other's memory); it had not landed by v7.2.8.
# * **perf** in v6.1.4 used one function for `.fault` and `.page_mkwrite`
#   ({{survey:perf_mmap_fault@v6.1.4}}). It is old-school **only for page 0** of its buffer, the control
#   page: on a write-notify call it starts from `VM_FAULT_SIGBUS` ({{src:perf_mmap_fault#mkwrite-sigbus-by-default@v6.1.4}})
#   and returns 0 only when the page offset is 0 ({{src:perf_mmap_fault#mkwrite-page-0-returns-0@v6.1.4}}).
#   And its `.fault` stored the file's mapping in each page's `mapping` word
#   ({{src:perf_mmap_fault#writes-a-file-mapping-into-page-mapping@v6.1.4}}), so the raw check in
#   `do_page_mkwrite()` sees a non-NULL word: exactly the dependence on the raw field the email protects.
#   By v7.2.8 perf maps its buffer as a PFN map and has only a `.pfn_mkwrite`.
# * **fb_defio**, the framebuffer driver whose 2007 troubles are in notebook 05, is modern in both
#   releases, and already was in v5.10.223: its handler locks the page and returns `VM_FAULT_LOCKED`
#   ({{src:fb_deferred_io_mkwrite#returns-vm-fault-locked@v5.10.223}}, {{survey:fb_deferred_io_mkwrite@v6.1.4}},
#   {{survey:fb_deferred_io_mkwrite@v7.2.8}}). What changed is its `.fault`: in v6.1.4 it stores the file's
#   mapping in `page->mapping` ({{src:fb_deferred_io_fault#sets-page-mapping@v6.1.4}}), in v7.2.8 it does
#   not ({{src:fb_deferred_io_fault@v7.2.8}}).
#
# The rows, from the data:

# %% id="the-old-school-handlers-that-remain-1"
HTML(survey_table_html(old_school("v6.1.4") + old_school("v7.2.8")))

# %% [markdown] id="what-a-warn-on-once-would-catch-today"
# ## What a `WARN_ON_ONCE` would catch today (R12)
#
# The email suggests turning the old-school path into a warning so that remaining drivers get fixed.
# In v7.2.8 the only in-tree handler that takes that path is kernfs's, and only when the file it
# wraps has no handler of its own; in v6.1.4 perf's was a second, for page 0 of its buffer only. Whether any sysfs file in the tree
# actually maps pages that are written through a shared mapping (so that the warning would fire) was
# not established: treat "kernfs" as the candidate, not as a known firing.
#
# ## One more use of `folio_mapping()`
#
# In v6.1.4, 9p's modern handler checked for truncation with `folio_mapping()`, comparing it with the
# file's mapping after locking ({{survey:v9fs_vm_page_mkwrite@v6.1.4}}). That is harmless there: a 9p
# page-cache folio is an ordinary file folio, for which `folio_mapping()` and the raw word agree. The
# hazard of notebook 03 is specific to `do_page_mkwrite()`'s old-school path, which any driver's page
# can reach. By v7.2.8, 9p hands the work to `netfs_page_mkwrite()`.
#
# ## What changed between the two releases

# %% id="what-a-warn-on-once-would-catch-today-1"
HTML(survey_differences_html())

# %% [markdown] id="check-your-understanding"
# ## Check your understanding
#
# Count them in the explorer above (filter *convention* = old-school), type your answer, then press
# *Check*: the answer comes from the survey data and shows only after you check.

# %% id="check-your-understanding-1"
old_school_quiz("v7.2.8")

# %% id="check-your-understanding-2"
old_school_quiz("v6.1.4", "And in v6.1.4?")

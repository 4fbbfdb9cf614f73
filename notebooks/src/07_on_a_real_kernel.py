# %% [markdown] id="07-on-a-real-kernel"
# # 07 · On a real kernel
#
# **What you will be able to do:** read what six real Linux kernels showed about their own pages, set it
# beside what folioviz decodes from the same words, and tell apart what was *observed* (the kernel said it)
# from what is *inferred* (folioviz or the workbook concluded it).
#
# Every notebook before this one was written from kernel source. Source tells you what the code says; a
# booted kernel tells you what it does. This notebook works only from data recorded from booted kernels
# (`data/real_kernels/`), so it runs the same in JupyterLab, on the static site and in the browser build.
#
# Rules shown here on real kernels: **R1–R8** of the email ({{lore:ZKR0n+lkqICOrWgr@casper.infradead.org}})
# and **B2, B3, B7**.

# %% id="07-on-a-real-kernel-1"
from IPython.display import HTML

from folioviz.render.real_kernels import (
    ksm_bug_html,
    movable_change_html,
    observed_table_html,
    records_summary_html,
    rules_seen_html,
    truncation_html,
)
from folioviz.widgets.exercises import ksm_bug_count_quiz, real_kind_quiz, truncated_refcount_quiz

# %% [markdown] id="what-was-booted-and-how"
# ## What was booted, and how
#
# The kernel lab (`lab/` in the repository) fetched Debian's own generic amd64 kernel packages, pinned by
# version and hash in `data/kernel_images.toml`, and booted each one under QEMU (software emulation, 512 MB)
# with a tiny BusyBox userland and one C program, `lab/guest/scenarios.c`. That program leaves behind pages of
# every kind the workbook teaches; then the lab dumps the guest's memory and reads it with drgn, using the
# build's own type information (BTF).
#
# The six builds cover all three eras and both sides of each boundary:
#
# * **5.10.223** (Debian bullseye), before v6.0: [source](https://elixir.bootlin.com/linux/v5.10.223/source);
# * **6.1.192** (bookworm), the email's era: [source](https://elixir.bootlin.com/linux/v6.1.192/source);
# * **6.12.117** (trixie): [source](https://elixir.bootlin.com/linux/v6.12.117/source);
# * **6.16.12** (trixie-backports), the last release with the movable tag:
#   [source](https://elixir.bootlin.com/linux/v6.16.12/source);
# * **6.17.8** (trixie-backports), the first with `PG_movable_ops`:
#   [source](https://elixir.bootlin.com/linux/v6.17.8/source);
# * **7.3.4** (trixie-backports), the newest served: [source](https://elixir.bootlin.com/linux/v7.3.4/source).
#
# (Elixir shows upstream trees; Debian adds its own patches on top, so a line there is close to, not exactly,
# what ran.)
#
# For each page the record keeps two kinds of fact, kept apart on purpose:
#
# * **What the kernel said**, never computed by folioviz: the flags `/proc/kpageflags` gave the page in the guest
#   (made by `stable_page_flags()`, [fs/proc/page.c in 6.17](https://elixir.bootlin.com/linux/v6.17.8/source/fs/proc/page.c)),
#   the flag names the kernel's own `%pGp` table gives its flags word (the `pageflag_names` table of
#   [mm/debug.c](https://elixir.bootlin.com/linux/v6.17.8/source/mm/debug.c), read out of the guest's memory),
#   the page type as the kernel's `enum pagetype` names it, and the page-cache events ftrace saw.
# * **The raw words** of `struct page`, as the dump holds them.
#
# folioviz's answer is worked out from the raw words each time you run a cell: the words go into a
# `dump_page()`-shaped report and through the same paste decoder a mentor would use.

# %% id="what-was-booted-and-how-1"
HTML(records_summary_html())

# %% [markdown] id="what-was-booted-and-how-2"
# *Whole memory* counts every page that `/proc/kpageflags` puts in a class (slab, anonymous, KSM, swap cache, file):
# about two to three thousand per guest. Apart from one known kernel bug (below), folioviz and the kernel agree on
# every one of them.

# %% [markdown] id="the-email-s-cases-as-real-kernels-hold"
# ## The email's cases, as real kernels hold them
#
# Pick any build. Each row is a page one scenario left: a page-cache page of a ramfs file (whose mapping has a
# real `->page_mkwrite`, `filemap_page_mkwrite()`), a truncated page, an anonymous page, a KSM page merged by
# `ksmd`, the head and a tail of a transparent huge page and of a large shmem folio, pages in the swap cache
# (zram swap), a slab page, and a page of zsmalloc, the allocator behind zram. The middle column is observed;
# the third is folioviz's decode.

# %% id="the-email-s-cases-as-real-kernels-hold-1"
HTML(observed_table_html("6.1"))

# %% [markdown] id="the-email-s-cases-as-real-kernels-hold-2"
# Things to notice:
#
# * **Tail pages** carry a poison value in their own `mapping` word; folioviz reads the folio's word from the head
#   page, as the kernel does. On 7.3.4 a tail page no longer stores its head's address: the word is a mask that,
#   applied to the tail's own address, gives the head (observed in the record; folioviz finds the head that way).
# * **The swap cache** (B3): the page found by kpageflags has a NULL word and sits in the swap cache, so
#   `folio_mapping()` would hand back the swap cache's address space, not NULL.
# * **The slab page** (R2): before v6.10 a page flag says slab; from 6.12 the kernel names it by its page type
#   (the top byte of the page-type field), and the flags word has no slab bit at all. Try the table for 6.12.

# %% id="the-email-s-cases-as-real-kernels-hold-3"
HTML(observed_table_html("6.12"))

# %% [markdown] id="the-movable-tag-and-what-replaced-it-r6"
# ## The movable tag, and what replaced it (R6, B2)
#
# zsmalloc's pages carry the encoding the email worries about: a page owned by a driver, on no LRU list, that
# compaction may still migrate. Up to v6.16 the kernel says so in the mapping word: bits 1–0 are `0b10` and the
# rest points at zsmalloc's `movable_operations` (on 5.10, at an address space whose operations are zsmalloc's).
# zsmalloc never maps its pages into a process, so `do_page_mkwrite()` never meets them; but a driver page with
# this tag that *was* mapped is the case that a `folio_mapping()` check there would have turned into an endless
# retry (R11).
#
# From v6.17 the word is left alone (it is 0 on the 6.17.8 page) and a page flag carries the fact instead:
# `PG_movable_ops`, which shares its bit with `PG_uptodate` and means "movable" only on the page types that use it
# (zsmalloc and offline pages); see `page_has_movable_ops()` in
# [include/linux/page-flags.h of 6.17](https://elixir.bootlin.com/linux/v6.17.8/source/include/linux/page-flags.h).
# Here is the same kind of page on both sides of the change, its words side by side:

# %% id="the-movable-tag-and-what-replaced-it-r6-1"
HTML(movable_change_html("6.16", "6.17"))

# %% [markdown] id="the-movable-tag-and-what-replaced-it-r6-2"
# Observed: the two words and the page types, and that the lab found each page through the kernel's own symbol
# (`zsmalloc_mops`) or page type. Inferred: that the kernel would treat these pages as movable: the lab did not
# watch a migration happen, it read the marks the migration code tests.

# %% [markdown] id="a-bug-seen-live-kpageflags-calls-plain"
# ## A bug seen live: kpageflags calls plain anonymous pages KSM (B7)
#
# The KSM tag (`0b11`) contains the anonymous bit (`0b01`), so testing `mapping & KSM` instead of comparing the
# masked tag is true for *every* anonymous page. Notebook 01 says `/proc/kpageflags` made that mistake for a while.
# The records show it happening: on three of the six builds, the plain anonymous page of the `anon` scenario, which
# nothing asked KSM to merge, comes back from kpageflags with `KPF_KSM` set, and so do dozens of other anonymous
# pages of the guest. folioviz compares the masked tag and says anon.

# %% id="a-bug-seen-live-kpageflags-calls-plain-1"
HTML(ksm_bug_html())

# %% [markdown] id="a-bug-seen-live-kpageflags-calls-plain-2"
# Observed: which builds set `KPF_KSM` on a page whose word's tag is `0b01` (6.12.117, 6.16.12 and 6.17.8; not 5.10.223,
# 6.1.192 or 7.3.4), and how many such pages each had. Inferred: *why*, from reading `stable_page_flags()` in
# [6.12](https://elixir.bootlin.com/linux/v6.12.117/source/fs/proc/page.c) beside
# [6.1](https://elixir.bootlin.com/linux/v6.1.192/source/fs/proc/page.c). The lab saw the wrong answer, not the line
# that gave it.

# %% [markdown] id="a-truncation-traced-r8"
# ## A truncation, traced (R8)
#
# The `truncated` scenario writes a page of a ramfs file, splices it into a pipe (which takes a reference), then
# truncates the file to zero. ftrace's `filemap` events show the page entering the page cache and leaving it; the
# dump then shows what notebook 02 animates: the word is NULL, and the page is still referenced.

# %% id="a-truncation-traced-r8-1"
HTML(truncation_html("6.17"))

# %% [markdown] id="a-truncation-traced-r8-2"
# Observed: the two events, the NULL word and the refcount. Inferred: that the remaining reference is the pipe's
# (the program holds the pipe open while the memory is dumped, and nothing else in the guest knows the page).

# %% [markdown] id="which-rules-a-real-kernel-showed"
# ## Which rules a real kernel showed
#
# The same mark appears in the rules map of `00_start_here`. It is worked out from the records, not typed in: a
# rule counts as seen on a build when the pages that show it were recorded there and folioviz agrees with the
# kernel about them. Rules about `do_page_mkwrite()`'s branches and about history were read in source only; no
# scenario here takes a write fault on a truncated page.

# %% id="which-rules-a-real-kernel-showed-1"
HTML(rules_seen_html())

# %% [markdown] id="reproduce-it-yourself"
# ## Reproduce it yourself
#
# On a Linux machine with QEMU (`qemu-system-x86`), `busybox-static`, `zstd` and `gcc` (`make kernels` installs
# them with apt-get when run as root; nothing else needs root):
#
# * `make kernels` fetches and extracts the pinned images (cached: offline afterwards);
# * `make vm KERNEL=6.17` boots 6.17.8, runs the scenarios, dumps memory and leaves you at a drgn prompt on the
#   dump, with folioviz imported and the scenarios' pages in `pages`; `explain(pages['anon_anon'])` decodes one
#   through drgn, from the kernel's own types. `make vm KERNEL=6.16 GUEST_SHELL=1` gives a shell inside the guest
#   instead;
# * `make real-kernels` boots every build and rewrites `data/real_kernels/` (`make real-kernels KERNEL=6.17` for
#   one); `tests/test_real_kernels.py` then holds folioviz against the new records.
#
# In this browser-friendly notebook nothing boots: everything above comes from the committed records.

# %% [markdown] id="check-your-understanding"
# ## Check your understanding

# %% id="check-your-understanding-1"
real_kind_quiz("6.17", "zsmalloc")

# %% id="check-your-understanding-2"
real_kind_quiz("5.10", "swapcache", "found-by-kpageflags")

# %% id="check-your-understanding-3"
ksm_bug_count_quiz("6.16")

# %% id="check-your-understanding-4"
truncated_refcount_quiz("6.1")

# %% [markdown] id="check-your-understanding-5"
# **Back to:** notebook 01 for the tag bits and B7, notebook 02 for the refcounts of a truncated page, and
# `00_start_here` for the map of rules.

# %% [markdown] id="00-the-primer-a-map-of-the-words"
# # 00 · The primer: a map of the words
#
# **What you will be able to do:** name the structures this workbook keeps returning to (page,
# folio, `mapping`, `address_space`, `anon_vma`), say why the first write to a shared file mapping
# faults, and look up any term the notebooks use. This is a map, not a textbook: two pictures and a
# glossary. Every later notebook links the first use of each term back to its entry here.
#
# **Which kernel:** v6.0 – v6.16, the era of the email (Matthew Wilcox, 4 July 2023,
# {{lore:ZKR0n+lkqICOrWgr@casper.infradead.org}}); links point to **v6.1.4**, a release in that
# era whose files we read.

# %% id="00-the-primer-a-map-of-the-words-1"
from IPython.display import HTML

from folioviz.render.primer import folio_map_svg, write_fault_svg

# %% [markdown] id="from-a-page-to-what-it-belongs-to"
# ## From a page to what it belongs to
#
# The kernel manages physical memory in pages, each described by a `struct page`
# ({{src:page@v6.1.4}}). A folio is a run of one or more of those pages that the kernel handles as
# one unit. `struct folio` ({{src:folio@v6.1.4}}) is laid over the pages' own descriptors, starting
# at the first (head) page's: a folio's `flags`, `mapping` and `_refcount` are the head page's
# fields. A large folio's struct goes on into the next page's descriptor, which holds what only a
# multi-page folio needs, such as its order and `_folio_nr_pages` ({{src:_flags_1@v6.1.4}}).
#
# One of those fields is `mapping`: a single word that says what the folio belongs to. For a folio
# of a file it points to the file's `struct address_space` ({{src:address_space@v6.1.4}}), which
# indexes the file's folios in the page cache. For anonymous memory it points, with its lowest bit
# set, to a `struct anon_vma` ({{src:anon_vma@v6.1.4}}), from which the kernel finds every VMA that
# may map the folio. The two lowest bits are a tag. Notebook 01 decodes all four tags, and the case of
# a slab page, where the word is not a tagged pointer at all.

# %% id="from-a-page-to-what-it-belongs-to-1"
HTML(folio_map_svg())

# %% [markdown] id="why-the-first-write-to-a-shared-mapping"
# ## Why the first write to a shared mapping faults
#
# When a process maps a file shared and writable, the kernel wants to hear about the first store
# to each page: the filesystem may need to reserve space or start a journal entry, and writeback
# must know which folios are dirty. So, when the mapping has a `->page_mkwrite`, or its filesystem writes
# dirty pages back to storage and counts them (`mapping_can_writeback()`, true for disk filesystems),
# `vma_wants_writenotify()` says yes ({{src:vma_wants_writenotify#page-mkwrite-test@v6.1.4}})
# and `vma_set_page_prot()` leaves write permission out of `vm_page_prot`, the protection the VMA's
# page-table entries will be given, by working it out as for a private mapping
# ({{src:vma_set_page_prot#write-notify-drops-shared@v6.1.4}}). It builds no entry itself: each is made
# later, by a fault, from that protection ({{src:do_set_pte@v6.1.4}}), and only a write fault makes one
# writable. That is dirty tracking.
#
# The first store then faults, and one of two paths runs. Each calls `do_page_mkwrite()` only when the
# file has a `->page_mkwrite`; without one, it makes the entry writable and marks the folio dirty itself.
#
# * **`wp_page_shared()`** when the page is already mapped, read-only: a store after a read, or
#   after writeback made the entry read-only again. `do_wp_page()` sends shared writable mappings
#   there ({{src:do_wp_page#calls-wp-page-shared@v6.1.4}}); its call is at
#   {{src:wp_page_shared#call-of-do-page-mkwrite@v6.1.4}}.
# * **`do_shared_fault()`** when there is no entry yet: the very first touch of the page through
#   this mapping is a store. `do_fault()` picks it for a write to a shared mapping
#   ({{src:do_fault#calls-do-shared-fault@v6.1.4}}); it reads the folio in through `->fault`, then
#   calls `do_page_mkwrite()` ({{src:do_shared_fault#call-of-do-page-mkwrite@v6.1.4}}).
#
# `do_page_mkwrite()` calls the file's `->page_mkwrite` and judges the answer, as the picture shows.

# %% id="why-the-first-write-to-a-shared-mapping-1"
HTML(write_fault_svg())

# %% [markdown] id="the-return-chain-who-says-what-to-whom"
# ## The return chain: who says what to whom
#
# The answers are `VM_FAULT_*` bits, values of `enum vm_fault_reason`. They pass up a chain of three
# calls, and the same value can mean different things at each link. Read each row from left to right:
# the handler answers `do_page_mkwrite()`, which answers its caller, which answers the CPU's fault
# handler.
#
# | the value | 1. handler → `do_page_mkwrite()` | 2. `do_page_mkwrite()` → its caller | 3. caller → the CPU's fault handler |
# |---|---|---|---|
# | **0** | "done, and I did **not** lock the folio" (an old-school handler): the kernel locks it and checks `mapping` itself | "the folio left its file meanwhile: give up" | 0 again: back to user space, where the store runs again and faults anew ("retry") |
# | `VM_FAULT_LOCKED` (0x200) | "done, and the folio **is** locked" (a modern handler) | the same; also after the kernel's own lock and check for an old-school handler | the caller makes the entry writable, dirties and unlocks the folio: the store completes |
# | `VM_FAULT_NOPAGE` (0x100) | "dealt with it (or found the folio truncated); nothing to install" | passed up unchanged | returned: the store runs again |
# | `VM_FAULT_SIGBUS` (0x2), `VM_FAULT_OOM` (0x1), the other `VM_FAULT_ERROR` bits | "failed" | passed up unchanged | the access fails: a signal, or the out-of-memory killer |
# | `VM_FAULT_RETRY` (0x400) | not expected: a handler may ask for a retry only when its caller passed `FAULT_FLAG_ALLOW_RETRY`, and `do_page_mkwrite()` passes only `FAULT_FLAG_WRITE` and `FAULT_FLAG_MKWRITE` | never tested: taken like 0 (lock, check, go on with `VM_FAULT_LOCKED` added) | the caller goes on as for `VM_FAULT_LOCKED` |
#
# So **0 has two meanings**, one per link: from a handler, "done, unlocked"; from `do_page_mkwrite()`,
# "retry the fault". Notebook 03 steps through both.
#
# *Sources (v6.1.4):* the values {{src:vm_fault_reason@v6.1.4}}, {{src:VM_FAULT_LOCKED@v6.1.4}},
# {{src:VM_FAULT_NOPAGE@v6.1.4}}, {{src:VM_FAULT_SIGBUS@v6.1.4}}, {{src:VM_FAULT_OOM@v6.1.4}},
# {{src:VM_FAULT_ERROR@v6.1.4}}, {{src:VM_FAULT_RETRY@v6.1.4}}; the flags the handler sees,
# {{src:do_page_mkwrite#sets-fault-flags@v6.1.4}}; the test of its answer,
# {{src:do_page_mkwrite#vm-fault-error-vm-fault-nopage-test@v6.1.4}}; the 0 for a folio that left its
# file, {{src:do_page_mkwrite#return-0@v6.1.4}}.

# %% [markdown] id="glossary"
# ## Glossary
#
# Each entry says what the term means here, in a sentence or three, and links to where the kernel
# defines it in v6.1.4.

# %% [markdown] id="glossary-entries"
# {{glossary}}

# %% [markdown] id="next"
# **Next:** `01_the_mapping_word`, or pick a route in `00_start_here` (a short one: 30 minutes if the words are familiar, about an hour if not).

/*
 * folioviz kernel lab: the guest's scenario program (built with `gcc -static`, run by the guest's init).
 *
 * It leaves real folios of each kind the workbook teaches, then reports, on the serial console, the
 * kernel's own account of them: page frame numbers from /proc/self/pagemap, the kernel's classification
 * from /proc/kpageflags, and the page-cache events that ftrace recorded. Every report line starts with
 * "FV " so the host can pick them out of the boot log:
 *
 *   FV scenario <name> <pfn-hex> <role>     a page this scenario left, and which page it is
 *   FV note <name> <text>                   what a scenario could not do here, and why
 *   FV kpf <pfn-hex> <count> <flags-hex>    /proc/kpageflags: <count> pages from <pfn> share <flags>
 *   FV trace <line>                         a filemap event from the trace buffer
 *   FV ksym <hex> <name>                    a symbol the host's drgn needs, from /proc/kallsyms
 *   FV ready                                everything is in place: the host may dump memory now
 *
 * Nothing here is folioviz's own reading: the host compares its decoding of the dumped memory with
 * these lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/klog.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define PAGE 4096UL
#define HUGE (2UL << 20)

/* Bits of /proc/kpageflags (include/uapi/linux/kernel-page-flags.h) the host compares against. */
#define KPF_LRU 5
#define KPF_SLAB 7
#define KPF_MMAP 11
#define KPF_ANON 12
#define KPF_SWAPCACHE 13
#define KPF_SWAPBACKED 14
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_HUGE 17
#define KPF_THP 22
#define KPF_PGTABLE 26
#define KPF_KSM 21

static void say(const char *fmt, ...)
{
	va_list ap;
	char line[512];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("FV %s\n", line);
	fflush(stdout);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -1 : 0;
}

static long read_long(const char *path)
{
	char buf[64] = {0};
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	close(fd);
	return strtol(buf, NULL, 10);
}

/* The page frame number behind a virtual address of this process, or 0 when none is present. */
static uint64_t pfn_of(const void *addr)
{
	static int fd = -1;
	uint64_t entry = 0;

	if (fd < 0)
		fd = open("/proc/self/pagemap", O_RDONLY);
	if (pread(fd, &entry, 8, ((uintptr_t)addr / PAGE) * 8) != 8)
		return 0;
	if (!(entry & (1ULL << 63)))
		return 0;
	return entry & ((1ULL << 55) - 1);
}

static void page_of(const char *scenario, const void *addr, const char *role)
{
	uint64_t pfn = pfn_of(addr);

	if (pfn)
		say("scenario %s %llx %s", scenario, (unsigned long long)pfn, role);
	else
		say("note %s %s: no page present at %p", scenario, role, addr);
}

static void fill(char *p, size_t len, unsigned seed)
{
	/* Data that compresses but is not one repeated word (zram stores those without zsmalloc). */
	for (size_t i = 0; i < len; i++)
		p[i] = (char)((i * 7 + seed) % 61 + (i / 512) % 3);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* A page-cache folio of a file whose mapping has a ->page_mkwrite: ramfs (filemap_page_mkwrite). */
static void scenario_file(void)
{
	int fd = open("/mnt/ramfs/file", O_RDWR | O_CREAT, 0644);
	char *p;

	if (fd < 0 || ftruncate(fd, 4 * PAGE) < 0) {
		say("note file cannot create a ramfs file: %s", strerror(errno));
		return;
	}
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		say("note file mmap: %s", strerror(errno));
		return;
	}
	for (int i = 0; i < 4; i++)
		p[i * PAGE] = 'f'; /* a write fault on a shared mapping: do_shared_fault() -> ->page_mkwrite */
	page_of("file", p, "page-cache");
}

/* A file folio removed from the page cache while a pipe still holds a reference to it. */
static void scenario_truncated(void)
{
	int fd = open("/mnt/ramfs/truncated", O_RDWR | O_CREAT, 0644);
	int pipefd[2];
	char buf[PAGE];
	char *p;
	loff_t off = 0;

	memset(buf, 't', sizeof(buf));
	if (fd < 0 || write(fd, buf, PAGE) != (ssize_t)PAGE || pipe(pipefd) < 0) {
		say("note truncated cannot set up: %s", strerror(errno));
		return;
	}
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		say("note truncated mmap: %s", strerror(errno));
		return;
	}
	(void)*(volatile char *)p;
	page_of("truncated", p, "page-cache-then-truncated");
	munmap(p, PAGE);
	/* splice() puts the page-cache folio itself into the pipe, with a reference of its own. */
	if (splice(fd, &off, pipefd[1], NULL, PAGE, 0) != (ssize_t)PAGE) {
		say("note truncated splice: %s", strerror(errno));
		return;
	}
	if (ftruncate(fd, 0) < 0)
		say("note truncated ftruncate: %s", strerror(errno));
	/* The pipe stays open (never read) until the host has dumped memory. */
}

static void scenario_anon(void)
{
	char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	for (int i = 0; i < 4; i++)
		p[i * PAGE] = 'a' + i;
	page_of("anon", p, "anon");
}

static void scenario_ksm(void)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long shared = 0;

	memset(p, 0x5a, 2 * PAGE);
	if (madvise(p, 2 * PAGE, MADV_MERGEABLE) < 0) {
		say("note ksm madvise(MADV_MERGEABLE): %s", strerror(errno));
		return;
	}
	write_file("/sys/kernel/mm/ksm/sleep_millisecs", "10");
	write_file("/sys/kernel/mm/ksm/pages_to_scan", "1000");
	write_file("/sys/kernel/mm/ksm/run", "1");
	for (int i = 0; i < 100 && shared < 1; i++) {
		sleep_ms(100);
		shared = read_long("/sys/kernel/mm/ksm/pages_shared");
	}
	if (shared < 1) {
		say("note ksm ksmd merged nothing within 10 s");
		return;
	}
	page_of("ksm", p, "ksm");
	page_of("ksm", p + PAGE, "ksm-second-mapping");
}

/* An anonymous THP (a PMD-sized large folio): head and a tail page. */
static void scenario_thp(void)
{
	char *raw = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p = (char *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));

	write_file("/sys/kernel/mm/transparent_hugepage/enabled", "always");
	write_file("/sys/kernel/mm/transparent_hugepage/defrag", "always");
	madvise(p, HUGE, MADV_HUGEPAGE);
	memset(p, 'h', HUGE);
	page_of("thp", p, "head");
	page_of("thp", p + 5 * PAGE, "tail");
}

/* A large page-cache folio: a tmpfs file mounted with huge=always (shmem THP). */
static void scenario_shmem_thp(void)
{
	int fd;
	char *p;

	mkdir("/mnt/hugetmpfs", 0755);
	if (mount("none", "/mnt/hugetmpfs", "tmpfs", 0, "huge=always,size=8m") < 0) {
		say("note shmem-thp mount tmpfs huge=always: %s", strerror(errno));
		return;
	}
	fd = open("/mnt/hugetmpfs/big", O_RDWR | O_CREAT, 0644);
	if (fd < 0 || ftruncate(fd, HUGE) < 0) {
		say("note shmem-thp create: %s", strerror(errno));
		return;
	}
	p = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		say("note shmem-thp mmap: %s", strerror(errno));
		return;
	}
	memset(p, 's', HUGE);
	page_of("shmem-thp", p, "head");
	page_of("shmem-thp", p + 5 * PAGE, "tail");
}

/* zram swap: pages swapped out (their compressed copies live in zsmalloc pages), then some read back
 * into the swap cache. */
static void scenario_swap(void)
{
	size_t n = 64;
	char *p;
	int fd;

	if (write_file("/sys/block/zram0/disksize", "33554432") < 0) {
		say("note swapcache no zram device: %s", strerror(errno));
		return;
	}
	if (system("mkswap /dev/zram0 >/dev/null") != 0 || swapon("/dev/zram0", 0) < 0) {
		say("note swapcache mkswap/swapon failed: %s", strerror(errno));
		return;
	}
	p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	madvise(p, n * PAGE, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < n; i++)
		fill(p + i * PAGE, PAGE, (unsigned)i);
	if (madvise(p, n * PAGE, MADV_PAGEOUT) < 0) {
		say("note swapcache madvise(MADV_PAGEOUT): %s", strerror(errno));
		return;
	}
	fd = open("/proc/self/pagemap", O_RDONLY);
	close(fd);
	/* Read-ahead from swap puts the pages in the swap cache without mapping them. */
	madvise(p, n * PAGE, MADV_WILLNEED);
	sleep_ms(200);
	/* A read fault maps one of them; it stays in the swap cache while its swap slot is allocated. */
	(void)*(volatile char *)p;
	page_of("swapcache", p, "swapcache-mapped");
}

/* A tmpfs file with pages written out to swap: shmem keeps each swapped page as a value entry (a swap
 * entry) in the file's page cache. Page 0 stays resident, so the host finds the file's address_space. */
static void scenario_shmem_swapped(void)
{
	int fd;
	char *p;

	mkdir("/mnt/tmpfs", 0755);
	if (mount("none", "/mnt/tmpfs", "tmpfs", 0, "size=4m") < 0) {
		say("note shmem-swapped mount tmpfs: %s", strerror(errno));
		return;
	}
	fd = open("/mnt/tmpfs/swapped", O_RDWR | O_CREAT, 0644);
	if (fd < 0 || ftruncate(fd, 4 * PAGE) < 0) {
		say("note shmem-swapped create: %s", strerror(errno));
		return;
	}
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		say("note shmem-swapped mmap: %s", strerror(errno));
		return;
	}
	for (int i = 0; i < 4; i++)
		fill(p + i * PAGE, PAGE, 100 + i);
	if (madvise(p + PAGE, 3 * PAGE, MADV_PAGEOUT) < 0)
		say("note shmem-swapped madvise(MADV_PAGEOUT): %s", strerror(errno));
	page_of("shmem-swapped", p, "resident-page-of-a-partly-swapped-file");
}

/* A real dump_page() report from this kernel: offlining a memory block that holds an unmovable page
 * fails, and the kernel dumps that page ("page dumped because: unmovable page"). Done before the
 * scenarios, so no page they report can be moved; a block that does go offline is put back online.
 * The report lines are copied from the kernel log. */
static void dump_page_report(void)
{
	static char log[1 << 20];
	static char *lines[1 << 14];
	char path[96];
	int n, count = 0, first = -1, reports = 0;

	for (int block = 1; block < 64; block++) {
		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%d/state", block);
		if (access(path, W_OK) != 0)
			continue;
		if (write_file(path, "offline") == 0)
			write_file(path, "online");
	}
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);
	if (n <= 0)
		n = 0;
	log[n] = 0;
	for (char *line = strtok(log, "\n"); line && count < (1 << 14); line = strtok(NULL, "\n"))
		lines[count++] = line;
	/* Each report: from its "page:" line to its "page dumped because" line. */
	for (int i = 0; i < count; i++) {
		if (strstr(lines[i], "page:") && strstr(lines[i], "refcount:"))
			first = i;
		if (first >= 0 && strstr(lines[i], "page dumped because")) {
			for (int j = first; j <= i; j++)
				printf("FV dmesg %d %s\n", reports, lines[j]);
			reports++;
			first = -1;
		}
	}
	if (!reports)
		say("note dump_page no memory block refused to go offline with a dump_page() report");
	fflush(stdout);
}

static void dump_kpageflags(void)
{
	int fd = open("/proc/kpageflags", O_RDONLY);
	const uint64_t keep = (1ULL << KPF_LRU) | (1ULL << KPF_SLAB) | (1ULL << KPF_MMAP) | (1ULL << KPF_ANON) |
			      (1ULL << KPF_SWAPCACHE) | (1ULL << KPF_SWAPBACKED) | (1ULL << KPF_COMPOUND_HEAD) |
			      (1ULL << KPF_COMPOUND_TAIL) | (1ULL << KPF_KSM) | (1ULL << KPF_THP) | (1ULL << KPF_HUGE);
	static uint64_t buf[4096];
	uint64_t pfn = 0, run_start = 0, run_flags = 0, run_len = 0;
	ssize_t got;

	if (fd < 0) {
		say("note kpageflags cannot open /proc/kpageflags: %s", strerror(errno));
		return;
	}
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < got / 8; i++, pfn++) {
			uint64_t flags = (buf[i] & keep) ? buf[i] : 0;

			if (run_len && flags == run_flags && pfn == run_start + run_len) {
				run_len++;
				continue;
			}
			if (run_len && run_flags)
				printf("FV kpf %llx %llx %llx\n", (unsigned long long)run_start,
				       (unsigned long long)run_len, (unsigned long long)run_flags);
			run_start = pfn;
			run_flags = flags;
			run_len = 1;
		}
	}
	if (run_len && run_flags)
		printf("FV kpf %llx %llx %llx\n", (unsigned long long)run_start, (unsigned long long)run_len,
		       (unsigned long long)run_flags);
	printf("FV kpf-end %llx\n", (unsigned long long)pfn);
	fflush(stdout);
	close(fd);
}

static void start_trace(void)
{
	const char *t = "/sys/kernel/tracing";

	if (access("/sys/kernel/tracing/trace", F_OK) != 0)
		t = "/sys/kernel/debug/tracing";
	char path[128];

	snprintf(path, sizeof(path), "%s/events/filemap/mm_filemap_add_to_page_cache/enable", t);
	if (write_file(path, "1") < 0) {
		say("note trace cannot enable filemap events: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/events/filemap/mm_filemap_delete_from_page_cache/enable", t);
	write_file(path, "1");
	snprintf(path, sizeof(path), "%s/tracing_on", t);
	write_file(path, "1");
}

static void print_trace(void)
{
	FILE *f = fopen("/sys/kernel/tracing/trace", "r");
	char line[512];

	if (!f)
		f = fopen("/sys/kernel/debug/tracing/trace", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || !strstr(line, "mm_filemap_"))
			continue;
		line[strcspn(line, "\n")] = 0;
		printf("FV trace %s\n", line);
	}
	fclose(f);
	fflush(stdout);
}

/* The symbols drgn needs on a dump whose VMCOREINFO has no kallsyms (before v6.0), and the kernel's
 * own flag-name tables, which the host reads to decode flags exactly as %pGp does. */
static void print_symbols(void)
{
	static const char *const wanted[] = {
		"vmemmap_base", "page_offset_base", "pageflag_names", "pagetype_names", "zsmalloc_mops",
		"zsmalloc_aops", "shmem_aops", "ram_aops", "empty_aops", "max_pfn", "init_task", "_stext", NULL,
	};
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[256];

	while (f && fgets(line, sizeof(line), f)) {
		char addr[32], type[4], name[200];

		if (sscanf(line, "%31s %3s %199s", addr, type, name) != 3)
			continue;
		for (int i = 0; wanted[i]; i++)
			if (!strcmp(name, wanted[i]))
				printf("FV ksym %s %s\n", addr, name);
	}
	if (f)
		fclose(f);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	setvbuf(stdout, NULL, _IOLBF, 0);
	mkdir("/mnt", 0755);
	mkdir("/mnt/ramfs", 0755);
	if (mount("none", "/mnt/ramfs", "ramfs", 0, NULL) < 0)
		say("note file mount ramfs: %s", strerror(errno));
	dump_page_report();
	start_trace();
	scenario_file();
	scenario_truncated();
	scenario_anon();
	scenario_ksm();
	scenario_thp();
	scenario_shmem_thp();
	scenario_swap();
	scenario_shmem_swapped();
	/* New pages join the LRU in per-CPU batches; give the kernel a moment (no compaction: it would
	 * move the pages whose frame numbers were just reported). */
	sync();
	sleep_ms(300);
	print_symbols();
	print_trace();
	dump_kpageflags();
	say("ready");
	for (;;)
		pause();
}

/*
 * vmbench: the page-fault and mm workloads Faultline is measured on, as one static program that
 * runs unchanged on Faultline and on Linux (../shared/anchors-linux.md defines them; the kernel
 * threads of test=bench_fault run the same work from inside the kernel).
 *
 *     vmbench [--seconds S] [--threads N] [--region-mib M] WORKLOAD... | all
 *
 * Workloads (one op in parentheses):
 *   fault1                each thread: mmap its own M MiB private anonymous region (2 MiB
 *                         aligned), write a byte to every page, munmap, again (a fault)
 *   fault_read            the same, reading a word of every page: each fault maps the zero page
 *   fault_shared_vma      one MAP_SHARED|MAP_ANONYMOUS mapping, a slice of M MiB per thread:
 *                         write every page of the slice, MADV_DONTNEED it, again (a fault)
 *   fault_vs_mmap         N-1 threads run fault1 while the last maps and unmaps a page
 *                         (a fault; the writer's pairs on a line of their own)
 *   mmap_munmap           one thread: mmap a page, anonymous, munmap it (the pair)
 *   brk                   one thread: brk up a page, write to it, brk back (the cycle)
 *   mprotect_split_merge  one thread, a 1 MiB mapping: its middle page to read-only (three VMAs)
 *                         and back (one) (the pair)
 *   fork_exit             one thread with a private anonymous region of M MiB, its pages
 *                         written once: fork a child that exits at once, wait4 it (fork, exit
 *                         and wait4)
 *   cow                   one thread: write every page of an M MiB private anonymous region,
 *                         fork a child that writes a byte to every page of it and exits, wait4
 *                         it, again (a page the child wrote: a copy-on-write fault); timed by
 *                         the child around its writes alone, not fork, exit or wait4
 *   zero_floor            one thread: zero a page that is already mapped, 8 bytes at a time (a
 *                         page): the floor a fault's cost is judged against
 * A page is the kernel's (AT_PAGESZ): 4 KiB on Faultline, and on Linux but for ppc64le, where
 * Debian's kernel uses 64 KiB pages, so that a fault there maps 16 times as much.
 * M defaults to 128, but to 8 for fork_exit and cow: a fork copies an entry for every page (its
 * cost grows with M) and cow copies every page once a round, so that a round stays short.
 * Threads are pinned one per CPU (sched_setaffinity); N defaults to the CPUs the process may use.
 * The multi-threaded workloads are timed by the main thread, which sleeps for the window and
 * raises a stop flag; the single-threaded ones read the clock every 64 ops (fork_exit every op,
 * cow every round: one round at least, the last may end after the window).
 *
 * Output: `VMBENCH kernel=... release=... machine=... cpus=N`, then per measurement
 *   BENCH name=fault1 threads=2 seconds=2.00 ops=... ops_per_s=... ns_per_op=... region_mib=128
 * (ops_per_s summed over the threads; ns_per_op one thread's time per op; for cow, seconds is
 * the children's write loops' time, summed, and forks=... the rounds), then `VMBENCH done`.
 * As init (pid 1) it powers the machine off at the end (reboot(2); Linux would panic if init
 * returned); where that is refused (Faultline: the exit status of init decides its run) it exits:
 * 0, or 1 if a workload failed, 2 for a bad argument.
 */
#include "user.h"

#define AT_PAGESZ_DEFAULT 4096ul
#define MIB (1024ul * 1024)
#define MAX_THREADS 16
#define STACK (64 * 1024ul)
#define PROT_RW 3
#define MAP_PRIV_ANON 0x22
#define MAP_SHARED_ANON 0x21
#define MADV_DONTNEED 4
#define CLOCK_MONOTONIC 1
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE 128
#define CLONE_THREAD_FLAGS (0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x100000 | \
			    0x200000)   /* VM FS FILES SIGHAND THREAD SYSVSEM PARENT_SETTID \
					 * CHILD_CLEARTID */
#define PR_SET_THP_DISABLE 41

long user_clone(ulong flags, void *stack, int *ptid, int *ctid, ulong tls, int (*fn)(void *),
		void *arg);

struct ts { long sec, nsec; };

static long now_ns(void)
{
	struct ts t;
	syscall3(SYS_clock_gettime, CLOCK_MONOTONIC, &t, 0);
	return t.sec * 1000000000 + t.nsec;
}

static long sys_mmap(ulong addr, ulong len, int prot, int flags)
{
	return syscall6(SYS_mmap, addr, len, prot, flags, -1, 0);
}
static long sys_munmap(ulong addr, ulong len) { return syscall3(SYS_munmap, addr, len, 0); }

/* ---- Arguments and state ---- */

static ulong PAGE = AT_PAGESZ_DEFAULT;  /* the kernel's page size (AT_PAGESZ): Linux on ppc64le
					* uses 64 KiB pages, Faultline 4 KiB everywhere */
static long window_ns = 2000000000;   /* --seconds */
static int nthreads;                  /* --threads; 0: the CPUs we may use */
static ulong region = 128 * MIB;      /* --region-mib */
static bool region_given;             /* else fork_exit and cow use FORK_REGION */
#define FORK_REGION (8 * MIB)
static int ncpus;
static bool failed;

static void fail(const char *what, const char *call, long err)
{
	printf("vmbench: %s: %s failed: %ld\n", what, call, err);
	failed = true;
}

/* ---- Threads: pinned workers that wait for the start and count their ops ---- */

struct worker {
	int ctid;                /* cleared by the kernel at exit (CHILD_CLEARTID): join */
	int cpu;
	int (*fn)(struct worker *);
	void *stack;
	ulong base;              /* the worker's region or slice */
	long ops;                /* written by the worker, read after the join */
	char pad[64];
};

static struct worker workers[MAX_THREADS];
static int go, stop;         /* raised by the main thread */

static void pin(int cpu)
{
	ulong mask[2] = { 0, 0 };
	mask[(cpu % ncpus) / 64] = 1ul << ((cpu % ncpus) % 64);
	syscall3(SYS_sched_setaffinity, 0, sizeof(mask), mask);
}

static bool stopped(void) { return __atomic_load_n(&stop, __ATOMIC_RELAXED); }

static int worker_main(void *arg)
{
	struct worker *w = arg;
	pin(w->cpu);
	/* Sleep, not spin: the main thread, which raises go, may share this CPU. */
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		syscall6(SYS_futex, &go, FUTEX_WAIT | FUTEX_PRIVATE, 0, 0, 0, 0);
	return w->fn(w);
}

static bool spawn(struct worker *w)
{
	long s = sys_mmap(0, STACK, PROT_RW, MAP_PRIV_ANON);
	if (s < 0) {
		fail("threads", "mmap of a stack", s);
		return false;
	}
	w->stack = (void *)s;
	w->ctid = -1;
	long tid = user_clone(CLONE_THREAD_FLAGS, (char *)s + STACK, &w->ctid, &w->ctid, 0,
			      worker_main, w);
	if (tid <= 0) {
		fail("threads", "clone", tid);
		return false;
	}
	return true;
}

static void join(struct worker *w)
{
	for (;;) {
		int v = __atomic_load_n(&w->ctid, __ATOMIC_ACQUIRE);
		if (v == 0)
			break;
		syscall6(SYS_futex, &w->ctid, FUTEX_WAIT, v, 0, 0, 0);   /* shared: see test_threads */
	}
	sys_munmap((ulong)w->stack, STACK);
}

/* Start n workers (already set up), let them run for the window, stop and join them: the time
 * they ran, in ns. */
static long run_workers(int n)
{
	__atomic_store_n(&go, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
	int started = 0;
	for (; started < n; started++) {
		workers[started].ops = 0;
		if (!spawn(&workers[started]))
			break;
	}
	long t0 = now_ns();
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	syscall6(SYS_futex, &go, FUTEX_WAKE | FUTEX_PRIVATE, MAX_THREADS, 0, 0, 0);
	struct ts d = { window_ns / 1000000000, window_ns % 1000000000 };
	if (started == n)
		syscall3(SYS_nanosleep, &d, 0, 0);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	long t = now_ns() - t0;
	for (int i = 0; i < started; i++)
		join(&workers[i]);
	return t;
}

/* ---- Output ---- */

static void report(const char *name, const char *role, int threads, long ns, long ops,
		   const char *extra)
{
	long ops_per_s = ns > 0 ? (long)((double)ops * 1e9 / (double)ns) : 0;
	long ns_per_op = ops > 0 ? (long)((double)ns * threads / (double)ops) : 0;
	printf("BENCH name=%s%s%s threads=%d seconds=%ld.%02ld ops=%ld ops_per_s=%ld ns_per_op=%ld%s%s\n",
	       name, role ? " role=" : "", role ? role : "", threads, ns / 1000000000,
	       ns % 1000000000 / 10000000, ops, ops_per_s, ns_per_op, extra ? " " : "",
	       extra ? extra : "");
}

/* ---- The fault workloads ---- */

/* A 2 MiB aligned address where `len` bytes are free now: mapped once larger, then given back,
 * and passed as the hint of every later mmap (Linux and Faultline both take a free hint). */
static ulong aligned_hint(ulong len)
{
	long p = sys_mmap(0, len + 2 * MIB, PROT_RW, MAP_PRIV_ANON);
	if (p < 0)
		return 0;
	sys_munmap((ulong)p, len + 2 * MIB);
	return ((ulong)p + 2 * MIB - 1) & ~(2 * MIB - 1);
}

/* One pass over a fresh private region at most: map, touch each page, unmap. */
static int fault_private(struct worker *w, bool write)
{
	while (!stopped()) {
		long p = sys_mmap(w->base, region, PROT_RW, MAP_PRIV_ANON);
		if (p < 0) {
			fail(write ? "fault1" : "fault_read", "mmap", p);
			return 1;
		}
		ulong i = 0;
		for (; i < region / PAGE && !stopped(); i++) {
			if (write)
				((volatile char *)p)[i * PAGE] = 1;
			else
				(void)((volatile long *)p)[i * PAGE / sizeof(long)];
		}
		w->ops += (long)i;
		sys_munmap((ulong)p, region);
	}
	return 0;
}
static int fault1_fn(struct worker *w) { return fault_private(w, true); }
static int fault_read_fn(struct worker *w) { return fault_private(w, false); }

static int shared_fn(struct worker *w)
{
	while (!stopped()) {
		ulong i = 0;
		for (; i < region / PAGE && !stopped(); i++)
			((volatile char *)w->base)[i * PAGE] = 1;
		w->ops += (long)i;
		long r = syscall3(SYS_madvise, w->base, region, MADV_DONTNEED);
		if (r < 0) {
			fail("fault_shared_vma", "madvise", r);
			return 1;
		}
	}
	return 0;
}

static int writer_fn(struct worker *w)
{
	while (!stopped()) {
		long p = sys_mmap(0, PAGE, PROT_RW, MAP_PRIV_ANON);
		if (p < 0) {
			fail("fault_vs_mmap", "mmap", p);
			return 1;
		}
		sys_munmap((ulong)p, PAGE);
		w->ops++;
	}
	return 0;
}

static void setup_private(int n)
{
	ulong hint = aligned_hint(region * (ulong)n + 2 * MIB * (ulong)n);
	for (int i = 0; i < n; i++) {
		workers[i].cpu = i;
		workers[i].base = hint ? hint + (region + 2 * MIB) * (ulong)i : 0;
	}
}

static long sum_ops(int from, int to)
{
	long s = 0;
	for (int i = from; i < to; i++)
		s += workers[i].ops;
	return s;
}

static void bench_private(const char *name, int (*fn)(struct worker *))
{
	int n = nthreads;
	setup_private(n);
	for (int i = 0; i < n; i++)
		workers[i].fn = fn;
	long ns = run_workers(n);
	char extra[32];
	snprintf(extra, sizeof(extra), "region_mib=%lu", region / MIB);
	report(name, NULL, n, ns, sum_ops(0, n), extra);
}

static void bench_fault1(void) { bench_private("fault1", fault1_fn); }
static void bench_fault_read(void) { bench_private("fault_read", fault_read_fn); }

static void bench_fault_shared_vma(void)
{
	int n = nthreads;
	long p = sys_mmap(0, region * (ulong)n, PROT_RW, MAP_SHARED_ANON);
	if (p < 0) {
		fail("fault_shared_vma", "mmap", p);
		return;
	}
	for (int i = 0; i < n; i++)
		workers[i] = (struct worker){ .cpu = i, .fn = shared_fn,
					      .base = (ulong)p + region * (ulong)i };
	long ns = run_workers(n);
	sys_munmap((ulong)p, region * (ulong)n);
	char extra[32];
	snprintf(extra, sizeof(extra), "region_mib=%lu", region / MIB);
	report("fault_shared_vma", NULL, n, ns, sum_ops(0, n), extra);
}

static void bench_fault_vs_mmap(void)
{
	int n = nthreads;
	if (n < 2) {
		printf("vmbench: fault_vs_mmap needs 2 threads or more (a faulter and the writer): "
		       "skipped\n");
		return;
	}
	setup_private(n - 1);
	for (int i = 0; i < n - 1; i++)
		workers[i].fn = fault1_fn;
	workers[n - 1] = (struct worker){ .cpu = n - 1, .fn = writer_fn };
	long ns = run_workers(n);
	char extra[32];
	snprintf(extra, sizeof(extra), "region_mib=%lu", region / MIB);
	report("fault_vs_mmap", "faulter", n - 1, ns, sum_ops(0, n - 1), extra);
	report("fault_vs_mmap", "writer", 1, ns, workers[n - 1].ops, NULL);
}

/* ---- The single-threaded workloads: the main thread, pinned to the first CPU ---- */

/* Run op until the window is over, reading the clock every `every` ops; the ops done, *ns the
 * time. */
static long timed(bool (*op)(void *), void *arg, int every, long *ns)
{
	long ops = 0, t0 = now_ns(), t = t0;
	while (t - t0 < window_ns) {
		for (int i = 0; i < every; i++, ops++)
			if (!op(arg)) {
				*ns = now_ns() - t0;
				return ops;
			}
		t = now_ns();
	}
	*ns = t - t0;
	return ops;
}

static bool mmap_munmap_op(void *arg)
{
	(void)arg;
	long p = sys_mmap(0, PAGE, PROT_RW, MAP_PRIV_ANON);
	if (p < 0) {
		fail("mmap_munmap", "mmap", p);
		return false;
	}
	long r = sys_munmap((ulong)p, PAGE);
	if (r < 0) {
		fail("mmap_munmap", "munmap", r);
		return false;
	}
	return true;
}

static bool brk_op(void *arg)
{
	ulong cur = *(ulong *)arg;
	long r = syscall1(SYS_brk, cur + PAGE);
	if ((ulong)r != cur + PAGE) {
		fail("brk", "brk up", r);
		return false;
	}
	*(volatile char *)cur = 1;
	r = syscall1(SYS_brk, cur);
	if ((ulong)r != cur) {
		fail("brk", "brk down", r);
		return false;
	}
	return true;
}

static bool split_merge_op(void *arg)
{
	ulong mid = *(ulong *)arg;
	long r = syscall3(SYS_mprotect, mid, PAGE, 1);
	if (r == 0)
		r = syscall3(SYS_mprotect, mid, PAGE, PROT_RW);
	if (r < 0) {
		fail("mprotect_split_merge", "mprotect", r);
		return false;
	}
	return true;
}

static bool zero_op(void *arg)
{
	unsigned long *p = arg;
	for (ulong i = 0; i < PAGE / 8; i++)
		p[i] = 0;
	__asm__ volatile("" : : "r"(p) : "memory");   /* the stores are the work: keep them */
	return true;
}

static void bench_mmap_munmap(void)
{
	long ns, ops = timed(mmap_munmap_op, NULL, 64, &ns);
	report("mmap_munmap", NULL, 1, ns, ops, NULL);
}

static void bench_brk(void)
{
	ulong cur = (ulong)syscall1(SYS_brk, 0);
	long ns, ops = timed(brk_op, &cur, 64, &ns);
	report("brk", NULL, 1, ns, ops, NULL);
}

static void bench_mprotect_split_merge(void)
{
	long p = sys_mmap(0, MIB, PROT_RW, MAP_PRIV_ANON);
	if (p < 0) {
		fail("mprotect_split_merge", "mmap", p);
		return;
	}
	ulong mid = (ulong)p + MIB / 2;
	long ns, ops = timed(split_merge_op, &mid, 64, &ns);
	sys_munmap((ulong)p, MIB);
	report("mprotect_split_merge", NULL, 1, ns, ops, NULL);
}

static void bench_zero_floor(void)
{
	long p = sys_mmap(0, PAGE, PROT_RW, MAP_PRIV_ANON);
	if (p < 0) {
		fail("zero_floor", "mmap", p);
		return;
	}
	*(volatile char *)p = 1;   /* fault it in first: the floor is the zeroing alone */
	long ns, ops = timed(zero_op, (void *)p, 64, &ns);
	sys_munmap((ulong)p, PAGE);
	report("zero_floor", NULL, 1, ns, ops, NULL);
}

/* ---- fork: fork_exit and cow ---- */

/* Collect the child `pid`: true if it exited with status 0. */
static bool reap(const char *what, long pid)
{
	int status = -1;
	long r = syscall6(SYS_wait4, pid, &status, 0, 0, 0, 0);
	if (r != pid) {
		fail(what, "wait4", r);
		return false;
	}
	if (status != 0) {
		fail(what, "the child (its wait4 status)", status);
		return false;
	}
	return true;
}

/* A fresh private region of `len` bytes, 2 MiB aligned, every page written: 0 if mmap failed. */
static ulong written_region(const char *what, ulong len)
{
	long p = sys_mmap(aligned_hint(len), len, PROT_RW, MAP_PRIV_ANON);
	if (p < 0) {
		fail(what, "mmap", p);
		return 0;
	}
	for (ulong i = 0; i < len / PAGE; i++)
		((volatile char *)p)[i * PAGE] = 1;
	return (ulong)p;
}

static bool fork_exit_op(void *arg)
{
	(void)arg;
	long pid = sys_fork();
	if (pid == 0)
		sys_exit_group(0);
	if (pid < 0) {
		fail("fork_exit", "fork", pid);
		return false;
	}
	return reap("fork_exit", pid);
}

static void bench_fork_exit(void)
{
	ulong len = region_given ? region : FORK_REGION;
	ulong p = written_region("fork_exit", len);
	if (!p)
		return;
	long ns, ops = timed(fork_exit_op, NULL, 1, &ns);
	sys_munmap(p, len);
	char extra[32];
	snprintf(extra, sizeof(extra), "region_mib=%lu", len / MIB);
	report("fork_exit", NULL, 1, ns, ops, extra);
}

/* What cow's child hands back through a MAP_SHARED page: its write loop's time and pages. */
struct cow_result {
	long ns, pages;
};

static void bench_cow(void)
{
	ulong len = region_given ? region : FORK_REGION, pages = len / PAGE;
	ulong p = written_region("cow", len);
	long shared = sys_mmap(0, PAGE, PROT_RW, MAP_SHARED_ANON);
	if (!p || shared < 0) {
		if (shared < 0)
			fail("cow", "mmap of the shared page", shared);
		if (p)
			sys_munmap(p, len);
		return;
	}
	volatile struct cow_result *res = (volatile struct cow_result *)shared;
	long ns = 0, ops = 0, forks = 0, t0 = now_ns();
	do {
		/* Each round the same start: the pages the parent's alone and writable (after the
		 * first, these writes reuse the pages the last child left the parent alone in). */
		for (ulong i = 0; i < pages; i++)
			((volatile char *)p)[i * PAGE] = 1;
		res->ns = res->pages = -1;   /* a child that does not report is caught */
		long pid = sys_fork();
		if (pid == 0) {
			now_ns();   /* a COW fault on the child's stack page, if any, before t */
			long t = now_ns();
			for (ulong i = 0; i < pages; i++)
				((volatile char *)p)[i * PAGE] = 2;
			res->ns = now_ns() - t;
			res->pages = (long)pages;
			sys_exit_group(0);
		}
		if (pid < 0) {
			fail("cow", "fork", pid);
			break;
		}
		if (!reap("cow", pid))
			break;
		if (res->pages != (long)pages) {
			fail("cow", "the child's report (pages written)", res->pages);
			break;
		}
		if (((volatile char *)p)[0] != 1) {   /* the child's write reached the parent */
			fail("cow", "copy-on-write (the parent's first byte)", ((volatile char *)p)[0]);
			break;
		}
		ns += res->ns;
		ops += res->pages;
		forks++;
	} while (now_ns() - t0 < window_ns);
	sys_munmap((ulong)shared, PAGE);
	sys_munmap(p, len);
	char extra[48];
	snprintf(extra, sizeof(extra), "region_mib=%lu forks=%ld", len / MIB, forks);
	report("cow", NULL, 1, ns, ops, extra);
}

/* ---- main ---- */

struct workload {
	const char *name;
	void (*run)(void);
};
static const struct workload all[] = {
	{ "fault1", bench_fault1 },
	{ "fault_read", bench_fault_read },
	{ "fault_shared_vma", bench_fault_shared_vma },
	{ "fault_vs_mmap", bench_fault_vs_mmap },
	{ "mmap_munmap", bench_mmap_munmap },
	{ "brk", bench_brk },
	{ "mprotect_split_merge", bench_mprotect_split_merge },
	{ "fork_exit", bench_fork_exit },
	{ "cow", bench_cow },
	{ "zero_floor", bench_zero_floor },
};
#define NR_WORKLOADS (int)(sizeof(all) / sizeof(all[0]))

/* "2", "0.5", "1.25": in ns; -1 if malformed or not positive. */
static long parse_seconds(const char *s)
{
	long whole = 0, frac = 0, scale = 1000000000;
	bool digits = false;
	for (; *s >= '0' && *s <= '9'; s++, digits = true)
		whole = whole * 10 + (*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, digits = true)
			if (scale > 1) {
				scale /= 10;
				frac += (*s - '0') * scale;
			}
	if (*s || !digits || whole > 3600)
		return -1;
	long ns = whole * 1000000000 + frac;
	return ns > 0 ? ns : -1;
}

static long parse_int(const char *s)
{
	long v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static int count_cpus(void)
{
	ulong mask[16] = { 0 };
	long r = syscall3(SYS_sched_getaffinity, 0, sizeof(mask), mask);
	int n = 0;
	for (long i = 0; r > 0 && i < r / 8; i++)
		for (ulong m = mask[i]; m; m &= m - 1)   /* no libgcc: count bits by hand */
			n++;
	return n > 0 ? n : 1;
}

static __attribute__((noreturn)) void finish(int status)
{
	if (syscall0(SYS_getpid) == 1)   /* init: power off (LINUX_REBOOT_CMD_POWER_OFF) */
		syscall6(SYS_reboot, 0xfee1dead, 672274793, 0x4321fedc, 0, 0, 0);
	sys_exit_group(status);
}

static __attribute__((noreturn)) void usage(const char *bad)
{
	printf("vmbench: bad argument '%s'\nusage: vmbench [--seconds S] [--threads N] "
	       "[--region-mib M] WORKLOAD... | all\nworkloads:", bad);
	for (int i = 0; i < NR_WORKLOADS; i++)
		printf(" %s", all[i].name);
	printf("\n");
	finish(2);
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	bool chosen[NR_WORKLOADS] = { 0 };
	int nchosen = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--seconds") || !strcmp(a, "--threads") ||
		    !strcmp(a, "--region-mib")) {
			if (i + 1 >= argc)
				usage(a);
			const char *v = argv[++i];
			if (!strcmp(a, "--seconds")) {
				window_ns = parse_seconds(v);
				if (window_ns < 0)
					usage(v);
			} else if (!strcmp(a, "--threads")) {
				long n = parse_int(v);
				if (n < 1 || n > MAX_THREADS)
					usage(v);
				nthreads = (int)n;
			} else {
				long m = parse_int(v);
				if (m < 1 || m > 4096)
					usage(v);
				region = (ulong)m * MIB;
				region_given = true;
			}
			continue;
		}
		bool found = false;
		for (int k = 0; k < NR_WORKLOADS; k++)
			if (!strcmp(a, "all") || !strcmp(a, all[k].name)) {
				nchosen += !chosen[k];
				chosen[k] = found = true;
			}
		if (!found)
			usage(a);
	}
	if (!nchosen)
		usage("(no workload)");
	if (getauxval(AT_PAGESZ))
		PAGE = getauxval(AT_PAGESZ);
	ncpus = count_cpus();
	if (!nthreads)
		nthreads = ncpus < MAX_THREADS ? ncpus : MAX_THREADS;
	/* Linux: no transparent huge pages, or fault1 would be 512 times cheaper per page (the
	 * anchor figures are without them). Faultline has none and may refuse the call. */
	syscall6(SYS_prctl, PR_SET_THP_DISABLE, 1, 0, 0, 0, 0);

	struct { char f[6][65]; } u;
	memset(&u, 0, sizeof(u));
	syscall1(SYS_uname, &u);
	printf("VMBENCH kernel=%s release=%s machine=%s cpus=%d threads=%d page_kib=%lu\n", u.f[0],
	       u.f[2], u.f[4], ncpus, nthreads, PAGE / 1024);
	pin(0);
	for (int k = 0; k < NR_WORKLOADS; k++)
		if (chosen[k])
			all[k].run();
	printf("VMBENCH done%s\n", failed ? " (with failures)" : "");
	finish(failed ? 1 : 0);
}

/* In-kernel benchmark of page faults and of the VMA operations beside them: kernel-thread
 * versions of the workloads Faultline is compared with Linux on (fault1, fault_shared_vma,
 * fault_vs_mmap, mmap_munmap, brk, mprotect_split_merge; docs/mm/fault.md, "Measuring"), each in
 * a window of bench.seconds timed with the cycle counter, on one CPU and on all of them; and, in
 * the same boot, the floors a fault is judged against: zeroing a page and a trap's round trip.
 * Workers are pinned one per CPU and share one fresh mm (kthread_use_mm), as Linux's threads of
 * one process do; they touch memory with arch_probe_write, so that every fault comes through the
 * arch's trap into fault_entry(). BENCH lines, no thresholds: a case fails only if its workload
 * does (an operation or a fault fails, memory is not given back). Manual: test=bench_fault. */
#include "tests/kernel/ktest_mm.h"
#include "kernel/errno.h"
#include "kernel/locking/lockcheck.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/timer.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/fault.h"
#include "mm/page.h"
#include "mm/slab.h"

#define RW            (PROT_READ | PROT_WRITE)
#define REGION_MAX    (128ul << 20)   /* Linux's workloads: 128 MiB a thread */
#define HUGE_ALIGN    (2ul << 20)     /* regions 2 MiB aligned, as Linux's */
#define MPROTECT_LEN  (1ul << 20)
#define POLL_EVERY    64              /* a self-timed worker reads the clock this often */
#define FLOOR_OPS     512             /* page zeroings or traps in a round of the floors */
#define FLOOR_ROUNDS  5               /* the best round counts */

static s64 window_ms = 2000;
PARAM_MILLI("bench.seconds", window_ms, 1, 3600000,
	    "each window of test=bench_fault (down to 0.001: a run that only checks the code)");

/* One window of one workload: what its workers share. */
struct run {
	struct mm *mm;
	unsigned long region;   /* bytes of a worker's region or slice */
	bool self_timed;        /* single-threaded: the worker watches the clock */
	u64 window_ns, window_cycles;
	atomic_t ready;         /* workers at the start line */
	int go, stop;           /* raised by the main thread (READ_ONCE/WRITE_ONCE) */
};

struct worker {
	struct run *run;
	void (*loop)(struct worker *w);
	struct thread *th;
	unsigned cpu;
	uintptr_t base;         /* its region, slice or mapping */
	unsigned long ops;
	u64 start, cycles;      /* a self-timed worker's window */
	long err;               /* the first failure, and what returned it */
	const char *what;
};

/* Keep going? The workloads of several threads stop when the main thread raises run->stop;
 * the single-threaded ones time themselves, reading the clock every POLL_EVERY operations. */
static bool go_on(struct worker *w)
{
	if (!w->run->self_timed)
		return !READ_ONCE(w->run->stop);
	if (w->ops % POLL_EVERY)
		return true;
	u64 now = arch_cycles();
	if (now - w->start < w->run->window_cycles)
		return true;
	w->cycles = now - w->start;
	return false;
}

static bool failed(struct worker *w, const char *what, long err)
{
	if (!err)
		return false;
	if (!w->err) {
		w->err = err;
		w->what = what;
	}
	return true;
}

/* ---- The workloads (anchors-linux.md): one op is what the comment says. ---- */

/* fault1: mmap the region, write a word to each page, munmap it. Op: a fault. */
static void fault1_loop(struct worker *w)
{
	struct mm *mm = w->run->mm;
	unsigned long len = w->run->region;
	while (go_on(w)) {
		long a = vm_mmap(mm, w->base, len, RW, MAP_PRIVATE | MAP_ANONYMOUS);
		if (a != (long)w->base) {
			failed(w, "mmap (not at the hint)", a < 0 ? a : -EEXIST);
			return;
		}
		for (uintptr_t p = w->base; p < w->base + len && go_on(w); p += PAGE_SIZE) {
			if (failed(w, "fault", arch_probe_write((void *)p, p)))
				break;
			w->ops++;
		}
		if (failed(w, "munmap", vm_munmap(mm, w->base, len)) || w->err)
			return;
	}
}

/* fault_shared_vma: write each page of this worker's slice of the one shared mapping, then
 * madvise(MADV_DONTNEED) the slice. Op: a fault. */
static void shared_vma_loop(struct worker *w)
{
	unsigned long len = w->run->region;
	while (go_on(w)) {
		for (uintptr_t p = w->base; p < w->base + len && go_on(w); p += PAGE_SIZE) {
			if (failed(w, "fault", arch_probe_write((void *)p, p)))
				return;
			w->ops++;
		}
		if (failed(w, "madvise", vm_madvise(w->run->mm, w->base, len, MADV_DONTNEED)))
			return;
	}
}

/* mmap_munmap, and fault_vs_mmap's writer: map a private anonymous page wherever the mm puts
 * it, unmap it. Op: the pair. */
static void mmap_munmap_loop(struct worker *w)
{
	struct mm *mm = w->run->mm;
	while (go_on(w)) {
		long a = vm_mmap(mm, 0, PAGE_SIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS);
		if (a < 0 ? failed(w, "mmap", a) : failed(w, "munmap", vm_munmap(mm, a, PAGE_SIZE)))
			return;
		w->ops++;
	}
}

/* brk: grow the heap by a page, write to it (a fault), shrink it back. Op: the cycle. */
static void brk_loop(struct worker *w)
{
	struct mm *mm = w->run->mm;
	uintptr_t b = vm_brk(mm, 0);   /* brk(0): the current break */
	while (go_on(w)) {
		if (vm_brk(mm, b + PAGE_SIZE) != b + PAGE_SIZE) {
			failed(w, "brk up (the break stayed)", -ENOMEM);
			return;
		}
		if (failed(w, "fault", arch_probe_write((void *)b, b)))
			return;
		if (vm_brk(mm, b) != b) {
			failed(w, "brk down (the break stayed)", -ENOMEM);
			return;
		}
		w->ops++;
	}
}

/* mprotect_split_merge: the middle page of a 1 MiB mapping goes read-only (one VMA becomes
 * three) and writable again (three become one). Op: the split and the merge. */
static void mprotect_loop(struct worker *w)
{
	struct mm *mm = w->run->mm;
	uintptr_t mid = w->base + MPROTECT_LEN / 2;
	while (go_on(w)) {
		if (failed(w, "mprotect to R", vm_mprotect(mm, mid, PAGE_SIZE, PROT_READ)) ||
		    failed(w, "mprotect to RW", vm_mprotect(mm, mid, PAGE_SIZE, RW)))
			return;
		w->ops++;
	}
}

/* ---- Running a window ---- */

static void worker_fn(void *arg)
{
	struct worker *w = arg;
	struct run *run = w->run;
	if (run->mm)
		kthread_use_mm(run->mm);
	atomic_inc(&run->ready);
	while (!READ_ONCE(run->go))
		yield();   /* the main thread may be waiting for this CPU */
	w->start = arch_cycles();
	if (!READ_ONCE(run->stop))
		w->loop(w);
	if (run->mm)
		kthread_unuse_mm(run->mm);
}

/* Start w[0..nr) (each pinned to its cpu), open the window and close it: the main thread raises
 * run->stop after the window, or each worker times itself. The window in ns, or 0 (a failure
 * recorded) if a thread could not be made. */
static u64 run_workers(struct ktest *t, struct run *run, struct worker *w, unsigned nr)
{
	unsigned made = 0;
	for (; made < nr; made++) {
		w[made].th = kthread_create(worker_fn, &w[made], "bench-fault");
		if (!w[made].th)
			break;
		kthread_bind(w[made].th, w[made].cpu);
	}
	if (made < nr) {
		ktest_fail(t, __FILE__, __LINE__, "kthread_create failed");
		WRITE_ONCE(run->stop, 1);   /* the ones made leave at once */
	}
	for (unsigned i = 0; i < made; i++)
		thread_start(w[i].th);
	while ((unsigned)atomic_read(&run->ready) < made)
		yield();
	u64 c0 = arch_cycles();
	WRITE_ONCE(run->go, 1);
	if (!run->self_timed && made == nr) {
		sleep_ns(run->window_ns);
		WRITE_ONCE(run->stop, 1);
	}
	u64 c1 = arch_cycles();
	for (unsigned i = 0; i < made; i++)
		thread_join(w[i].th);
	if (made < nr)
		return 0;
	return cycles_to_ns(run->self_timed ? w[0].cycles : c1 - c0);
}

/* What a window gave: the workers' operations ([0]: the workload's, [1]: fault_vs_mmap's
 * writer), the window, the change of the fault counters. */
struct outcome {
	unsigned long ops[2];
	unsigned threads[2];
	u64 ns;
	struct fault_stats d;
};

enum layout {
	OWN_REGIONS,     /* worker i's region at its own 2 MiB-aligned hint, mapped by itself */
	SHARED_SLICES,   /* one MAP_SHARED mapping, worker i owning slice i */
	ONE_MAPPING,     /* one private 1 MiB mapping */
	NO_MAPPING,
};

struct workload {
	const char *name;
	void (*loop)(struct worker *w);
	enum layout layout;
	bool self_timed;   /* one thread, polling the clock */
	bool writer;       /* the last worker maps and unmaps instead (fault_vs_mmap) */
};

static const struct workload fault1 = { "fault1", fault1_loop, OWN_REGIONS, false, false };
static const struct workload shared_vma = {
	"fault_shared_vma", shared_vma_loop, SHARED_SLICES, false, false
};
static const struct workload fault_vs_mmap = {
	"fault_vs_mmap", fault1_loop, OWN_REGIONS, false, true
};
static const struct workload mmap_munmap = {
	"mmap_munmap", mmap_munmap_loop, NO_MAPPING, true, false
};
static const struct workload brk = { "brk", brk_loop, NO_MAPPING, true, false };
static const struct workload split_merge = {
	"mprotect_split_merge", mprotect_loop, ONE_MAPPING, true, false
};

/* Each worker's region: Linux's 128 MiB, or less if the guest has not room for one per CPU in
 * half its free memory (the BENCH lines say region_mib=). The same for every window of a boot. */
static unsigned long region_bytes(void)
{
	static unsigned long region;
	if (!region) {
		unsigned long half = page_alloc_nr_free() * PAGE_SIZE / 2 / nr_cpus_online;
		region = MAX(HUGE_ALIGN, MIN(REGION_MAX, ALIGN_DOWN(half, HUGE_ALIGN)));
	}
	return region;
}

static void nothing_loop(struct worker *w) { (void)w; }

/* The first threads and mm of a boot may grow caches that stay grown (struct thread's kmalloc
 * slab, the page table of a new kernel stack's slot): once, before any leak count is taken, as
 * many workers as a window has at most, doing nothing. */
static void warm_up(struct ktest *t)
{
	static bool done;
	struct run run = { .self_timed = true };
	if (done)
		return;
	done = true;
	struct worker *w = kmalloc(nr_cpus_online * sizeof(*w), GFP_ZERO);
	run.mm = mm_create();
	if (KEXPECT(t, w && run.mm)) {
		for (unsigned i = 0; i < nr_cpus_online; i++)
			w[i] = (struct worker){ .run = &run, .loop = nothing_loop, .cpu = i };
		run_workers(t, &run, w, nr_cpus_online);
	}
	if (run.mm)
		mm_put(run.mm);
	kfree(w);
}

static long map_layout(struct mm *mm, enum layout layout, unsigned nr, unsigned long region)
{
	if (layout == SHARED_SLICES)
		return vm_mmap(mm, MT_BASE, nr * region, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
	if (layout == ONE_MAPPING)
		return vm_mmap(mm, MT_BASE, MPROTECT_LEN, RW,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	return MT_BASE;
}

static uintptr_t worker_base(enum layout layout, unsigned i, unsigned long region)
{
	if (layout == OWN_REGIONS)
		return MT_BASE + i * (region + HUGE_ALIGN);   /* a gap: no merge with the next */
	if (layout == SHARED_SLICES)
		return MT_BASE + i * region;
	return MT_BASE;
}

static void stats_delta(struct fault_stats *d, const struct fault_stats *a,
			const struct fault_stats *b)
{
	d->success = b->success - a->success;
	d->zero_page = b->zero_page - a->zero_page;
	d->page_alloc = b->page_alloc - a->page_alloc;
	d->shm = b->shm - a->shm;
	d->upgrade = b->upgrade - a->upgrade;
	d->spurious = b->spurious - a->spurious;
	d->failure = b->failure - a->failure;
	d->attempt = b->attempt - a->attempt;
	d->fast = b->fast - a->fast;
	d->locked = b->locked - a->locked;
	d->fallback = b->fallback - a->fallback;
	d->retry = b->retry - a->retry;
	for (unsigned i = 0; i < FA_NR; i++)
		d->abort[i] = b->abort[i] - a->abort[i];
}

/* One window of wl on nr CPUs (worker i on CPU i) in a fresh mm, which must give back every
 * page and object when it goes. False (failures recorded) if anything erred. */
static bool window(struct ktest *t, const struct workload *wl, unsigned nr, struct outcome *o)
{
	struct mt_counts before, after;
	struct fault_stats s0, s1;
	bool ok = true;
	*o = (struct outcome){ .ns = 0 };
	warm_up(t);
	struct worker *w = kmalloc(nr * sizeof(*w), GFP_ZERO);
	if (!KEXPECT(t, w != NULL))
		return false;
	mt_counts(NULL, &before);
	struct run run = {
		.region = region_bytes(),
		.self_timed = wl->self_timed,
		.window_ns = (u64)window_ms * 1000000,
		.window_cycles = ns_to_cycles((u64)window_ms * 1000000),
		.mm = mm_create(),
	};
	if (!KEXPECT(t, run.mm != NULL)) {
		kfree(w);
		return false;
	}
	long r = map_layout(run.mm, wl->layout, nr, run.region);
	if (r != (long)MT_BASE) {
		ktest_fail(t, __FILE__, __LINE__, "the workload's mapping: %ld", r);
		ok = false;
	}
	for (unsigned i = 0; i < nr; i++)
		w[i] = (struct worker){
			.run = &run, .cpu = i, .base = worker_base(wl->layout, i, run.region),
			.loop = wl->writer && i == nr - 1 ? mmap_munmap_loop : wl->loop,
		};
	fault_get_stats(&s0);
	o->ns = ok ? run_workers(t, &run, w, nr) : 0;
	fault_get_stats(&s1);
	stats_delta(&o->d, &s0, &s1);
	for (unsigned i = 0; i < nr; i++) {
		unsigned k = wl->writer && i == nr - 1;
		o->ops[k] += w[i].ops;
		o->threads[k]++;
		if (w[i].err) {
			ktest_fail(t, __FILE__, __LINE__, "%s: worker %u on CPU %u: %s: %ld",
				   wl->name, i, w[i].cpu, w[i].what, w[i].err);
			ok = false;
		}
	}
	if (o->d.failure) {
		ktest_fail(t, __FILE__, __LINE__, "%s: %lu faults failed", wl->name, o->d.failure);
		ok = false;
	}
	/* mprotect_split_merge ends each op merged: one VMA again */
	if (wl->layout == ONE_MAPPING && ok && run.mm->map_count != 1) {
		ktest_fail(t, __FILE__, __LINE__, "%s: %lu VMAs at the end, not 1", wl->name,
			   run.mm->map_count);
		ok = false;
	}
	if (run.mm->vmas.reserve_misses) {
		ktest_fail(t, __FILE__, __LINE__, "%s: %lu VMA tree nodes allocated past a "
			   "reservation", wl->name, run.mm->vmas.reserve_misses);
		ok = false;
	}
	mm_put(run.mm);
	mt_counts(NULL, &after);
	kfree(w);
	ok &= MT_COUNTS_EQ(t, &before, &after);
	return ok && o->ns;
}

/* ---- The floors: what a fault costs at the least ---- */

static u64 zero_ns, trap_ns;   /* measured once a boot, by the first case that needs them */

static u64 best_round_ns(int (*op)(unsigned i, void *arg), void *arg, int *err)
{
	u64 best = ~0ull;
	for (unsigned r = 0; r < FLOOR_ROUNDS; r++) {
		u64 c0 = arch_cycles();
		for (unsigned i = 0; i < FLOOR_OPS; i++)
			*err |= op(i, arg);
		best = MIN(best, arch_cycles() - c0);
	}
	return MAX(cycles_to_ns(best) / FLOOR_OPS, 1ul);
}

#define ZERO_PAGES 64
static int zero_one(unsigned i, void *arg)
{
	memset(page_address(((struct page **)arg)[i % ZERO_PAGES]), 0, PAGE_SIZE);
	return 0;
}

static int probe_fault(unsigned i, void *arg)
{
	u64 v;
	return arch_probe_read((const void *)(MT_BASE + i * PAGE_SIZE), &v) != -EFAULT;
}

static int probe_mapped(unsigned i, void *arg)
{
	u64 v;
	return arch_probe_read(arg, &v) != 0;
}

/* The floor of an anonymous fault is zeroing its page: memset of a 4 KiB page, as
 * alloc_page(GFP_ZERO) does it, over 64 pages in turn. The trap's round trip: a probe of a user
 * address from a thread with no mm, which fault_entry() refuses before any lock or count and
 * the exception table turns into -EFAULT; beside it the same probe of a mapped address, which
 * does not trap. Best of FLOOR_ROUNDS rounds of FLOOR_OPS each. */
static void floors(struct ktest *t)
{
	struct page *pages[ZERO_PAGES];
	struct fault_stats a, b;
	int err = 0;
	u64 here = 0;
	unsigned got = 0;
	if (zero_ns)
		return;
	while (got < ZERO_PAGES && (pages[got] = alloc_page(0)))
		got++;
	if (got == ZERO_PAGES)
		zero_ns = best_round_ns(zero_one, pages, &err);
	while (got)
		free_page(pages[--got]);
	KASSERT(t, zero_ns != 0);   /* else out of memory */
	KASSERT(t, current_thread()->mm == NULL);
	fault_get_stats(&a);
	trap_ns = best_round_ns(probe_fault, NULL, &err);
	fault_get_stats(&b);
	u64 probe_ns = best_round_ns(probe_mapped, &here, &err);
	KEXPECT_EQ(t, err, 0);
	KEXPECT_EQ(t, b.success + b.failure - a.success - a.failure, 0);   /* no mm work */
	printk_raw("BENCH name=floor_zero_page ops=%u ns_per_op=%lu\n", FLOOR_OPS,
		   (unsigned long)zero_ns);
	printk_raw("BENCH name=floor_trap ops=%u ns_per_op=%lu probe_ns=%lu\n", FLOOR_OPS,
		   (unsigned long)trap_ns, (unsigned long)probe_ns);
}

/* ---- Reporting ---- */

struct line {
	char s[768];
	size_t n;
};

static __printf(2, 3) void add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (l->n < sizeof(l->s))
		l->n += (size_t)vsnprintf(l->s + l->n, sizeof(l->s) - l->n, fmt, ap);
	va_end(ap);
}

/* key=num/den with two decimals; nothing if den is 0 (the reference was not measured). */
static void add_ratio(struct line *l, const char *key, u64 num, u64 den)
{
	if (!den)
		return;
	u64 h = (num * 100 + den / 2) / den;
	add(l, " %s=%lu.%02lu", key, (unsigned long)(h / 100), (unsigned long)(h % 100));
}

static u64 per_s(unsigned long ops, u64 ns) { return ns ? (u64)ops * 1000000000ull / ns : 0; }

/* The start of a BENCH line for `threads` workers doing `ops` in ns, and its ns_per_op: the
 * window times the workers over the operations (each worker's time per operation). */
static u64 begin_line(struct line *l, const char *name, const char *role, unsigned cpus,
		      unsigned threads, unsigned long ops, u64 ns)
{
	u64 ns_per_op = ops ? ns * threads / ops : 0;
	add(l, "BENCH name=%s%s strategy=%s cpus=%u threads=%u debug_locks=%d debug_slab=%d", name,
	    role, fault_strategy->name, cpus, threads, lockcheck_enabled, slab_debug());
	add(l, " window_ms=%lu ops=%lu ns_per_op=%lu ops_per_s=%lu", (unsigned long)(ns / 1000000),
	    ops, (unsigned long)ns_per_op, (unsigned long)per_s(ops, ns));
	return ns_per_op;
}

/* A fault workload's: its memory, and the ratios to the floors. */
static void add_fault_keys(struct line *l, const struct workload *wl, u64 ns_per_op)
{
	add(l, " mapping=%s region_mib=%lu", wl->layout == SHARED_SLICES ? "shared" : "private",
	    region_bytes() >> 20);
	add_ratio(l, "fault_over_zero", ns_per_op, zero_ns);
	add_ratio(l, "fault_over_trap", ns_per_op, trap_ns);
}

static void add_fault_stats(struct line *l, const struct fault_stats *d)
{
	add(l, " faults=%lu page_alloc=%lu zero_page=%lu shm=%lu upgrade=%lu spurious=%lu "
	    "failed=%lu", d->success, d->page_alloc, d->zero_page, d->shm, d->upgrade,
	    d->spurious, d->failure);
	/* The strategy's paths: attempt=.. fast=.. locked=.. fallback=.. retry=.. abort_*=.. */
	char paths[256];
	fault_stats_format(d, paths, sizeof(paths));
	add(l, " %s", paths);
}

/* A fault workload's line: the floors' ratios, and `ref` ops/s (0: none) as over_1cpu. */
static u64 report_faults(const struct workload *wl, unsigned cpus, const struct outcome *o,
			 u64 ref)
{
	struct line l = { .n = 0 };
	u64 ns_per_op = begin_line(&l, wl->name, "", cpus, o->threads[0], o->ops[0], o->ns);
	add_fault_keys(&l, wl, ns_per_op);
	add_ratio(&l, "over_1cpu", per_s(o->ops[0], o->ns), ref);
	add_fault_stats(&l, &o->d);
	printk_raw("%s\n", l.s);
	return per_s(o->ops[0], o->ns);
}

/* The ops/s of the references the later lines compare with, measured in this boot (0: not). */
static u64 fault1_1cpu, mmap_munmap_1cpu;

/* fault1 or fault_shared_vma on one CPU, then on every CPU: ops/s on one CPU, or 0. */
static u64 fault_scaling(struct ktest *t, const struct workload *wl)
{
	struct outcome o;
	floors(t);
	if (!window(t, wl, 1, &o))
		return 0;
	u64 one = report_faults(wl, 1, &o, 0);
	if (nr_cpus_online > 1 && window(t, wl, nr_cpus_online, &o))
		report_faults(wl, nr_cpus_online, &o, one);
	return one;
}

/* A single-threaded workload's line, with the fault counters; its ops/s. */
static u64 single(struct ktest *t, const struct workload *wl)
{
	struct outcome o;
	if (!window(t, wl, 1, &o))
		return 0;
	struct line l = { .n = 0 };
	begin_line(&l, wl->name, "", 1, 1, o.ops[0], o.ns);
	add_fault_stats(&l, &o.d);
	printk_raw("%s\n", l.s);
	return per_s(o.ops[0], o.ns);
}

KTEST_FLAGS(bench_fault, floors, KTEST_MANUAL)
{
	floors(t);
}

KTEST_FLAGS(bench_fault, fault1, KTEST_MANUAL)
{
	fault1_1cpu = fault_scaling(t, &fault1);
}

KTEST_FLAGS(bench_fault, fault_shared_vma, KTEST_MANUAL)
{
	fault_scaling(t, &shared_vma);
}

KTEST_FLAGS(bench_fault, mmap_munmap, KTEST_MANUAL)
{
	mmap_munmap_1cpu = single(t, &mmap_munmap);
}

/* Faulters on CPUs 0..N-2, the writer on the last: each side against itself alone (a
 * faulter's ops/s against fault1's on one CPU, the writer's against mmap_munmap's). */
KTEST_FLAGS(bench_fault, fault_vs_mmap, KTEST_MANUAL)
{
	struct outcome o;
	if (nr_cpus_online < 2)
		KSKIP(t, "needs 2 CPUs: the faulters and the writer");
	floors(t);
	if (!window(t, &fault_vs_mmap, nr_cpus_online, &o))
		return;
	struct line f = { .n = 0 }, w = { .n = 0 };
	u64 ns_per_op = begin_line(&f, fault_vs_mmap.name, " role=faulter", nr_cpus_online,
				   o.threads[0], o.ops[0], o.ns);
	add_fault_keys(&f, &fault_vs_mmap, ns_per_op);
	add_ratio(&f, "over_fault1", per_s(o.ops[0], o.ns) / o.threads[0], fault1_1cpu);
	add_fault_stats(&f, &o.d);
	begin_line(&w, fault_vs_mmap.name, " role=writer", nr_cpus_online, 1, o.ops[1], o.ns);
	add_ratio(&w, "over_mmap_munmap", per_s(o.ops[1], o.ns), mmap_munmap_1cpu);
	printk_raw("%s\n%s\n", f.s, w.s);
	if (!fault1_1cpu || !mmap_munmap_1cpu)
		ktest_log(t, "over_fault1 and over_mmap_munmap need bench_fault.fault1 and "
			  ".mmap_munmap run first in the same boot");
}

/* Seed 004's question: what does each strategy cost a single-threaded process, on the fault path
 * (fault1) and on the writer's (mmap_munmap), against mmap_lock, in this boot, timed with the
 * cycle counter? Strategies switch between windows (fault_strategy_switch: no VMA exists then),
 * in turn, STRATEGY_ROUNDS times, each round starting one further along (so that no strategy
 * is always the one after a switch from the same other), after one untimed pair of windows; the
 * median of each is compared with mmap_lock's. The boot's own strategy is restored at the end. */
#define STRATEGY_ROUNDS 3
#define NR_STRATEGIES 5

static u64 median3(u64 *v)
{
	u64 a = v[0], b = v[1], c = v[2];
	return MAX(MIN(a, b), MIN(MAX(a, b), c));
}

KTEST_FLAGS(bench_fault, strategies, KTEST_MANUAL)
{
	const char *boot = fault_strategy->name;
	u64 fault_ns[NR_STRATEGIES][STRATEGY_ROUNDS], mmap_ns[NR_STRATEGIES][STRATEGY_ROUNDS];
	unsigned n = 0;
	while (n < NR_STRATEGIES && fault_strategy_names[n])
		n++;
	struct outcome warm;
	if (!window(t, &fault1, 1, &warm) || !window(t, &mmap_munmap, 1, &warm))
		return;
	for (unsigned r = 0; r < STRATEGY_ROUNDS; r++)
		for (unsigned k = 0; k < n; k++) {
			unsigned s = (k + r) % n;
			rcu_barrier();   /* the last window's VMAs, freed after a grace period */
			int err = fault_strategy_switch(fault_strategy_names[s]);
			if (err) {
				ktest_fail(t, __FILE__, __LINE__, "switching to %s: %d",
					   fault_strategy_names[s], err);
				goto out;
			}
			struct outcome o;
			if (!window(t, &fault1, 1, &o) || !o.ops[0])
				goto out;
			fault_ns[s][r] = o.ns / o.ops[0];
			if (!window(t, &mmap_munmap, 1, &o) || !o.ops[0])
				goto out;
			mmap_ns[s][r] = o.ns / o.ops[0];
		}
	u64 base_f = median3(fault_ns[0]), base_m = median3(mmap_ns[0]);
	for (unsigned s = 0; s < n; s++) {
		struct line l = { .n = 0 };
		u64 f = median3(fault_ns[s]), m = median3(mmap_ns[s]);
		add(&l, "BENCH name=strategy_cost strategy=%s cpus=1 threads=1 rounds=%u "
		    "fault1_ns_per_op=%lu mmap_munmap_ns_per_op=%lu", fault_strategy_names[s],
		    STRATEGY_ROUNDS, (unsigned long)f, (unsigned long)m);
		add_ratio(&l, "fault1_over_mmap_lock", f, base_f);
		add_ratio(&l, "mmap_munmap_over_mmap_lock", m, base_m);
		printk_raw("%s\n", l.s);
	}
out:
	rcu_barrier();
	KEXPECT_EQ(t, fault_strategy_switch(boot), 0);
}

KTEST_FLAGS(bench_fault, brk, KTEST_MANUAL)
{
	single(t, &brk);
}

KTEST_FLAGS(bench_fault, mprotect_split_merge, KTEST_MANUAL)
{
	single(t, &split_merge);
}

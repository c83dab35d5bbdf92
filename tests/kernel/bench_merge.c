/* Seed 001's motivating case as a benchmark, under both merge policies in one boot: a compacting
 * allocator. Each step maps a block of 1-8 pages in a scratch area, writes it (its first fault
 * gives it an anon_vma of its own) and moves it with mremap(MREMAP_FIXED) to the end of the heap,
 * next to the block moved before; every 8th step grows the last block in place with mremap, every
 * 4th grows the brk heap, every 16th frees the last block; and every 64th step forks a child that
 * lives for the next 8 steps, so that some merges meet pages shared with another process. Linux's
 * rules keep every moved block apart (its anon_vma and offsets are its own); the relaxed rules
 * merge them unless a child shares their pages.
 *
 * Reported per policy (BENCH name=merge_compact, medians of bench.merge_rounds rounds, each a
 * fresh mm, the policies alternating): the VMAs at the end, each merge outcome summed over the
 * callers, the share of refusals that are the shared-page case (the seed measured 1-3% of the
 * merges Linux refused on its workloads; here it follows from how often the allocator forks),
 * and the time per step with the cycle counter. Manual: test=bench_merge. */
#include "tests/kernel/ktest_mm.h"
#include "kernel/errno.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "kernel/sched/timer.h"
#include "kernel/torture.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/internal.h"

#define RW        (PROT_READ | PROT_WRITE)
#define SCRATCH   (MT_BASE + (512ul << 20))   /* blocks are made here, 64 slots of 16 pages */
#define MAX_ROUNDS 9

static s64 merge_steps = 2000;
PARAM_INT("bench.merge_steps", merge_steps, 16, 100000,
	  "steps of each round of test=bench_merge (the compacting allocator)");
static s64 merge_rounds = 3;
PARAM_INT("bench.merge_rounds", merge_rounds, 1, MAX_ROUNDS,
	  "rounds per merge policy of test=bench_merge (medians are reported)");

struct result {
	unsigned long vmas, steps, ns;
	unsigned long outcome[MERGE_NR_OUTCOMES];
	unsigned long by_caller[MERGE_NR_CALLERS];   /* attempts */
};

struct alloc {
	struct ktest *t;
	struct mm *mm, *child;
	unsigned child_left;
	u64 rnd;
	uintptr_t frontier;          /* the heap's end */
	uintptr_t last;              /* the last block: [last, frontier) */
	bool failed;
};

static bool ok(struct alloc *a, long ret, long want, const char *what, unsigned long step)
{
	if (ret == want)
		return true;
	if (!a->failed)
		ktest_fail(a->t, __FILE__, __LINE__, "step %lu: %s returned %ld", step, what, ret);
	a->failed = true;
	return false;
}

static void touch(struct alloc *a, uintptr_t from, uintptr_t to, unsigned long step)
{
	for (uintptr_t p = from; p < to; p += PG)
		if (!ok(a, mt_write(p, p ^ step), 0, "a write", step))
			return;
}

static void step(struct alloc *a, unsigned long i)
{
	struct mm *mm = a->mm;
	u64 r = torture_random(&a->rnd);
	unsigned k = 1 + (unsigned)(r % 8);
	uintptr_t slot = SCRATCH + (i % 64) * 16 * PG;
	if (!ok(a, vm_mmap(mm, slot, k * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
		(long)slot, "mmap", i))
		return;
	touch(a, slot, slot + k * PG, i);
	if (!ok(a, vm_mremap(mm, slot, k * PG, k * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
			     a->frontier), (long)a->frontier, "mremap (the move)", i))
		return;
	a->last = a->frontier;
	a->frontier += k * PG;
	if (i % 8 == 7) {   /* the last block grows in place */
		unsigned long len = a->frontier - a->last;
		if (!ok(a, vm_mremap(mm, a->last, len, len + 2 * PG, 0, 0), (long)a->last,
			"mremap (the growth)", i))
			return;
		touch(a, a->frontier, a->frontier + 2 * PG, i);
		a->frontier += 2 * PG;
	}
	if (i % 4 == 3) {   /* the brk heap grows */
		uintptr_t b = mm->brk, nb = b + (1 + (r >> 8) % 4) * PG;
		if (!ok(a, (long)vm_brk(mm, nb), (long)nb, "brk", i))
			return;
		touch(a, ALIGN_UP(b, PG), nb, i);
	}
	if (i % 16 == 15) {   /* the last block is freed */
		if (!ok(a, vm_munmap(mm, a->last, a->frontier - a->last), 0, "munmap", i))
			return;
		a->frontier = a->last;
		a->last = a->frontier;
	}
	if (a->child && !--a->child_left) {
		mm_put(a->child);
		a->child = NULL;
	}
	if (i % 64 == 63 && !a->child) {
		if (ok(a, mm_fork(mm, &a->child), 0, "fork", i))
			a->child_left = 8;
	}
}

static void round_run(struct ktest *t, enum merge_policy policy, unsigned round,
		      struct result *res)
{
	struct alloc a = { .t = t, .rnd = 0x6d657267ull + round };
	a.mm = mt_setup(t);
	if (!a.mm)
		return;
	a.mm->merge_policy = policy;
	a.frontier = a.last = MT_BASE;
	u64 c0 = arch_cycles();
	unsigned long i;
	for (i = 0; i < (unsigned long)merge_steps && !a.failed; i++)
		step(&a, i);
	u64 c1 = arch_cycles();
	if (a.child)
		mm_put(a.child);
	res->steps = i;
	res->ns = cycles_to_ns(c1 - c0);
	res->vmas = a.mm->map_count;
	for (unsigned o = 0; o < MERGE_NR_OUTCOMES; o++)
		res->outcome[o] = merge_sum(&a.mm->merge, o);
	for (unsigned c = 0; c < MERGE_NR_CALLERS; c++) {
		res->by_caller[c] = 0;
		for (unsigned o = 0; o < MERGE_NR_OUTCOMES; o++)
			res->by_caller[c] += a.mm->merge.by[c][o];
	}
	mt_teardown(t, a.mm);
}

static unsigned long median(unsigned long *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j && v[j - 1] > v[j]; j--) {
			unsigned long x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return v[n / 2];
}

/* The median of field f over the rounds. */
#define MEDIAN(rs, n, f)                                              \
	({                                                            \
		unsigned long v_[MAX_ROUNDS];                         \
		for (unsigned i_ = 0; i_ < (n); i_++)                 \
			v_[i_] = (rs)[i_].f;                          \
		median(v_, (n));                                      \
	})

static void report(enum merge_policy policy, struct result *rs, unsigned n)
{
	static const char *const names[] = { "linux", "relaxed" };
	char line[512];
	size_t len = 0;
	unsigned long refused = 0, o[MERGE_NR_OUTCOMES];
	for (unsigned k = 0; k < MERGE_NR_OUTCOMES; k++)
		o[k] = MEDIAN(rs, n, outcome[k]);
	for (unsigned k = MERGE_REFUSED_FLAGS; k < MERGE_NR_OUTCOMES; k++)
		refused += o[k];
	unsigned long steps = MEDIAN(rs, n, steps), ns = MEDIAN(rs, n, ns);
	len += snprintf(line + len, sizeof(line) - len,
			"BENCH name=merge_compact policy=%s rounds=%u steps=%lu vmas=%lu "
			"ns_per_step=%lu", names[policy], n, steps, MEDIAN(rs, n, vmas),
			steps ? ns / steps : 0);
	for (unsigned k = 0; k < MERGE_NR_OUTCOMES; k++)
		len += snprintf(line + len, sizeof(line) - len, " %s=%lu", merge_outcome_names[k],
				o[k]);
	for (unsigned c = 0; c < MERGE_NR_CALLERS; c++)
		len += snprintf(line + len, sizeof(line) - len, " attempts_%s=%lu",
				merge_caller_names[c], MEDIAN(rs, n, by_caller[c]));
	/* The seed's figure: of the merges refused, the share only relabelling shared pages would
	 * have allowed; and of those the flags do not rule out. In hundredths of a percent. */
	unsigned long shared = o[MERGE_REFUSED_SHARED];
	unsigned long near = refused - o[MERGE_REFUSED_FLAGS];
	snprintf(line + len, sizeof(line) - len,
		 " shared_of_refused_pct=%lu.%02lu shared_of_near_pct=%lu.%02lu\n",
		 refused ? shared * 100 / refused : 0, refused ? shared * 10000 / refused % 100 : 0,
		 near ? shared * 100 / near : 0, near ? shared * 10000 / near % 100 : 0);
	printk_raw("%s", line);
}

KTEST_FLAGS(bench_merge, compacting_allocator, KTEST_MANUAL)
{
	static struct result rs[2][MAX_ROUNDS];
	unsigned n = (unsigned)merge_rounds;
	for (unsigned r = 0; r < n; r++) {
		/* Alternate which policy goes first, so that drift hits both. */
		enum merge_policy first = r % 2 ? MERGE_RELAXED : MERGE_LINUX;
		round_run(t, first, r, &rs[first][r]);
		round_run(t, !first, r, &rs[!first][r]);
	}
	report(MERGE_LINUX, rs[MERGE_LINUX], n);
	report(MERGE_RELAXED, rs[MERGE_RELAXED], n);
	ktest_log(t, "VMAs after %lld steps: %lu under linux, %lu under relaxed", (long long)merge_steps,
		  MEDIAN(rs[MERGE_LINUX], n, vmas), MEDIAN(rs[MERGE_RELAXED], n, vmas));
}

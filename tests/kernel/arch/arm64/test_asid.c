/* arm64 ASIDs under rollovers (arch/arm64/asid.c), in suite "arm64". More address spaces than
 * the boot has ASIDs (three times as many when mm.asid_bits is small; tools/test-matrix boots 3
 * bits on 4 CPUs), each mapping one user address to a page of its own; a thread on every CPU
 * switches among them at random, and each read must see its own space's value.
 *
 * Each CPU also publishes what it runs, and no two CPUs may at one moment run two spaces under
 * one number, or one space under two numbers (checked against what the others publish, and
 * against the spaces' ids): what a real TLB relies on, and what QEMU cannot show by values,
 * since QEMU 7.2 flushes a CPU's whole TLB whenever TTBR0's ASID changes and ignores the ASID
 * of a TLBI. (A rollover that does not carry the running numbers over passes the value checks
 * there: tests/mutants/arm64-asid-rollover-no-reserve.patch.)
 *
 * Then, deterministically: while one CPU stays on a space, rollovers on another must carry its
 * number over and never hand it out; and a user flush of the space, whose id is then of an
 * older generation, must still reach that CPU. */
#include "arch/arm64/arm64.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/sched/thread.h"
#include "lib/string.h"
#include "mm/mm.h"
#include "mm/page.h"
#include "mm/pgtable.h"
#include "mm/tlb.h"
#include "tests/kernel/ktest_util.h"

#define ASID_TEST_VA   0x400000ul
#define MAX_SPACES     96
#define ROUNDS         1000   /* switches per CPU at most, */
#define MIN_ROUNDS     50     /* and at least (more spaces than numbers: rollovers), */
#define BUDGET_NS      700000000ull   /* stopping between the two after this long: with more
				       * virtual CPUs than host cores, each lock holder that the
				       * host deschedules costs all the others a host time slice
				       * (up to 3 ms a switch on a loaded host) */
#define READS          3      /* reads after each switch */

struct space {
	struct mm *mm;
	struct page *page;
	u64 value;
};

static struct space spaces[MAX_SPACES];
static unsigned nr_spaces;

static bool space_create(struct ktest *t, struct space *s, u64 value)
{
	s->mm = mm_create();
	s->page = alloc_page(GFP_ZERO);
	s->value = value;
	if (!KEXPECT(t, s->mm && s->page))
		return false;
	*(u64 *)page_address(s->page) = value;
	return KEXPECT_EQ(t, pt_map(s->mm->pgd, ASID_TEST_VA, page_to_phys(s->page), PAGE_SIZE,
				    MMU_READ | MMU_WRITE | MMU_USER, 0), 0);
}

static void space_destroy(struct space *s)
{
	if (s->mm && s->page) {
		int level = 0;
		pt_unmap(s->mm->pgd, ASID_TEST_VA, PAGE_SIZE, &level);
		tlb_flush_mm_range(s->mm, ASID_TEST_VA, PAGE_SIZE, level);
	}
	if (s->page)
		free_page(s->page);
	if (s->mm)
		mm_put(s->mm);
	*s = (struct space){ 0 };
}

static u64 ttbr0_asid(void) { return sysreg_read(ttbr0_el1) >> 48; }

/* ---- Every CPU switching among more spaces than there are ASIDs ---- */

#define RUNNING(space, asid) ((u64)((space) + 1) << 32 | (asid))

struct asid_worker {
	u64 running;          /* RUNNING(space, asid) while it has the space loaded, else 0 */
	unsigned nr_workers;
	u64 deadline;         /* clock_ns() */
	unsigned switches;
	unsigned bad_reads, conflicts, id_conflicts;
	u64 bad_space, bad_value;            /* the first bad read */
	u64 conflict_mine, conflict_theirs;  /* the first conflict with another CPU */
	unsigned conflict_cpu;
	u64 id_conflict_mine, id_conflict_space, id_conflict_id;   /* the first with an id */
} __aligned(64);

static struct asid_worker workers[MAX_CPUS];
static unsigned workers_ready;   /* a start line: all switch at once, not one after another */

/* A real TLB needs: one number names one space at a time, and one space runs under one number.
 * Published after the switch and withdrawn (with a full barrier) before the next, so a CPU
 * seen running a space still runs it: its number is its active or carried one. */
static void check_others(struct asid_worker *w, u64 mine)
{
	for (unsigned c = 0; c < w->nr_workers; c++) {
		u64 theirs = __atomic_load_n(&workers[c].running, __ATOMIC_SEQ_CST);
		if (&workers[c] == w || !theirs)
			continue;
		bool same_space = theirs >> 32 == mine >> 32, same_asid = (u32)theirs == (u32)mine;
		if (same_space != same_asid && w->conflicts++ == 0) {
			w->conflict_mine = mine;
			w->conflict_theirs = theirs;
			w->conflict_cpu = c;
		}
	}
}

/* The same from the ids, which catches what happened between two CPUs' windows: while this
 * CPU runs a space, the space's id keeps the number (a rollover carries it, and renews the id
 * with it), and no id of the current generation holds it but that space's. (The generation is
 * read after the id: if it moved on meanwhile, the id is not taken for current.) */
static void check_ids(struct asid_worker *w, u64 mine)
{
	unsigned bits = arm64_asid_bits();
	for (unsigned j = 0; j < nr_spaces; j++) {
		u64 id = __atomic_load_n(&spaces[j].mm->context.id, __ATOMIC_RELAXED);
		bool current = id >> bits == arm64_asid_generation() >> bits;
		bool same_asid = (id & ((1ull << bits) - 1)) == (u32)mine;
		bool bad = j == (mine >> 32) - 1 ? !same_asid : current && same_asid;
		if (bad && w->id_conflicts++ == 0) {
			w->id_conflict_mine = mine;
			w->id_conflict_space = j;
			w->id_conflict_id = id;
		}
	}
}

static void asid_worker_fn(void *arg)
{
	struct asid_worker *w = arg;
	u64 seed = (u64)(w - workers) * 0x9e3779b97f4a7c15ull + 1;
	__atomic_add_fetch(&workers_ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&workers_ready, __ATOMIC_ACQUIRE) < w->nr_workers)
		arch_cpu_relax();
	for (unsigned k = 0; k < ROUNDS && (k < MIN_ROUNDS || clock_ns() < w->deadline); k++) {
		w->switches++;
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		unsigned i = (unsigned)(seed % nr_spaces);
		unsigned long flags = arch_irq_save();   /* mm_switch's rule; and we stay put */
		mm_switch(spaces[i].mm);
		u64 mine = RUNNING(i, ttbr0_asid());
		__atomic_store_n(&w->running, mine, __ATOMIC_SEQ_CST);
		smp_mb();
		check_others(w, mine);
		for (int r = 0; r < READS; r++) {
			u64 v = 0;
			int err = arch_probe_read((void *)ASID_TEST_VA, &v);
			if ((err || v != spaces[i].value) && w->bad_reads++ == 0) {
				w->bad_space = i;
				w->bad_value = err ? (u64)err : v;
			}
		}
		check_others(w, mine);   /* and those that began meanwhile */
		check_ids(w, mine);
		__atomic_store_n(&w->running, 0, __ATOMIC_SEQ_CST);
		smp_mb();   /* withdrawn before the next switch changes this CPU's active ASID */
		arch_irq_restore(flags);
	}
	unsigned long flags = arch_irq_save();
	mm_switch(&init_mm);
	arch_irq_restore(flags);
}

static void log_stats(struct ktest *t, const char *what, const struct arm64_asid_stats *a,
		      const struct arm64_asid_stats *b)
{
	ktest_log(t, "%s: %lu rollovers, %lu allocations, %lu slow paths, %lu rollover flushes",
		  what, (unsigned long)(b->rollovers - a->rollovers),
		  (unsigned long)(b->allocations - a->allocations),
		  (unsigned long)(b->slow_paths - a->slow_paths),
		  (unsigned long)(b->tlb_flushes - a->tlb_flushes));
}

KTEST(arm64, asids_under_rollovers)
{
	unsigned bits = arm64_asid_bits(), usable = (1u << bits) - 1, n = nr_cpus_online;
	struct arm64_asid_stats before, after;
	nr_spaces = bits >= 5 ? MAX_SPACES : 3u << bits;
	for (unsigned i = 0; i < nr_spaces; i++)
		if (!space_create(t, &spaces[i], 0xa51d0000ull + i))
			goto out;
	u64 deadline = clock_ns() + BUDGET_NS;
	workers_ready = 0;
	for (unsigned c = 0; c < n; c++)
		workers[c] = (struct asid_worker){ .nr_workers = n, .deadline = deadline };
	arm64_asid_get_stats(&before);
	ktest_run_threads(t, n, true, asid_worker_fn, workers, sizeof(workers[0]));
	arm64_asid_get_stats(&after);
	unsigned switches = 0;
	for (unsigned c = 0; c < n; c++)
		switches += workers[c].switches;
	ktest_log(t, "%u CPUs, %u switches among %u spaces, %u-bit ASIDs (%u numbers)", n,
		  switches, nr_spaces, bits, usable);
	log_stats(t, "asid", &before, &after);
	for (unsigned c = 0; c < n; c++) {
		const struct asid_worker *w = &workers[c];
		if (!KEXPECT_EQ(t, w->bad_reads, 0))
			ktest_log(t, "CPU %u: %u bad reads; the first in space %lu gave %#lx, not "
				  "%#lx", c, w->bad_reads, (unsigned long)w->bad_space,
				  (unsigned long)w->bad_value,
				  (unsigned long)spaces[w->bad_space].value);
		if (!KEXPECT_EQ(t, w->conflicts, 0))
			ktest_log(t, "CPU %u: %u conflicts; the first: space %lu under ASID %lu here "
				  "while CPU %u ran space %lu under ASID %lu", c, w->conflicts,
				  (unsigned long)(w->conflict_mine >> 32) - 1,
				  (unsigned long)(u32)w->conflict_mine, w->conflict_cpu,
				  (unsigned long)(w->conflict_theirs >> 32) - 1,
				  (unsigned long)(u32)w->conflict_theirs);
		if (!KEXPECT_EQ(t, w->id_conflicts, 0))
			ktest_log(t, "CPU %u: %u conflicts with ids; the first: space %lu under ASID "
				  "%lu here while space %lu had id %#lx", c, w->id_conflicts,
				  (unsigned long)(w->id_conflict_mine >> 32) - 1,
				  (unsigned long)(u32)w->id_conflict_mine,
				  (unsigned long)w->id_conflict_space,
				  (unsigned long)w->id_conflict_id);
	}
	if (nr_spaces > usable)
		KEXPECT(t, after.rollovers > before.rollovers);
	for (unsigned i = 0; i < nr_spaces; i++)
		KEXPECT_EQ(t, spaces[i].mm->cpumask, 0);
out:
	for (unsigned i = 0; i < nr_spaces; i++)
		space_destroy(&spaces[i]);
}

/* ---- A number carried over by rollovers: kept, and reached by a flush ---- */

struct carried {
	struct mm *mm;
	struct mm **fresh;
	unsigned nr_fresh;
	int phase;               /* 1: the reader has the space loaded; 2: flushed, read again */
	int first, second;       /* the reader's two reads */
	u64 value;
	u64 asid_before, asid_after, asid_of_mm;   /* the reader's TTBR0 ASID; the mm's number */
	bool mm_id_old;          /* the mm's id was not of the current generation at the flush */
	unsigned reused;         /* new spaces the forcer ran under the reader's number */
	struct arm64_asid_stats before, after;
};

/* Adopts the space, reads it (its TLB now holds the translation) and then stays on it with
 * interrupts off, so nothing switches this CPU until it reads again. */
static void carried_reader(void *arg)
{
	struct carried *c = arg;
	kthread_use_mm(c->mm);
	unsigned long flags = arch_irq_save();
	c->first = arch_probe_read((void *)ASID_TEST_VA, &c->value);
	c->asid_before = ttbr0_asid();
	smp_store_release(&c->phase, 1);
	while (smp_load_acquire(&c->phase) < 2)
		arch_cpu_relax();
	u64 v;
	c->second = arch_probe_read((void *)ASID_TEST_VA, &v);
	c->asid_after = ttbr0_asid();
	arch_irq_restore(flags);
	kthread_unuse_mm(c->mm);
}

/* On another CPU: twice as many new spaces as there are numbers, so at least two rollovers
 * while the reader stays (the second finds its active ASID 0 and carries what the first did),
 * none of which may hand out the reader's number; then unmap the page and flush the space by
 * its id. */
static void carried_forcer(void *arg)
{
	struct carried *c = arg;
	while (smp_load_acquire(&c->phase) < 1)
		arch_cpu_relax();
	arm64_asid_get_stats(&c->before);
	unsigned long flags = arch_irq_save();
	for (unsigned i = 0; i < c->nr_fresh; i++) {
		mm_switch(c->fresh[i]);
		if (ttbr0_asid() == c->asid_before)
			c->reused++;
	}
	mm_switch(&init_mm);
	arch_irq_restore(flags);
	arm64_asid_get_stats(&c->after);
	c->mm_id_old = !arm64_asid_is_current(c->mm);
	c->asid_of_mm = arm64_asid_of(c->mm);
	int level = 0;
	pt_unmap(c->mm->pgd, ASID_TEST_VA, PAGE_SIZE, &level);
	tlb_flush_mm_range(c->mm, ASID_TEST_VA, PAGE_SIZE, level);
	smp_store_release(&c->phase, 2);
}

KTEST(arm64, carried_asid_kept_and_flushed)
{
	unsigned usable = (1u << arm64_asid_bits()) - 1;
	if (nr_cpus_online < 2)
		KSKIP(t, "needs a second CPU for the reader");
	if (usable > 255)
		KSKIP(t, "needs mm.asid_bits=8 or fewer to force a rollover");
	static struct mm *fresh[512];
	struct space s = { 0 };
	struct carried c = { .fresh = fresh, .nr_fresh = 2 * (usable + 1) };
	struct thread *reader, *forcer;
	for (unsigned i = 0; i < c.nr_fresh; i++)
		if (!KEXPECT(t, (fresh[i] = mm_create()) != NULL))
			goto out;
	if (!space_create(t, &s, 0xca77ed))
		goto out;
	c.mm = s.mm;
	reader = kthread_create(carried_reader, &c, "asid-reader");
	forcer = kthread_create(carried_forcer, &c, "asid-forcer");
	if (!KEXPECT(t, reader && forcer))
		goto out;   /* neither started: left, not joined */
	kthread_bind(reader, 1);
	kthread_bind(forcer, 0);
	thread_start(reader);
	thread_start(forcer);
	thread_join(reader);
	thread_join(forcer);
	log_stats(t, "forcing", &c.before, &c.after);
	ktest_log(t, "the reader ran ASID %lu; the space's id was %s generation at the flush",
		  (unsigned long)c.asid_before, c.mm_id_old ? "of an older" : "of the current");
	KEXPECT_EQ(t, c.first, 0);
	KEXPECT_EQ(t, c.value, s.value);
	KEXPECT(t, c.after.rollovers >= c.before.rollovers + 2);
	if (!KEXPECT_EQ(t, c.reused, 0))
		ktest_log(t, "%u new spaces ran under ASID %lu while the reader still did", c.reused,
			  (unsigned long)c.asid_before);
	KEXPECT(t, c.mm_id_old);                      /* the case under test */
	KEXPECT_EQ(t, c.asid_after, c.asid_before);   /* the reader never switched */
	KEXPECT_EQ(t, c.asid_of_mm, c.asid_before);   /* the rollovers carried its number over */
	if (!KEXPECT_EQ(t, c.second, -EFAULT))
		ktest_log(t, "the flush by the carried number missed the reader's CPU");
	free_page(s.page);   /* unmapped by the forcer */
	s.page = NULL;
out:
	space_destroy(&s);
	for (unsigned i = 0; i < c.nr_fresh; i++)
		if (fresh[i])
			mm_put(fresh[i]);
	memset(fresh, 0, sizeof(fresh));
}

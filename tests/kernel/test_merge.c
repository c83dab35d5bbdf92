/* The two merge policies (mm.merge=, mm/vma_merge.c; docs/mm/rmap-and-merging.md): what Linux
 * 6.1's rules refuse and seed 001's relaxed rules merge (a moved VMA, different anon_vmas), what
 * neither merges (pages shared with another process), the pages' labels after a relaxed merge
 * (each page's anon_vma and index say where the reverse map finds it), and the counters of
 * attempts by caller and outcome. Each case sets its mm's policy itself. */
#include "tests/kernel/ktest_mm.h"
#include "kernel/errno.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/timer.h"
#include "kernel/smp.h"
#include "tests/kernel/ktest_util.h"
#include "mm/internal.h"
#include "mm/rmap.h"

#define RW (PROT_READ | PROT_WRITE)
#define FIXED (MREMAP_MAYMOVE | MREMAP_FIXED)

static unsigned long by(struct mm *mm, enum merge_caller c, enum merge_outcome o)
{
	return mm->merge.by[c][o];
}

static pte_t entry_of(struct mm *mm, uintptr_t addr)
{
	struct page *tp;
	pte_t *e = pte_find(mm, addr, &tp, NULL);
	return e ? pte_read_once(e) : 0;
}

struct where {
	struct mm *mm;
	uintptr_t addr;
	unsigned found, elsewhere;
};

static bool found_at(struct vma *vma, uintptr_t addr, void *arg)
{
	struct where *w = arg;
	pte_t v = entry_of(vma->mm, addr);
	if (v && vma->mm == w->mm && addr == w->addr)
		w->found++;
	else
		w->elsewhere += v != 0;
	return true;
}

/* Every private page mapped in [first, last) of the test range: the reverse map finds it at its
 * address, and its labels are its VMA's (the anon_vma, the index the VMA's offset gives it).
 * Fails the test at the first that is not; the pages checked. */
static unsigned labels_ok(struct ktest *t, struct mm *mm, unsigned first, unsigned last)
{
	unsigned n = 0;
	for (unsigned i = first; i < last; i++) {
		pte_t v = entry_of(mm, MT_A(i));
		if (!v || user_pte_page(v) == zero_page)
			continue;
		struct page *p = user_pte_page(v);
		mmap_read_lock(mm);
		struct vma *vma = vma_lookup(mm, MT_A(i));
		bool labels = vma && p->anon.anon_vma == vma->anon_vma &&
			      p->anon.index == vma->pgoff + ((MT_A(i) - vma->start) >> PAGE_SHIFT);
		struct where w = { mm, MT_A(i), 0, 0 };
		rmap_walk(p, found_at, &w);
		mmap_read_unlock(mm);
		if (!labels || w.found != 1) {
			ktest_fail(t, __FILE__, __LINE__, "page %u: labels %s its VMA's, the reverse "
				   "map found it %u times at its address", i,
				   labels ? "are" : "are not", w.found);
			return n;
		}
		n++;
	}
	return n;
}

/* Write page i's own number into each page of [first, last); then check them. */
static void fill(struct ktest *t, unsigned first, unsigned last)
{
	for (unsigned i = first; i < last; i++)
		KEXPECT_EQ(t, mt_write(MT_A(i), 0xda7a0000u + i), 0);
}

static void check(struct ktest *t, unsigned first, unsigned last, unsigned was_first)
{
	for (unsigned i = first; i < last; i++) {
		u64 v = 0;
		KEXPECT_EQ(t, mt_read(MT_A(i), &v), 0);
		KEXPECT_EQ(t, v, 0xda7a0000u + was_first + (i - first));
	}
}

/* Two VMAs that faulted apart (two anon_vmas), the second moved next to the first: Linux's rules
 * keep them apart (the anon_vmas differ, and so do the offsets: the moved one keeps its old
 * ones); the relaxed rules merge them, relabelling the moved pages. */
static void moved_next_to(struct ktest *t, enum merge_policy policy)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mm->merge_policy = policy;
	mt_map(t, mm, 0, 2, RW, 0);
	mt_map(t, mm, 10, 2, RW, 0);
	fill(t, 0, 2);
	fill(t, 10, 12);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(10), 2 * PG, 2 * PG, FIXED, MT_A(2)), (long)MT_A(2));
	if (policy == MERGE_LINUX) {
		MT_LAYOUT(t, mm, { 0, 2, RW }, { 2, 4, RW });
		KEXPECT_EQ(t, by(mm, MERGE_BY_MREMAP, MERGE_REFUSED_ANON), 1);
	} else {
		MT_LAYOUT(t, mm, { 0, 4, RW });
		KEXPECT_EQ(t, by(mm, MERGE_BY_MREMAP, MERGE_MERGED_RELAXED), 1);
	}
	check(t, 0, 2, 0);
	check(t, 2, 4, 10);
	KEXPECT_EQ(t, labels_ok(t, mm, 0, 4), 4);
	mt_teardown(t, mm);
}

KTEST(merge, linux_keeps_a_moved_vma_apart)
{
	moved_next_to(t, MERGE_LINUX);
}

KTEST(merge, relaxed_merges_a_moved_vma)
{
	moved_next_to(t, MERGE_RELAXED);
}

/* One anon_vma, its two halves moved apart and the first put back after the second: Linux keeps
 * each half's offsets, which no longer follow on (refused: pgoff); the relaxed rules gave each
 * moved half its new address's offsets, which do. */
static void halves(struct ktest *t, enum merge_policy policy)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mm->merge_policy = policy;
	mt_map(t, mm, 0, 4, RW, 0);
	fill(t, 0, 4);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(2), 2 * PG, 2 * PG, FIXED, MT_A(20)), (long)MT_A(20));
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), 2 * PG, 2 * PG, FIXED, MT_A(22)), (long)MT_A(22));
	if (policy == MERGE_LINUX) {
		MT_LAYOUT(t, mm, { 20, 22, RW }, { 22, 24, RW });
		KEXPECT_EQ(t, by(mm, MERGE_BY_MREMAP, MERGE_REFUSED_PGOFF), 1);
	} else {
		/* Linux would have refused it (the pages' offsets), so the relaxed rules' merge */
		MT_LAYOUT(t, mm, { 20, 24, RW });
		KEXPECT_EQ(t, by(mm, MERGE_BY_MREMAP, MERGE_MERGED_RELAXED), 1);
	}
	check(t, 20, 22, 2);
	check(t, 22, 24, 0);
	KEXPECT_EQ(t, labels_ok(t, mm, 20, 24), 4);
	mt_teardown(t, mm);
}

KTEST(merge, linux_refuses_moved_halves_by_offset)
{
	halves(t, MERGE_LINUX);
}

KTEST(merge, relaxed_moves_take_linear_offsets)
{
	halves(t, MERGE_RELAXED);
}

/* mprotect's merge under the relaxed rules: a VMA moved in under Linux's rules (its own
 * anon_vma, old offsets, another protection) becomes like its neighbour and joins it, its
 * pages relabelled where they are. */
KTEST(merge, relaxed_mprotect_joins_different_anon_vmas)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, RW, 0);
	mt_map(t, mm, 10, 3, RW, 0);
	fill(t, 0, 2);
	fill(t, 10, 13);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(10), 3 * PG, PROT_READ), 0);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(10), 3 * PG, 3 * PG, FIXED, MT_A(2)), (long)MT_A(2));
	MT_LAYOUT(t, mm, { 0, 2, RW }, { 2, 5, PROT_READ });
	KEXPECT_EQ(t, by(mm, MERGE_BY_MREMAP, MERGE_REFUSED_FLAGS), 1);
	/* Linux's rules: the protection matches again, the rest does not. */
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(2), PG, RW), 0);
	MT_LAYOUT(t, mm, { 0, 2, RW }, { 2, 3, RW }, { 3, 5, PROT_READ });
	KEXPECT_EQ(t, by(mm, MERGE_BY_MPROTECT, MERGE_REFUSED_ANON), 1);
	/* mprotect leaves a VMA that already has the protection as it is (Linux too): the first
	 * page goes back to the others' first, then all three change together. */
	mm->merge_policy = MERGE_RELAXED;
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(2), PG, PROT_READ), 0);
	MT_LAYOUT(t, mm, { 0, 2, RW }, { 2, 5, PROT_READ });
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(2), 3 * PG, RW), 0);
	MT_LAYOUT(t, mm, { 0, 5, RW });
	KEXPECT_EQ(t, by(mm, MERGE_BY_MPROTECT, MERGE_MERGED_RELAXED), 1);
	check(t, 0, 2, 0);
	check(t, 2, 5, 10);
	KEXPECT_EQ(t, labels_ok(t, mm, 0, 5), 5);
	/* And the merged VMA behaves as one: a split and a merge back, a move of the whole. */
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(1), 2 * PG, PROT_READ), 0);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(1), 2 * PG, RW), 0);
	MT_LAYOUT(t, mm, { 0, 5, RW });
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), 5 * PG, 5 * PG, FIXED, MT_A(30)), (long)MT_A(30));
	check(t, 30, 32, 0);
	check(t, 32, 35, 10);
	KEXPECT_EQ(t, labels_ok(t, mm, 30, 35), 5);
	mt_teardown(t, mm);
}

/* Pages shared with another process (a fork's child alive): neither policy relabels them, and
 * the refusal says why (shared); once the child is gone, the relaxed rules merge. */
KTEST(merge, shared_pages_are_never_relabelled)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mm->merge_policy = MERGE_RELAXED;
	mt_map(t, mm, 0, 2, RW, 0);
	mt_map(t, mm, 10, 2, RW, 0);
	fill(t, 0, 2);
	fill(t, 10, 12);
	struct mm *child;
	KASSERT(t, mm_fork(mm, &child) == 0);
	KEXPECT_EQ(t, child->merge_policy, MERGE_RELAXED);   /* inherited */
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(10), 2 * PG, 2 * PG, FIXED, MT_A(2)), (long)MT_A(2));
	MT_LAYOUT(t, mm, { 0, 2, RW }, { 2, 4, RW });
	KEXPECT_EQ(t, by(mm, MERGE_BY_MREMAP, MERGE_REFUSED_SHARED), 1);
	KEXPECT_EQ(t, labels_ok(t, mm, 0, 4), 4);
	mm_put(child);
	/* The child's anon_vmas go with it: the parent's are roots without children again. */
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(2), 2 * PG, PROT_READ), 0);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(2), 2 * PG, RW), 0);
	MT_LAYOUT(t, mm, { 0, 4, RW });
	KEXPECT_EQ(t, by(mm, MERGE_BY_MPROTECT, MERGE_MERGED_RELAXED), 1);
	check(t, 0, 2, 0);
	check(t, 2, 4, 10);
	KEXPECT_EQ(t, labels_ok(t, mm, 0, 4), 4);
	mt_teardown(t, mm);
}

/* A new range between a VMA that never faulted and one that did (offsets contiguous): Linux
 * 6.1's mmap_region joins it to the second, and the first only if it could take in the second's
 * anon_vma, which a VMA without one cannot (is_mergeable_anon_vma); the relaxed rules let the
 * first take it (it has no pages to relabel), so all three become one. */
static void between(struct ktest *t, enum merge_policy policy)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mm->merge_policy = policy;
	mt_map(t, mm, 0, 2, RW, 0);
	mt_map(t, mm, 4, 2, RW, 0);
	fill(t, 4, 6);
	mt_map(t, mm, 2, 2, RW, 0);
	if (policy == MERGE_LINUX)
		MT_LAYOUT(t, mm, { 0, 2, RW }, { 2, 6, RW });
	else
		MT_LAYOUT(t, mm, { 0, 6, RW });
	fill(t, 0, 4);
	check(t, 0, 6, 0);
	KEXPECT_EQ(t, labels_ok(t, mm, 0, 6), 6);
	mt_teardown(t, mm);
}

KTEST(merge, linux_new_range_between_unfaulted_and_faulted)
{
	between(t, MERGE_LINUX);
}

KTEST(merge, relaxed_new_range_between_unfaulted_and_faulted)
{
	between(t, MERGE_RELAXED);
}

/* Every caller counts its attempts: mmap beside a VMA (merged), brk's growth (merged; with no
 * neighbour, counted so), mremap growing in place into the next VMA (merged), mprotect of a
 * range that nothing can join (no neighbour). */
KTEST(merge, attempts_counted_by_caller_and_outcome)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, RW, 0);
	mt_map(t, mm, 2, 2, RW, 0);
	MT_LAYOUT(t, mm, { 0, 4, RW });
	KEXPECT_EQ(t, by(mm, MERGE_BY_MMAP, MERGE_MERGED), 1);
	KEXPECT_EQ(t, by(mm, MERGE_BY_MMAP, MERGE_NO_NEIGHBOUR), 1);
	mt_map(t, mm, 6, 2, RW, 0);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), 4 * PG, 6 * PG, 0, 0), (long)MT_A(0));
	MT_LAYOUT(t, mm, { 0, 8, RW });
	KEXPECT_EQ(t, by(mm, MERGE_BY_MREMAP, MERGE_MERGED), 1);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), 8 * PG, PROT_READ), 0);
	KEXPECT_EQ(t, by(mm, MERGE_BY_MPROTECT, MERGE_NO_NEIGHBOUR), 1);
	uintptr_t b = mm->brk;
	KEXPECT_EQ(t, vm_brk(mm, b + PG), b + PG);
	KEXPECT_EQ(t, vm_brk(mm, b + 2 * PG), b + 2 * PG);
	KEXPECT_EQ(t, by(mm, MERGE_BY_BRK, MERGE_NO_NEIGHBOUR), 1);
	KEXPECT_EQ(t, by(mm, MERGE_BY_BRK, MERGE_MERGED), 1);
	unsigned long sum = 0;
	for (unsigned c = 0; c < MERGE_NR_CALLERS; c++)
		for (unsigned o = 0; o < MERGE_NR_OUTCOMES; o++)
			sum += mm->merge.by[c][o];
	KEXPECT_EQ(t, sum, mm->merge.attempts);
	mt_teardown(t, mm);
}

/* Migration (mm/migrate.c), the reverse map's user: a written page moves to a new frame, found
 * from the page alone, and keeps its bytes; after a relaxed merge relabelled it, too. A page
 * shared with a child is left where it is. */
KTEST(merge, migration_finds_pages_through_the_reverse_map)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mm->merge_policy = MERGE_RELAXED;
	mt_map(t, mm, 0, 2, RW, 0);
	mt_map(t, mm, 10, 2, RW, 0);
	fill(t, 0, 2);
	fill(t, 10, 12);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(10), 2 * PG, 2 * PG, FIXED, MT_A(2)), (long)MT_A(2));
	MT_LAYOUT(t, mm, { 0, 4, RW });
	for (unsigned i = 0; i < 4; i++) {
		uintptr_t at;
		phys_addr_t was = mt_phys(mm, MT_A(i));
		mmap_read_lock(mm);
		KEXPECT_EQ(t, migrate_page_at(mm, MT_A(i), &at), 0);
		mmap_read_unlock(mm);
		KEXPECT_EQ(t, at, MT_A(i));
		KEXPECT(t, mt_phys(mm, MT_A(i)) && mt_phys(mm, MT_A(i)) != was);
	}
	check(t, 0, 2, 0);
	check(t, 2, 4, 10);
	KEXPECT_EQ(t, labels_ok(t, mm, 0, 4), 4);
	struct mm *child;
	KASSERT(t, mm_fork(mm, &child) == 0);
	uintptr_t at;
	mmap_read_lock(mm);
	KEXPECT_EQ(t, migrate_page_at(mm, MT_A(0), &at), -EBUSY);
	mmap_read_unlock(mm);
	mm_put(child);
	mt_teardown(t, mm);
}

/* Migration under a writer: a thread on another CPU stores a counter into the page without a
 * pause while this one moves the page again and again. Each move must flush the writer's
 * translation before it copies (break before make): a store through a stale one would land in
 * the old frame after the copy, and be lost. So after each move, once the writer has published
 * two more values, the frame the entry maps must hold at least the last one published (read
 * through the direct map: this CPU's own translation could be as stale as the writer's). Frames
 * are reused at once (the old one is usually the next move's new one), so the last value alone
 * could come out right by luck; each move is checked. */
struct mig_race {
	struct mm *mm;
	uintptr_t addr;
	int stop, started;
	u64 last;
	unsigned long moved, busy, lost;
	long err;
};

struct mig_arg {
	struct mig_race *r;
	unsigned role;   /* 0: the migrator (CPU 0), 1: the writer (CPU 1) */
};

static void mig_thread(void *arg)
{
	struct mig_arg *a = arg;
	struct mig_race *r = a->r;
	kthread_use_mm(r->mm);
	if (a->role == 1) {
		u64 v = 0;
		while (!READ_ONCE(r->stop)) {
			if (mt_write(r->addr, ++v)) {
				WRITE_ONCE(r->err, -EFAULT);
				break;
			}
			smp_mb();   /* the store before the value's publication */
			WRITE_ONCE(r->last, v);
			WRITE_ONCE(r->started, 1);
		}
	} else {
		for (unsigned k = 0; !READ_ONCE(r->started) && k < 100000; k++)
			sleep_ns(10000);
		for (unsigned k = 0; k < 200 && !READ_ONCE(r->err); k++) {
			uintptr_t at;
			mmap_read_lock(r->mm);
			int ret = migrate_page_at(r->mm, r->addr, &at);
			mmap_read_unlock(r->mm);
			if (ret == -EBUSY) {
				r->busy++;   /* the writer's fault held it, say */
				continue;
			}
			if (ret) {
				WRITE_ONCE(r->err, ret);
				break;
			}
			r->moved++;
			u64 from = READ_ONCE(r->last);
			for (unsigned w = 0; READ_ONCE(r->last) < from + 2 && w < 100000; w++)
				arch_cpu_relax();
			u64 seen = READ_ONCE(r->last);
			smp_mb();   /* pairs with the writer's: the value's store before it */
			phys_addr_t f = mt_phys(r->mm, r->addr);
			u64 held = f ? READ_ONCE(*(u64 *)phys_to_virt(f)) : 0;
			r->lost += held < seen;
		}
		WRITE_ONCE(r->stop, 1);
	}
	kthread_unuse_mm(r->mm);
}

KTEST(merge, migration_under_a_writer_loses_no_store)
{
	if (nr_cpus_online < 2)
		KSKIP(t, "needs a second CPU");
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 1, RW, 0);
	KEXPECT_EQ(t, mt_write(MT_A(0), 0), 0);
	struct mig_race r = { .mm = mm, .addr = MT_A(0) };
	struct mig_arg w[2] = { { &r, 0 }, { &r, 1 } };
	KASSERT(t, ktest_run_threads(t, 2, true, mig_thread, w, sizeof(w[0])));
	u64 v = 0;
	KEXPECT_EQ(t, mt_read(MT_A(0), &v), 0);
	ktest_log(t, "%lu moves (%lu put off for a moment) under %llu stores; after %lu of the "
		  "moves the frame missed a store; the page holds %llu", r.moved, r.busy,
		  (unsigned long long)r.last, r.lost, (unsigned long long)v);
	KEXPECT_EQ(t, r.err, 0);
	KEXPECT(t, r.moved >= 100);
	KEXPECT_EQ(t, r.lost, 0);
	KEXPECT_EQ(t, v, r.last);
	mt_teardown(t, mm);
}

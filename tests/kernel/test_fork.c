/* fork's address space (mm/fork.c) and copy-on-write (fault_cow, mm/fault.c), through the real
 * MMU: the test thread adopts the parent, forks it with mm_fork, and adopts either side in turn
 * to touch its pages. And the reverse map (mm/rmap.c): after random forks, mmaps, munmaps,
 * mprotects, mremaps, writes and exits, every entry that maps a private page is found from the
 * page, as a scan of every page table finds them (rmap.ops operations; make torture runs 10^5). */
#include "tests/kernel/ktest_mm.h"
#include "tests/kernel/ktest_util.h"
#include "kernel/errno.h"
#include "kernel/param.h"
#include "kernel/torture.h"
#include "lib/string.h"
#include "mm/fault.h"
#include "mm/internal.h"
#include "mm/rmap.h"

#define RW (PROT_READ | PROT_WRITE)

/* The calling thread lets `from` go and adopts `to`. */
static void mt_switch(struct mm *from, struct mm *to)
{
	kthread_unuse_mm(from);
	kthread_use_mm(to);
}

static u64 peek(uintptr_t addr)
{
	u64 v = ~0ull;
	if (mt_read(addr, &v))
		return ~1ull;
	return v;
}

/* Linux: after fork, parent and child each see their own writes; a page neither has written is
 * one frame, read-only in both; the first write copies (or, once the other side has let the page
 * go, takes it as it is). */
KTEST(fork, private_pages_are_copied_on_write)
{
	struct mt_counts before, after;
	mt_counts(NULL, &before);
	struct mm *mm = mt_setup(t), *child;
	KASSERT(t, mm);
	mt_map(t, mm, 0, 4, RW, 0);
	phys_addr_t pa[4];
	for (unsigned i = 0; i < 4; i++) {
		KEXPECT_EQ(t, mt_write(MT_A(i), 100 + i), 0);
		pa[i] = mt_phys(mm, MT_A(i));
	}
	KASSERT(t, mm_fork(mm, &child) == 0);
	for (unsigned i = 0; i < 4; i++) {
		KEXPECT_EQ(t, mt_phys(child, MT_A(i)), pa[i]);
		KEXPECT(t, !(mt_pte_prot(mm, MT_A(i)) & MMU_WRITE));
		KEXPECT(t, !(mt_pte_prot(child, MT_A(i)) & MMU_WRITE));
	}
	KEXPECT_EQ(t, atomic_long_read(&child->rss[MM_ANONPAGES]), 4);
	struct fault_stats a, b;
	fault_get_stats(&a);
	KEXPECT_EQ(t, mt_write(MT_A(0), 200), 0);   /* the parent's copy */
	KEXPECT(t, mt_phys(mm, MT_A(0)) != pa[0]);
	mt_switch(mm, child);
	KEXPECT_EQ(t, peek(MT_A(0)), 100);
	KEXPECT_EQ(t, mt_write(MT_A(0), 300), 0);   /* the child's alone now: reused */
	KEXPECT_EQ(t, mt_phys(child, MT_A(0)), pa[0]);
	KEXPECT_EQ(t, mt_write(MT_A(1), 301), 0);   /* still shared: copied */
	KEXPECT(t, mt_phys(child, MT_A(1)) != pa[1]);
	mt_switch(child, mm);
	KEXPECT_EQ(t, peek(MT_A(0)), 200);
	KEXPECT_EQ(t, peek(MT_A(1)), 101);
	KEXPECT_EQ(t, peek(MT_A(2)), 102);
	fault_get_stats(&b);
	KEXPECT(t, b.cow_copy - a.cow_copy >= 2);
	KEXPECT(t, b.cow_reuse - a.cow_reuse >= 1);
	/* The child goes: the parent's pages are its own again, and a write takes them as they
	 * are. */
	mm_put(child);
	KEXPECT_EQ(t, mt_write(MT_A(2), 202), 0);
	KEXPECT_EQ(t, mt_phys(mm, MT_A(2)), pa[2]);
	KEXPECT_EQ(t, peek(MT_A(3)), 103);
	KEXPECT_EQ(t, atomic_long_read(&mm->rss[MM_ANONPAGES]), 4);
	mt_teardown(t, mm);
	mt_counts(NULL, &after);
	MT_COUNTS_EQ(t, &before, &after);
}

/* MAP_SHARED stays shared across fork: a write on either side is seen on the other. */
KTEST(fork, shared_mappings_stay_shared)
{
	struct mm *mm = mt_setup(t), *child;
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, RW, MAP_SHARED);
	KEXPECT_EQ(t, mt_write(MT_A(0), 1), 0);
	KASSERT(t, mm_fork(mm, &child) == 0);
	KEXPECT(t, mt_pte_prot(mm, MT_A(0)) & MMU_WRITE);   /* not made read-only */
	mt_switch(mm, child);
	KEXPECT_EQ(t, peek(MT_A(0)), 1);
	KEXPECT_EQ(t, mt_write(MT_A(0), 2), 0);
	KEXPECT_EQ(t, mt_write(MT_A(1), 3), 0);   /* a page first touched after the fork */
	mt_switch(child, mm);
	KEXPECT_EQ(t, peek(MT_A(0)), 2);
	KEXPECT_EQ(t, peek(MT_A(1)), 3);
	KEXPECT_EQ(t, mt_phys(mm, MT_A(1)), mt_phys(child, MT_A(1)));
	mm_put(child);
	mt_teardown(t, mm);
}

/* What the child unmaps, moves or protects is its own business. */
KTEST(fork, the_childs_munmap_leaves_the_parent_intact)
{
	struct mm *mm = mt_setup(t), *child;
	KASSERT(t, mm);
	mt_map(t, mm, 0, 4, RW, 0);
	for (unsigned i = 0; i < 4; i++)
		KEXPECT_EQ(t, mt_write(MT_A(i), 10 + i), 0);
	KASSERT(t, mm_fork(mm, &child) == 0);
	KEXPECT_EQ(t, vm_munmap(child, MT_A(1), 2 * PG), 0);
	KEXPECT_EQ(t, vm_mprotect(child, MT_A(0), PG, PROT_NONE), 0);
	for (unsigned i = 0; i < 4; i++)
		KEXPECT_EQ(t, peek(MT_A(i)), 10 + i);
	KEXPECT_EQ(t, mt_write(MT_A(1), 21), 0);
	mm_put(child);
	KEXPECT_EQ(t, peek(MT_A(1)), 21);
	mt_teardown(t, mm);
}

/* mprotect back to writable leaves a page shared with the child read-only (Linux: only an
 * exclusive anonymous page may be made writable without a fault); the write then copies. */
KTEST(fork, mprotect_keeps_shared_pages_read_only)
{
	struct mm *mm = mt_setup(t), *child;
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, RW, 0);
	KEXPECT_EQ(t, mt_write(MT_A(0), 5), 0);
	KEXPECT_EQ(t, mt_write(MT_A(1), 6), 0);
	KASSERT(t, mm_fork(mm, &child) == 0);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), 2 * PG, PROT_READ), 0);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), 2 * PG, RW), 0);
	KEXPECT(t, !(mt_pte_prot(mm, MT_A(0)) & MMU_WRITE));
	KEXPECT_EQ(t, mt_write(MT_A(0), 7), 0);
	mt_switch(mm, child);
	KEXPECT_EQ(t, peek(MT_A(0)), 5);
	mt_switch(child, mm);
	mm_put(child);
	/* Its own now: mprotect may make it writable at once. */
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(1), PG, PROT_READ), 0);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(1), PG, RW), 0);
	KEXPECT(t, mt_pte_prot(mm, MT_A(1)) & MMU_WRITE);
	mt_teardown(t, mm);
}

/* A read fault on an entry fork made read-only (a stale translation, or a fault from another
 * path that found it present) must leave it read-only while the page is shared: torture=mm's
 * fork found the upgrade path making it writable, and the parent's next write reached the
 * child. */
KTEST(fork, a_read_fault_leaves_a_shared_page_read_only)
{
	struct mm *mm = mt_setup(t), *child;
	KASSERT(t, mm);
	mt_map(t, mm, 0, 1, RW, 0);
	KEXPECT_EQ(t, mt_write(MT_A(0), 1), 0);
	KASSERT(t, mm_fork(mm, &child) == 0);
	KEXPECT_EQ(t, handle_mm_fault(mm, MT_A(0), FAULT_READ | FAULT_USER), 0);
	KEXPECT(t, !(mt_pte_prot(mm, MT_A(0)) & MMU_WRITE));
	KEXPECT_EQ(t, mt_write(MT_A(0), 2), 0);
	mt_switch(mm, child);
	KEXPECT_EQ(t, peek(MT_A(0)), 1);
	mt_switch(child, mm);
	mm_put(child);
	/* The parent's own now: a read fault may open it (nothing else maps it). */
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), PG, PROT_READ), 0);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), PG, RW), 0);
	KEXPECT(t, mt_pte_prot(mm, MT_A(0)) & MMU_WRITE);
	mt_teardown(t, mm);
}

/* ---- The reverse map against a scan ---- */

static s64 rmap_ops = 2000;
PARAM_INT("rmap.ops", rmap_ops, 1, 100000000,
	  "random operations of test=fork.rmap_finds_every_mapping (make torture: 10^5)");

#define RM_MMS 6          /* address spaces at most */
#define RM_PAGES 48       /* the window each works in, in pages */

struct rm_state {
	struct mm *mm[RM_MMS];
	unsigned n;
	struct mm *cur;          /* the one this thread has adopted */
	bool no_forks;           /* case 6 writes instead (no page shared with a process) */
	u64 rnd;
	/* One rmap_walk's finds: (mm, addr) of the entries that do map the page. */
	struct { struct mm *mm; uintptr_t addr; } found[64];
	unsigned nfound;
	struct page *page;
	struct { struct mm *mm; uintptr_t addr; struct page *page; } scan[RM_MMS * RM_PAGES];
};

static void rm_adopt(struct rm_state *s, struct mm *mm)
{
	if (s->cur != mm)
		mt_switch(s->cur, mm);
	s->cur = mm;
}

static pte_t entry_of(struct mm *mm, uintptr_t addr)
{
	struct page *tp;
	pte_t *e = pte_find(mm, addr, &tp, NULL);
	return e ? pte_read_once(e) : 0;
}

static bool rm_found(struct vma *vma, uintptr_t addr, void *arg)
{
	struct rm_state *s = arg;
	pte_t v = entry_of(vma->mm, addr);
	if (v && user_pte_page(v) == s->page && s->nfound < ARRAY_SIZE(s->found)) {
		s->found[s->nfound].mm = vma->mm;
		s->found[s->nfound].addr = addr;
		s->nfound++;
	}
	return true;
}

/* The scan: every entry of every mm's window that maps a private page (not the zero page). */
static unsigned rm_scan(struct rm_state *s)
{
	unsigned n = 0;
	for (unsigned i = 0; i < s->n; i++)
		for (uintptr_t a = MT_A(0); a < MT_A(RM_PAGES); a += PG) {
			pte_t v = entry_of(s->mm[i], a);
			rcu_read_lock();
			struct vma *vma = vma_lookup(s->mm[i], a);
			bool shared = vma && (vma->flags & VM_SHARED);
			rcu_read_unlock();
			if (!v || shared || user_pte_page(v) == zero_page)
				continue;
			s->scan[n].mm = s->mm[i];
			s->scan[n].addr = a;
			s->scan[n].page = user_pte_page(v);
			n++;
		}
	return n;
}

/* For every page the scan found: the walk must find each of its mappings the scan found, no
 * other, and the page's map count must say as many. False on the first mismatch. */
static bool rm_check(struct ktest *t, struct rm_state *s)
{
	unsigned n = rm_scan(s);
	for (unsigned i = 0; i < n; i++) {
		s->page = s->scan[i].page;
		s->nfound = 0;
		rmap_walk(s->page, rm_found, s);
		unsigned scanned = 0, matched = 0;
		for (unsigned j = 0; j < n; j++) {
			if (s->scan[j].page != s->page)
				continue;
			scanned++;
			for (unsigned k = 0; k < s->nfound; k++)
				matched += s->found[k].mm == s->scan[j].mm &&
					   s->found[k].addr == s->scan[j].addr;
		}
		unsigned mapcount = (unsigned)atomic_read(&s->page->anon.mapcount);
		if (matched != scanned || s->nfound != scanned || mapcount != scanned) {
			ktest_fail(t, __FILE__, __LINE__, "the page at %#lx: the scan found %u "
				   "mappings, the walk %u (%u of them the scan's), its map count is %u",
				   (unsigned long)s->scan[i].addr, scanned, s->nfound, matched,
				   mapcount);
			return false;
		}
	}
	return true;
}

static void rm_op(struct rm_state *s)
{
	u64 r = torture_random(&s->rnd);
	struct mm *mm = s->mm[(r >> 8) % s->n];
	unsigned a = (unsigned)((r >> 16) % RM_PAGES), n = 1 + (unsigned)((r >> 24) % 8);
	n = MIN(n, RM_PAGES - a);
	unsigned to = (unsigned)((r >> 32) % (RM_PAGES - n + 1));
	switch (r % 16) {
	case 0: case 1:
		vm_mmap(mm, MT_A(a), n * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
		break;
	case 2:
		vm_munmap(mm, MT_A(a), n * PG);
		break;
	case 3:
		vm_mprotect(mm, MT_A(a), n * PG, (r >> 40) & 1 ? PROT_READ : RW);
		break;
	case 4: {   /* move (MAYMOVE|FIXED) the whole VMA at page a (if any) within the window */
		rcu_read_lock();
		struct vma *v = vma_lookup(mm, MT_A(a));
		uintptr_t vs = v ? v->start : 0, ve = v ? v->end : 0;
		rcu_read_unlock();
		if (!v || vs < MT_A(0) || ve > MT_A(RM_PAGES))
			break;
		n = (unsigned)((ve - vs) / PG);
		to = (unsigned)((r >> 32) % (RM_PAGES - n + 1));
		vm_mremap(mm, vs, n * PG, n * PG, 3, MT_A(to));
		break;
	}
	case 5:   /* grow in place, inside the window */
		if (a + n + 2 <= RM_PAGES)
			vm_mremap(mm, MT_A(a), n * PG, (n + 2) * PG, 0, 0);
		break;
	case 6:   /* fork, or an exit when there are enough */
		if (s->no_forks)
			goto touch;
		if (s->n < RM_MMS) {
			struct mm *child;
			if (!mm_fork(mm, &child))
				s->mm[s->n++] = child;
		} else {
			unsigned k = 1 + (unsigned)((r >> 40) % (s->n - 1));
			if (s->mm[k] == s->cur)
				rm_adopt(s, s->mm[0]);
			mm_put(s->mm[k]);
			s->mm[k] = s->mm[--s->n];
		}
		break;
	default:   /* writes (copy-on-write breaks, first faults) and reads */
	touch:
		rm_adopt(s, mm);
		for (unsigned i = 0; i < n; i++) {
			u64 v;
			if ((r >> (40 + i)) & 1)
				mt_write(MT_A(a + i), r);
			else
				mt_read(MT_A(a + i), &v);
		}
		break;
	}
}

/* A check every few operations: each a scan of all pages of all mms, quadratic, so not after
 * every one. Under `policy` (children inherit it). */
static void rmap_run(struct ktest *t, enum merge_policy policy)
{
	struct mt_counts before, after;
	mt_counts(NULL, &before);
	struct rm_state *s = kmalloc(sizeof(*s), GFP_ZERO);
	KASSERT(t, s);
	s->mm[0] = s->cur = mt_setup(t);
	if (!s->mm[0]) {
		kfree(s);
		return;
	}
	s->mm[0]->merge_policy = policy;
	s->n = 1;
	s->rnd = 0x5eed0000ull + (u64)rmap_ops + policy;
	unsigned long checks = 0;
	for (long i = 0; i < rmap_ops; i++) {
		/* The relaxed rules relabel only pages no other process maps: half the run without
		 * forks, so that they are at work, then the forks that stop them. */
		s->no_forks = policy == MERGE_RELAXED && i < rmap_ops / 2;
		rm_op(s);
		if (i % 16 == 15 || i == rmap_ops - 1) {
			checks++;
			if (!rm_check(t, s))
				break;
		}
	}
	unsigned long relaxed = 0;
	for (unsigned k = 0; k < s->n; k++)
		relaxed += merge_sum(&s->mm[k]->merge, MERGE_MERGED_RELAXED);
	ktest_log(t, "%ld operations, %lu checks, %u address spaces at the end, %lu merges by "
		  "the relaxed rules in those", (long)rmap_ops, checks, s->n, relaxed);
	struct mm_merge_stats *ms = &s->mm[0]->merge;
	ktest_log(t, "the first address space's merges: %lu of %lu attempts; refused: incompatible "
		  "%lu, shared %lu, pgoff %lu, anon %lu; no neighbour %lu", ms->merged, ms->attempts,
		  merge_sum(ms, MERGE_REFUSED_FLAGS), merge_sum(ms, MERGE_REFUSED_SHARED),
		  merge_sum(ms, MERGE_REFUSED_PGOFF), merge_sum(ms, MERGE_REFUSED_ANON),
		  merge_sum(ms, MERGE_NO_NEIGHBOUR));
	if (policy == MERGE_RELAXED && rmap_ops >= 1000)
		KEXPECT(t, relaxed > 0);   /* the relabelling was exercised */
	rm_adopt(s, s->mm[0]);
	for (unsigned k = 1; k < s->n; k++)
		mm_put(s->mm[k]);
	mt_teardown(t, s->mm[0]);
	kfree(s);
	mt_counts(NULL, &after);
	MT_COUNTS_EQ(t, &before, &after);
}

KTEST(fork, rmap_finds_every_mapping)
{
	rmap_run(t, MERGE_LINUX);
}

/* The same under seed 001's merge policy, which relabels pages as VMAs merge and move: every page
 * must still be found where it is mapped. */
KTEST(fork, rmap_finds_every_mapping_relaxed)
{
	rmap_run(t, MERGE_RELAXED);
}

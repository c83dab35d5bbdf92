/* Helpers for the address-space tests (see ktest_mm.h). */
#include "tests/kernel/ktest_mm.h"
#include "kernel/errno.h"
#include "kernel/rcu/rcu.h"
#include "lib/string.h"
#include "mm/page.h"
#include "mm/pgtable.h"
#include "mm/slab.h"

struct mm *mt_setup(struct ktest *t)
{
	struct mm *mm = mm_create();
	if (!KEXPECT(t, mm != NULL))
		return NULL;
	/* The layouts the suites expect are Linux 6.1's, whatever mm.merge= says; test=merge and
	 * the reverse map's test set the relaxed policy themselves. */
	mm->merge_policy = MERGE_LINUX;
	kthread_use_mm(mm);
	return mm;
}

void mt_teardown(struct ktest *t, struct mm *mm)
{
	if (!mm)
		return;
	/* every write of every operation found its nodes reserved */
	if (mm->vmas.reserve_misses)
		ktest_fail(t, __FILE__, __LINE__, "%lu VMA tree nodes allocated past a reservation",
			   mm->vmas.reserve_misses);
	kthread_unuse_mm(mm);
	mm_put(mm);
}

long mt_map(struct ktest *t, struct mm *mm, unsigned n, unsigned pages, unsigned prot,
	    unsigned flags)
{
	if (!(flags & MAP_SHARED))
		flags |= MAP_PRIVATE;
	long r = vm_mmap(mm, MT_A(n), pages * PG, prot, flags | MAP_ANONYMOUS | MAP_FIXED);
	if (r != (long)MT_A(n))
		ktest_fail(t, __FILE__, __LINE__, "mmap of %u pages at page %u: %ld", pages, n, r);
	return r;
}

unsigned mt_vmas(struct mm *mm, struct mt_vma *out, unsigned max)
{
	unsigned n = 0;
	mmap_read_lock(mm);
	for (struct vma *v = vma_find(mm, MT_BASE); v && v->start < MT_BASE + MT_SPAN;
	     v = vma_find(mm, v->end)) {
		if (n < max)
			out[n] = (struct mt_vma){ v->start, v->end, v->flags, v->pgoff, v->anon_vma,
						  v->shm };
		n++;
	}
	mmap_read_unlock(mm);
	return n;
}

bool mt_layout(struct ktest *t, struct mm *mm, const struct mt_range *r, unsigned n,
	       const char *file, int line)
{
	struct mt_vma v[32];
	unsigned got = mt_vmas(mm, v, ARRAY_SIZE(v));
	bool ok = got == n;
	for (unsigned i = 0; ok && i < n; i++)
		ok = v[i].start == MT_A(r[i].first) && v[i].end == MT_A(r[i].last) &&
		     (v[i].flags & 7) == r[i].prot;
	if (ok)
		return true;
	ktest_fail(t, file, line, "the VMAs are not the layout expected");
	for (unsigned i = 0; i < n; i++)
		ktest_log(t, "  want pages [%u, %u) prot %u", r[i].first, r[i].last, r[i].prot);
	for (unsigned i = 0; i < MIN(got, (unsigned)ARRAY_SIZE(v)); i++)
		ktest_log(t, "  have pages [%lu, %lu) prot %lu flags %#lx",
			  (v[i].start - MT_BASE) / PG, (v[i].end - MT_BASE) / PG, v[i].flags & 7,
			  v[i].flags);
	return false;
}

int mt_read(uintptr_t addr, u64 *v) { return arch_probe_read((const void *)addr, v); }
int mt_write(uintptr_t addr, u64 v) { return arch_probe_write((void *)addr, v); }

phys_addr_t mt_phys(struct mm *mm, uintptr_t addr)
{
	struct pt_mapping m;
	return pt_query(mm->pgd, addr, &m) ? 0 : m.pa;
}

unsigned mt_pte_prot(struct mm *mm, uintptr_t addr)
{
	struct pt_mapping m;
	return pt_query(mm->pgd, addr, &m) ? 0 : m.prot;
}

void mt_counts(struct mm *mm, struct mt_counts *c)
{
	if (mm) {
		mmap_write_lock(mm);
		vma_tree_reserve_trim(&mm->vmas, 0);
		mmap_write_unlock(mm);
	}
	rcu_barrier();
	mm_caches_shrink();   /* slabs the caches grew are not leaks */
	kmalloc_shrink();     /* nor kmalloc's (threads, processes) */
	page_alloc_drain_pcp();
	c->free_pages = page_alloc_nr_free();
	mm_object_counts(&c->o);
}

bool mt_counts_equal(struct ktest *t, const struct mt_counts *a, const struct mt_counts *b,
		     const char *file, int line)
{
	if (!memcmp(a, b, sizeof(*a)))
		return true;
	ktest_fail(t, file, line, "leaked: free pages %lu -> %lu, vmas %lu -> %lu, anon_vmas %lu "
		   "-> %lu, tree nodes %lu -> %lu, shm objects %lu -> %lu", a->free_pages,
		   b->free_pages, a->o.vmas, b->o.vmas, a->o.anon_vmas, b->o.anon_vmas,
		   a->o.tree_nodes, b->o.tree_nodes, a->o.shm_objects, b->o.shm_objects);
	return false;
}

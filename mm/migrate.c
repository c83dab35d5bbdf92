/*
 * Moving a private page to a new frame while it is mapped, as Linux's page migration does (for
 * compaction, NUMA placement, memory going offline): the kernel's own user of the reverse map.
 * It starts from an address only to choose a page; what matters is that, given the page alone,
 * rmap_walk finds where it is mapped: through the page's anon_vma and index, which fork, COW,
 * mremap and the relaxed merge policy's relabelling must all have kept true. A mapping the walk
 * does not find is a page a real migration would leave behind, mapped and stale: an error.
 *
 * Only pages mapped once are moved here (most are; a page shared with a forked child is left
 * where it is, -EBUSY): Linux replaces every mapping by a migration entry that faults wait on;
 * with one mapping, its table's split lock does the same work. Under that lock the entry is
 * cleared and the old translation flushed from every CPU (break before make: a store through a
 * stale translation lands in the old frame before the copy, never after it), the bytes copied,
 * and the new entry installed with the same protection; a fault at the address waits on the lock
 * and then finds the new entry.
 */
#include "mm/internal.h"
#include "mm/mm.h"
#include "mm/rmap.h"
#include "mm/vma.h"

struct migrate_find {
	struct mm *mm;
	struct page *p;
	uintptr_t addr;        /* the last mapping found in mm */
	unsigned found;        /* mappings of p found in mm */
};

/* rmap_walk's visit: does this VMA's entry at addr map the page? Only mm's entries are read (its
 * tables stay while the caller holds its mmap_lock); a VMA of another mm (a child's, which may
 * map the page copy-on-write) is passed over: the page is mapped once, here. */
static bool migrate_found(struct vma *vma, uintptr_t addr, void *arg)
{
	struct migrate_find *f = arg;
	if (vma->mm != f->mm)
		return true;
	struct page *tp;
	pte_t *e = pte_find(vma->mm, addr, &tp, NULL);
	pte_t v = e ? pte_read_once(e) : 0;
	if (v && user_pte_page(v) == f->p) {
		f->found++;
		f->addr = addr;
	}
	return true;
}

int migrate_page_at(struct mm *mm, uintptr_t addr, uintptr_t *found_at)
{
	addr &= PAGE_MASK;
	*found_at = 0;
	struct vma *vma = vma_lookup(mm, addr);
	if (!vma || (vma->flags & VM_SHARED))
		return -EBUSY;   /* a shared object's pages have no reverse map here */
	struct page *tp, *p;
	pte_t *e = pte_find(mm, addr, &tp, NULL);
	if (!e)
		return -EBUSY;
	/* A reference first, so that the page outlives a zap (MADV_DONTNEED runs beside us). */
	spin_lock(&tp->ptl);
	pte_t old = pte_read_once(e);
	p = old ? user_pte_page(old) : NULL;
	if (!p || p == zero_page || atomic_read(&p->anon.mapcount) != 1) {
		spin_unlock(&tp->ptl);
		return -EBUSY;
	}
	/* The walk starts from the page's anon_vma, which must be alive: it is if it is the VMA's
	 * or one of its ancestors (the VMA holds its own, each anon_vma its parent, and VMAs go
	 * only under mmap_lock held for write). A page whose label is anything else is lost to
	 * the reverse map already: reported without following the label. */
	const struct anon_vma *a = vma->anon_vma;
	while (a && a != p->anon.anon_vma)
		a = a->parent;
	if (!a) {
		spin_unlock(&tp->ptl);
		return -ESRCH;
	}
	get_page(p);
	spin_unlock(&tp->ptl);

	/* Where is it mapped? Asked of the page alone. */
	struct migrate_find f = { mm, p, 0, 0 };
	rmap_walk(p, migrate_found, &f);
	*found_at = f.addr;
	int ret = -EBUSY;
	struct page *n = NULL;
	spin_lock(&tp->ptl);
	if (pte_read_once(e) != old || atomic_read(&p->anon.mapcount) != 1)
		goto out;   /* changed meanwhile (a zap, a copy-on-write): not a lost mapping */
	if (f.found != 1 || f.addr != addr) {
		ret = -ESRCH;   /* the reverse map lost it (or found it twice) */
		goto out;
	}
	/* Nobody else may hold it: a copy being made of it (fault_cow) would copy the old bytes
	 * after our copy. Ours and the entry's. */
	if (atomic_read(&p->refcount) != 2)
		goto out;
	spin_unlock(&tp->ptl);
	n = alloc_page(0);   /* not under the lock: it may reclaim per-CPU lists */
	if (!n) {
		put_page(p);
		return -ENOMEM;
	}
	spin_lock(&tp->ptl);
	if (pte_read_once(e) != old || atomic_read(&p->anon.mapcount) != 1 ||
	    atomic_read(&p->refcount) != 2)
		goto out;
	/* Break: no CPU can reach the old frame once this returns (the flush waits for them). */
	BUG_ON(pte_cmpxchg(e, old, 0) != old);
	if (pte_present(old))
		tlb_flush_mm_range(mm, addr, PAGE_SIZE, 0);
	memcpy(page_address(n), page_address(p), PAGE_SIZE);
	if (vma->flags & VM_EXEC)
		arch_sync_icache_page(page_to_phys(n));
	n->anon.anon_vma = p->anon.anon_vma;
	n->anon.index = p->anon.index;
	atomic_set(&n->anon.mapcount, 1);   /* and n's first reference is the entry's */
	pte_t nv = pte_present(old) ? pte_mk_leaf(page_to_phys(n), pte_prot(old, 0), 0) :
				      pte_mk_soft(page_to_pfn(n));
	/* Make: pte_cmpxchg is a full barrier, so the copy's bytes are seen before the entry by
	 * another CPU's MMU and by lockless walkers. */
	BUG_ON(pte_cmpxchg(e, 0, nv) != 0);
	atomic_set(&p->anon.mapcount, 0);
	n = NULL;
	put_page(p);   /* the entry's */
	ret = 0;
out:
	spin_unlock(&tp->ptl);
	if (n)
		put_page(n);
	put_page(p);   /* ours: the last, if it was migrated or zapped */
	return ret;
}

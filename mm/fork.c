/*
 * fork's half in mm: a copy of an address space whose private pages are shared copy-on-write
 * (docs/mm/rmap-and-merging.md). Linux's dup_mmap and copy_page_range.
 *
 * Under the parent's mmap_lock held for write, each VMA is copied into the child with every
 * entry of its range: a shared mapping's as it is; a private page's read-only in both, so that
 * the first write in either faults and gets a copy (fault_cow, fault.c); the zero page and
 * PROT_NONE entries as they are. Each copied entry takes a reference and a map count on its
 * page. The parent's entries made read-only are flushed from its TLBs once, at the end, before
 * mmap_lock is let go: until then a thread of the parent may still write through an old
 * writable translation, which the child then sees, as in Linux a write that races with fork may
 * or may not reach the child; after it, every write faults.
 *
 * Faults of the parent meanwhile: the classic path and range wait for the writer (mmap_lock,
 * the whole space's range lock); pervma and spf find each VMA marked (vma_start_write) from
 * the moment fork reaches it, before it copies any of its entries, and fall back to mmap_lock
 * (a VMA not reached yet has nothing copied yet); adaptive's speculative path only fills empty entries, under the table's
 * lock, which fork holds while it copies that table, so a page it installs is in the parent
 * alone or copied like any other. So no fault changes a present entry while fork copies it.
 */
#include "mm/internal.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/pgtable.h"
#include "mm/tlb.h"
#include "mm/vma.h"

/* Copy sv's entries into dv (the child's copy, in dst). -ENOMEM if a table cannot be had: what
 * was copied stays, and goes when the child does. */
static int copy_entries(struct mm *dst, struct vma *dv, struct vma *sv, struct mmu_gather *g,
			bool wp)
{
	bool private = !(sv->flags & VM_SHARED);
	uintptr_t addr = sv->start;
	while (addr < sv->end) {
		struct page *stp, *dtp;
		uintptr_t skip = sv->end;
		pte_t *se = pte_find(sv->mm, addr, &stp, &skip);
		if (!se) {
			addr = skip;
			continue;
		}
		uintptr_t tend = MIN(ALIGN_DOWN(addr, pt_level_size(1)) + pt_level_size(1), sv->end);
		/* The child's table first (it may sleep for memory); nobody else sees the child, so
		 * its entries need no lock. */
		pte_t *de = pte_alloc(dst, addr, &dtp);
		if (!de)
			return -ENOMEM;
		spin_lock(&stp->ptl);
		for (; addr < tend; addr += PAGE_SIZE, se++, de++) {
			pte_t v = pte_read_once(se);
			if (!v)
				continue;
			struct page *p = user_pte_page(v);
			if (p != zero_page) {
				get_page(p);
				atomic_inc(&p->anon.mapcount);
				atomic_long_add_return(&dst->rss[private ? MM_ANONPAGES : MM_SHMEMPAGES],
						       1);
				/* !wp: the twin (mm.busted=fork_wp) leaves it writable */
				if (private && wp && pte_present(v) && (pte_prot(v, 0) & MMU_WRITE)) {
					pte_t ro = user_pte(p, sv->flags, false);
					pte_write(se, ro);   /* under the lock: no fault changes it */
					tlb_gather_range(g, addr, 0);
					v = ro;
				}
			}
			pte_write(de, v);
		}
		spin_unlock(&stp->ptl);
	}
	return 0;
}

/* One VMA into the child: its copy in the tree, its anon_vma, its entries. */
static int fork_vma(struct mm *mm, struct vma *v, struct mmu_gather *g, bool wp)
{
	struct vma *n = vma_fork_copy(mm, v);
	if (!n)
		return -ENOMEM;
	if (v->anon_vma && anon_vma_fork(n, v)) {
		vma_fork_discard(n);
		return -ENOMEM;
	}
	if (vma_tree_insert(&mm->vmas, n->start, n->end, n)) {
		vma_fork_discard(n);
		return -ENOMEM;
	}
	mm->map_count++;
	return copy_entries(mm, n, v, g, wp);
}

int mm_fork(struct mm *old, struct mm **out)
{
	struct mm *mm = mm_create();
	if (!mm)
		return -ENOMEM;
	mm->merge_policy = old->merge_policy;
	struct mmu_gather g;
	struct vma_tree_iter it;
	struct vma *v;
	int err = 0;
	bool wp = !mm_busted("fork_wp");
	mmap_write_lock(old);
	mm_write_range(old, 0, USER_VA_END);   /* range: every fault waits */
	tlb_gather_init(&g, old);
	mm->start_brk = old->start_brk;
	mm->brk = old->brk;
	mm->mmap_base = old->mmap_base;
	vma_tree_iter_init(&it, &old->vmas, 0, UINTPTR_MAX);
	vma_tree_for_each(&it, v, NULL) {
		vma_start_write(v);   /* pervma, spf: its faults go to mmap_lock and wait */
		err = fork_vma(mm, v, &g, wp);
		if (err)
			break;
	}
	tlb_finish(&g);   /* the parent's entries made read-only, from every CPU's TLB */
	mmap_write_unlock(old);
	if (err) {
		mm_put(mm);   /* whatever was copied goes back: map counts and references */
		return err;
	}
	*out = mm;
	return 0;
}

/*
 * mremap with Linux 6.1's semantics (its mm/mremap.c is the reference): shrink in place, grow in
 * place when the room after the VMA is free (joining the next VMA if the rules allow), or, with
 * MREMAP_MAYMOVE, move: a new VMA (or a neighbour it joins) takes the range, the page-table
 * entries move to it with their pages (no copy), and the old range is unmapped. MREMAP_FIXED
 * moves to a given address, unmapping what was there first. A shared mapping of old size 0 is
 * duplicated. MREMAP_DONTUNMAP is not implemented (-EINVAL).
 *
 * Every allocation a move needs (VMAs, tree nodes, the destination's page tables) is made before
 * the first change, so -ENOMEM from memory changes nothing; the other errors Linux reports part
 * way (after MREMAP_FIXED's unmapping of the destination) come at the same point here, with the
 * same changes made. mmap_lock held for write.
 */
#include "mm/internal.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/vma.h"

#define TASK_SIZE USER_VA_END

/* Linux's vma_to_resize: the VMA at addr, if [addr, addr + old_len) lies in it and may grow to
 * new_len. */
static int vma_to_resize(struct mm *mm, uintptr_t addr, unsigned long old_len,
			 unsigned long new_len, struct vma **pv)
{
	struct vma *vma = vma_lookup(mm, addr);
	if (!vma)
		return -EFAULT;
	/* Old size 0 duplicates a mapping: meaningless for private memory. */
	if (!old_len && !(vma->flags & (VM_SHARED | VM_MAYSHARE)))
		return -EINVAL;
	if (old_len > vma->end - addr)
		return -EFAULT;   /* across VMA boundaries */
	unsigned long pgoff = vma->pgoff + ((addr - vma->start) >> PAGE_SHIFT);
	if (new_len != old_len && pgoff + (new_len >> PAGE_SHIFT) < pgoff)
		return -EINVAL;
	*pv = vma;
	return 0;
}

static bool vma_expandable(struct mm *mm, struct vma *vma, unsigned long delta)
{
	uintptr_t end = vma->end + delta;
	if (end < vma->end)
		return false;
	struct vma *n = vma_find(mm, vma->end);
	if (n && n->start < end)
		return false;
	return get_unmapped_area(mm, vma->start, end - vma->start, MAP_FIXED) >= 0;
}

/* Linux's move_vma, in the caller's transaction (2 spares, 3 writes), with the destination's
 * tables made (`made`): copy_vma (join a neighbour of new_addr, or a new VMA), move the entries,
 * unmap the old range. */
static long move_vma(struct vma_tx *tx, struct vma *vma, uintptr_t old_addr,
		     unsigned long old_len, unsigned long new_len, uintptr_t new_addr,
		     struct list_head *made)
{
	struct mm *mm = tx->mm;
	/* Its entries move before the old range is unmapped: a lockless fault must know first. */
	vma_start_write(vma);
	/* And the destination is in the tree before its entries arrive. A fault that trusts a VMA
	 * by looking it up again (adaptive) must not fill the destination meanwhile (a zero page
	 * where the moved data belongs, which move_ptes would then meet), nor the old range after
	 * its entries left (an entry the unmap below drops, with whatever was written through
	 * it). So the VMAs concerned say so (vma->moving) before the tree shows the change: the
	 * old VMA, the neighbours vma_merge may extend over the destination, and a new VMA before
	 * it is linked. A fault reaches the flag through the tree's pointer to the VMA, which the
	 * store publishes after it (release; the lookup's reads depend on the pointer). */
	uintptr_t new_end = new_addr + new_len;
	struct vma *before = vma_prev(mm, new_addr), *after = vma_find(mm, new_end);
	if (before && before->end != new_addr)
		before = NULL;
	if (after && after->start != new_end)
		after = NULL;
	WRITE_ONCE(vma->moving, true);
	if (before)
		WRITE_ONCE(before->moving, true);
	if (after)
		WRITE_ONCE(after->moving, true);
	unsigned long pgoff = vma->pgoff + ((old_addr - vma->start) >> PAGE_SHIFT);
	/* A private VMA that never faulted has no pages to keep at their offsets: take the new
	 * address's linear index, so that it may join its new neighbours. Under mm.merge=relaxed
	 * so does one whose pages no other process maps (seed 001): they are relabelled as they
	 * move, with the anon_vma and offsets of the VMA they arrive in. */
	bool relabel = false;
	if (!(vma->flags & VM_SHARED) && !vma->anon_vma)
		pgoff = new_addr >> PAGE_SHIFT;
	else if (mm->merge_policy == MERGE_RELAXED && !(vma->flags & VM_SHARED) &&
		 anon_vma_exclusive(vma->anon_vma))
		relabel = true;
	/* The merge is judged with the offset the pages have (so that one Linux would refuse is
	 * counted as the relaxed rules'); a new VMA takes the linear one. */
	struct vma *nv = vma_merge(tx, vma_prev(mm, new_addr), new_addr, new_addr + new_len,
				   vma->flags, vma->anon_vma, vma->shm, pgoff, MERGE_BY_MREMAP,
				   false);
	if (!nv) {
		nv = vma_tx_dup(tx, vma);
		nv->start = new_addr;
		nv->end = new_addr + new_len;
		nv->pgoff = relabel ? new_addr >> PAGE_SHIFT : pgoff;
		nv->moving = true;   /* not published yet */
		vma_tx_link(tx, nv);
	}
	/* A fault that took a table's lock before move_ptes did has its entry moved (or zapped
	 * by the unmap); one that takes it after sees the flag (release, acquire). */
	struct relabel rl = { vma->anon_vma, nv->anon_vma, nv->start, nv->pgoff };
	move_ptes(&tx->tlb, mm, old_addr, new_addr, old_len, relabel ? &rl : NULL);
	pt_prealloc_keep(made);
	if (old_len)
		vma_tx_unmap(tx, old_addr, old_addr + old_len, true);
	/* Cut, merged or gone: the ones gone are freed only at the transaction's end. */
	WRITE_ONCE(vma->moving, false);
	WRITE_ONCE(nv->moving, false);
	if (before)
		WRITE_ONCE(before->moving, false);
	if (after)
		WRITE_ONCE(after->moving, false);
	return (long)new_addr;
}

/* A move that fails gives back the destination's tables it made. Where faults wait for writers
 * (mm.fault=mmap_lock, range: mremap locks everything), each is unlinked again. Where they do
 * not (pervma, spf, adaptive), a table made for the destination may also serve a VMA beside it,
 * and a fault in that VMA may be using it right now; so only the tables wholly inside each hole
 * of [start, end) go, as munmap frees them (they serve no VMA, and a fault that reaches one
 * through a VMA it should not trust gives up: fault.c), and a table under a VMA stays. Either
 * way the holes' tables then go: those of a destination already unmapped, too. */
static void free_hole_tables(struct mmu_gather *g, struct mm *mm, uintptr_t start, uintptr_t end,
			     struct list_head *made)
{
	if (fault_beside_writers)
		pt_prealloc_keep(made);
	else
		pt_prealloc_undo(g, made);
	for (uintptr_t a = start; a < end;) {
		struct vma *v = vma_find(mm, a);   /* the first ending above a */
		uintptr_t hole_end = v && v->start < end ? MAX(v->start, a) : end;
		if (hole_end > a) {
			struct vma *p = vma_prev(mm, a);
			free_pgtables(g, mm, a, hole_end, p ? p->end : 0,
				      v ? v->start : USER_VA_END);
		}
		if (!v || v->start >= end)
			break;
		a = v->end;
	}
}

/* The destination's tables for the entries that will move: made before anything changes. */
static int prepare_move(struct vma_tx *tx, struct mm *mm, uintptr_t new_addr,
			unsigned long moved, unsigned nr_vmas, unsigned nr_writes,
			struct list_head *made)
{
	list_init(made);
	int err = pt_prealloc(mm, new_addr, new_addr + moved, made);
	if (!err)
		err = vma_tx_begin(tx, mm, nr_vmas, nr_writes);
	if (err) {
		struct mmu_gather g;
		tlb_gather_init(&g, mm);
		free_hole_tables(&g, mm, new_addr, new_addr + moved, made);
		tlb_finish(&g);
	}
	return err;
}

/* Linux's mremap_to: MREMAP_FIXED. Unmaps the destination, shrinks the source if it gets
 * smaller, then moves it. */
static long mremap_to(struct mm *mm, uintptr_t addr, unsigned long old_len, uintptr_t new_addr,
		      unsigned long new_len)
{
	if (new_addr & ~PAGE_MASK)
		return -EINVAL;
	if (new_len > TASK_SIZE || new_addr > TASK_SIZE - new_len)
		return -EINVAL;
	if (addr + old_len > new_addr && new_addr + new_len > addr)
		return -EINVAL;   /* overlapping */
	/* Linux's guess that the worst case (both ranges cut in three) stays under the limit. */
	if (mm->map_count + 2 >= (unsigned long)sysctl_max_map_count - 3)
		return -ENOMEM;
	/* Enough for: the destination's unmap (1 spare, 2 writes), the source's shrink (1, 2),
	 * and move_vma (2, 3). */
	struct vma_tx tx;
	struct list_head made;
	int err = prepare_move(&tx, mm, new_addr, MIN(old_len, new_len), 4, 7, &made);
	if (err)
		return err;

	long ret;
	bool split;
	uintptr_t tail = 0, tail_end = 0;   /* the source's tail, if a shrink unmapped it */
	if (vma_unmap_needs(mm, new_addr, new_addr + new_len, &split)) {
		ret = -ENOMEM;
		if (split && mm->map_count >= (unsigned long)sysctl_max_map_count)
			goto fail;
		/* The tables stay: the moved entries go into them. */
		vma_tx_unmap(&tx, new_addr, new_addr + new_len, false);
	}
	if (old_len > new_len) {
		uintptr_t s = addr + new_len, e = addr + old_len;
		ret = -ENOMEM;
		if (vma_unmap_needs(mm, s, e, &split)) {
			if (split && mm->map_count >= (unsigned long)sysctl_max_map_count)
				goto fail;
			/* The tail's tables are freed only once the destination is in the tree: until
			 * then the hole around the tail may take in the destination, and a table made
			 * for it (on `made`) that also serves the tail would be freed under the move. */
			vma_tx_unmap(&tx, s, e, false);
			tail = s;
			tail_end = e;
		}
		old_len = new_len;
	}
	struct vma *vma;
	ret = vma_to_resize(mm, addr, old_len, new_len, &vma);
	if (ret)
		goto fail;
	ret = get_unmapped_area(mm, new_addr, new_len,
				MAP_FIXED | (vma->flags & VM_MAYSHARE ? MAP_SHARED : 0));
	if (ret < 0)
		goto fail;
	ret = -ENOMEM;
	if (mm->map_count >= (unsigned long)sysctl_max_map_count - 3)
		goto fail;
	/* The destination's old translations go from every TLB before move_ptes installs new
	 * ones there: a CPU that still held new_addr -> old page would go on using it while the
	 * tables say the moved page (its stores lost; on arm64 a valid-to-valid change without
	 * break-before-make, ARM ARM D8.14.1). tlb_finish flushes what the unmaps gathered (and
	 * puts their pages), or does nothing if they gathered nothing. Past this point nothing
	 * can fail: move_vma uses the spares, the tree reservation and the tables made above, and
	 * the flush allocates nothing (smp_call_function waits, on its stack). */
	tlb_finish(&tx.tlb);
	ret = move_vma(&tx, vma, addr, old_len, new_len, new_addr, &made);
	if (tail_end)
		vma_tx_free_tables(&tx, tail, tail_end);
	vma_tx_end(&tx);
	return ret;
fail:
	/* What Linux would have left: the destination unmapped (if it got that far), the tail
	 * too, and their tables freed with them. */
	free_hole_tables(&tx.tlb, mm, new_addr, new_addr + new_len, &made);
	if (tail_end)
		vma_tx_free_tables(&tx, tail, tail_end);
	vma_tx_end(&tx);
	return ret;
}

static long do_mremap(struct mm *mm, uintptr_t addr, unsigned long old_len,
		      unsigned long new_len, unsigned flags, uintptr_t new_addr)
{
	if (!vma_lookup(mm, addr))
		return -EFAULT;
	if (flags & MREMAP_FIXED)
		return mremap_to(mm, addr, old_len, new_addr, new_len);
	/* Shrinking is always allowed: it unmaps the tail. */
	if (old_len >= new_len) {
		int err = do_munmap(mm, addr + new_len, old_len - new_len);
		return err < 0 && old_len != new_len ? err : (long)addr;
	}
	struct vma *vma;
	int err = vma_to_resize(mm, addr, old_len, new_len, &vma);
	if (err)
		return err;
	struct vma_tx tx;
	/* Grow in place if the old range ends the VMA and the room after it is free; the
	 * extension joins the VMA, and the next one too if the rules allow. */
	if (old_len == vma->end - addr && vma_expandable(mm, vma, new_len - old_len)) {
		if (vma_tx_begin(&tx, mm, 0, 1))
			return -ENOMEM;
		uintptr_t ext = vma->end;
		struct vma *v = vma_merge(&tx, vma, ext, addr + new_len, vma->flags,
					  vma->anon_vma, vma->shm, vma->pgoff + vma_pages(vma),
					  MERGE_BY_MREMAP, true);
		BUG_ON(!v);   /* the range follows vma, and vma matches itself */
		vma_tx_end(&tx);
		return (long)addr;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	long dest = get_unmapped_area(mm, 0, new_len, vma->flags & VM_MAYSHARE ? MAP_SHARED : 0);
	if (dest < 0)
		return dest;
	if (mm->map_count >= (unsigned long)sysctl_max_map_count - 3)
		return -ENOMEM;
	struct list_head made;
	if (prepare_move(&tx, mm, (uintptr_t)dest, old_len, 2, 3, &made))
		return -ENOMEM;
	long ret = move_vma(&tx, vma, addr, old_len, new_len, (uintptr_t)dest, &made);
	vma_tx_end(&tx);
	return ret;
}

long vm_mremap(struct mm *mm, uintptr_t addr, unsigned long old_len, unsigned long new_len,
	       unsigned flags, uintptr_t new_addr)
{
	if (flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
		return -EINVAL;
	if (flags & MREMAP_DONTUNMAP)
		return -EINVAL;   /* not implemented */
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (!new_len)
		return -EINVAL;
	mmap_write_lock(mm);
	/* Two ranges and perhaps a gap search: the range strategy locks all of it. */
	mm_write_range(mm, 0, USER_VA_END);
	long ret = do_mremap(mm, addr, old_len, new_len, flags, new_addr);
	mmap_write_unlock(mm);
	return ret;
}

/*
 * mm.fault=adaptive (seed 004, the review of speculative faults' single-thread cost): faults take
 * mmap_lock as the classic strategy does, and writers do nothing extra, for as long as no fault
 * has found mmap_lock taken while the mm had more than one user. The first that does marks the
 * mm contended; from then on its faults go speculative first (fault_speculative, fault.c), and
 * trust the VMA they found not by a sequence count, which every writer would have to keep, but
 * by a fresh lookup under the page table's lock: the tree must still give the same VMA, with
 * the same range, flags, offset and anon_vma. So a single-threaded process pays for nothing
 * but a trylock, and writers never pay.
 *
 * Why the fresh lookup suffices: a writer that changes what a fault trusts stores the change
 * (the tree, the VMA's fields) and then walks the range under each table's lock (fault.c): if
 * its walk of this table came first, the lookup sees the change; if not, the walk finds the
 * entry the fault installed and zaps, protects or moves it. One writer walks before it stores:
 * mremap moves the entries out before the old range leaves the tree, so it flags the VMA
 * (vma->moving) first; test=fault_race found the lost write this closes. The VMA found cannot be freed and
 * reused for another mapping while the fault looks (it holds rcu_read_lock throughout, and VMAs
 * are freed with call_rcu), so "the same pointer" means the same mapping. A change and its undo
 * between the two looks (mprotect there and back) leaves a VMA the entry is right for.
 *
 * Twin (torture.busted=1 under torture=mm): no fresh lookup.
 */
#include "mm/internal.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/vma.h"
#include "mm/vma_tree.h"

static int adaptive_validate(struct spec_fault *sf)
{
	if (unlikely(READ_ONCE(fault_busted)))
		return 0;   /* the twin */
	struct vma *v = vma_tree_find(&sf->mm->vmas, sf->addr, NULL);
	if (v != sf->vma || READ_ONCE(v->start) != sf->start || READ_ONCE(v->end) != sf->end ||
	    READ_ONCE(v->flags) != sf->flags || READ_ONCE(v->pgoff) != sf->pgoff ||
	    READ_ONCE(v->anon_vma) != sf->anon_vma || READ_ONCE(v->moving))
		return FA_LOOKUP;
	return 0;
}

static const struct spec_ops adaptive_ops = { NULL, adaptive_validate };

static int adaptive_fault(struct mm *mm, uintptr_t addr, unsigned access)
{
	if (!READ_ONCE(mm->fault_contended)) {
		if (down_read_trylock(&mm->mmap_lock))
			return fault_under_mmap_lock(mm, addr, access);
		if (atomic_read(&mm->users) <= 1)
			return fault_locked(mm, addr, access);   /* alone: nobody to go around */
		WRITE_ONCE(mm->fault_contended, true);
	}
	return fault_speculative_or_locked(mm, addr, access, &adaptive_ops);
}

static void nothing(struct mm *mm) { (void)mm; }

const struct fault_strategy adaptive_strategy = {
	.name = "adaptive",
	.fault = adaptive_fault,
	.write_begin = nothing,
	.write_end = nothing,
};

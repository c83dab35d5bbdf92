/*
 * mm.fault=range (seed 002, "range-locked mmap_sem"): the fault takes a range lock over its own
 * page, for read; VMA writers, still serialised among themselves by mmap_lock, lock for write
 * the span they change. So a fault waits only for a writer whose span covers its page, and a
 * writer only for the faults inside its span.
 *
 * The writer's span (write_range): [start, end) widened to the whole of every VMA it overlaps
 * and of the VMAs just before and after it, since a split, a cut or a merge changes those VMAs'
 * fields, which a fault anywhere in them reads. mremap locks everything (two ranges, perhaps a
 * gap search). vma_write checks that each VMA the writer touches lies inside its span: a writer
 * that forgot write_range, or a span too narrow, is a BUG here and not a race elsewhere.
 *
 * What the fault relies on: under its page's range lock, the VMA covering the page cannot change
 * (a writer changing it locks all of it); the tree is read under RCU, since writers elsewhere
 * change its nodes; page tables outside a writer's span are never freed by it (free_pgtables
 * frees only tables wholly inside a hole, and the fault's page is in a VMA). A write that needs
 * the VMA's first anon_vma, which looks at the neighbours, goes to the classic path.
 *
 * Twin (torture.busted=1 under torture=mm): the fault locks a page a gigabyte from its own.
 */
#include "mm/internal.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/vma.h"
#include "mm/vma_tree.h"

static int range_fault(struct mm *mm, uintptr_t addr, unsigned access)
{
	uintptr_t page = addr & PAGE_MASK;
	if (unlikely(READ_ONCE(fault_busted)))
		page ^= 1ul << 30;   /* the twin: a page a gigabyte away */
	struct range_lock rl;
	range_read_lock(&mm->vma_range, &rl, page, page + PAGE_SIZE);
	rcu_read_lock();
	struct vma *vma = vma_tree_find(&mm->vmas, addr, NULL);
	rcu_read_unlock();
	fault_race_delay(RACE_FAULT);
	int err = -EFAULT;
	if (vma && fault_access_ok(vma, access)) {
		if (fault_needs_mmap_lock(vma, access)) {
			range_unlock(&mm->vma_range, &rl);
			fault_count_abort(FA_NO_ANON_VMA);
			fault_count_path(FP_FALLBACK);
			return fault_locked(mm, addr, access);
		}
		err = fault_core(mm, vma, addr, access);
	}
	range_unlock(&mm->vma_range, &rl);
	fault_count_path(FP_FAST);
	return err;
}

static void range_write_range(struct mm *mm, uintptr_t start, uintptr_t end)
{
	uintptr_t lo = start, hi = end;
	struct vma *v = vma_prev(mm, start);
	if (v && v->end == start)
		lo = v->start;
	for (v = vma_find(mm, start); v && v->start < end; v = vma_find(mm, v->end)) {
		lo = MIN(lo, v->start);
		hi = MAX(hi, v->end);
	}
	v = vma_find(mm, hi);
	if (v && v->start == hi)
		hi = v->end;
	if (mm->range_held) {
		/* A nested call (vm_brk's munmap, mmap over a mapping): inside the first span. */
		BUG_ON(lo < mm->range_lo || hi > mm->range_hi);
		return;
	}
	range_write_lock(&mm->vma_range, &mm->range_writer, lo, hi);
	mm->range_lo = lo;
	mm->range_hi = hi;
	mm->range_held = true;
}

static void range_vma_write(struct vma *v)
{
	struct mm *mm = v->mm;
	if (!mm->range_held || v->start < mm->range_lo || v->end > mm->range_hi)
		panic("mm.fault=range: a writer changes the VMA [%#lx, %#lx) outside its locked "
		      "span [%#lx, %#lx)%s", (unsigned long)v->start, (unsigned long)v->end,
		      (unsigned long)mm->range_lo, (unsigned long)mm->range_hi,
		      mm->range_held ? "" : " (none)");
}

static void range_vma_detach(struct vma *v) { (void)v; }
static void range_write_begin(struct mm *mm) { (void)mm; }

static void range_write_end(struct mm *mm)
{
	if (mm->range_held) {
		mm->range_held = false;
		range_unlock(&mm->vma_range, &mm->range_writer);
	}
}

const struct fault_strategy range_strategy = {
	.name = "range",
	.fault = range_fault,
	.write_begin = range_write_begin,
	.write_end = range_write_end,
	.write_range = range_write_range,
	.vma_write = range_vma_write,
	.vma_detach = range_vma_detach,
};

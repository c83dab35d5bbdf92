/*
 * mm.fault=pervma (seed 000, per-VMA locks; Linux 6.4's lock_vma_under_rcu): the fault finds its
 * VMA under RCU, takes the VMA's own lock for read by trylock, and trusts it if no writer has it
 * marked; it then runs the fault core holding only that lock. Anything doubtful retries under
 * mmap_lock.
 *
 * Writers (mmap_lock held for write) call vma_start_write before they change a VMA: it takes
 * the VMA's lock for write, which waits for the faults inside it, and marks the VMA by copying
 * mm->write_seq into its lock_seq. A fault that gets the read lock afterwards sees the mark
 * (the rwsem's release and acquire order the store before its read) and gives up. The marks all
 * end at once when the writer lets mmap_lock go: mmap_write_unlock bumps write_seq with a
 * release, and a fault that reads the new value with an acquire sees all the writer did.
 *
 * Why each check (the interleavings are drawn in docs/mm/fault-strategies.md):
 * - the trylock: a writer waiting in vma_start_write holds out new readers (the rwsem is FIFO),
 *   so the fault never waits behind a writer without mmap_lock, and never sleeps under RCU;
 * - the mark: a writer that marked the VMA and released its lock may be changing it now;
 * - detached: the writer that removed the VMA from the tree has finished and unmarked it, but
 *   the lookup found it before the removal (RCU still shows it);
 * - the range: a finished writer may have cut the VMA (the tree is newer than the lookup).
 * A write that needs the VMA's first anon_vma (which reads the neighbours) goes to mmap_lock.
 *
 * Twin (torture.busted=1 under torture=mm): the mark is not checked.
 */
#include "mm/internal.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/vma.h"
#include "mm/vma_tree.h"

static int pervma_fault(struct mm *mm, uintptr_t addr, unsigned access)
{
	enum fault_abort why;
	rcu_read_lock();
	struct vma *v = vma_tree_find(&mm->vmas, addr, NULL);
	why = FA_NO_VMA;
	if (!v)
		goto out_rcu;
	why = FA_TRYLOCK;
	if (!down_read_trylock(&v->lock))
		goto out_rcu;
	why = FA_MARKED;
	if (likely(!READ_ONCE(fault_busted)) &&
	    READ_ONCE(v->lock_seq) == smp_load_acquire(&mm->write_seq))
		goto out_unlock;
	why = FA_DETACHED;
	if (READ_ONCE(v->detached))
		goto out_unlock;
	why = FA_RANGE;
	if (addr < v->start || addr >= v->end)
		goto out_unlock;
	/* Read-locked and unmarked: no writer can change v, or free it, until up_read. */
	rcu_read_unlock();
	fault_race_delay(RACE_FAULT);
	int err = -EFAULT;   /* Linux too: an access error under the VMA lock is final */
	if (fault_access_ok(v, access)) {
		if (fault_needs_mmap_lock(v, access)) {
			up_read(&v->lock);
			why = FA_NO_ANON_VMA;
			goto fallback;
		}
		err = fault_core(mm, v, addr, access);
	}
	up_read(&v->lock);
	fault_count_path(FP_FAST);
	return err;
out_unlock:
	up_read(&v->lock);   /* under RCU still: v may be freed once it ends */
out_rcu:
	rcu_read_unlock();
fallback:
	fault_count_abort(why);
	fault_count_path(FP_FALLBACK);
	return fault_locked(mm, addr, access);
}

static void pervma_vma_write(struct vma *v)
{
	u64 seq = v->mm->write_seq;   /* only this writer changes it */
	if (v->lock_seq == seq)
		return;   /* marked already */
	down_write(&v->lock);
	WRITE_ONCE(v->lock_seq, seq);
	up_write(&v->lock);
}

static void pervma_vma_detach(struct vma *v)
{
	WRITE_ONCE(v->detached, true);
}

static void nothing(struct mm *mm) { (void)mm; }

const struct fault_strategy pervma_strategy = {
	.name = "pervma",
	.fault = pervma_fault,
	.write_begin = nothing,
	.write_end = nothing,   /* mmap_write_unlock's bump of write_seq unmarks */
	.vma_write = pervma_vma_write,
	.vma_detach = pervma_vma_detach,
};

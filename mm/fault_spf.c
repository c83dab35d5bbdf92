/*
 * mm.fault=spf (seed 003, speculative page faults): the fault runs without mmap_lock, trusting a
 * VMA found under RCU for as long as the VMA's sequence count stays what it was: even at the
 * snapshot, unchanged when rechecked under the page table's lock just before the install
 * (fault_speculative in fault.c does the walk and the install; this file the count). Anonymous
 * private VMAs only, as in the seed; anything else, and any doubt, goes to mmap_lock.
 *
 * Writers (mmap_lock held for write) call vma_start_write before they change a VMA: the first
 * call in a writer's hold of mmap_lock makes the count odd and puts the VMA on mm->spf_marked;
 * mmap_write_unlock makes every count on that list even again (a release: whatever the writer
 * changed comes before the even count). A VMA that leaves the tree keeps its odd count until
 * it is freed. So a fault that snapshots an even count and finds it unchanged under the table's
 * lock had no writer touching the VMA in between, and fault.c says why "under the table's lock"
 * is what makes the recheck and the install one step as far as the writers' zaps are concerned.
 *
 * Twin (torture.busted=1 under torture=mm): no recheck before the install.
 */
#include "mm/internal.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/vma.h"

static int spf_begin(struct spec_fault *sf)
{
	/* Acquire: the snapshot that follows reads what the last writer left, not older. */
	sf->seq = smp_load_acquire(&sf->vma->seq);
	return sf->seq & 1 ? FA_SEQ : 0;
}

static int spf_validate(struct spec_fault *sf)
{
	if (unlikely(READ_ONCE(fault_busted)))
		return 0;   /* the twin */
	/* Under the table's lock (acquire): a writer whose zap of this table came first made the
	 * count odd before it took the lock, so that is seen here. */
	return READ_ONCE(sf->vma->seq) != sf->seq ? FA_SEQ : 0;
}

static const struct spec_ops spf_ops = { spf_begin, spf_validate };

static int spf_fault(struct mm *mm, uintptr_t addr, unsigned access)
{
	return fault_speculative_or_locked(mm, addr, access, &spf_ops);
}

static void spf_vma_write(struct vma *v)
{
	struct mm *mm = v->mm;
	if (v->lock_seq == mm->write_seq)
		return;   /* odd already, in this writer's hold */
	v->lock_seq = mm->write_seq;
	WRITE_ONCE(v->seq, v->seq + 1);
	/* The odd count before every read and write of the change that follows (the tables the
	 * writer walks, the fields it writes): a full barrier, so that no later load of the
	 * writer's is satisfied before the store is visible (store->load: only a full barrier
	 * orders that, on arm64 and ppc64 as on x86). */
	smp_mb();
	list_add(&v->spf_node, &mm->spf_marked);
}

static void spf_vma_detach(struct vma *v)
{
	list_del(&v->spf_node);   /* stays odd: it is freed after a grace period */
	list_init(&v->spf_node);
}

static void spf_write_begin(struct mm *mm) { (void)mm; }

static void spf_write_end(struct mm *mm)
{
	while (!list_empty(&mm->spf_marked)) {
		struct vma *v = list_first_entry(&mm->spf_marked, struct vma, spf_node);
		list_del(&v->spf_node);
		list_init(&v->spf_node);
		smp_store_release(&v->seq, v->seq + 1);   /* even: the change is complete */
	}
}

const struct fault_strategy spf_strategy = {
	.name = "spf",
	.fault = spf_fault,
	.write_begin = spf_write_begin,
	.write_end = spf_write_end,
	.vma_write = spf_vma_write,
	.vma_detach = spf_vma_detach,
};

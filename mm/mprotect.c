/*
 * mprotect with Linux 6.1's semantics (its mm/mprotect.c is the reference): the range's VMAs
 * take the new protection, splitting at the ends and joining neighbours where the merge rules
 * allow; a hole in the range stops it with -ENOMEM after what comes before the hole has
 * changed, as in Linux. The entries follow (change_protection); a private writable mapping of
 * the zero page stays read-only. mmap_lock held for write.
 */
#include "mm/internal.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/vma.h"

#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP   0x02000000

/* Linux's mprotect_fixup: [start, end) of vma (wholly inside it) gets newflags. *pprev: the VMA
 * before start (vma itself if start is inside it); on return, the VMA that covers end - 1. */
static int mprotect_fixup(struct vma_tx *tx, struct vma *vma, struct vma **pprev, uintptr_t start,
			  uintptr_t end, unsigned long newflags)
{
	struct mm *mm = tx->mm;
	if (newflags == vma->flags) {
		*pprev = vma;
		return 0;
	}
	/* Private memory made writable is charged for, and stays so (VM_ACCOUNT, which merging
	 * compares). */
	if ((newflags & VM_WRITE) &&
	    !(vma->flags & (VM_ACCOUNT | VM_WRITE | VM_SHARED | VM_NORESERVE)))
		newflags |= VM_ACCOUNT;
	unsigned long pgoff = vma->pgoff + ((start - vma->start) >> PAGE_SHIFT);
	struct vma *merged = vma_merge(tx, *pprev, start, end, newflags, vma->anon_vma, vma->shm,
				       pgoff, MERGE_BY_MPROTECT, true);
	if (merged) {
		vma = merged;
	} else {
		if (start != vma->start) {
			if (mm->map_count >= (unsigned long)sysctl_max_map_count)
				return -ENOMEM;
			vma_split(tx, vma, start, true);
		}
		if (end != vma->end) {
			if (mm->map_count >= (unsigned long)sysctl_max_map_count)
				return -ENOMEM;
			vma_split(tx, vma, end, false);
		}
	}
	*pprev = vma;
	vma_start_write(vma);
	vma->flags = newflags;
	fault_race_delay(RACE_WRITER);
	change_protection(&tx->tlb, vma, start, end);
	return 0;
}

static int do_mprotect(struct mm *mm, uintptr_t start, uintptr_t end, unsigned prot,
		       unsigned grows)
{
	struct vma *vma = vma_find(mm, start);
	if (!vma)
		return -ENOMEM;
	if (grows & PROT_GROWSDOWN) {
		/* Linux: the range is taken down to the first VMA's start if that VMA meets it and
		 * grows down; none grows down (there are no stacks yet), so -EINVAL, but -ENOMEM
		 * if nothing at all is mapped in the range. */
		return vma->start >= end ? -ENOMEM : -EINVAL;
	}
	if (vma->start > start)
		return -ENOMEM;
	if (grows & PROT_GROWSUP)
		return -EINVAL;
	struct vma *prev = start > vma->start ? vma : vma_prev(mm, start);

	/* Everything the loop may need: a split at each end, a merge at each VMA up to a hole. */
	unsigned nr = 1;
	for (struct vma *v = vma, *n; v->end < end; v = n, nr++) {
		n = vma_find(mm, v->end);
		if (!n || n->start != v->end)
			break;
	}
	struct vma_tx tx;
	if (vma_tx_begin(&tx, mm, 2, nr + 2))
		return -ENOMEM;
	int err;
	for (uintptr_t nstart = start;;) {
		/* calc_vm_prot_bits, then the VMA's other flags */
		unsigned long newflags = (prot & VM_ACCESS_FLAGS) | (vma->flags & ~VM_ACCESS_FLAGS);
		/* VM_MAY* limit what mprotect may grant (always all three for anonymous memory) */
		if ((newflags & ~(newflags >> 4)) & VM_ACCESS_FLAGS) {
			err = -EACCES;
			break;
		}
		uintptr_t tmp = MIN(vma->end, end);
		err = mprotect_fixup(&tx, vma, &prev, nstart, tmp, newflags);
		if (err)
			break;
		nstart = MAX(tmp, prev->end);
		if (nstart >= end)
			break;
		vma = vma_find(mm, prev->end);
		if (!vma || vma->start != nstart) {
			err = -ENOMEM;   /* a hole: what came before it stays changed */
			break;
		}
	}
	vma_tx_end(&tx);
	return err;
}

int vm_mprotect(struct mm *mm, uintptr_t start, unsigned long len, unsigned prot)
{
	unsigned grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	prot &= ~grows;
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	len = ALIGN_UP(len, PAGE_SIZE);
	uintptr_t end = start + len;
	if (end <= start)
		return -ENOMEM;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL;   /* arch_validate_prot */
	mmap_write_lock(mm);
	mm_write_range(mm, start, end);
	int err = do_mprotect(mm, start, end, prot, grows);
	mmap_write_unlock(mm);
	return err;
}

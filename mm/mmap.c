/*
 * mmap, munmap, brk and madvise(MADV_DONTNEED) with Linux 6.1's semantics and error codes (its
 * mm/mmap.c and mm/madvise.c are the reference), and where a new mapping goes (Linux's
 * get_unmapped_area, top-down below mmap_base). Anonymous memory only: there are no files.
 * Callers are treated as unprivileged: nothing goes below mmap_min_addr.
 *
 * Locking: mmap_lock held for write, but for read by madvise(MADV_DONTNEED), which changes no
 * VMA (as in Linux); its zaps take the split locks like the faults beside it.
 */
#include "mm/internal.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/shm.h"
#include "mm/vma.h"

#define TASK_SIZE          USER_VA_END
#define TASK_UNMAPPED_BASE ALIGN_UP(USER_VA_END / 3, PAGE_SIZE)   /* bottom-up fallback */

static bool range_free(struct mm *mm, uintptr_t start, uintptr_t end)
{
	struct vma *v = vma_find(mm, start);
	return !v || v->start >= end;
}

/* Linux's get_unmapped_area with the generic top-down policy: MAP_FIXED takes addr as it is;
 * otherwise a hint is honoured if the range is free, else the highest free range below
 * mmap_base, else (bottom-up) the lowest above TASK_UNMAPPED_BASE. The address or a negative
 * errno: -ENOMEM (no room, or past the top), -EINVAL (a fixed address not page-aligned),
 * -EPERM (below mmap_min_addr). */
long get_unmapped_area(struct mm *mm, uintptr_t addr, unsigned long len, unsigned flags)
{
	if (len > TASK_SIZE || len > TASK_SIZE - mm->mmap_min_addr)
		return -ENOMEM;
	if (!(flags & MAP_FIXED)) {
		uintptr_t found;
		if (addr) {
			addr = ALIGN_UP(addr, PAGE_SIZE);
			if (TASK_SIZE - len >= addr && addr >= mm->mmap_min_addr &&
			    range_free(mm, addr, addr + len))
				goto check;
		}
		if (!vma_tree_gap_topdown(&mm->vmas, MAX(PAGE_SIZE, mm->mmap_min_addr),
					  mm->mmap_base, len, PAGE_SIZE, &found))
			addr = found;
		else if (!vma_tree_gap_bottomup(&mm->vmas, TASK_UNMAPPED_BASE, TASK_SIZE, len,
						PAGE_SIZE, &found))
			addr = found;
		else
			return -ENOMEM;
	}
check:
	if (addr > TASK_SIZE - len)
		return -ENOMEM;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (addr < mm->mmap_min_addr)
		return -EPERM;   /* security_mmap_addr: an unprivileged caller */
	return (long)addr;
}

/* Linux's mmap_region: [addr, addr + len) becomes one mapping with vm_flags, replacing what was
 * there, joined to a neighbour where the rules allow. */
static long mmap_region(struct mm *mm, uintptr_t addr, unsigned long len, unsigned long vm_flags,
			unsigned long pgoff)
{
	uintptr_t end = addr + len;
	mm_write_range(mm, addr, end);
	bool split;
	bool mapped = vma_unmap_needs(mm, addr, end, &split);
	/* do_munmap's limit: cutting a VMA in three must not take the count past it. */
	if (split && mm->map_count >= (unsigned long)sysctl_max_map_count)
		return -ENOMEM;
	/* accountable_mapping: private and writable, and not MAP_NORESERVE */
	if ((vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) == VM_WRITE)
		vm_flags |= VM_ACCOUNT;
	struct shm_object *shm = NULL;
	if ((vm_flags & VM_SHARED) && !(shm = shm_create(len >> PAGE_SHIFT)))
		return -ENOMEM;
	struct vma_tx tx;
	if (vma_tx_begin(&tx, mm, split + 1, 3)) {
		if (shm)
			shm_put(shm);
		return -ENOMEM;
	}
	if (mapped) {
		vma_tx_unmap(&tx, addr, end, true);
		/* The old pages leave every TLB before the new mapping is in the tree: a fault
		 * that does not wait for this writer (adaptive's) could otherwise put a new page
		 * at an address other CPUs still translate to the old one (stores lost into a
		 * page about to be freed; on arm64 a change without break-before-make). The
		 * gather starts again empty (tlb_finish), so vma_tx_end flushes nothing more. */
		tlb_finish(&tx.tlb);
	}
	/* Never joins a shared mapping: a new object is nobody's neighbour (Linux: the shmem file
	 * is made after the merge check, which sees no file and so no match). */
	struct vma *v = vma_merge_new(&tx, vma_prev(mm, addr), vma_find(mm, end), addr, end,
				      vm_flags, pgoff);
	if (!v) {
		v = vma_tx_new(&tx, mm);
		v->start = addr;
		v->end = end;
		v->flags = vm_flags;
		v->pgoff = pgoff;
		v->shm = shm;   /* the object's first reference is the VMA's */
		shm = NULL;
		vma_tx_link(&tx, v);
	}
	BUG_ON(shm);
	vma_tx_end(&tx);
	return (long)addr;
}

static uintptr_t round_hint_to_min(struct mm *mm, uintptr_t hint)
{
	hint &= PAGE_MASK;
	if (hint && hint < mm->mmap_min_addr)
		return ALIGN_UP(mm->mmap_min_addr, PAGE_SIZE);
	return hint;
}

long vm_mmap(struct mm *mm, uintptr_t addr, unsigned long len, unsigned prot, unsigned flags)
{
	if (!(flags & MAP_ANONYMOUS))
		return -EBADF;   /* no files: Linux's fget(-1) */
	if (!len)
		return -EINVAL;
	if (flags & MAP_FIXED_NOREPLACE)
		flags |= MAP_FIXED;
	if (!(flags & MAP_FIXED))
		addr = round_hint_to_min(mm, addr);
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return -ENOMEM;   /* it wrapped */

	mmap_write_lock(mm);
	long ret = -ENOMEM;
	if (mm->map_count > (unsigned long)sysctl_max_map_count)   /* Linux's '>', sic */
		goto out;
	ret = get_unmapped_area(mm, addr, len, flags);
	if (ret < 0)
		goto out;
	addr = (uintptr_t)ret;
	ret = -EEXIST;
	if ((flags & MAP_FIXED_NOREPLACE) && !range_free(mm, addr, addr + len))
		goto out;
	/* calc_vm_prot_bits: PROT_READ/WRITE/EXEC are VM_READ/WRITE/EXEC; other bits are ignored */
	unsigned long vm_flags = (prot & VM_ACCESS_FLAGS) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	unsigned long pgoff;
	switch (flags & MAP_TYPE) {
	case MAP_SHARED:
		pgoff = 0;
		vm_flags |= VM_SHARED | VM_MAYSHARE;
		break;
	case MAP_PRIVATE:
		pgoff = addr >> PAGE_SHIFT;   /* the linear index: contiguous for neighbours */
		break;
	default:
		ret = -EINVAL;   /* neither, or both (MAP_SHARED_VALIDATE, not for anonymous memory
				  * in 6.1) */
		goto out;
	}
	if (flags & MAP_NORESERVE)
		vm_flags |= VM_NORESERVE;   /* overcommit is never "never" here */
	ret = mmap_region(mm, addr, len, vm_flags, pgoff);
out:
	mmap_write_unlock(mm);
	return ret;
}

/* Linux's do_mas_munmap: unmap [start, start + len) under the caller's mmap_lock. */
int do_munmap(struct mm *mm, uintptr_t start, unsigned long len)
{
	if ((start & ~PAGE_MASK) || start > TASK_SIZE || len > TASK_SIZE - start)
		return -EINVAL;
	uintptr_t end = start + ALIGN_UP(len, PAGE_SIZE);
	if (end == start)
		return -EINVAL;
	mm_write_range(mm, start, end);
	bool split;
	if (!vma_unmap_needs(mm, start, end, &split))
		return 0;
	/* Linux lets the count go over the limit only while it frees: not for a cut in three. */
	if (split && mm->map_count >= (unsigned long)sysctl_max_map_count)
		return -ENOMEM;
	struct vma_tx tx;
	int err = vma_tx_begin(&tx, mm, split, 2);
	if (err)
		return err;
	tx.tlb.local_only = READ_ONCE(tlb_busted_munmap);   /* torture=mm's twin only */
	vma_tx_unmap(&tx, start, end, true);
	vma_tx_end(&tx);
	return 0;
}

int vm_munmap(struct mm *mm, uintptr_t start, unsigned long len)
{
	mmap_write_lock(mm);
	int err = do_munmap(mm, start, len);
	mmap_write_unlock(mm);
	return err;
}

/* brk's growth (Linux's do_brk_flags): extend the VMA that ends at addr if the rules let a plain
 * private writable range follow it, else map a new one. */
static int do_brk_flags(struct mm *mm, struct vma *brkvma, uintptr_t addr, unsigned long len)
{
	unsigned long flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
			      VM_ACCOUNT;   /* VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT */
	if (mm->map_count > (unsigned long)sysctl_max_map_count)
		return -ENOMEM;
	mm_write_range(mm, addr, addr + len);
	struct vma_tx tx;
	if (vma_tx_begin(&tx, mm, 1, 1))
		return -ENOMEM;
	if (vma_merge_brk(&tx, brkvma, addr, addr + len, flags)) {
		vma_tx_end(&tx);
		return 0;
	}
	struct vma *v = vma_tx_new(&tx, mm);
	v->start = addr;
	v->end = addr + len;
	v->flags = flags;
	v->pgoff = addr >> PAGE_SHIFT;
	vma_tx_link(&tx, v);
	vma_tx_end(&tx);
	return 0;
}

uintptr_t vm_brk(struct mm *mm, uintptr_t brk)
{
	mmap_write_lock(mm);
	uintptr_t origbrk = mm->brk, ret = origbrk;
	if (brk < mm->start_brk || brk > TASK_SIZE)
		goto out;
	uintptr_t newbrk = ALIGN_UP(brk, PAGE_SIZE), oldbrk = ALIGN_UP(mm->brk, PAGE_SIZE);
	if (oldbrk == newbrk) {
		mm->brk = ret = brk;
		goto out;
	}
	if (brk <= mm->brk) {
		/* Always allowed, if [newbrk, oldbrk) holds something: unmap it. */
		struct vma *v = vma_find(mm, newbrk);
		if (!v || v->start >= oldbrk)
			goto out;
		if (do_munmap(mm, newbrk, oldbrk - newbrk))
			goto out;
		mm->brk = ret = brk;
		goto out;
	}
	/* check_brk_limits, then a page of gap below the next mapping. */
	if (get_unmapped_area(mm, oldbrk, newbrk - oldbrk, MAP_FIXED) < 0)
		goto out;
	struct vma *next = vma_find(mm, oldbrk);
	if (next && newbrk + PAGE_SIZE > next->start)
		goto out;
	struct vma *brkvma = vma_prev(mm, oldbrk);
	if (brkvma && brkvma->end <= mm->start_brk)
		brkvma = NULL;   /* only a VMA of the heap is extended */
	if (do_brk_flags(mm, brkvma, oldbrk, newbrk - oldbrk))
		goto out;
	mm->brk = ret = brk;
out:
	mmap_write_unlock(mm);
	return ret;
}

void (*madvise_before_flush_hook)(struct mm *mm);

/* madvise(MADV_DONTNEED): zap the pages of [start, start + len). Private memory reads as zeroes
 * afterwards; a shared object keeps its pages. Holes are skipped but make the result -ENOMEM
 * (Linux's madvise_walk_vmas). Other advice is not implemented: -EINVAL. */
int vm_madvise(struct mm *mm, uintptr_t start, unsigned long len_in, int advice)
{
	if (advice != MADV_DONTNEED)
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	unsigned long len = ALIGN_UP(len_in, PAGE_SIZE);
	if (len_in && !len)
		return -EINVAL;
	uintptr_t end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;

	mmap_read_lock(mm);
	struct mmu_gather g;
	tlb_gather_init_shared(&g, mm, start, end);   /* beside other madvises: see mm/tlb.c */
	int err = 0, unmapped = 0;
	for (struct vma *v = vma_find(mm, start);; v = vma_find(mm, start)) {
		if (!v) {
			err = -ENOMEM;
			break;
		}
		if (start < v->start) {
			unmapped = -ENOMEM;
			start = v->start;
			if (start >= end)
				break;
		}
		uintptr_t tmp = MIN(v->end, end);
		zap_vma_range(&g, v, start, tmp);
		start = tmp;
		if (start >= end)
			break;
	}
	void (*hook)(struct mm *) = READ_ONCE(madvise_before_flush_hook);
	if (hook)
		hook(mm);
	tlb_finish(&g);
	mmap_read_unlock(mm);
	return err ? err : unmapped;
}

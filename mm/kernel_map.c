/* The kernel's address space at run time: kernel_map and kernel_unmap, for kernel stacks and
 * device mappings. Locking: kernel_pt_lock (irq-safe) serialises every change to the kernel's
 * page tables after boot; mm_init, which builds them, runs alone on the boot CPU. */
#include "mm/kernel_map.h"
#include "mm/internal.h"
#include "mm/pgtable.h"
#include "mm/tlb.h"

phys_addr_t kernel_pt_root;
u64 direct_map_size;
static spinlock_t kernel_pt_lock = SPINLOCK_INIT;

int kernel_map(uintptr_t va, phys_addr_t pa, u64 size, unsigned prot)
{
	unsigned long flags = spin_lock_irqsave(&kernel_pt_lock);
	int err = pt_map(kernel_pt_root, va, pa, size, prot | MMU_GLOBAL, 0);
	spin_unlock_irqrestore(&kernel_pt_lock, flags);
	return err;
}

void kernel_unmap(uintptr_t va, u64 size)
{
	/* Unmapping part of the direct map would split its large leaves by break-before-make,
	 * unmapping memory that every CPU is using (pgtable.h). */
	if (va < DIRECT_MAP_BASE + direct_map_size && va + size > DIRECT_MAP_BASE)
		panic("mm: kernel_unmap(%#lx, %#lx) reaches into the direct map", va, size);
	int level;
	unsigned long flags = spin_lock_irqsave(&kernel_pt_lock);
	int err = pt_unmap(kernel_pt_root, va, size, &level);
	spin_unlock_irqrestore(&kernel_pt_lock, flags);
	if (err)
		panic("mm: kernel_unmap(%#lx, %#lx): %s", va, size, errno_name(err));
	tlb_flush_kernel_range(va, size, level);
}

/* The kernel's own address space, for any code that needs it: the page-table root every CPU
 * loads, and mappings outside the direct map (stacks, devices) made and removed at run time.
 * mm_init builds the space once at boot (mm/mm_init.c); kernel_map.c owns it from then on. */
#ifndef MM_KERNEL_MAP_H
#define MM_KERNEL_MAP_H

#include "kernel/types.h"

/* The root of the kernel's page tables: written once by mm_init, before other CPUs start. */
extern phys_addr_t kernel_pt_root;

/* Map or unmap outside the direct map, under kernel_pt_lock. kernel_unmap flushes the TLB of
 * every CPU, so it needs interrupts enabled once other CPUs run. Whoever unmaps part of a large
 * leaf mapped here must know the whole leaf is unused (pgtable.h). */
int kernel_map(uintptr_t va, phys_addr_t pa, u64 size, unsigned prot);
void kernel_unmap(uintptr_t va, u64 size);

#endif

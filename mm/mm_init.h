/* Bringing up memory management at boot: the kernel's page tables (direct map, W^X image,
 * vmemmap), then the page allocator, slab and the kernel-stack area. */
#ifndef MM_MM_INIT_H
#define MM_MM_INIT_H

#include "kernel/types.h"

struct boot_info;

void mm_init(struct boot_info *bi);
/* The top of a guarded kernel stack for the boot thread, allocated by mm_init. */
void *mm_boot_stack_top(void);

/* Kernel mappings outside the direct map (stacks, devices), under kernel_pt_lock. kernel_unmap
 * flushes the TLB of every CPU, so it needs interrupts enabled once other CPUs run. Whoever
 * unmaps part of a large leaf mapped here must know the whole leaf is unused (pgtable.h). */
int kernel_map(uintptr_t va, phys_addr_t pa, u64 size, unsigned prot);
void kernel_unmap(uintptr_t va, u64 size);

#endif

/* Bringing up memory management at boot: the kernel's page tables (direct map, W^X image,
 * vmemmap), then the page allocator, slab and the kernel-stack area. Changing the kernel's
 * mappings later is mm/kernel_map.h's. */
#ifndef MM_MM_INIT_H
#define MM_MM_INIT_H

#include "kernel/types.h"

struct boot_info;

void mm_init(struct boot_info *bi);
/* The top of a guarded kernel stack for the boot thread, allocated by mm_init. */
void *mm_boot_stack_top(void);

#endif

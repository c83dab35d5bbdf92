/* Kernel virtual areas outside the direct map: kernel stacks, each with an unmapped guard page
 * below it so an overflow faults instead of corrupting its neighbour, and device mappings. */
#ifndef MM_VMAP_H
#define MM_VMAP_H

#include "kernel/types.h"

#define KSTACK_PAGES 4
#define KSTACK_SIZE  (KSTACK_PAGES * PAGE_SIZE)

/* The lowest address of a new KSTACK_SIZE stack (its top is that + KSTACK_SIZE), or NULL. */
void *kstack_alloc(void);
void kstack_free(void *stack);
/* Is addr inside the guard page of some kernel stack slot? */
bool kstack_in_guard(uintptr_t addr);
/* Map size bytes of device memory at pa, uncached; NULL if the area is full or memory short. */
void *mmio_map(phys_addr_t pa, u64 size);

#endif

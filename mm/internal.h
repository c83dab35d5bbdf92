/* What every file of mm/ may use: the arch contract, the kernel's basic services, and mm's own
 * shared declarations. Each file of mm/ includes its own header and this one only, so the host build
 * (tests/host/) can supply the same names from arch/host/. */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include "arch/arch.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/rcu.h"
#include "kernel/spinlock.h"
#include "lib/list.h"
#include "lib/string.h"
#include "mm/page.h"
#include "mm/slab.h"

/* The kernel's page-table root, loaded on every CPU (mm_init.c). */
extern phys_addr_t kernel_pt_root;

/* A page for a page table, zeroed: from memblock before the page allocator is up, from the page
 * allocator after. Returns 0 if none is left. */
phys_addr_t pgtable_page_alloc(void);
/* A root table: PT_ROOT_SIZE bytes aligned to their size, zeroed (one page on most arches). */
phys_addr_t pgtable_root_alloc(void);

#endif

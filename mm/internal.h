/* What every file of mm/ may use: the arch contract, the kernel's basic services, and mm's own
 * shared declarations. For mm/ and its host tests only: code elsewhere uses mm's public headers
 * (page.h, pgtable.h, kernel_map.h, vmap.h, ...). The host build (tests/host/) supplies the
 * same names from arch/host/. */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include "arch/arch.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/rcu/rcu.h"
#include "kernel/locking/spinlock.h"
#include "lib/list.h"
#include "lib/string.h"
#include "mm/page.h"
#include "mm/slab.h"

/* The direct map covers [DIRECT_MAP_BASE, + this): set once by mm_init, read by kernel_unmap
 * (kernel_map.c), which must never split it. */
extern u64 direct_map_size;

/* mm.c: init_mm's root and the cache of struct mm, once slab is up (mm_init). */
void mm_struct_init(void);

#endif

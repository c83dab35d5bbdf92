/* The slab interface (mm/slab.h) on malloc for host tests, with what tests need on top:
 * failure injection, counts of live objects, and poison on free. Thread-safe. kmalloc/kfree are
 * not provided; programs that need the real allocator link mm/slab.c instead. */
#ifndef TESTS_HOST_HOST_SLAB_H
#define TESTS_HOST_HOST_SLAB_H

#include "mm/slab.h"

#define HOST_SLAB_POISON 0x6b   /* every byte of a freed object */
#define HOST_SLAB_FRESH  0xa5   /* every byte of a new object without GFP_ZERO */

/* Let the next n allocations (of any cache) succeed and the one after fail; n < 0: none fails. */
void host_slab_fail_after(long n);
/* Allocations that failed on purpose so far. */
unsigned long host_slab_failed(void);
/* Objects of c allocated and not yet freed. */
long host_slab_live(const struct kmem_cache *c);
/* The cache created under this name most recently, or NULL. */
struct kmem_cache *host_slab_find(const char *name);

#endif

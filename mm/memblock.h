/* memblock: the boot-time physical memory manager, before the page allocator exists.
 * It keeps two sorted lists of page-aligned ranges, usable RAM and reserved parts of it, and
 * allocates top-down by adding reservations. page_alloc_init() then hands everything still free
 * to the buddy allocator. Boot CPU only, no locking. */
#ifndef MM_MEMBLOCK_H
#define MM_MEMBLOCK_H

#include "kernel/types.h"

struct boot_info;

struct range {
	phys_addr_t start, end;
};

#define RANGE_LIST_MAX 128
struct range_list {
	struct range r[RANGE_LIST_MAX];
	unsigned n;
};

/* Add [start, end) to a sorted list, merging overlapping and touching ranges. */
void range_list_add(struct range_list *l, phys_addr_t start, phys_addr_t end);

extern struct range_list memblock_memory;     /* usable RAM, page-aligned inward */
extern struct range_list memblock_reserved;   /* reserved, page-aligned outward */

void memblock_init(const struct boot_info *bi);
void memblock_reserve(phys_addr_t start, phys_addr_t end);
/* size bytes aligned to align, below limit, highest first; returns 0 if nothing fits. */
phys_addr_t memblock_alloc(u64 size, u64 align, phys_addr_t limit);
/* Call fn for each free (memory minus reserved) range, in address order. */
void memblock_for_each_free(void (*fn)(phys_addr_t start, phys_addr_t end, void *ctx), void *ctx);
u64 memblock_total(const struct range_list *l);

#endif

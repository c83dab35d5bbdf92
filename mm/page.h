/* struct page, one per physical frame, and the page allocator's interface.
 *
 * The frames' struct pages form one virtual array at VMEMMAP_BASE (a "vmemmap"), backed only
 * where there is RAM, so pfn_to_page() is an addition. The buddy allocator (page_alloc.c) hands
 * out blocks of 2^order contiguous frames, order 0..MAX_ORDER. */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include "arch/arch.h"
#include "kernel/atomic.h"
#include "kernel/rcu/rcu.h"
#include "kernel/locking/spinlock.h"
#include "lib/list.h"

#define MAX_ORDER 10   /* largest block: 2^10 pages = 4 MiB */

/* page->flags */
#define PG_reserved  0x01u   /* not managed by the allocator: firmware, kernel image, holes */
#define PG_buddy     0x02u   /* heads a free block of 2^order pages on a free list */
#define PG_slab      0x04u   /* belongs to a slab cache */
#define PG_head      0x08u   /* first page of a multi-page allocation of 2^order pages */
#define PG_pgtable   0x10u   /* a page-table page */
#define PG_pcp       0x20u   /* free, on a CPU's list of single pages */

struct kmem_cache;

struct page {
	u32 flags;               /* PG_*; written by the owner, or under the zone lock when free */
	u8 order;                /* PG_buddy or PG_head: log2 of the block size */
	u8 unused[3];
	atomic_t refcount;       /* 0 when free; 1 for a fresh allocation */
	spinlock_t ptl;          /* page-table pages: the split lock of this table */
	union {
		struct list_head lru;    /* free list (zone lock), or a list of the owner's */
		struct rcu_head rcu;     /* owner's: a slab of a typesafe cache on its way back */
	};
	union {
		struct {                 /* PG_slab */
			struct kmem_cache *cache;
			void *freelist;          /* first free object; cache lock */
			u32 inuse;               /* objects handed out; cache lock */
			u32 gen;                 /* the cache's count of slabs grown, this one
						  * included: tells a page that left the cache
						  * and came back from one that stayed; set
						  * before the slab is used, then constant */
		} slab;
		struct {                 /* user memory: private (anon_vma) or shared (shm) */
			void *anon_vma;          /* struct anon_vma or struct shm_object;
						  * written when the page is first mapped */
			unsigned long index;     /* its page offset: the linear index of the
						  * address in the private VMA, or its offset
						  * in the shared object */
			atomic_t mapcount;       /* page-table entries that map it; changed
						  * under the split lock of the table */
		} anon;
	};
	unsigned long private;   /* for the owner of an allocated page */
};
STATIC_ASSERT(sizeof(struct page) == 64, "struct page: one per frame, 64 bytes");

#define page_to_pfn(p)    ((pfn_t)((p) - (struct page *)VMEMMAP_BASE))
#define pfn_to_page(pfn)  ((struct page *)VMEMMAP_BASE + (pfn))
#define page_to_phys(p)   ((phys_addr_t)page_to_pfn(p) << PAGE_SHIFT)
#define phys_to_virt(pa)  ((void *)((uintptr_t)(pa) + DIRECT_MAP_BASE))
#define virt_to_phys(va)  ((phys_addr_t)((uintptr_t)(va) - DIRECT_MAP_BASE))
#define page_address(p)   phys_to_virt(page_to_phys(p))
#define virt_to_page(va)  pfn_to_page(virt_to_phys(va) >> PAGE_SHIFT)

/* Allocation flags */
#define GFP_ZERO 0x1u   /* zero the pages */

/* A block of 2^order pages, or NULL. refcount is 1. */
struct page *alloc_pages(unsigned order, unsigned gfp);
/* Give back a block exactly as allocated (same first page, same order). */
void free_pages(struct page *page, unsigned order);
static inline struct page *alloc_page(unsigned gfp) { return alloc_pages(0, gfp); }
static inline void free_page(struct page *p) { free_pages(p, 0); }
/* References to an order-0 page: the last put frees it. */
static inline void get_page(struct page *p) { atomic_inc(&p->refcount); }
static inline void put_page(struct page *p)
{
	if (atomic_dec_and_test(&p->refcount))
		free_page(p);
}

/* Turn one allocated block of 2^order pages into 2^order independent order-0 pages. */
void split_page(struct page *page, unsigned order);

unsigned long page_alloc_nr_free(void);      /* free pages now */
unsigned long page_alloc_nr_managed(void);   /* pages the allocator manages */
bool page_alloc_ready(void);
/* Boot: hand every free memblock range to the allocator (mm_init, once). */
void page_alloc_init(void);
/* For tests and debugging: the order of the free block containing page, or -1 if in use. */
int page_free_block_order(struct page *page);
/* Give every CPU's spare single pages back to the buddy lists. */
void page_alloc_drain_pcp(void);
/* For the monitor's `pages`, without draining anything: free blocks of each order in the buddy
 * lists into order_blocks[MAX_ORDER + 1], and the pages on each CPU's list into
 * cpu_pages[MAX_CPUS] (each list read on its own: a snapshot, exact only when quiet). */
void page_alloc_snapshot(unsigned long *order_blocks, unsigned long *cpu_pages);
/* Free pages in blocks of each order, into counts[MAX_ORDER + 1] (drains the CPUs' lists). */
void page_alloc_free_counts(unsigned long *counts);

#endif

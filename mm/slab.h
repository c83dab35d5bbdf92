/* Slab caches: many objects of one size carved out of pages, so small allocations cost a list
 * pop. kmalloc() picks a size-class cache; named caches (vma, mm, ...) come from
 * kmem_cache_create(). Allocations larger than a page go to the page allocator. Each CPU keeps a
 * small magazine of free objects per cache in front of the cache's slabs (mm/slab.c, and
 * docs/mm/slab.md for the rules). */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include "kernel/types.h"
#include "kernel/locking/spinlock.h"
#include "mm/page.h"   /* GFP_* */
#include "lib/list.h"

/* kmem_cache_create() flags */
#define SLAB_NO_PERCPU 0x1u   /* no magazines: every alloc and free takes the cache lock (the
			       * baseline the benchmark compares with; caches used rarely) */
/* An object may be freed and reused for another object of this cache at any time, but its memory
 * stays in the cache until a grace period has passed since it was freed: a pointer that an RCU
 * reader loaded keeps pointing at an object of this type (maybe another one) until the reader's
 * rcu_read_unlock(). The allocator writes no byte of such an object (the free-list link is kept
 * past it and no poison is written) except for GFP_ZERO, which it honours with aligned 8-byte
 * WRITE_ONCE stores, so that a reader's READ_ONCE of a field of up to 8 bytes sees the old value
 * or zero, never a mix. What a reader may rely on: docs/mm/slab.md. */
#define SLAB_TYPESAFE_BY_RCU 0x2u
/* torture=slab's broken twin: the same layout, but empty slabs go back without a grace period. */
#define SLAB_TYPESAFE_BUSTED 0x4u

#define SLAB_MAGAZINE 16      /* free objects a CPU keeps per cache */
#define SLAB_BATCH    8       /* objects moved between a magazine and the slabs at once */

/* One CPU's magazine of one cache: a stack of free objects, used by that CPU only, with its
 * interrupts off (mm/slab.c says why that is enough). The counters are statistics. */
struct slab_cpu {
	u32 count;                          /* objects in objs[]; the top is objs[count - 1] */
	unsigned long alloc_hits;           /* allocations served from objs[] */
	unsigned long alloc_misses;         /* ... that found it empty and refilled it */
	unsigned long free_hits;            /* frees that went into objs[] */
	unsigned long free_misses;          /* ... that found it full and flushed a batch first */
	void *objs[SLAB_MAGAZINE];
};

struct kmem_cache {
	const char *name;
	u32 size;              /* object size, rounded up to the alignment; written once */
	u32 stride;            /* distance between objects in a slab (size, or more for the link
				* of a typesafe cache); written once */
	u32 free_offset;       /* where a free object keeps its free-list link: 0, or size for a
				* typesafe cache; written once */
	u32 objs_per_slab;
	u32 order;             /* slab = 2^order pages */
	unsigned flags;        /* SLAB_*; written once */
	spinlock_t lock;       /* guards the lists, the counters and the slabs' freelists */
	struct list_head partial;   /* slabs with some objects free */
	struct list_head full;      /* slabs with none free */
	unsigned long nr_slabs;     /* on the lists */
	unsigned long nr_slabs_rcu; /* empty, off the lists, waiting for a grace period */
	unsigned long nr_slabs_freed;   /* given back to the page allocator since creation */
	u32 nr_slabs_grown;         /* since creation (wraps): the last slab's page->slab.gen */
	unsigned long nr_active;    /* objects out of the slabs: handed out, or in a magazine */
	struct list_head link;      /* in the list of all caches; caches_lock */
	struct slab_cpu *cpu;       /* alloc_percpu(): each CPU's magazine; NULL with
				     * SLAB_NO_PERCPU; written once */
};

/* A snapshot of a cache (exact only while no CPU uses it). */
struct kmem_cache_stats {
	unsigned long slabs;          /* slabs the cache holds */
	unsigned long slabs_rcu;      /* empty ones waiting for a grace period to go back */
	unsigned long slabs_freed;    /* given back to the page allocator since creation */
	unsigned long objects;        /* their capacity: slabs * objs_per_slab */
	unsigned long in_use;         /* objects handed out and not freed */
	unsigned long in_magazines;   /* free objects in the CPUs' magazines */
	unsigned long alloc_hits, alloc_misses, free_hits, free_misses;   /* summed over CPUs */
};

void slab_init(void);
struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align, unsigned flags);
/* Every object must have been freed, and nothing may use the cache any more. Sleeps (for a
 * typesafe cache it waits for the grace periods of its last slabs: rcu_barrier). */
void kmem_cache_destroy(struct kmem_cache *c);
void *kmem_cache_alloc(struct kmem_cache *c, unsigned gfp);
/* A free that empties a slab of a typesafe cache calls call_rcu(), which may wake the
 * grace-period thread: not under the wait-queue or run-queue locks (docs/mm/slab.md). */
void kmem_cache_free(struct kmem_cache *c, void *obj);
/* Empty every CPU's magazine into the slabs and give every empty slab back to the page
 * allocator. It asks each CPU to empty its own, by IPI, and waits for all: interrupts must be
 * enabled, and the caller must hold no lock that another CPU may take with interrupts off (that
 * CPU, spinning on it, would never take the IPI). Not under the locks kmem_cache_free excludes. */
void kmem_cache_shrink(struct kmem_cache *c);
void kmalloc_shrink(void);   /* every kmalloc size class: for leak checks */
void kmem_cache_get_stats(struct kmem_cache *c, struct kmem_cache_stats *st);
/* Every cache's statistics (for the monitor's `pages`): up to cap rows; returns how many caches
 * there are. A row's name lives as long as its cache. */
struct kmem_cache_row {
	const char *name;
	u32 size;
	unsigned flags;
	struct kmem_cache_stats st;
};
unsigned kmem_cache_list(struct kmem_cache_row *rows, unsigned cap);
bool slab_debug(void);   /* debug.slab: freed objects are poisoned and checked */

void *kmalloc(size_t size, unsigned gfp);   /* GFP_ZERO zeroes; NULL if out of memory */
void kfree(void *ptr);                      /* NULL is ignored */
size_t ksize(const void *ptr);              /* usable size of an allocation */

#endif

/* Slab caches: many objects of one size carved out of pages, so small allocations cost a list
 * pop. kmalloc() picks a size-class cache; named caches (vma, mm, ...) come from
 * kmem_cache_create(). Allocations larger than a page go to the page allocator. */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include "kernel/types.h"
#include "kernel/spinlock.h"
#include "mm/page.h"   /* GFP_* */
#include "lib/list.h"

struct kmem_cache {
	const char *name;
	u32 size;              /* object size, rounded up to the alignment */
	u32 objs_per_slab;
	u32 order;             /* slab = 2^order pages */
	spinlock_t lock;       /* guards the lists, the counters and the slabs' freelists */
	struct list_head partial;   /* slabs with some objects free */
	struct list_head full;      /* slabs with none free */
	unsigned long nr_slabs;
	unsigned long nr_active;    /* objects handed out */
	struct list_head link;      /* in the list of all caches */
};

void slab_init(void);
struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align);
void kmem_cache_destroy(struct kmem_cache *c);   /* every object must have been freed */
void *kmem_cache_alloc(struct kmem_cache *c, unsigned gfp);
void kmem_cache_free(struct kmem_cache *c, void *obj);

void *kmalloc(size_t size, unsigned gfp);   /* GFP_ZERO zeroes; NULL if out of memory */
void kfree(void *ptr);                      /* NULL is ignored */
size_t ksize(const void *ptr);              /* usable size of an allocation */

#endif

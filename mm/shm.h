/* Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS): an object of a fixed number of pages, held
 * by page offset, that every VMA mapping it shares, as Linux's shmem file behind such a mapping.
 * A page exists from the first fault on its offset and stays until the object goes with its last
 * VMA: zapping a mapping (munmap, MADV_DONTNEED) leaves the data, and mremap keeps sharing it.
 * The object's size is the length of the mmap that made it; mremap can grow a VMA past it, and a
 * fault there fails, as Linux's SIGBUS past the end of the file.
 *
 * Locking: the index is changed and read under the object's lock; a page returned by
 * shm_get_page carries a reference for the caller's page-table entry. */
#ifndef MM_SHM_H
#define MM_SHM_H

#include "kernel/atomic.h"
#include "kernel/locking/spinlock.h"

struct page;

struct shm_object {
	atomic_t refcount;         /* VMAs that point at it */
	unsigned long nr_pages;    /* its size; written at creation */
	spinlock_t lock;           /* guards the index */
	unsigned height;           /* levels of the index: 512^height >= nr_pages; fixed */
	void *root;                /* the index: pages of 512 pointers, leaves point at pages */
	unsigned long nr_present;  /* pages allocated so far; lock */
	unsigned long id;          /* for reports */
};

/* A new object of nr_pages (> 0) pages, none allocated yet; NULL if out of memory. */
struct shm_object *shm_create(unsigned long nr_pages);
static inline void shm_get(struct shm_object *o) { atomic_inc(&o->refcount); }
/* The last put frees every page and the index: the caller has made sure that no page-table
 * entry and no TLB reaches them any more. */
void shm_put(struct shm_object *o);
/* The page at offset pgoff, allocated and zeroed if it did not exist, with one more reference
 * for the caller: 0, -EFAULT past the object's end, or -ENOMEM. Does not sleep. */
int shm_get_page(struct shm_object *o, unsigned long pgoff, struct page **page);
unsigned long shm_objects_in_use(void);   /* for leak checks */
void shm_cache_shrink(void);
/* The page at pgoff if it exists (no reference taken): for tests. */
struct page *shm_find_page(struct shm_object *o, unsigned long pgoff);

#endif

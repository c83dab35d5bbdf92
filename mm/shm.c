/* Shared anonymous objects (see shm.h). The index is a radix tree of page-sized nodes of 512
 * pointers, as deep as the object's size needs (one level up to 2 MiB, two up to 1 GiB), built as
 * faults reach its offsets. Pages hold one reference for the object and one per page-table entry
 * that maps them. */
#include "mm/shm.h"
#include "mm/alloc_fail.h"
#include "mm/internal.h"

#define SHM_SLOTS_SHIFT (PAGE_SHIFT - 3)
#define SHM_SLOTS (1ul << SHM_SLOTS_SHIFT)

static struct kmem_cache *shm_cache;
static unsigned long next_id;   /* atomic */

void __init shm_init(void)
{
	shm_cache = kmem_cache_create("shm_object", sizeof(struct shm_object),
				      _Alignof(struct shm_object), 0);
	if (!shm_cache)
		panic("mm: cannot create the shm_object cache");
}

unsigned long shm_objects_in_use(void)
{
	struct kmem_cache_stats st;
	kmem_cache_get_stats(shm_cache, &st);
	return st.in_use;
}

void shm_cache_shrink(void) { kmem_cache_shrink(shm_cache); }

struct shm_object *shm_create(unsigned long nr_pages)
{
	if (mm_should_fail(MM_ALLOC_SHM))
		return NULL;
	struct shm_object *o = kmem_cache_alloc(shm_cache, GFP_ZERO);
	if (!o)
		return NULL;
	atomic_set(&o->refcount, 1);
	o->nr_pages = nr_pages;
	spin_lock_init(&o->lock);
	o->height = 1;
	while (o->height < 8 && (nr_pages - 1) >> (SHM_SLOTS_SHIFT * o->height))
		o->height++;
	o->id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
	return o;
}

/* Free a node of `level` (1: its slots are pages) and what hangs below it. */
static void free_node(void **node, unsigned level)
{
	for (unsigned long i = 0; i < SHM_SLOTS; i++) {
		if (!node[i])
			continue;
		if (level == 1)
			put_page(node[i]);
		else
			free_node(node[i], level - 1);
	}
	free_page(virt_to_page(node));
}

void shm_put(struct shm_object *o)
{
	if (!atomic_dec_and_test(&o->refcount))
		return;
	if (o->root)
		free_node(o->root, o->height);
	kmem_cache_free(shm_cache, o);
}

/* The leaf slot for pgoff, creating nodes on the way if alloc; NULL if a node is missing (or
 * cannot be had). Caller holds o->lock. */
static void **slot_of(struct shm_object *o, unsigned long pgoff, bool alloc)
{
	void **slot = &o->root;
	for (unsigned level = o->height; level > 0; level--) {
		if (!*slot) {
			struct page *n = NULL;
			if (!alloc || mm_should_fail(MM_ALLOC_SHM) || !(n = alloc_page(GFP_ZERO)))
				return NULL;
			*slot = page_address(n);
		}
		void **node = *slot;
		slot = &node[(pgoff >> (SHM_SLOTS_SHIFT * (level - 1))) & (SHM_SLOTS - 1)];
	}
	return slot;
}

struct page *shm_find_page(struct shm_object *o, unsigned long pgoff)
{
	if (pgoff >= o->nr_pages)
		return NULL;
	spin_lock(&o->lock);
	void **slot = slot_of(o, pgoff, false);
	struct page *p = slot ? *slot : NULL;
	spin_unlock(&o->lock);
	return p;
}

int shm_get_page(struct shm_object *o, unsigned long pgoff, struct page **page)
{
	if (pgoff >= o->nr_pages)
		return -EFAULT;
	struct page *fresh = NULL;
	for (;;) {
		spin_lock(&o->lock);
		void **slot = slot_of(o, pgoff, true);
		if (!slot) {
			spin_unlock(&o->lock);
			if (fresh)
				free_page(fresh);
			return -ENOMEM;
		}
		struct page *p = *slot;
		if (!p && fresh) {
			/* The page's zeroes are written before the slot that publishes it, and
			 * readers of the slot hold the lock. */
			p = *slot = fresh;
			fresh->anon.anon_vma = o;
			fresh->anon.index = pgoff;
			atomic_set(&fresh->anon.mapcount, 0);
			o->nr_present++;
			fresh = NULL;
		}
		if (p) {
			get_page(p);
			spin_unlock(&o->lock);
			if (fresh)
				free_page(fresh);
			*page = p;
			return 0;
		}
		spin_unlock(&o->lock);
		/* Zero the page outside the lock, then look again: another fault may have put
		 * one there meanwhile, and then this one goes back. */
		if (mm_should_fail(MM_ALLOC_PAGE) || !(fresh = alloc_page(GFP_ZERO)))
			return -ENOMEM;
	}
}

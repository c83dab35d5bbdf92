/*
 * The slab allocator. Each cache owns slabs (one or a few pages); a free object holds the
 * pointer to the next free object of its slab at its start. The slab's bookkeeping lives in its
 * struct page (page->slab), so kfree() finds the cache from the address alone.
 * Locking: one spinlock per cache; per-CPU magazines in front of it come with SMP, and an
 * RCU-typesafe flag with RCU.
 * A slab that becomes empty is returned to the page allocator at once, except the last one.
 * With debug.slab=1 (the default) a free object is filled with SLAB_POISON past its free-list
 * word and checked when it is handed out again: a write after free is reported there, and a
 * pointer read after free is a non-canonical or unmapped address that faults at once.
 */
#include "mm/slab.h"
#include "mm/internal.h"
#include "kernel/param.h"

#define SLAB_POISON 0x6b

static bool debug_slab = true;
PARAM_BOOL("debug.slab", debug_slab,
	   "poison freed slab objects and check the poison on reuse (default 1)");

static const u32 kmalloc_sizes[] = { 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096 };
static struct kmem_cache *kmalloc_caches[ARRAY_SIZE(kmalloc_sizes)];
static struct kmem_cache cache_cache;   /* the cache that struct kmem_cache comes from */
static struct list_head all_caches = LIST_HEAD_INIT(all_caches);
static spinlock_t caches_lock = SPINLOCK_INIT;

static void cache_setup(struct kmem_cache *c, const char *name, size_t size, size_t align)
{
	if (align < sizeof(void *))
		align = sizeof(void *);
	c->name = name;
	c->size = (u32)ALIGN_UP(MAX(size, sizeof(void *)), align);
	c->order = 0;
	while ((PAGE_SIZE << c->order) / c->size < 8 && c->order < 3)
		c->order++;
	c->objs_per_slab = (u32)((PAGE_SIZE << c->order) / c->size);
	spin_lock_init(&c->lock);
	list_init(&c->partial);
	list_init(&c->full);
	c->nr_slabs = c->nr_active = 0;
	unsigned long flags = spin_lock_irqsave(&caches_lock);
	list_add_tail(&c->link, &all_caches);
	spin_unlock_irqrestore(&caches_lock, flags);
}

static struct page *new_slab(struct kmem_cache *c)
{
	struct page *p = alloc_pages(c->order, 0);
	if (!p)
		return NULL;
	char *base = page_address(p);
	if (debug_slab)
		memset(base, SLAB_POISON, PAGE_SIZE << c->order);
	for (u32 i = 0; i < c->objs_per_slab; i++)
		*(void **)(base + i * c->size) = i + 1 < c->objs_per_slab ? base + (i + 1) * c->size : NULL;
	/* Every page of the slab points at the first, where the bookkeeping lives. */
	for (unsigned i = 0; i < (1u << c->order); i++) {
		p[i].flags |= PG_slab;
		p[i].private = (unsigned long)p;
	}
	p->slab.cache = c;
	p->slab.freelist = base;
	p->slab.inuse = 0;
	return p;
}

/* The free-list word cannot hold poison, but it must still be a link: NULL or the start of an
 * object of the same slab. A write after free that lands on it (the first word of a struct
 * thread is its preempt count) would otherwise send the next allocation to a misaligned or
 * foreign address. Called with the cache locked, before the link is followed. */
static void check_link(struct kmem_cache *c, struct page *p, void *obj, void *next)
{
	char *base = page_address(p);
	uintptr_t off = (uintptr_t)next - (uintptr_t)base;
	if (next && (off >= (uintptr_t)c->objs_per_slab * c->size || off % c->size))
		panic("slab %s: object %p was written after it was freed (its free-list link is "
		      "%p, not an object of its slab)", c->name, obj, next);
}

/* Everything after the free-list word must still be poison. (Boot parameters are read before the
 * first slab exists, so with debug.slab=1 every free object was poisoned; the parameter must not
 * change at run time.) */
static void check_poison(struct kmem_cache *c, void *obj)
{
	const u8 *b = obj;
	for (u32 i = sizeof(void *); i < c->size; i++)
		if (b[i] != SLAB_POISON)
			panic("slab %s: object %p was written after it was freed (byte %u is %#x, "
			      "not the poison %#x)", c->name, obj, i, b[i], SLAB_POISON);
}

void *kmem_cache_alloc(struct kmem_cache *c, unsigned gfp)
{
	unsigned long flags = spin_lock_irqsave(&c->lock);
	if (list_empty(&c->partial)) {
		/* Allocate the slab without the lock held; then put it on the partial list. */
		spin_unlock_irqrestore(&c->lock, flags);
		struct page *fresh = new_slab(c);
		if (!fresh)
			return NULL;
		flags = spin_lock_irqsave(&c->lock);
		list_add(&fresh->lru, &c->partial);
		c->nr_slabs++;
	}
	struct page *p = list_first_entry(&c->partial, struct page, lru);
	void *obj = p->slab.freelist;
	if (debug_slab)
		check_link(c, p, obj, *(void **)obj);
	p->slab.freelist = *(void **)obj;
	p->slab.inuse++;
	c->nr_active++;
	if (!p->slab.freelist) {
		list_del(&p->lru);
		list_add(&p->lru, &c->full);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	if (debug_slab)
		check_poison(c, obj);
	if (gfp & GFP_ZERO)
		memset(obj, 0, c->size);
	return obj;
}

/* The first page of the slab holding obj, or NULL if obj is not in a slab. */
static struct page *slab_head(const void *obj)
{
	struct page *p = virt_to_page(obj);
	return (p->flags & PG_slab) ? (struct page *)p->private : NULL;
}

static void release_slab(struct kmem_cache *c, struct page *p)
{
	for (unsigned i = 0; i < (1u << c->order); i++) {
		p[i].flags &= ~PG_slab;
		p[i].private = 0;
	}
	free_pages(p, c->order);
}

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	struct page *p = slab_head(obj);
	char *base = p ? page_address(p) : NULL;
	if (!p || p->slab.cache != c || ((char *)obj - base) % c->size)
		panic("kmem_cache_free(%s): %p is not an object of this cache", c->name, obj);
	if (debug_slab)
		memset((char *)obj + sizeof(void *), SLAB_POISON, c->size - sizeof(void *));
	struct page *to_free = NULL;
	unsigned long flags = spin_lock_irqsave(&c->lock);
	bool was_full = p->slab.freelist == NULL;
	*(void **)obj = p->slab.freelist;
	p->slab.freelist = obj;
	p->slab.inuse--;
	c->nr_active--;
	if (was_full) {
		list_del(&p->lru);
		list_add(&p->lru, &c->partial);
	}
	if (p->slab.inuse == 0 && c->nr_slabs > 1) {
		list_del(&p->lru);
		c->nr_slabs--;
		to_free = p;
	}
	spin_unlock_irqrestore(&c->lock, flags);
	if (to_free)
		release_slab(c, to_free);
}

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align)
{
	if (size == 0 || size > PAGE_SIZE || (align & (align - 1)))
		return NULL;
	struct kmem_cache *c = kmem_cache_alloc(&cache_cache, GFP_ZERO);
	if (c)
		cache_setup(c, name, size, align);
	return c;
}

void kmem_cache_destroy(struct kmem_cache *c)
{
	if (c->nr_active)
		panic("kmem_cache_destroy(%s): %lu objects still in use", c->name, c->nr_active);
	struct page *p, *tmp;
	list_for_each_entry_safe(p, tmp, &c->partial, lru) {
		list_del(&p->lru);
		release_slab(c, p);
	}
	unsigned long flags = spin_lock_irqsave(&caches_lock);
	list_del(&c->link);
	spin_unlock_irqrestore(&caches_lock, flags);
	kmem_cache_free(&cache_cache, c);
}

void *kmalloc(size_t size, unsigned gfp)
{
	for (unsigned i = 0; i < ARRAY_SIZE(kmalloc_sizes); i++)
		if (size <= kmalloc_sizes[i])
			return kmem_cache_alloc(kmalloc_caches[i], gfp);
	unsigned order = 0;
	while ((PAGE_SIZE << order) < size)
		order++;
	struct page *p = alloc_pages(order, gfp);
	return p ? page_address(p) : NULL;
}

void kfree(void *ptr)
{
	if (!ptr)
		return;
	struct page *p = slab_head(ptr);
	if (p) {
		kmem_cache_free(p->slab.cache, ptr);
		return;
	}
	p = virt_to_page(ptr);
	if (ptr == page_address(p)) {
		free_pages(p, (p->flags & PG_head) ? p->order : 0);
	} else {
		panic("kfree(%p): not an address kmalloc returned", ptr);
	}
}

size_t ksize(const void *ptr)
{
	struct page *p = slab_head(ptr);
	if (p)
		return p->slab.cache->size;
	p = virt_to_page(ptr);
	return PAGE_SIZE << ((p->flags & PG_head) ? p->order : 0);
}

void __init slab_init(void)
{
	cache_setup(&cache_cache, "kmem_cache", sizeof(struct kmem_cache), 8);
	for (unsigned i = 0; i < ARRAY_SIZE(kmalloc_sizes); i++) {
		kmalloc_caches[i] = kmem_cache_create("kmalloc", kmalloc_sizes[i], 8);
		if (!kmalloc_caches[i])
			panic("slab: cannot create the kmalloc-%u cache", kmalloc_sizes[i]);
	}
}

/* mm/slab.h on aligned_alloc/free: see host_slab.h. Objects are freed back to malloc at once, so
 * AddressSanitizer sees any later use, and ThreadSanitizer sees a free that races with a reader
 * (the poison is written first, for a build without either). */
#include "tests/host/host_slab.h"
#include "kernel/panic.h"
#include "lib/string.h"
#include "mm/page.h"
#include <pthread.h>
#include <stdlib.h>

struct host_cache {
	struct kmem_cache c;     /* name and size only */
	size_t align;
	long live;               /* atomic */
	struct host_cache *next; /* under caches_lock */
};

static pthread_mutex_t caches_lock = PTHREAD_MUTEX_INITIALIZER;
static struct host_cache *caches;
static long fail_countdown = -1;   /* atomic */
static unsigned long nr_failed;    /* atomic */

void host_slab_fail_after(long n)
{
	__atomic_store_n(&fail_countdown, n, __ATOMIC_SEQ_CST);
}

unsigned long host_slab_failed(void)
{
	return __atomic_load_n(&nr_failed, __ATOMIC_SEQ_CST);
}

long host_slab_live(const struct kmem_cache *c)
{
	const struct host_cache *h = container_of(c, struct host_cache, c);
	return __atomic_load_n(&h->live, __ATOMIC_SEQ_CST);
}

struct kmem_cache *host_slab_find(const char *name)
{
	struct kmem_cache *found = NULL;
	pthread_mutex_lock(&caches_lock);
	for (struct host_cache *h = caches; h && !found; h = h->next)
		if (!strcmp(h->c.name, name))
			found = &h->c;
	pthread_mutex_unlock(&caches_lock);
	return found;
}

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align, unsigned flags)
{
	struct host_cache *h;
	const unsigned known = SLAB_NO_PERCPU | SLAB_TYPESAFE_BY_RCU | SLAB_TYPESAFE_BUSTED;
	if (size == 0 || (align & (align - 1)) || (flags & ~known))
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->align = align < sizeof(void *) ? sizeof(void *) : align;
	h->c.name = name;
	h->c.size = (u32)ALIGN_UP(size, h->align);
	h->c.flags = flags;
	pthread_mutex_lock(&caches_lock);
	h->next = caches;
	caches = h;
	pthread_mutex_unlock(&caches_lock);
	return &h->c;
}

void kmem_cache_destroy(struct kmem_cache *c)
{
	struct host_cache *h = container_of(c, struct host_cache, c), **pp;
	if (h->live)
		panic("kmem_cache_destroy(%s): %ld objects still in use", c->name, h->live);
	pthread_mutex_lock(&caches_lock);
	for (pp = &caches; *pp != h; pp = &(*pp)->next)
		;
	*pp = h->next;
	pthread_mutex_unlock(&caches_lock);
	free(h);
}

/* One-shot: the allocation that finds the countdown at 0 fails and disarms it. */
static bool should_fail(void)
{
	long n = __atomic_load_n(&fail_countdown, __ATOMIC_SEQ_CST);
	while (n >= 0) {
		if (__atomic_compare_exchange_n(&fail_countdown, &n, n - 1, false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return n == 0;
	}
	return false;
}

void *kmem_cache_alloc(struct kmem_cache *c, unsigned gfp)
{
	struct host_cache *h = container_of(c, struct host_cache, c);
	void *obj;
	if (should_fail()) {
		__atomic_add_fetch(&nr_failed, 1, __ATOMIC_SEQ_CST);
		return NULL;
	}
	obj = aligned_alloc(h->align, c->size);
	if (!obj)
		return NULL;
	memset(obj, (gfp & GFP_ZERO) ? 0 : HOST_SLAB_FRESH, c->size);
	__atomic_add_fetch(&h->live, 1, __ATOMIC_SEQ_CST);
	return obj;
}

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	struct host_cache *h = container_of(c, struct host_cache, c);
	if (!obj)
		return;
	memset(obj, HOST_SLAB_POISON, c->size);
	__atomic_sub_fetch(&h->live, 1, __ATOMIC_SEQ_CST);
	free(obj);
}

/* What the address-space code's leak checks read: objects in use (the rest means nothing here). */
void kmem_cache_get_stats(struct kmem_cache *c, struct kmem_cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->in_use = (unsigned long)host_slab_live(c);
}

/* Nothing is kept: every object went back to malloc when freed. */
void kmem_cache_shrink(struct kmem_cache *c) { (void)c; }

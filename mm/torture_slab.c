/*
 * torture=slab: does a SLAB_TYPESAFE_BY_RCU cache keep its promise? An RCU reader that loaded a
 * pointer to one of its objects must find, until rcu_read_unlock(), an object of that type (maybe
 * freed, maybe reused), never memory that left the cache.
 * Writers keep replacing objects in a table of published slots, freeing each old object at once
 * (what typesafe caches allow); now and then one empties all its slots and shrinks the cache, so
 * that whole slabs empty and go back, and at once either allocates pages and fills them with a
 * foreign pattern or allocates objects of the cache itself, so that a page that went back too
 * early is reused under the readers, as a foreign page or as a new slab of this cache (a CPU's
 * free pages are reused last-in first-out). A pressure thread churns a second, ordinary cache of
 * the same object size and more foreign pages. Readers, pinned one per CPU, load a slot under
 * rcu_read_lock() and check, at once and again after a delay of up to 200 us, that the object's
 * type field still holds the cache's magic and that its page is still a slab of the cache, the
 * same one: its generation (page->slab.gen, new each time the cache grows) has not changed, so a
 * page that went back early and was grown again by this very cache, where new objects carry the
 * magic too, is caught as well. Every foreign user writes other values at the magic's place.
 * Broken twin: the cache gives empty slabs back without waiting for a grace period.
 */
#include "mm/slab.h"
#include "mm/internal.h"
#include "kernel/sched/thread.h"
#include "kernel/torture.h"
#include "lib/printf.h"

#define TS_SLOTS 64              /* published slots, split between the writers */
#define TS_WRITERS 2
#define TS_HELD_PAGES 16         /* foreign pages a writer holds after a shrink */
#define TS_REGROWN 32            /* or objects, four slabs' worth, unpublished */
#define TS_PRESSURE_PAGES 64     /* and the pressure thread */
#define TS_MAGIC 0x7e5afe0b1ec75ull       /* every object of the cache, from its allocation on */
#define TS_OTHER_MAGIC 0x07e4ca4eull      /* the ordinary cache's objects */
#define TS_FOREIGN 0x5a                   /* every byte of a foreign page */

/* 480 bytes: eight to a one-page slab, so that slabs empty often. */
struct ts_obj {
	u64 magic;               /* TS_MAGIC, set before publication, never cleared */
	u64 id;                  /* changes with every allocation */
	u64 payload[58];
};

struct ts_state {
	struct kmem_cache *cache;        /* typesafe (or the busted twin) */
	struct kmem_cache *other;        /* ordinary, same size */
	struct ts_obj *slots[TS_SLOTS];  /* RCU-published; slot i is writer i % TS_WRITERS's */
	atomic_long_t lookups, rechecks, replaces, clears, foreign_pages, reused_pages;
};

struct ts_thread {
	struct torture_run *run;
	unsigned index;
	unsigned long waiting_max;   /* writers: most slabs seen waiting for a grace period */
};

static struct ts_thread threads[TORTURE_MAX_THREADS];

/* Is obj's page still a slab of c? Its slabs are one page, so the page is its own head: fields
 * of a page that went back and is reused are only compared, never followed. */
static bool in_cache(const struct ts_obj *obj, struct kmem_cache *c)
{
	struct page *p = virt_to_page(obj);
	return (READ_ONCE(p->flags) & PG_slab) && READ_ONCE(p->private) == (unsigned long)p &&
	       READ_ONCE(p->slab.cache) == c;
}

static u32 slab_gen(const struct ts_obj *obj)
{
	return READ_ONCE(virt_to_page(obj)->slab.gen);
}

static bool check(struct torture_run *r, struct ts_state *st, const struct ts_obj *obj,
		  const char *when)
{
	u64 magic = READ_ONCE(obj->magic);
	if (magic != TS_MAGIC) {
		torture_error(r, "%s: object %p has magic %#lx, not the cache's: its memory left "
			      "the cache under an RCU reader", when, obj, (unsigned long)magic);
		return false;
	}
	if (!in_cache(obj, st->cache)) {
		torture_error(r, "%s: the page of object %p is no longer a slab of the cache", when,
			      obj);
		return false;
	}
	return true;
}

static void reader(void *arg)
{
	struct ts_thread *th = arg;
	struct torture_run *r = th->run;
	struct ts_state *st = r->priv;
	u64 rnd = torture_seed_for(r, th->index);
	long lookups = 0, rechecks = 0;
	while (!torture_stop(r)) {
		rcu_read_lock();
		struct ts_obj *obj = rcu_dereference(st->slots[torture_random(&rnd) % TS_SLOTS]);
		if (obj && check(r, st, obj, "at once") && torture_random(&rnd) % 4 == 0) {
			/* Hold the pointer while writers free, shrink and reuse. */
			u32 gen = slab_gen(obj);
			torture_udelay(1 + (unsigned)(torture_random(&rnd) % 200));
			if (check(r, st, obj, "after a delay") && slab_gen(obj) != gen)
				torture_error(r, "after a delay: the page of object %p left the cache "
					      "and came back as a new slab (generation %u, now %u)",
					      obj, gen, slab_gen(obj));
			rechecks++;
		}
		rcu_read_unlock();
		if (++lookups % 64 == 0) {
			torture_ops(r, 64);
			torture_stutter(r);
		}
	}
	atomic_long_add_return(&st->lookups, lookups);
	atomic_long_add_return(&st->rechecks, rechecks);
}

/* Pages from the page allocator, every byte TS_FOREIGN; counts those that still carry the
 * cache's magic: former slabs of the cache, given back after their grace period as they should
 * be, or (the twin) too early. Not a count of failures: it shows that the cache's pages come
 * back into use during the run, which is what gives the readers' check a chance to fail when a
 * page goes back too early. Returns how many it got. */
static unsigned grab_pages(struct ts_state *st, struct page **pages, unsigned n)
{
	unsigned got = 0, reused = 0;
	u32 stride = st->cache->stride;
	for (; got < n; got++) {
		pages[got] = alloc_page(0);
		if (!pages[got])
			break;
		u64 *base = page_address(pages[got]);
		for (u32 off = 0; off + sizeof(u64) <= PAGE_SIZE; off += stride)
			if (base[off / sizeof(u64)] == TS_MAGIC) {
				reused++;
				break;
			}
		memset(base, TS_FOREIGN, PAGE_SIZE);
	}
	atomic_long_add_return(&st->foreign_pages, got);
	atomic_long_add_return(&st->reused_pages, reused);
	return got;
}

static void drop_pages(struct page **pages, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free_page(pages[i]);
}

static struct ts_obj *new_obj(struct ts_state *st, u64 id)
{
	struct ts_obj *obj = kmem_cache_alloc(st->cache, 0);
	if (obj) {
		WRITE_ONCE(obj->magic, TS_MAGIC);   /* published with release below */
		obj->id = id;
	}
	return obj;
}

static void writer(void *arg)
{
	struct ts_thread *th = arg;
	struct torture_run *r = th->run;
	struct ts_state *st = r->priv;
	u64 rnd = torture_seed_for(r, 1000 + th->index);
	u64 id = (u64)th->index << 48;
	struct page *held[TS_HELD_PAGES];
	struct ts_obj *regrown[TS_REGROWN];
	unsigned nheld = 0, nregrown = 0;
	long n = 0;
	while (!torture_stop(r)) {
		unsigned slot = th->index + TS_WRITERS * (unsigned)(torture_random(&rnd) %
								    (TS_SLOTS / TS_WRITERS));
		if (torture_random(&rnd) % 256) {
			/* Replace: publish the new object, free the old one at once. */
			struct ts_obj *obj = new_obj(st, ++id), *old = st->slots[slot];
			if (obj) {
				rcu_assign_pointer(st->slots[slot], obj);
				if (old)
					kmem_cache_free(st->cache, old);
				atomic_long_add_return(&st->replaces, 1);
			}
		} else {
			/* Replace every object of ours, the new ones allocated before the old ones
			 * are freed so that they come from other slabs; then give the emptied slabs
			 * back and reuse pages at once. Readers may still hold the old objects. */
			struct ts_obj *fresh[TS_SLOTS / TS_WRITERS];
			for (unsigned i = 0; i < ARRAY_SIZE(fresh); i++)
				fresh[i] = new_obj(st, ++id);
			drop_pages(held, nheld);
			for (unsigned i = 0; i < nregrown; i++)
				kmem_cache_free(st->cache, regrown[i]);
			nheld = nregrown = 0;
			for (unsigned i = 0; i < ARRAY_SIZE(fresh); i++) {
				unsigned k = th->index + TS_WRITERS * i;
				struct ts_obj *old = st->slots[k];
				rcu_assign_pointer(st->slots[k], fresh[i]);
				if (old)
					kmem_cache_free(st->cache, old);
			}
			kmem_cache_shrink(st->cache);
			/* Every other time, let the cache itself grow into the pages just given
			 * back: an early page then carries the magic again, and only the slab
			 * generation tells. */
			if (torture_random(&rnd) % 2) {
				nheld = grab_pages(st, held, TS_HELD_PAGES);
			} else {
				while (nregrown < TS_REGROWN && (regrown[nregrown] = new_obj(st, ++id)))
					nregrown++;
			}
			atomic_long_add_return(&st->clears, 1);
			struct kmem_cache_stats cs;
			kmem_cache_get_stats(st->cache, &cs);
			th->waiting_max = MAX(th->waiting_max, cs.slabs_rcu);
		}
		if (++n % 16 == 0) {
			torture_ops(r, 16);
			torture_stutter(r);
		}
		torture_maybe_delay(&rnd);
	}
	drop_pages(held, nheld);
	for (unsigned i = 0; i < nregrown; i++)
		kmem_cache_free(st->cache, regrown[i]);
}

/* Another cache of the same object size, and foreign pages: the users an early page reaches. */
static void pressure(void *arg)
{
	struct ts_thread *th = arg;
	struct torture_run *r = th->run;
	struct ts_state *st = r->priv;
	u64 rnd = torture_seed_for(r, 2000);
	struct page *pages[TS_PRESSURE_PAGES];
	u64 *objs[32];
	long n = 0;
	while (!torture_stop(r)) {
		unsigned got = grab_pages(st, pages,
					  1 + (unsigned)(torture_random(&rnd) % TS_PRESSURE_PAGES));
		unsigned nobj = 0;
		for (; nobj < ARRAY_SIZE(objs); nobj++) {
			objs[nobj] = kmem_cache_alloc(st->other, 0);
			if (!objs[nobj])
				break;
			objs[nobj][0] = TS_OTHER_MAGIC;
		}
		torture_udelay((unsigned)(torture_random(&rnd) % 50));
		for (unsigned i = 0; i < nobj; i++)
			kmem_cache_free(st->other, objs[i]);
		drop_pages(pages, got);
		if (++n % 4 == 0)
			kmem_cache_shrink(st->other);
		torture_ops(r, 1);
		torture_stutter(r);
		torture_maybe_delay(&rnd);
	}
}

static int ts_start(struct torture_run *r)
{
	struct ts_state *st = kmalloc(sizeof(*st), GFP_ZERO);
	if (!st)
		return -ENOMEM;
	r->priv = st;
	st->cache = kmem_cache_create("torture_typesafe", sizeof(struct ts_obj), 8,
				      r->busted ? SLAB_TYPESAFE_BUSTED : SLAB_TYPESAFE_BY_RCU);
	st->other = kmem_cache_create("torture_other", sizeof(struct ts_obj), 8, 0);
	if (!st->cache || !st->other)
		return -ENOMEM;
	if (st->cache->order || st->other->order)
		return -EINVAL;   /* in_cache() needs one-page slabs */
	unsigned k = 0;
	for (unsigned i = 0; i < TS_WRITERS; i++, k++) {
		threads[k] = (struct ts_thread){ r, i, 0 };
		int err = torture_thread(r, writer, &threads[k], "ts_writer", -1);
		if (err)
			return err;
	}
	threads[k] = (struct ts_thread){ r, 0, 0 };
	int err = torture_thread(r, pressure, &threads[k++], "ts_pressure", -1);
	if (err)
		return err;
	for (unsigned i = 0; i < r->nthreads && k < TORTURE_MAX_THREADS; i++, k++) {
		threads[k] = (struct ts_thread){ r, i, 0 };
		err = torture_thread(r, reader, &threads[k], "ts_reader", (int)i);
		if (err)
			return err;
	}
	return 0;
}

static void ts_progress(struct torture_run *r, char *buf, size_t len)
{
	struct ts_state *st = r->priv;
	struct kmem_cache_stats cs;
	kmem_cache_get_stats(st->cache, &cs);
	snprintf(buf, len, "slabs=%lu waiting=%lu freed=%lu reused_pages=%ld", cs.slabs,
		 cs.slabs_rcu, cs.slabs_freed, atomic_long_read(&st->reused_pages));
}

static void ts_finish(struct torture_run *r)
{
	struct ts_state *st = r->priv;
	if (!st)
		return;
	struct kmem_cache_stats cs = { 0 };
	if (st->cache) {
		for (unsigned i = 0; i < TS_SLOTS; i++)
			if (st->slots[i])
				kmem_cache_free(st->cache, st->slots[i]);
		kmem_cache_get_stats(st->cache, &cs);
		if (cs.slabs_freed == 0)
			torture_error(r, "no slab of the cache went back: the readers checked "
				      "nothing");
		kmem_cache_destroy(st->cache);   /* waits for the slabs still in a grace period */
	}
	if (st->other)
		kmem_cache_destroy(st->other);
	unsigned long waiting_max = 0;
	for (unsigned i = 0; i < TS_WRITERS; i++)
		waiting_max = MAX(waiting_max, threads[i].waiting_max);
	unsigned long ops = cs.alloc_hits + cs.alloc_misses + cs.free_hits + cs.free_misses;
	snprintf(r->detail, sizeof(r->detail),
		 "lookups=%ld rechecks=%ld replaces=%ld clears=%ld slabs_freed=%lu "
		 "slabs_waiting_max=%lu foreign_pages=%ld reused_pages=%ld magazine_hits=%lu%%",
		 atomic_long_read(&st->lookups), atomic_long_read(&st->rechecks),
		 atomic_long_read(&st->replaces), atomic_long_read(&st->clears), cs.slabs_freed,
		 waiting_max, atomic_long_read(&st->foreign_pages),
		 atomic_long_read(&st->reused_pages),
		 ops ? (cs.alloc_hits + cs.free_hits) * 100 / ops : 0);
	kfree(st);
}

TORTURE_SUITE(slab_suite) = {
	.name = "slab",
	.twin = "the typesafe cache gives empty slabs back without waiting for a grace period",
	.start = ts_start,
	.progress = ts_progress,
	.finish = ts_finish,
};

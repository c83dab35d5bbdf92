/*
 * The slab allocator: caches of equal objects cut out of slabs (one or a few pages), each slab's
 * bookkeeping in its struct page (page->slab), so that kfree() finds the cache from the address.
 * Each CPU keeps a magazine of free objects per cache in front of the slabs: alloc and free use
 * it without a lock; only an empty or a full magazine goes to the slabs, a batch at a time.
 * Locking: a magazine is its CPU's, used with that CPU's interrupts off (the magazine rule below);
 * the cache lock (irq-safe) guards the slab lists, the slabs' free lists and the counters.
 * An empty slab goes back to the page allocator at once (the cache's last one only on a shrink);
 * a SLAB_TYPESAFE_BY_RCU cache's only after a grace period, so that an RCU reader's stale pointer
 * stays inside an object of the cache. debug.slab=1 (the default) poisons freed objects from
 * their first byte (on a slab's free list the first word is the link) and checks the poison on
 * reuse; typesafe caches are not poisoned. docs/mm/slab.md tells it all.
 */
#include "mm/slab.h"
#include "mm/internal.h"
#include "kernel/param.h"
#include "kernel/smp.h"

#define SLAB_POISON 0x6b
#define SLAB_MAX_ORDER 3   /* a slab is at most 8 pages */

static bool debug_slab = true;
PARAM_BOOL("debug.slab", debug_slab,
	   "poison freed slab objects and check the poison on reuse (default 1)");

bool slab_debug(void) { return debug_slab; }

static const u32 kmalloc_sizes[] = { 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096 };
static const char *const kmalloc_names[] = {
	"kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-96", "kmalloc-128", "kmalloc-192",
	"kmalloc-256", "kmalloc-512", "kmalloc-1024", "kmalloc-2048", "kmalloc-4096",
};
STATIC_ASSERT(ARRAY_SIZE(kmalloc_names) == ARRAY_SIZE(kmalloc_sizes), "a name per size class");
static struct kmem_cache *kmalloc_caches[ARRAY_SIZE(kmalloc_sizes)];
static struct kmem_cache cache_cache;   /* the cache that struct kmem_cache comes from */
static struct list_head all_caches = LIST_HEAD_INIT(all_caches);
static spinlock_t caches_lock = SPINLOCK_INIT;

/*
 * The magazine rule. A CPU's magazine of a cache (c->cpu, from alloc_percpu(): CPU n's is
 * per_cpu_ptr(c->cpu, n)) is read and written only by CPU n,
 * between arch_irq_save() and arch_irq_restore(), with n read after the save:
 *  - no interrupt comes between any two instructions of that stretch, so an interrupt handler
 *    that allocates or frees on this CPU (a kfree in an IPI, a timer callback) never finds the
 *    magazine half updated; disabling preemption alone would not stop it;
 *  - with interrupts off the thread cannot be preempted, so it cannot move to another CPU
 *    between reading n and using its magazine (nothing in the stretch sleeps, and the
 *    preempt_enable() of spin_unlock does not schedule while interrupts are off);
 *  - a CPU sees its own accesses in program order and an interrupt sees everything the
 *    interrupted code did before it (interrupts are precise on all three arches), so the
 *    magazine needs no barrier.
 * Objects move between CPUs only through the slabs, under the cache lock, whose release and
 * acquire order everything done to an object on one CPU (its poison, its user's last writes)
 * before its allocation on another. Two places change other CPUs' magazines: kmem_cache_shrink()
 * asks each CPU by IPI to empty its own (an IPI is an interrupt, so it never lands inside the
 * stretch), and kmem_cache_destroy() empties them itself, because its caller guarantees that
 * nothing uses the cache any more and whatever told it so (a thread join, a completion) orders
 * their last frees before it. Statistics and the double-free check (free_where) read them
 * racily.
 */

static inline bool typesafe(const struct kmem_cache *c)
{
	return c->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_TYPESAFE_BUSTED);
}

static inline bool poisoned(const struct kmem_cache *c) { return debug_slab && !typesafe(c); }

/* The free-list link of a free object. */
static inline void **link_of(const struct kmem_cache *c, void *obj)
{
	return (void **)((char *)obj + c->free_offset);
}

/* Lay out c's objects and register it; false (and c untouched by anyone else) if not even one
 * object fits in the largest slab. align is a power of two. */
static bool cache_setup(struct kmem_cache *c, const char *name, size_t size, size_t align,
			unsigned flags)
{
	if (align < sizeof(void *))
		align = sizeof(void *);
	c->name = name;
	c->flags = flags;
	c->size = (u32)ALIGN_UP(MAX(size, sizeof(void *)), align);
	/* A typesafe object is its users' from its first byte to its last, free or not: its link
	 * goes after it. */
	c->free_offset = typesafe(c) ? c->size : 0;
	c->stride = (u32)ALIGN_UP(c->free_offset + sizeof(void *), align);
	c->stride = MAX(c->stride, c->size);
	c->order = 0;
	while ((PAGE_SIZE << c->order) / c->stride < 8 && c->order < SLAB_MAX_ORDER)
		c->order++;
	c->objs_per_slab = (u32)((PAGE_SIZE << c->order) / c->stride);
	if (c->objs_per_slab == 0)
		return false;
	spin_lock_init(&c->lock);
	list_init(&c->partial);
	list_init(&c->full);
	c->nr_slabs = c->nr_slabs_rcu = c->nr_slabs_freed = c->nr_active = 0;
	c->nr_slabs_grown = 0;
	c->cpu = NULL;
	if (!(flags & SLAB_NO_PERCPU)) {
		c->cpu = alloc_percpu(struct slab_cpu);   /* zeroed: empty magazines */
		if (!c->cpu) {
			pr_warn("slab: no per-CPU space left (%u bytes a CPU): cache %s goes "
				"without magazines\n", PERCPU_DYNAMIC_SIZE, name);
			c->flags |= SLAB_NO_PERCPU;
		}
	}
	unsigned long flags_irq = spin_lock_irqsave(&caches_lock);
	list_add_tail(&c->link, &all_caches);
	spin_unlock_irqrestore(&caches_lock, flags_irq);
	return true;
}

static struct page *new_slab(struct kmem_cache *c)
{
	struct page *p = alloc_pages(c->order, 0);
	if (!p)
		return NULL;
	char *base = page_address(p);
	if (poisoned(c))
		memset(base, SLAB_POISON, PAGE_SIZE << c->order);
	for (u32 i = 0; i < c->objs_per_slab; i++)
		*link_of(c, base + i * c->stride) =
			i + 1 < c->objs_per_slab ? base + (i + 1) * c->stride : NULL;
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

static void release_slab(struct kmem_cache *c, struct page *p)
{
	for (unsigned i = 0; i < (1u << c->order); i++) {
		p[i].flags &= ~PG_slab;
		p[i].private = 0;
	}
	free_pages(p, c->order);
}

/* A typesafe cache's empty slab, a grace period after it was found empty: every reader that
 * could hold a pointer into it has left its read-side section. In the grace-period thread. */
static void release_slab_rcu(struct rcu_head *head)
{
	struct page *p = container_of(head, struct page, rcu);
	struct kmem_cache *c = p->slab.cache;   /* destroy waits for us (rcu_barrier) */
	release_slab(c, p);
	unsigned long flags = spin_lock_irqsave(&c->lock);
	c->nr_slabs_rcu--;
	c->nr_slabs_freed++;
	spin_unlock_irqrestore(&c->lock, flags);
}

/* Give back the slabs on a list made by put_locked() or collect_empty_locked(). Called without
 * the cache lock, in any context (call_rcu and free_pages are irq-safe). */
static void release_slabs(struct kmem_cache *c, struct list_head *release)
{
	struct page *p, *tmp;
	list_for_each_entry_safe(p, tmp, release, lru) {
		list_del(&p->lru);
		/* The slab is off every list of the cache, so nothing allocates from it again, and
		 * its lru is free for the rcu_head. The grace period starts after every object in
		 * it was freed, and so after its users unpublished them (they free only then): a
		 * reader that found one began before, and call_rcu waits for it. */
		if (c->flags & SLAB_TYPESAFE_BY_RCU)
			call_rcu(&p->rcu, release_slab_rcu);
		else
			release_slab(c, p);
	}
}

/* Off the lists, onto *release; counted as waiting for a grace period if it will. Caller holds
 * the cache lock. */
static void retire_slab_locked(struct kmem_cache *c, struct page *p, struct list_head *release)
{
	list_del(&p->lru);
	list_add(&p->lru, release);
	c->nr_slabs--;
	if (c->flags & SLAB_TYPESAFE_BY_RCU)
		c->nr_slabs_rcu++;
	else
		c->nr_slabs_freed++;   /* as soon as the caller drops the lock */
}

/* The first page of the slab holding obj, or NULL if obj is not in a slab. */
static struct page *slab_head(const void *obj)
{
	struct page *p = virt_to_page(obj);
	return (p->flags & PG_slab) ? (struct page *)p->private : NULL;
}

/* While an object is on its slab's free list its first word is the link, not poison, but it must
 * still be a link: NULL or the start of an object of the same slab. A write after free that lands
 * on it (the first word of a struct thread is its preempt count) would otherwise send the next
 * allocation to a misaligned or foreign address. Called with the cache locked, before the link is
 * followed. */
static void check_link(struct kmem_cache *c, struct page *p, void *obj, void *next)
{
	char *base = page_address(p);
	uintptr_t off = (uintptr_t)next - (uintptr_t)base;
	if (next && (off >= (uintptr_t)c->objs_per_slab * c->stride || off % c->stride))
		panic("slab %s: object %p was written after it was freed (its free-list link is "
		      "%p, not an object of its slab)", c->name, obj, next);
}

/* Every byte must still be poison: objects are handed out from magazines, and an object in a
 * magazine is poison from its first byte to its last (take_locked() puts the poison back over the
 * link). (Boot parameters are read before the first slab exists, so with debug.slab=1 every free
 * object was poisoned; the parameter must not change at run time.) */
static void check_poison(struct kmem_cache *c, void *obj)
{
	const u8 *b = obj;
	for (u32 i = 0; i < c->size; i++)
		if (b[i] != SLAB_POISON)
			panic("slab %s: object %p was written after it was freed (byte %u is %#x, "
			      "not the poison %#x)", c->name, obj, i, b[i], SLAB_POISON);
}

/* Take up to n free objects out of the partial slabs into objs[]; returns how many (0 when no
 * slab has a free object). With poisoning, the link in each object's first word becomes poison
 * again, so that a free object outside a slab is poison throughout. Caller holds the cache
 * lock. */
static u32 take_locked(struct kmem_cache *c, void **objs, u32 n)
{
	u32 got = 0;
	while (got < n && !list_empty(&c->partial)) {
		struct page *p = list_first_entry(&c->partial, struct page, lru);
		while (got < n && p->slab.freelist) {
			void *obj = p->slab.freelist;
			void *next = *link_of(c, obj);
			if (debug_slab)
				check_link(c, p, obj, next);
			if (poisoned(c))
				memset(link_of(c, obj), SLAB_POISON, sizeof(void *));
			p->slab.freelist = next;
			p->slab.inuse++;
			objs[got++] = obj;
		}
		if (!p->slab.freelist) {
			list_del(&p->lru);
			list_add(&p->lru, &c->full);
		}
	}
	c->nr_active += got;
	return got;
}

/* A second free of an object that went back to its slab since the first, caught as it goes back
 * again: its slab has nothing in use, or the object is already the first free one (a self-loop
 * on the free list). Freed objects deeper in the list are found only by the debug check in
 * kmem_cache_free; without it such a double free gives the object two owners later. A slab of a
 * typesafe cache may even have gone back after its grace period while the second free sat in a
 * magazine. Caller holds the cache lock. */
static void check_put_locked(struct kmem_cache *c, struct page *p, void *obj)
{
	const char *why = !p || p->slab.cache != c ? "its slab has gone back" :
			  p->slab.inuse == 0 ? "its slab has no object in use" :
			  p->slab.freelist == obj ? "it is already its slab's first free object" : NULL;
	if (why)
		panic("slab %s: object %p was freed twice (%s)", c->name, obj, why);
}

/* Put n objects back into their slabs. A slab that becomes empty moves from the cache's lists
 * onto *release, unless it is the cache's last (so that allocating and freeing one object does
 * not cost a page allocation each time). Caller holds the cache lock. */
static void put_locked(struct kmem_cache *c, void *const *objs, u32 n, struct list_head *release)
{
	for (u32 i = 0; i < n; i++) {
		void *obj = objs[i];
		struct page *p = slab_head(obj);
		check_put_locked(c, p, obj);
		bool was_full = p->slab.freelist == NULL;
		*link_of(c, obj) = p->slab.freelist;
		p->slab.freelist = obj;
		p->slab.inuse--;
		if (was_full) {
			list_del(&p->lru);
			list_add(&p->lru, &c->partial);
		}
		if (p->slab.inuse == 0 && c->nr_slabs > 1)
			retire_slab_locked(c, p, release);
	}
	c->nr_active -= n;
}

/* Every empty slab, the last one too, onto *release. Caller holds the cache lock. */
static void collect_empty_locked(struct kmem_cache *c, struct list_head *release)
{
	struct page *p, *tmp;
	list_for_each_entry_safe(p, tmp, &c->partial, lru) {
		if (p->slab.inuse == 0)
			retire_slab_locked(c, p, release);
	}
}

/* A new slab onto the partial list; false if the page allocator has no pages. Called without
 * the cache lock, with interrupts as the caller had them. */
static bool grow(struct kmem_cache *c)
{
	struct page *fresh = new_slab(c);
	if (!fresh)
		return false;
	unsigned long flags = spin_lock_irqsave(&c->lock);
	WRITE_ONCE(fresh->slab.gen, ++c->nr_slabs_grown);
	list_add(&fresh->lru, &c->partial);
	c->nr_slabs++;
	spin_unlock_irqrestore(&c->lock, flags);
	return true;
}

/* One object from this CPU's magazine, refilled with a batch from the slabs when empty; NULL if
 * the slabs have none either. The magazine rule applies from the save to the restore. */
static void *magazine_alloc(struct kmem_cache *c)
{
	void *obj = NULL;
	unsigned long flags = arch_irq_save();
	struct slab_cpu *sc = this_cpu_ptr(c->cpu);
	if (likely(sc->count)) {
		WRITE_ONCE(sc->alloc_hits, sc->alloc_hits + 1);
	} else {
		spin_lock(&c->lock);
		u32 got = take_locked(c, sc->objs, SLAB_BATCH);
		spin_unlock(&c->lock);
		WRITE_ONCE(sc->count, got);
		if (got)
			WRITE_ONCE(sc->alloc_misses, sc->alloc_misses + 1);
	}
	if (sc->count) {
		obj = sc->objs[sc->count - 1];
		WRITE_ONCE(sc->count, sc->count - 1);
	}
	arch_irq_restore(flags);
	return obj;
}

static void *shared_alloc(struct kmem_cache *c)
{
	void *obj = NULL;
	unsigned long flags = spin_lock_irqsave(&c->lock);
	take_locked(c, &obj, 1);
	spin_unlock_irqrestore(&c->lock, flags);
	return obj;
}

/* GFP_ZERO for a typesafe object, which RCU readers may be reading through a pointer they loaded
 * before it was freed: a reader's READ_ONCE of a word must see the word's old value or zero,
 * never a mix of the two, and memset() stores bytes. Aligned 8-byte stores are single-copy
 * atomic on all three arches (and cover any aligned smaller field whole); the object's address
 * and size are multiples of 8 (cache_setup aligns both to at least a pointer). */
static void zero_words(void *obj, u32 size)
{
	u64 *w = obj;
	for (u32 i = 0; i < size / sizeof(u64); i++)
		WRITE_ONCE(w[i], 0);
}
STATIC_ASSERT(sizeof(void *) == sizeof(u64), "typesafe objects are zeroed a u64 at a time");

void *kmem_cache_alloc(struct kmem_cache *c, unsigned gfp)
{
	void *obj;
	/* Grow outside the magazine's stretch, with no lock held and interrupts as the caller had
	 * them, then try again: the fresh slab may have gone to another CPU's refill meanwhile, but
	 * then that CPU got objects. */
	while (!(obj = (c->flags & SLAB_NO_PERCPU) ? shared_alloc(c) : magazine_alloc(c)))
		if (!grow(c))
			return NULL;
	if (poisoned(c))
		check_poison(c, obj);
	if ((gfp & GFP_ZERO) && typesafe(c))
		zero_words(obj, c->size);
	else if (gfp & GFP_ZERO)
		memset(obj, 0, c->size);   /* nobody else can see an ordinary object */
	return obj;
}

/* Push obj onto this CPU's magazine, first flushing its oldest batch to the slabs if it is full
 * (the newest objects stay: they are the cache-warm ones). The magazine rule applies. */
static void magazine_free(struct kmem_cache *c, void *obj)
{
	struct list_head release = LIST_HEAD_INIT(release);
	unsigned long flags = arch_irq_save();
	struct slab_cpu *sc = this_cpu_ptr(c->cpu);
	/* A poisoned object was looked for already (kmem_cache_free); this is the only double-free
	 * check at the free of a typesafe object, which carries no poison. */
	if (debug_slab)
		for (u32 i = 0; i < sc->count; i++)
			if (sc->objs[i] == obj)
				panic("kmem_cache_free(%s): %p freed twice", c->name, obj);
	if (unlikely(sc->count == SLAB_MAGAZINE)) {
		spin_lock(&c->lock);
		put_locked(c, sc->objs, SLAB_BATCH, &release);
		spin_unlock(&c->lock);
		memmove(sc->objs, sc->objs + SLAB_BATCH, (SLAB_MAGAZINE - SLAB_BATCH) * sizeof(void *));
		WRITE_ONCE(sc->count, SLAB_MAGAZINE - SLAB_BATCH);
		WRITE_ONCE(sc->free_misses, sc->free_misses + 1);
	} else {
		WRITE_ONCE(sc->free_hits, sc->free_hits + 1);
	}
	sc->objs[sc->count] = obj;
	WRITE_ONCE(sc->count, sc->count + 1);
	arch_irq_restore(flags);
	release_slabs(c, &release);
}

static void shared_free(struct kmem_cache *c, void *obj)
{
	struct list_head release = LIST_HEAD_INIT(release);
	unsigned long flags = spin_lock_irqsave(&c->lock);
	put_locked(c, &obj, 1, &release);
	spin_unlock_irqrestore(&c->lock, flags);
	release_slabs(c, &release);
}

/* Could obj be free already? A free object is poison past its first word: in a magazine it is
 * poison throughout, on its slab's free list its first word is the link. An object in use looks
 * so only if its user filled it with the poison (and an object of one word always does), so this
 * only decides whether to look for it (free_where). */
static bool looks_free(const struct kmem_cache *c, const void *obj)
{
	const u8 *b = obj;
	for (u32 i = sizeof(void *); i < c->size; i++)
		if (b[i] != SLAB_POISON)
			return false;
	return true;
}

#define NOT_FREE (-2)
#define IN_SLAB (-1)

/* Where free objects are, is obj? IN_SLAB (on its slab's free list), the number of the CPU in
 * whose magazine it is, or NOT_FREE. Under the cache lock, so that no object moves between the
 * slabs and the magazines meanwhile; other CPUs' magazines are read racily (their owners push
 * and pop without the lock), which can miss obj only if its CPU allocates it meanwhile. */
static int free_where(struct kmem_cache *c, struct page *p, void *obj)
{
	int where = NOT_FREE;
	unsigned long flags = spin_lock_irqsave(&c->lock);
	void *f = p->slab.freelist;
	for (u32 n = 0; f && n < c->objs_per_slab && where == NOT_FREE; n++) {
		void *next = *link_of(c, f);
		check_link(c, p, f, next);
		if (f == obj)
			where = IN_SLAB;
		f = next;
	}
	for (unsigned cpu = 0; c->cpu && cpu < MAX_CPUS && where == NOT_FREE; cpu++) {
		const struct slab_cpu *sc = per_cpu_ptr(c->cpu, cpu);
		u32 count = MIN(READ_ONCE(sc->count), (u32)SLAB_MAGAZINE);
		for (u32 i = 0; i < count; i++)
			if (READ_ONCE(sc->objs[i]) == obj)
				where = (int)cpu;
	}
	spin_unlock_irqrestore(&c->lock, flags);
	return where;
}

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	struct page *p = slab_head(obj);
	uintptr_t off = p ? (uintptr_t)obj - (uintptr_t)page_address(p) : 0;
	/* A slab may end in a slot shorter than a stride: never an object. */
	if (!p || p->slab.cache != c || off % c->stride || off / c->stride >= c->objs_per_slab)
		panic("kmem_cache_free(%s): %p is not an object of this cache", c->name, obj);
	if (poisoned(c)) {
		int where = looks_free(c, obj) ? free_where(c, p, obj) : NOT_FREE;
		if (where == IN_SLAB)
			panic("kmem_cache_free(%s): %p freed twice (it is on its slab's free list)",
			      c->name, obj);
		if (where != NOT_FREE)
			panic("kmem_cache_free(%s): %p freed twice (it is in CPU %d's magazine)",
			      c->name, obj, where);
		memset(obj, SLAB_POISON, c->size);
	}
	if (c->flags & SLAB_NO_PERCPU)
		shared_free(c, obj);
	else
		magazine_free(c, obj);
}

/* Empty CPU cpu's magazine into the slabs: on that CPU with interrupts off, or on any CPU when
 * nothing uses the cache any more (see the magazine rule). */
static void drain_cpu(struct kmem_cache *c, unsigned cpu, struct list_head *release)
{
	struct slab_cpu *sc = per_cpu_ptr(c->cpu, cpu);
	unsigned long flags = spin_lock_irqsave(&c->lock);
	put_locked(c, sc->objs, sc->count, release);
	WRITE_ONCE(sc->count, 0);
	spin_unlock_irqrestore(&c->lock, flags);
}

/* Through smp_call_function: in an IPI, or directly with interrupts off on the caller's CPU. */
static void drain_this_cpu(void *arg)
{
	struct kmem_cache *c = arg;
	struct list_head release = LIST_HEAD_INIT(release);
	drain_cpu(c, smp_processor_id(), &release);
	release_slabs(c, &release);
}

void kmem_cache_shrink(struct kmem_cache *c)
{
	if (!(c->flags & SLAB_NO_PERCPU))
		smp_call_function(cpu_online_mask, drain_this_cpu, c, true);
	struct list_head release = LIST_HEAD_INIT(release);
	unsigned long flags = spin_lock_irqsave(&c->lock);
	collect_empty_locked(c, &release);
	spin_unlock_irqrestore(&c->lock, flags);
	release_slabs(c, &release);
}

void kmalloc_shrink(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(kmalloc_caches); i++)
		if (kmalloc_caches[i])
			kmem_cache_shrink(kmalloc_caches[i]);
}

void kmem_cache_get_stats(struct kmem_cache *c, struct kmem_cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	unsigned long flags = spin_lock_irqsave(&c->lock);
	st->slabs = c->nr_slabs;
	st->slabs_rcu = c->nr_slabs_rcu;
	st->slabs_freed = c->nr_slabs_freed;
	unsigned long active = c->nr_active;
	spin_unlock_irqrestore(&c->lock, flags);
	for (unsigned cpu = 0; c->cpu && cpu < MAX_CPUS; cpu++) {
		const struct slab_cpu *sc = per_cpu_ptr(c->cpu, cpu);
		st->in_magazines += READ_ONCE(sc->count);
		st->alloc_hits += READ_ONCE(sc->alloc_hits);
		st->alloc_misses += READ_ONCE(sc->alloc_misses);
		st->free_hits += READ_ONCE(sc->free_hits);
		st->free_misses += READ_ONCE(sc->free_misses);
	}
	st->objects = st->slabs * c->objs_per_slab;
	/* Magazines change while we count them: never report fewer than none in use. */
	st->in_use = active > st->in_magazines ? active - st->in_magazines : 0;
}

unsigned kmem_cache_list(struct kmem_cache_row *rows, unsigned cap)
{
	unsigned n = 0;
	unsigned long flags = spin_lock_irqsave(&caches_lock);   /* then each c->lock */
	struct kmem_cache *c;
	list_for_each_entry(c, &all_caches, link) {
		if (n < cap) {
			rows[n].name = c->name;
			rows[n].size = c->size;
			rows[n].flags = c->flags;
			kmem_cache_get_stats(c, &rows[n].st);
		}
		n++;
	}
	spin_unlock_irqrestore(&caches_lock, flags);
	return n;
}

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align, unsigned flags)
{
	const unsigned known = SLAB_NO_PERCPU | SLAB_TYPESAFE_BY_RCU | SLAB_TYPESAFE_BUSTED;
	const char *bad = NULL;
	if (size == 0 || size > PAGE_SIZE)
		bad = "the size must be 1 to PAGE_SIZE";
	else if ((align & (align - 1)) || align > PAGE_SIZE)
		bad = "the alignment must be a power of two, at most PAGE_SIZE";
	else if ((flags & ~known) ||
		 ((flags & SLAB_TYPESAFE_BY_RCU) && (flags & SLAB_TYPESAFE_BUSTED)))
		bad = "unknown or contradictory flags";
	if (bad) {
		pr_err("slab: cannot create cache %s (size %zu, align %zu, flags %#x): %s\n", name,
		       size, align, flags, bad);
		return NULL;
	}
	struct kmem_cache *c = kmem_cache_alloc(&cache_cache, GFP_ZERO);
	if (c && !cache_setup(c, name, size, align, flags)) {
		pr_err("slab: cannot create cache %s (size %zu, align %zu, flags %#x): no object "
		       "fits in a slab of %lu bytes\n", name, size, align, flags,
		       PAGE_SIZE << SLAB_MAX_ORDER);
		kmem_cache_free(&cache_cache, c);
		return NULL;
	}
	return c;
}

void kmem_cache_destroy(struct kmem_cache *c)
{
	struct list_head release = LIST_HEAD_INIT(release);
	for (unsigned cpu = 0; c->cpu && cpu < MAX_CPUS; cpu++)
		if (per_cpu_ptr(c->cpu, cpu)->count)
			drain_cpu(c, cpu, &release);
	unsigned long flags = spin_lock_irqsave(&c->lock);
	unsigned long active = c->nr_active;
	collect_empty_locked(c, &release);
	spin_unlock_irqrestore(&c->lock, flags);
	if (active)
		panic("kmem_cache_destroy(%s): %lu objects still in use", c->name, active);
	release_slabs(c, &release);
	if (c->flags & SLAB_TYPESAFE_BY_RCU)
		rcu_barrier();   /* its slabs' callbacks use c */
	if (c->nr_slabs_rcu)
		panic("kmem_cache_destroy(%s): %lu slabs still waiting", c->name, c->nr_slabs_rcu);
	flags = spin_lock_irqsave(&caches_lock);
	list_del(&c->link);
	spin_unlock_irqrestore(&caches_lock, flags);
	free_percpu(c->cpu);
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
	/* Caches are created and destroyed rarely: no magazines for their own cache. */
	if (!cache_setup(&cache_cache, "kmem_cache", sizeof(struct kmem_cache),
			 _Alignof(struct kmem_cache), SLAB_NO_PERCPU))
		panic("slab: struct kmem_cache does not fit in a slab");
	for (unsigned i = 0; i < ARRAY_SIZE(kmalloc_sizes); i++) {
		kmalloc_caches[i] = kmem_cache_create(kmalloc_names[i], kmalloc_sizes[i], 8, 0);
		if (!kmalloc_caches[i])
			panic("slab: cannot create the %s cache", kmalloc_names[i]);
	}
}

/* Slab caches and kmalloc in the running kernel: size classes, named caches, the per-CPU
 * magazines (each CPU's, drained, objects crossing CPUs, frees from interrupts) and poisoning.
 * The manual cases are bugs the allocator must catch: each must end in a panic
 * (tools/test-matrix boots them with --expect panic). */
#include "tests/kernel/ktest_util.h"
#include "kernel/smp.h"
#include "kernel/printk.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/timer.h"
#include "mm/page.h"
#include "mm/slab.h"
#include "lib/string.h"

KTEST(slab, reuse_lifo)
{
	/* On one CPU (its magazine is a stack): the last object freed is the first handed out. */
	preempt_disable();
	void *a = kmalloc(64, 0);
	kfree(a);
	void *b = kmalloc(64, 0);
	kfree(b);
	preempt_enable();
	KASSERT(t, a != NULL);
	KEXPECT(t, a == b);
}

KTEST(slab, size_classes)
{
	static const size_t sizes[] = { 1, 8, 16, 17, 64, 100, 200, 256, 700, 2048, 4000, 4096,
					4097, 10000, 65536 };
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *p = kmalloc(sizes[i], GFP_ZERO);
		KASSERT(t, p != NULL);
		KEXPECT(t, ksize(p) >= sizes[i]);
		KEXPECT(t, IS_ALIGNED((uintptr_t)p, 8));
		bool zero = true;
		for (size_t k = 0; k < sizes[i]; k++)
			zero &= p[k] == 0;
		KEXPECT(t, zero);
		memset(p, 0xee, sizes[i]);
		kfree(p);
	}
	kfree(NULL);
}

/* Many objects across many slabs: distinct, in bounds (each carries its index), then freed in
 * an interleaved order. */
static void churn(struct ktest *t, struct kmem_cache *c, void **objs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		objs[i] = kmem_cache_alloc(c, 0);
		if (!objs[i]) {
			KEXPECT(t, objs[i] != NULL);
			n = i;
			break;
		}
		memset(objs[i], (int)(i & 0xff), c->size);
	}
	for (unsigned i = 0; i < n; i++) {
		const u8 *b = objs[i];
		bool intact = true;
		for (unsigned k = 0; k < c->size; k++)
			intact &= b[k] == (u8)i;
		if (!intact)
			KEXPECT(t, intact);
	}
	for (unsigned pass = 0; pass < 2; pass++)
		for (unsigned i = pass; i < n; i += 2)
			kmem_cache_free(c, objs[i]);
}

/* After a churn nothing is in use; a shrink empties the magazines and gives every slab back, so
 * a second churn ends with the same free-page count, and destroying the cache with the count
 * before it existed. */
static void named_cache(struct ktest *t, unsigned flags)
{
	enum { N = 3000 };
	void **objs = kmalloc(N * sizeof(void *), 0);
	KASSERT(t, objs != NULL);
	unsigned long before = page_alloc_nr_free();
	struct kmem_cache *c = kmem_cache_create("ktest_obj", 72, 8, flags);
	KASSERT(t, c != NULL);
	KEXPECT_EQ(t, c->size, 72);
	struct kmem_cache_stats st;
	for (int round = 0; round < 2; round++) {
		unsigned long mid = page_alloc_nr_free();
		churn(t, c, objs, N);
		kmem_cache_get_stats(c, &st);
		KEXPECT_EQ(t, st.in_use, 0);
		KEXPECT(t, st.in_magazines <= nr_cpus_online * SLAB_MAGAZINE);
		kmem_cache_shrink(c);
		kmem_cache_get_stats(c, &st);
		KEXPECT_EQ(t, st.in_magazines, 0);
		KEXPECT_EQ(t, st.slabs, 0);
		KEXPECT_EQ(t, c->nr_active, 0);
		if (round)
			KEXPECT_EQ(t, page_alloc_nr_free(), mid);
	}
	kmem_cache_destroy(c);
	KEXPECT_EQ(t, page_alloc_nr_free(), before);
	kfree(objs);
}

KTEST(slab, named_cache) { named_cache(t, 0); }
KTEST(slab, named_cache_no_percpu) { named_cache(t, SLAB_NO_PERCPU); }

/* Each refusal prints why, naming the cache. */
KTEST(slab, bad_create)
{
	KEXPECT(t, kmem_cache_create("zero", 0, 8, 0) == NULL);
	KEXPECT(t, kmem_cache_create("huge", 2 * PAGE_SIZE, 8, 0) == NULL);
	KEXPECT(t, kmem_cache_create("align", 64, 24, 0) == NULL);
	KEXPECT(t, kmem_cache_create("align_64k", 64, 65536, 0) == NULL);
	KEXPECT(t, kmem_cache_create("align_2pages", 64, 2 * PAGE_SIZE, 0) == NULL);
	KEXPECT(t, kmem_cache_create("flags", 64, 8, 0x80000000u) == NULL);
	KEXPECT(t, kmem_cache_create("flags_both", 64, 8,
				     SLAB_TYPESAFE_BY_RCU | SLAB_TYPESAFE_BUSTED) == NULL);
}

/* The largest alignment, a page, with and without a link after the object: every object
 * page-aligned and inside its slab. */
KTEST(slab, page_aligned)
{
	static const unsigned flags[] = { 0, SLAB_TYPESAFE_BY_RCU };
	for (unsigned f = 0; f < ARRAY_SIZE(flags); f++) {
		struct kmem_cache *c = kmem_cache_create("ktest_page_aligned", 64, PAGE_SIZE, flags[f]);
		KASSERT(t, c != NULL);
		KEXPECT_EQ(t, c->size, PAGE_SIZE);
		KEXPECT(t, c->objs_per_slab >= 1);
		KEXPECT(t, c->objs_per_slab * c->stride <= PAGE_SIZE << c->order);
		void *objs[10];
		for (unsigned i = 0; i < ARRAY_SIZE(objs); i++) {
			objs[i] = kmem_cache_alloc(c, 0);
			KASSERT(t, objs[i] != NULL);
			KEXPECT(t, IS_ALIGNED((uintptr_t)objs[i], PAGE_SIZE));
			memset(objs[i], 0x33, c->size);
		}
		for (unsigned i = 0; i < ARRAY_SIZE(objs); i++)
			kmem_cache_free(c, objs[i]);
		kmem_cache_destroy(c);
	}
}

/* ---- The per-CPU magazines ---- */

/* Run fn(arg) in a thread pinned to cpu, and wait for it. */
static void run_on_cpu(struct ktest *t, unsigned cpu, void (*fn)(void *), void *arg)
{
	struct thread *th = kthread_create(fn, arg, "ktest-slab");
	if (!th) {
		ktest_fail(t, __FILE__, __LINE__, "kthread_create failed");
		return;
	}
	kthread_bind(th, cpu);
	thread_start(th);
	thread_join(th);
}

struct cpu_work {
	struct kmem_cache *c;
	unsigned cpu;               /* where it ran */
	unsigned long hits, misses; /* its CPU's counters' growth (alloc + free) */
	bool bad;
};

/* Allocate and free on this CPU: pairs (all hits), then bursts larger than the magazine (a
 * refill per SLAB_BATCH allocations, a flush per SLAB_BATCH frees). Every object is stamped
 * with its owner and checked before it is freed. */
static void percpu_worker(void *arg)
{
	struct cpu_work *w = arg;
	enum { BURST = 3 * SLAB_MAGAZINE };
	void *objs[BURST];
	preempt_disable();
	w->cpu = smp_processor_id();
	preempt_enable();
	/* pinned: this CPU's for good */
	const struct slab_cpu *sc = per_cpu_ptr(w->c->cpu, w->cpu);
	unsigned long h0 = sc->alloc_hits + sc->free_hits, m0 = sc->alloc_misses + sc->free_misses;
	for (int i = 0; i < 1000; i++) {
		u64 *o = kmem_cache_alloc(w->c, 0);
		if (!o) {
			w->bad = true;
			return;
		}
		o[1] = (uintptr_t)w;
		kmem_cache_free(w->c, o);
	}
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < BURST; i++) {
			objs[i] = kmem_cache_alloc(w->c, 0);
			if (!objs[i]) {
				w->bad = true;
				return;
			}
			((u64 *)objs[i])[1] = (uintptr_t)w + (unsigned)i;
		}
		for (int i = 0; i < BURST; i++) {
			w->bad |= ((u64 *)objs[i])[1] != (uintptr_t)w + (unsigned)i;
			kmem_cache_free(w->c, objs[i]);
		}
	}
	w->hits = sc->alloc_hits + sc->free_hits - h0;
	w->misses = sc->alloc_misses + sc->free_misses - m0;
}

/* A thread on each CPU at once: each CPU's own counters grow, nearly all hits, and what the
 * magazines hold counts as free, not in use. */
static struct kmem_cache *run_each_cpu(struct ktest *t)
{
	struct cpu_work w[KTEST_MAX_THREADS] = { 0 };
	unsigned n = MIN(nr_cpus_online, (unsigned)KTEST_MAX_THREADS);
	struct kmem_cache *c = kmem_cache_create("ktest_percpu", 64, 8, 0);
	if (!c || !c->cpu) {   /* no cache, or one that found the per-CPU reserve full */
		KEXPECT(t, c != NULL && c->cpu != NULL);
		if (c)
			kmem_cache_destroy(c);
		return NULL;
	}
	for (unsigned i = 0; i < n; i++)
		w[i].c = c;
	ktest_run_threads(t, n, true, percpu_worker, w, sizeof(w[0]));
	unsigned long magazines = 0;
	for (unsigned i = 0; i < n; i++) {
		KEXPECT(t, !w[i].bad);
		KEXPECT_EQ(t, w[i].cpu, i);
		/* 2000 pair operations and 20 bursts of 48 + 48, of which the misses are the
		 * refills and flushes of SLAB_BATCH objects each. */
		KEXPECT(t, w[i].hits >= 2000 + 20 * 2 * (3 * SLAB_MAGAZINE - 12));
		KEXPECT(t, w[i].misses >= 20 && w[i].misses <= 20 * 2 * 6 + 2);
		KEXPECT(t, per_cpu_ptr(c->cpu, i)->count > 0);
		magazines += per_cpu_ptr(c->cpu, i)->count;
	}
	ktest_log(t, "%u CPUs: hits %lu, misses %lu on CPU 0", n, w[0].hits, w[0].misses);
	struct kmem_cache_stats st;
	kmem_cache_get_stats(c, &st);
	KEXPECT_EQ(t, st.in_use, 0);
	KEXPECT_EQ(t, st.in_magazines, magazines);
	KEXPECT_EQ(t, c->nr_active, magazines);
	return c;
}

KTEST(slab, percpu_each_cpu)
{
	struct kmem_cache *c = run_each_cpu(t);
	if (c)
		kmem_cache_destroy(c);   /* empties every CPU's magazine itself */
}

KTEST(slab, shrink_drains_every_cpu)
{
	struct kmem_cache *c = run_each_cpu(t);
	KASSERT(t, c != NULL);
	kmem_cache_shrink(c);
	for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
		KEXPECT_EQ(t, per_cpu_ptr(c->cpu, cpu)->count, 0);
	struct kmem_cache_stats st;
	kmem_cache_get_stats(c, &st);
	KEXPECT_EQ(t, st.in_magazines, 0);
	KEXPECT_EQ(t, st.slabs, 0);
	KEXPECT_EQ(t, c->nr_active, 0);
	kmem_cache_destroy(c);
}

enum { CROSS_N = 100 };

struct cross {
	struct kmem_cache *c;
	void *objs[CROSS_N];
	bool bad;
};

static void cross_alloc(void *arg)
{
	struct cross *x = arg;
	for (unsigned i = 0; i < CROSS_N; i++) {
		x->objs[i] = kmem_cache_alloc(x->c, 0);
		if (!x->objs[i]) {
			x->bad = true;
			return;
		}
		memset(x->objs[i], 0x5a, x->c->size);
	}
}

static void cross_free(void *arg)
{
	struct cross *x = arg;
	for (unsigned i = 0; i < CROSS_N; i++)
		kmem_cache_free(x->c, x->objs[i]);
}

/* Objects allocated on CPU 0, freed on CPU 1, allocated again on CPU 0: they come back through
 * CPU 1's flushes to the slabs, with their poison intact (the allocation checks it). */
KTEST(slab, freed_on_one_cpu_allocated_on_another)
{
	if (nr_cpus_online < 2)
		KSKIP(t, "needs two CPUs");
	struct cross *x = kmalloc(sizeof(*x), GFP_ZERO);
	KASSERT(t, x != NULL);
	x->c = kmem_cache_create("ktest_cross", 48, 8, 0);
	KASSERT(t, x->c != NULL);
	run_on_cpu(t, 0, cross_alloc, x);
	void *first[CROSS_N];
	memcpy(first, x->objs, sizeof(first));
	run_on_cpu(t, 1, cross_free, x);
	/* CPU 1 keeps at most a magazine's worth; the rest went back to the slabs. */
	KASSERT(t, x->c->cpu != NULL);   /* not a cache that found the per-CPU reserve full */
	const struct slab_cpu *sc1 = per_cpu_ptr(x->c->cpu, 1);
	KEXPECT(t, sc1->count > 0 && sc1->count <= SLAB_MAGAZINE);
	KEXPECT(t, sc1->free_misses >= (CROSS_N - SLAB_MAGAZINE) / SLAB_BATCH);
	run_on_cpu(t, 0, cross_alloc, x);
	KASSERT(t, !x->bad);
	unsigned again = 0;
	for (unsigned i = 0; i < CROSS_N; i++)
		for (unsigned k = 0; k < CROSS_N; k++)
			again += x->objs[i] == first[k];
	ktest_log(t, "%u of %u objects freed on CPU 1 came back on CPU 0", again, CROSS_N);
	KEXPECT(t, again > 0);
	run_on_cpu(t, 0, cross_free, x);
	kmem_cache_destroy(x->c);
	kfree(x);
}

static unsigned poisoned_bytes(const u8 *o, u32 size)
{
	unsigned n = 0;
	for (u32 i = 0; i < size; i++)
		n += o[i] == 0x6b;
	return n;
}

/* A freed object sits in the magazine poisoned from its first byte, so a pointer read from its
 * first word (often a list_head's next) is 0x6b6b...; it is handed out again (its poison checked)
 * to the next allocation on the same CPU. */
KTEST(slab, poison_in_magazine)
{
	struct kmem_cache *c = kmem_cache_create("ktest_poison", 40, 8, 0);
	KASSERT(t, c != NULL);
	preempt_disable();
	u8 *o = kmem_cache_alloc(c, 0);
	memset(o, 0x11, c->size);
	kmem_cache_free(c, o);
	unsigned poisoned = poisoned_bytes(o, c->size);
	uintptr_t word0 = *(volatile uintptr_t *)o;
	u8 *again = kmem_cache_alloc(c, 0);
	kmem_cache_free(c, again);
	preempt_enable();
	KEXPECT(t, again == o);
	if (slab_debug()) {
		KEXPECT_EQ(t, poisoned, c->size);
		KEXPECT_EQ(t, word0, (uintptr_t)0x6b6b6b6b6b6b6b6bull);
	} else {
		KEXPECT_EQ(t, poisoned, 0);
	}
	kmem_cache_destroy(c);
}

/* Flushed to its slab, a freed object keeps the free-list link in its first word and poison in
 * the rest; taken back into a magazine it is poison throughout again, before it is handed out
 * (the allocation checks every byte). */
KTEST(slab, poison_after_the_slab)
{
	if (!slab_debug())
		KSKIP(t, "debug.slab=0");
	const uintptr_t poison_word = (uintptr_t)0x6b6b6b6b6b6b6b6bull;
	struct kmem_cache *c = kmem_cache_create("ktest_poison_slab", 40, 8, 0);
	KASSERT(t, c != NULL);
	void *keep = kmem_cache_alloc(c, 0);   /* the slab stays through the shrink */
	KASSERT(t, keep != NULL);
	u8 *objs[2 * SLAB_BATCH];
	for (unsigned i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = kmem_cache_alloc(c, 0);
		KASSERT(t, objs[i] != NULL);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(objs); i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_shrink(c);   /* every magazine into the slab, whose free list they now top */
	unsigned linked = 0, whole = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(objs); i++)
		linked += *(uintptr_t *)objs[i] != poison_word &&
			  poisoned_bytes(objs[i] + sizeof(void *), c->size - sizeof(void *)) ==
				  c->size - sizeof(void *);
	preempt_disable();
	u8 *one = kmem_cache_alloc(c, 0);   /* a refill of SLAB_BATCH, all from objs[] */
	for (unsigned i = 0; i < ARRAY_SIZE(objs); i++)
		whole += objs[i] != one && poisoned_bytes(objs[i], c->size) == c->size;
	preempt_enable();
	KEXPECT_EQ(t, linked, ARRAY_SIZE(objs));
	KEXPECT_EQ(t, whole, SLAB_BATCH - 1);
	kmem_cache_free(c, one);
	kmem_cache_free(c, keep);
	kmem_cache_destroy(c);
}

/* Manual: free an object, write into it, allocate it again: the poison check must panic
 * ("was written after it was freed"). tools/test-matrix boots it with --expect panic. */
KTEST_FLAGS(slab, write_after_free, KTEST_MANUAL)
{
	struct kmem_cache *c = kmem_cache_create("ktest_uaf", 64, 8, 0);
	KASSERT(t, c != NULL);
	preempt_disable();
	volatile u8 *o = kmem_cache_alloc(c, 0);
	kmem_cache_free(c, (void *)o);
	o[40] = 0x42;   /* the bug */
	void *again = kmem_cache_alloc(c, 0);
	preempt_enable();
	ktest_fail(t, __FILE__, __LINE__, "write after free of %p not detected (got %p back)",
		   (void *)o, again);
}

/* Manual: free an object, let a shrink move it to its slab's free list (another object keeps the
 * slab), free it again. With debug.slab=1 the second free must panic ("freed twice ... on its
 * slab's free list"); with debug.slab=0 the next flush must ("is already its slab's first free
 * object"). tools/test-matrix boots both. */
KTEST_FLAGS(slab, double_free, KTEST_MANUAL)
{
	struct kmem_cache *c = kmem_cache_create("ktest_double", 64, 8, 0);
	KASSERT(t, c != NULL);
	void *keep = kmem_cache_alloc(c, 0), *o = kmem_cache_alloc(c, 0);
	KASSERT(t, keep && o);
	kmem_cache_free(c, o);
	kmem_cache_shrink(c);
	kmem_cache_free(c, o);   /* the bug */
	kmem_cache_shrink(c);
	ktest_fail(t, __FILE__, __LINE__, "double free of %p not detected", o);
}

/* The debug check for double frees only looks for an object whose bytes past the first word are
 * all poison: one that its user filled with the poison is in use, and frees without a panic. */
KTEST(slab, poison_filled_object_frees)
{
	struct kmem_cache *c = kmem_cache_create("ktest_poison_filled", 64, 8, 0);
	KASSERT(t, c != NULL);
	void *objs[2 * SLAB_MAGAZINE];
	for (unsigned i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = kmem_cache_alloc(c, 0);
		KASSERT(t, objs[i] != NULL);
		memset(objs[i], 0x6b, c->size);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(objs); i++)
		kmem_cache_free(c, objs[i]);
	struct kmem_cache_stats st;
	kmem_cache_get_stats(c, &st);
	KEXPECT_EQ(t, st.in_use, 0);
	kmem_cache_destroy(c);
}

/* Manual: a 72-byte cache fits 56 objects in a page, and 64 bytes are left at the end: a free of
 * that slot, stride-aligned but no object, must panic ("is not an object of this cache"). */
KTEST_FLAGS(slab, free_past_last_object, KTEST_MANUAL)
{
	struct kmem_cache *c = kmem_cache_create("ktest_tail", 72, 8, 0);
	KASSERT(t, c != NULL);
	KASSERT_EQ(t, c->order, 0);
	KASSERT_EQ(t, c->objs_per_slab, 56);
	void *o = kmem_cache_alloc(c, 0);
	KASSERT(t, o != NULL);
	char *tail = (char *)ALIGN_DOWN((uintptr_t)o, PAGE_SIZE) + 56 * c->stride;
	kmem_cache_free(c, tail);   /* the bug */
	ktest_fail(t, __FILE__, __LINE__, "free of %p, past the slab's last object, not detected",
		   (void *)tail);
}

/* Frees from interrupts: CPU 0 sends CPU 1 IPIs whose handler allocates and frees objects of
 * the cache that a thread on CPU 1 is allocating and freeing at the same time. An interrupt
 * that found the magazine half updated would hand one object to both: every object carries its
 * owner's stamp, checked before it is freed. */
struct irq_churn {
	struct kmem_cache *c;
	volatile bool stop;
	volatile bool started;
	unsigned long thread_ops, irq_ops, ipis;
	volatile bool bad;
};

static void churn_stamped(struct irq_churn *x, u64 stamp, unsigned n, unsigned long *ops)
{
	u64 *objs[24];
	for (unsigned i = 0; i < n; i++) {
		objs[i] = kmem_cache_alloc(x->c, 0);
		if (!objs[i]) {
			x->bad = true;
			n = i;
			break;
		}
		objs[i][1] = stamp + i;
	}
	for (unsigned i = 0; i < n; i++) {
		if (objs[i][1] != stamp + i)
			x->bad = true;
		kmem_cache_free(x->c, objs[i]);
	}
	*ops += n;
}

static void irq_churn_handler(void *arg)
{
	struct irq_churn *x = arg;
	churn_stamped(x, 0x1000000, 20, &x->irq_ops);
}

static void irq_churn_thread(void *arg)
{
	struct irq_churn *x = arg;
	x->started = true;
	for (unsigned i = 0; !x->stop; i++)
		churn_stamped(x, 0x2000000 + i * 32, 1 + i % 24, &x->thread_ops);
}

/* On CPU 0: IPIs to CPU 1 for 300 ms. */
static void irq_churn_sender(void *arg)
{
	struct irq_churn *x = arg;
	u64 end = clock_ns() + 300000000;
	while (clock_ns() < end && !x->bad) {
		smp_call_function(1ull << 1, irq_churn_handler, x, true);
		x->ipis++;
	}
}

KTEST(slab, frees_from_interrupts)
{
	if (nr_cpus_online < 2)
		KSKIP(t, "needs two CPUs");
	struct irq_churn *x = kmalloc(sizeof(*x), GFP_ZERO);
	KASSERT(t, x != NULL);
	x->c = kmem_cache_create("ktest_irq", 32, 8, 0);
	KASSERT(t, x->c != NULL);
	struct thread *th = kthread_create(irq_churn_thread, x, "ktest-slab-irq");
	KASSERT(t, th != NULL);
	kthread_bind(th, 1);
	thread_start(th);
	while (!x->started)
		yield();
	run_on_cpu(t, 0, irq_churn_sender, x);
	x->stop = true;
	thread_join(th);
	ktest_log(t, "%lu IPIs: %lu allocations in interrupts, %lu in the thread", x->ipis,
		  x->irq_ops, x->thread_ops);
	KEXPECT(t, !x->bad);
	KEXPECT(t, x->irq_ops > 0 && x->thread_ops > 0);
	kmem_cache_destroy(x->c);
	kfree(x);
}

/* ---- SLAB_TYPESAFE_BY_RCU ---- */

/* The allocator writes no byte of a typesafe object: not on free (no poison, even with
 * debug.slab=1), not when the object goes back to its slab (the link is past it). */
KTEST(slab, typesafe_objects_untouched)
{
	struct kmem_cache *c = kmem_cache_create("ktest_typesafe", 40, 8, SLAB_TYPESAFE_BY_RCU);
	KASSERT(t, c != NULL);
	KEXPECT_EQ(t, c->size, 40);
	KEXPECT_EQ(t, c->free_offset, 40);
	KEXPECT_EQ(t, c->stride, 48);
	void *one = kmem_cache_alloc(c, GFP_ZERO);
	KASSERT(t, one != NULL);
	KEXPECT_EQ(t, ksize(one), 40);
	u8 *objs[3 * SLAB_MAGAZINE];
	for (unsigned i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = kmem_cache_alloc(c, 0);
		KASSERT(t, objs[i] != NULL);
		memset(objs[i], 0xa0 + (int)(i & 0xf), c->size);
	}
	rcu_read_lock();   /* the slabs stay; their objects may be read */
	for (unsigned i = 0; i < ARRAY_SIZE(objs); i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_shrink(c);   /* every object back in its slab */
	unsigned bad = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(objs); i++)
		for (unsigned k = 0; k < c->size; k++)
			bad += objs[i][k] != 0xa0 + (i & 0xf);
	rcu_read_unlock();
	KEXPECT_EQ(t, bad, 0);
	struct kmem_cache_stats st;
	kmem_cache_get_stats(c, &st);
	KEXPECT_EQ(t, st.in_use, 1);
	kmem_cache_free(c, one);
	kmem_cache_destroy(c);
}

/* GFP_ZERO on a typesafe cache, under a reader: a thread on CPU 0 keeps freeing an object and
 * allocating it again with GFP_ZERO (the same object: its magazine is a stack), then setting
 * every word to all ones, while a reader on CPU 1 that loaded the pointer reads the words. A word
 * may read zero or all ones, never a mix: the zeroing must store whole words, not bytes. */
enum { ZW_WORDS = 8 };

struct zero_watch {
	struct kmem_cache *c;
	u64 *slot;                 /* RCU-published */
	volatile bool stop, started;
	unsigned long reads, torn, rounds;
	u64 torn_value;
};

static void zero_writer(void *arg)
{
	struct zero_watch *z = arg;
	u64 end = clock_ns() + 300000000;
	while (!z->started)
		arch_cpu_relax();
	while (clock_ns() < end) {
		u64 *o = z->slot;
		kmem_cache_free(z->c, o);   /* the reader may still hold it: typesafe allows that */
		u64 *again = kmem_cache_alloc(z->c, GFP_ZERO);
		if (!again)
			break;
		for (unsigned i = 0; i < ZW_WORDS; i++)
			WRITE_ONCE(again[i], ~0ull);
		if (again != o)
			rcu_assign_pointer(z->slot, again);
		z->rounds++;
	}
	z->stop = true;
}

static void zero_reader(void *arg)
{
	struct zero_watch *z = arg;
	z->started = true;
	while (!z->stop) {
		rcu_read_lock();
		const u64 *o = rcu_dereference(z->slot);
		for (unsigned k = 0; k < 64; k++)
			for (unsigned i = 0; i < ZW_WORDS; i++) {
				u64 v = READ_ONCE(o[i]);
				if (v != 0 && v != ~0ull) {
					z->torn++;
					z->torn_value = v;
				}
				z->reads++;
			}
		rcu_read_unlock();
	}
}

KTEST(slab, typesafe_zero_untorn)
{
	if (nr_cpus_online < 2)
		KSKIP(t, "needs two CPUs");
	struct zero_watch *z = kmalloc(sizeof(*z), GFP_ZERO);
	KASSERT(t, z != NULL);
	z->c = kmem_cache_create("ktest_zero", ZW_WORDS * sizeof(u64), 8, SLAB_TYPESAFE_BY_RCU);
	KASSERT(t, z->c != NULL);
	z->slot = kmem_cache_alloc(z->c, 0);
	KASSERT(t, z->slot != NULL);
	for (unsigned i = 0; i < ZW_WORDS; i++)
		z->slot[i] = ~0ull;
	struct thread *r = kthread_create(zero_reader, z, "ktest-zero-reader");
	KASSERT(t, r != NULL);
	kthread_bind(r, 1);
	thread_start(r);
	run_on_cpu(t, 0, zero_writer, z);
	thread_join(r);
	ktest_log(t, "%lu zeroings, %lu word reads, %lu torn (last %#lx)", z->rounds, z->reads,
		  z->torn, (unsigned long)z->torn_value);
	KEXPECT_EQ(t, z->torn, 0);
	KEXPECT(t, z->rounds > 0 && z->reads > 0);
	kmem_cache_free(z->c, z->slot);
	kmem_cache_destroy(z->c);
	kfree(z);
}

/* Is obj in a slab of c? For one-page slabs (their page is their head), so that a page being
 * reused meanwhile is read, never followed. */
static bool in_slab_of(void *obj, struct kmem_cache *c)
{
	struct page *p = virt_to_page(obj);
	return (READ_ONCE(p->flags) & PG_slab) && READ_ONCE(p->private) == (unsigned long)p &&
	       READ_ONCE(p->slab.cache) == c;
}

/* Free every object of several slabs and shrink the cache inside a read-side section: a
 * typesafe cache keeps the pages (still its slabs, objects intact) until the section ends and
 * a grace period passes; the busted twin and a plain cache give them back at once. */
static void slabs_after_free(struct ktest *t, unsigned flags, bool expect_kept)
{
	enum { N = 200 };
	struct kmem_cache *c = kmem_cache_create("ktest_gp", 128, 8, flags);
	KASSERT(t, c != NULL);
	KEXPECT_EQ(t, c->order, 0);
	void **objs = kmalloc(N * sizeof(void *), 0);
	KASSERT(t, objs != NULL);
	for (unsigned i = 0; i < N; i++) {
		objs[i] = kmem_cache_alloc(c, 0);
		KASSERT(t, objs[i] != NULL);
		((u64 *)objs[i])[1] = 0x7e5afe00 + i;
	}
	struct kmem_cache_stats st;
	kmem_cache_get_stats(c, &st);
	unsigned long slabs = st.slabs;
	KEXPECT(t, slabs >= N / c->objs_per_slab);
	unsigned kept = 0, intact = 0;
	rcu_read_lock();
	for (unsigned i = 0; i < N; i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_shrink(c);
	kmem_cache_get_stats(c, &st);
	for (unsigned i = 0; i < N; i++) {
		if (in_slab_of(objs[i], c)) {
			kept++;
			intact += ((u64 *)objs[i])[1] == 0x7e5afe00 + i;
		}
	}
	rcu_read_unlock();
	KEXPECT_EQ(t, st.slabs, 0);
	KEXPECT_EQ(t, st.in_use, 0);
	if (expect_kept) {
		KEXPECT_EQ(t, st.slabs_rcu, slabs);
		KEXPECT_EQ(t, kept, N);
		KEXPECT_EQ(t, intact, N);
	} else {
		KEXPECT_EQ(t, st.slabs_rcu, 0);
		KEXPECT_EQ(t, kept, 0);
	}
	rcu_barrier();
	kmem_cache_get_stats(c, &st);
	KEXPECT_EQ(t, st.slabs_rcu, 0);
	kept = 0;
	for (unsigned i = 0; i < N; i++)
		kept += in_slab_of(objs[i], c);
	KEXPECT_EQ(t, kept, 0);
	ktest_log(t, "%lu slabs of %u objects: %s", slabs, c->objs_per_slab,
		  expect_kept ? "kept until a grace period had passed" : "given back at once");
	kfree(objs);
	kmem_cache_destroy(c);
}

KTEST(slab, typesafe_slabs_wait_for_gp) { slabs_after_free(t, SLAB_TYPESAFE_BY_RCU, true); }
KTEST(slab, typesafe_busted_slabs_go_at_once) { slabs_after_free(t, SLAB_TYPESAFE_BUSTED, false); }
KTEST(slab, plain_slabs_go_at_once) { slabs_after_free(t, 0, false); }

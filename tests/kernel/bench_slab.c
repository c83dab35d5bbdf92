/* In-kernel benchmark: kmem_cache_alloc + kmem_cache_free pairs through the per-CPU magazines
 * against the same loop through the shared path (a cache made with SLAB_NO_PERCPU, every
 * operation under the cache lock), in the same boot: on one CPU, then on every CPU at once on
 * the same cache. Two patterns: "pair" (alloc, free; always the magazine's top) and "burst32"
 * (32 allocations, then 32 frees: twice the magazine, so a refill or a flush every 8). Prints
 * BENCH lines with ns per pair (the best of five rounds, cycle counter), the ratio shared /
 * per-CPU, and the magazines' hit rate; `make bench` boots it with debug.slab=0, so that the
 * poison's memset and check do not hide the allocator. Manual: test=bench_slab. */
#include "kernel/ktest.h"
#include "kernel/printk.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/timer.h"
#include "mm/slab.h"

#define PAIRS 100000          /* alloc + free pairs per thread per round */
#define ROUNDS 5
#define BURST 32
#define OBJ_SIZE 128

struct bench_thread {
	struct kmem_cache *c;
	bool burst;
	atomic_t *ready;          /* threads at the start line */
	unsigned nthreads;
	u64 ns;                   /* this thread's time for PAIRS pairs */
	bool failed;
};

static void run_pairs(struct bench_thread *b)
{
	void *objs[BURST];
	u64 c0 = arch_cycles();
	if (!b->burst) {
		for (unsigned i = 0; i < PAIRS; i++) {
			void *o = kmem_cache_alloc(b->c, 0);
			if (!o) {
				b->failed = true;
				return;
			}
			kmem_cache_free(b->c, o);
		}
	} else {
		for (unsigned i = 0; i < PAIRS / BURST; i++) {
			for (unsigned k = 0; k < BURST; k++)
				if (!(objs[k] = kmem_cache_alloc(b->c, 0))) {
					b->failed = true;
					return;
				}
			for (unsigned k = 0; k < BURST; k++)
				kmem_cache_free(b->c, objs[k]);
		}
	}
	b->ns = cycles_to_ns(arch_cycles() - c0);
}

static void bench_thread(void *arg)
{
	struct bench_thread *b = arg;
	/* Start together: every thread at the line before any runs. */
	atomic_inc(b->ready);
	while ((unsigned)atomic_read(b->ready) < b->nthreads)
		arch_cpu_relax();
	run_pairs(b);
}

/* One round on ncpus CPUs (one thread pinned to each); returns the mean ns per pair over the
 * threads, or 0 on failure. */
static u64 round_ns(struct ktest *t, struct kmem_cache *c, bool burst, unsigned ncpus)
{
	struct bench_thread b[MAX_CPUS];
	struct thread *th[MAX_CPUS];
	atomic_t ready;
	atomic_set(&ready, 0);
	for (unsigned i = 0; i < ncpus; i++) {
		b[i] = (struct bench_thread){
			.c = c, .burst = burst, .ready = &ready, .nthreads = ncpus,
		};
		th[i] = kthread_create(bench_thread, &b[i], "bench-slab");
		if (!th[i]) {
			ktest_fail(t, __FILE__, __LINE__, "kthread_create failed");
			for (unsigned k = 0; k < i; k++)
				thread_start(th[k]);   /* they would wait at the line for ever */
			return 0;
		}
		kthread_bind(th[i], i);
	}
	for (unsigned i = 0; i < ncpus; i++)
		thread_start(th[i]);
	u64 sum = 0;
	bool failed = false;
	for (unsigned i = 0; i < ncpus; i++) {
		thread_join(th[i]);
		sum += b[i].ns;
		failed |= b[i].failed;
	}
	KEXPECT(t, !failed);
	return failed ? 0 : sum / ncpus / PAIRS;
}

static unsigned long ops_of(const struct kmem_cache_stats *s)
{
	return s->alloc_hits + s->alloc_misses + s->free_hits + s->free_misses;
}

static void compare(struct ktest *t, struct kmem_cache *percpu, struct kmem_cache *shared,
		    bool burst, unsigned ncpus)
{
	/* Rounds alternate between the two caches, so that a stretch of a loaded host slows both;
	 * the best round of each counts. */
	struct kmem_cache_stats s0, s1;
	kmem_cache_get_stats(percpu, &s0);
	u64 pc = ~0ull, sh = ~0ull;
	for (unsigned r = 0; r < ROUNDS; r++) {
		u64 a = round_ns(t, percpu, burst, ncpus), b = round_ns(t, shared, burst, ncpus);
		if (!a || !b)
			return;
		pc = MIN(pc, a);
		sh = MIN(sh, b);
	}
	kmem_cache_get_stats(percpu, &s1);
	unsigned long ops = ops_of(&s1) - ops_of(&s0);
	unsigned long hits = s1.alloc_hits + s1.free_hits - s0.alloc_hits - s0.free_hits;
	/* ratio and hit rate in hundredths */
	u64 ratio = pc ? sh * 100 / pc : 0;
	unsigned long hit = ops ? hits * 10000 / ops : 0;
	const char *pattern = burst ? "burst32" : "pair";
	printk_raw("BENCH name=slab_alloc_free pattern=%s cpus=%u obj=%u poison=%d percpu_ns=%lu "
		   "shared_ns=%lu shared_over_percpu=%lu.%02lu percpu_hit_pct=%lu.%02lu\n", pattern,
		   ncpus, OBJ_SIZE, slab_debug(), (unsigned long)pc, (unsigned long)sh,
		   (unsigned long)(ratio / 100), (unsigned long)(ratio % 100), hit / 100,
		   hit % 100);
	ktest_log(t, "%s on %u CPU(s): per-CPU %lu ns, shared %lu ns per alloc+free: %lu.%02lux; "
		  "magazine hits %lu.%02lu%%", pattern, ncpus, (unsigned long)pc, (unsigned long)sh,
		  (unsigned long)(ratio / 100), (unsigned long)(ratio % 100), hit / 100, hit % 100);
}

KTEST_FLAGS(bench_slab, alloc_free, KTEST_MANUAL)
{
	struct kmem_cache *percpu = kmem_cache_create("bench_percpu", OBJ_SIZE, 8, 0);
	struct kmem_cache *shared = kmem_cache_create("bench_shared", OBJ_SIZE, 8, SLAB_NO_PERCPU);
	KASSERT(t, percpu && shared);
	for (int burst = 0; burst < 2; burst++) {
		compare(t, percpu, shared, burst, 1);
		if (nr_cpus_online > 1)
			compare(t, percpu, shared, burst, nr_cpus_online);
	}
	kmem_cache_destroy(percpu);
	kmem_cache_destroy(shared);
}

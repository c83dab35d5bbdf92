/*
 * torture=rangelock: does the range lock exclude exactly the overlapping conflicts?
 * Threads lock random page ranges of a shadow address space, for reading or writing, and record
 * ownership page by page: a writer must find its pages free of writers and readers, a reader free
 * of writers. Before the random phase, two threads hold disjoint write ranges at the same time
 * (non-overlapping requests must not wait for each other).
 * Broken twin: the lock is taken one page short of the range that is then used (an off-by-one
 * range check), so neighbouring requests collide on the last page.
 */
#include "kernel/torture.h"
#include "kernel/printk.h"
#include "kernel/locking/rangelock.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/timer.h"
#include "lib/printf.h"
#include "mm/slab.h"

#define PAGES 32
#define PG 4096ull

struct rlt_state {
	struct range_lock_tree tree;
	volatile int writer[PAGES];   /* thread index + 1, or 0 */
	atomic_t readers[PAGES];
	u64 reads, writes, waits;
	volatile int both_inside;
	bool parallel_ok;
};

struct rlt_worker {
	struct torture_run *run;
	unsigned index;
};

static struct rlt_worker workers[TORTURE_MAX_THREADS];

static void use_range(struct torture_run *r, struct rlt_state *st, unsigned me, unsigned a,
		      unsigned b, bool writer, u64 *rnd)
{
	for (unsigned p = a; p < b; p++) {
		if (writer) {
			int w = st->writer[p], rd = atomic_read(&st->readers[p]);
			if (w || rd)
				torture_error(r, "page %u: writer %u found writer %d and %d "
					      "readers", p, me, w - 1, rd);
			st->writer[p] = (int)me + 1;
		} else {
			atomic_inc(&st->readers[p]);
			int w = st->writer[p];
			if (w)
				torture_error(r, "page %u: reader %u found writer %d", p, me,
					      w - 1);
		}
	}
	if (torture_random(rnd) % 4 == 0)
		torture_udelay((unsigned)(torture_random(rnd) % 30));
	for (unsigned p = a; p < b; p++) {
		if (writer) {
			int w = st->writer[p];
			if (w != (int)me + 1)
				torture_error(r, "page %u: writer %u lost it to %d", p, me, w - 1);
			st->writer[p] = 0;
		} else {
			atomic_dec(&st->readers[p]);
		}
	}
}

static void worker(void *arg)
{
	struct rlt_worker *w = arg;
	struct torture_run *r = w->run;
	struct rlt_state *st = r->priv;
	u64 rnd = torture_seed_for(r, w->index);
	u64 n = 0;
	while (!torture_stop(r)) {
		unsigned a = (unsigned)(torture_random(&rnd) % PAGES);
		unsigned len = 1 + (unsigned)(torture_random(&rnd) %
					      (torture_random(&rnd) % 4 ? 4 : 16));
		unsigned b = MIN(a + len, (unsigned)PAGES);
		bool writer = torture_random(&rnd) % 10 < 4;
		/* The twin locks one page less than it uses. */
		unsigned lock_b = r->busted && b - a > 1 ? b - 1 : b;
		struct range_lock rl;
		if (torture_random(&rnd) % 8 == 0) {
			bool ok = writer ? range_write_trylock(&st->tree, &rl, a * PG, lock_b * PG)
					 : range_read_trylock(&st->tree, &rl, a * PG, lock_b * PG);
			if (!ok)
				continue;
		} else if (writer) {
			range_write_lock(&st->tree, &rl, a * PG, lock_b * PG);
		} else {
			range_read_lock(&st->tree, &rl, a * PG, lock_b * PG);
		}
		use_range(r, st, w->index, a, b, writer, &rnd);
		range_unlock(&st->tree, &rl);
		n++;
		if (n % 32 == 0) {
			torture_ops(r, 32);
			torture_stutter(r);
		} else {
			torture_alive(r);   /* one hand-off can take a timeslice */
		}
		torture_maybe_delay(&rnd);
	}
}

/* Two disjoint write ranges, held by two threads: both must be inside at once. */
static void parallel_holder(void *arg)
{
	struct rlt_worker *w = arg;
	struct rlt_state *st = w->run->priv;
	struct range_lock rl;
	range_write_lock(&st->tree, &rl, w->index * 8 * PG, (w->index + 1) * 8 * PG);
	__atomic_add_fetch(&st->both_inside, 1, __ATOMIC_SEQ_CST);
	u64 end = clock_ns() + 1000000000;
	while (READ_ONCE(st->both_inside) < 2 && clock_ns() < end)
		sleep_ns(100000);
	if (READ_ONCE(st->both_inside) >= 2)
		st->parallel_ok = true;
	range_unlock(&st->tree, &rl);
}

static int rlt_start(struct torture_run *r)
{
	struct rlt_state *st = kmalloc(sizeof(*st), GFP_ZERO);
	if (!st)
		return -ENOMEM;
	r->priv = st;
	range_lock_tree_init(&st->tree);
	struct thread *p[2];
	for (unsigned i = 0; i < 2; i++) {
		workers[i] = (struct rlt_worker){ r, i };
		p[i] = kthread_create(parallel_holder, &workers[i], "rl_parallel");
		if (!p[i])
			return -ENOMEM;
		thread_start(p[i]);
	}
	thread_join(p[0]);
	thread_join(p[1]);
	if (!st->parallel_ok)
		torture_error(r, "two disjoint write ranges could not be held at the same time");
	for (unsigned i = 0; i < r->nthreads; i++) {
		workers[i] = (struct rlt_worker){ r, i };
		int err = torture_thread(r, worker, &workers[i], "rl_worker", -1);
		if (err)
			return err;
	}
	return 0;
}

static void rlt_finish(struct torture_run *r)
{
	struct rlt_state *st = r->priv;
	if (!st)
		return;
	if (!interval_tree_empty(&st->tree.tree))
		torture_error(r, "requests left in the range tree after every thread finished");
	snprintf(r->detail, sizeof(r->detail), "pages=%d disjoint_parallel=%s", PAGES,
		 st->parallel_ok ? "yes" : "NO");
	kfree(st);
}

TORTURE_SUITE(rangelock_suite) = {
	.name = "rangelock",
	.twin = "a range check one page short",
	.start = rlt_start,
	.finish = rlt_finish,
};

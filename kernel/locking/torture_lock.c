/*
 * torture=lock: does each lock exclude what it must, and let everyone in eventually?
 * For every lock type selected by locktorture.type (all, or one of spinlock, rwsem, mutex,
 * seqlock, rangelock), writers take the lock, check that nobody else is inside, mark themselves,
 * delay, unmark; readers (types that have them) check that no writer is inside. Seqlock readers
 * check that a pair written under the lock is never seen torn. Each thread counts its
 * acquisitions; a thread that got none is starved (an error), and min/max are reported.
 * Broken twin: now and then a writer skips acquiring the lock (a lock that admits two writers).
 */
#include "kernel/torture.h"
#include "kernel/locking/mutex.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "kernel/locking/rangelock.h"
#include "kernel/locking/rwsem.h"
#include "kernel/locking/seqlock.h"
#include "kernel/sched/thread.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/slab.h"

enum lt_type { LT_SPINLOCK, LT_RWSEM, LT_MUTEX, LT_SEQLOCK, LT_RANGELOCK, LT_NR };
static const char *const type_names[LT_NR] = {
	"spinlock", "rwsem", "mutex", "seqlock", "rangelock",
};

static char type_sel[16] = "all";
PARAM_STRING("locktorture.type", type_sel,
	     "lock types to torture: all, spinlock, rwsem, mutex, seqlock or rangelock");

#define PER_TYPE_THREADS 16

struct lt_lock {
	enum lt_type type;
	spinlock_t spin;
	struct rw_semaphore rwsem;
	struct mutex mutex;
	seqlock_t seq;
	struct range_lock_tree ranges;
	volatile int writers_inside, readers_inside;
	volatile u64 pair_a, pair_b;
	unsigned nthreads;
	u64 acquisitions[PER_TYPE_THREADS];
	bool reader[PER_TYPE_THREADS];
};

struct lt_worker {
	struct torture_run *run;
	struct lt_lock *lock;
	unsigned index;
};

struct lt_state {
	struct lt_lock locks[LT_NR];
	struct lt_worker workers[LT_NR][PER_TYPE_THREADS];
	bool selected[LT_NR];
};

/* Returns false if the broken twin decided to skip the lock this time. */
static bool write_lock(struct torture_run *r, struct lt_lock *l, u64 *rnd, struct range_lock *rl)
{
	if (r->busted && torture_random(rnd) % 64 == 0)
		return false;
	switch (l->type) {
	case LT_SPINLOCK: spin_lock(&l->spin); break;
	case LT_RWSEM: down_write(&l->rwsem); break;
	case LT_MUTEX: mutex_lock(&l->mutex); break;
	case LT_SEQLOCK: write_seqlock(&l->seq); break;
	case LT_RANGELOCK: range_write_lock(&l->ranges, rl, 0, ~0ull); break;
	default: break;
	}
	return true;
}

static void write_unlock(struct lt_lock *l, struct range_lock *rl)
{
	switch (l->type) {
	case LT_SPINLOCK: spin_unlock(&l->spin); break;
	case LT_RWSEM: up_write(&l->rwsem); break;
	case LT_MUTEX: mutex_unlock(&l->mutex); break;
	case LT_SEQLOCK: write_sequnlock(&l->seq); break;
	case LT_RANGELOCK: range_unlock(&l->ranges, rl); break;
	default: break;
	}
}

static void writer_pass(struct torture_run *r, struct lt_lock *l, u64 *rnd)
{
	struct range_lock rl;
	bool locked = write_lock(r, l, rnd, &rl);
	if (__atomic_add_fetch(&l->writers_inside, 1, __ATOMIC_SEQ_CST) != 1 ||
	    READ_ONCE(l->readers_inside))
		torture_error(r, "%s: a writer found someone else inside", type_names[l->type]);
	u64 v = l->pair_a + 1;
	l->pair_a = v;
	if (torture_random(rnd) % 8 == 0)
		torture_udelay((unsigned)(torture_random(rnd) % 20));
	l->pair_b = v;
	__atomic_sub_fetch(&l->writers_inside, 1, __ATOMIC_SEQ_CST);
	if (locked)
		write_unlock(l, &rl);
}

static void reader_pass(struct torture_run *r, struct lt_lock *l, u64 *rnd)
{
	if (l->type == LT_SEQLOCK) {
		u64 a, b;
		unsigned s;
		do {
			s = read_seqbegin(&l->seq);
			a = l->pair_a;
			if (torture_random(rnd) % 8 == 0)
				torture_udelay(2);
			b = l->pair_b;
		} while (read_seqretry(&l->seq, s));
		if (a != b)
			torture_error(r, "seqlock: a reader saw a torn pair %lu/%lu",
				      (unsigned long)a, (unsigned long)b);
		return;
	}
	struct range_lock rl;
	if (l->type == LT_RWSEM)
		down_read(&l->rwsem);
	else
		range_read_lock(&l->ranges, &rl, 0, ~0ull);
	__atomic_add_fetch(&l->readers_inside, 1, __ATOMIC_SEQ_CST);
	if (READ_ONCE(l->writers_inside))
		torture_error(r, "%s: a reader found a writer inside", type_names[l->type]);
	if (torture_random(rnd) % 8 == 0)
		torture_udelay((unsigned)(torture_random(rnd) % 20));
	__atomic_sub_fetch(&l->readers_inside, 1, __ATOMIC_SEQ_CST);
	if (l->type == LT_RWSEM)
		up_read(&l->rwsem);
	else
		range_unlock(&l->ranges, &rl);
}

static void worker(void *arg)
{
	struct lt_worker *w = arg;
	struct torture_run *r = w->run;
	struct lt_lock *l = w->lock;
	u64 rnd = torture_seed_for(r, l->type * 100 + w->index);
	bool reader = l->reader[w->index];
	u64 n = 0;
	while (!torture_stop(r)) {
		if (reader)
			reader_pass(r, l, &rnd);
		else
			writer_pass(r, l, &rnd);
		n++;
		if (n % 32 == 0) {
			torture_ops(r, 32);
			torture_stutter(r);
		} else if (l->type != LT_SPINLOCK && l->type != LT_SEQLOCK) {
			torture_alive(r);   /* sleeping locks: one hand-off can take a timeslice */
		}
		torture_maybe_delay(&rnd);
	}
	l->acquisitions[w->index] = n;
}

static int lock_start(struct torture_run *r)
{
	struct lt_state *st = kmalloc(sizeof(*st), GFP_ZERO);
	if (!st)
		return -ENOMEM;
	r->priv = st;
	bool any = false;
	for (int t = 0; t < LT_NR; t++) {
		st->selected[t] = !strcmp(type_sel, "all") || !strcmp(type_sel, type_names[t]);
		any |= st->selected[t];
	}
	if (!any) {
		pr_err("locktorture: unknown type '%s'\n", type_sel);
		return -EINVAL;
	}
	for (int t = 0; t < LT_NR; t++) {
		if (!st->selected[t])
			continue;
		struct lt_lock *l = &st->locks[t];
		l->type = (enum lt_type)t;
		spin_lock_init(&l->spin);
		rwsem_init(&l->rwsem);
		mutex_init(&l->mutex);
		l->seq = (seqlock_t)SEQLOCK_INIT;
		range_lock_tree_init(&l->ranges);
		bool has_readers = t == LT_RWSEM || t == LT_SEQLOCK || t == LT_RANGELOCK;
		l->nthreads = MIN(MAX(r->nthreads, 2u), (unsigned)PER_TYPE_THREADS);
		for (unsigned i = 0; i < l->nthreads; i++) {
			l->reader[i] = has_readers && i % 2 == 1;
			st->workers[t][i] = (struct lt_worker){ r, l, i };
			char name[24];   /* the runner's start line counts threads by name */
			if (has_readers)
				snprintf(name, sizeof(name), "%s_%s", type_names[t],
					 l->reader[i] ? "reader" : "writer");
			else
				strlcpy(name, type_names[t], sizeof(name));
			int err = torture_thread(r, worker, &st->workers[t][i], name, -1);
			if (err)
				return err;
		}
	}
	return 0;
}

static void lock_finish(struct torture_run *r)
{
	struct lt_state *st = r->priv;
	if (!st)
		return;
	int n = 0;
	for (int t = 0; t < LT_NR; t++) {
		if (!st->selected[t])
			continue;
		struct lt_lock *l = &st->locks[t];
		u64 wmin = ~0ull, wmax = 0, rmin = ~0ull, rmax = 0;
		for (unsigned i = 0; i < l->nthreads; i++) {
			u64 a = l->acquisitions[i];
			if (a == 0)
				torture_error(r, "%s: thread %u never got the lock (starved)",
					      type_names[t], i);
			if (l->reader[i])
				rmin = MIN(rmin, a), rmax = MAX(rmax, a);
			else
				wmin = MIN(wmin, a), wmax = MAX(wmax, a);
		}
		n += snprintf(r->detail + n, sizeof(r->detail) - (size_t)n, "%s=w%lu..%lu",
				type_names[t], (unsigned long)wmin, (unsigned long)wmax);
		if (rmax)
			n += snprintf(r->detail + n, sizeof(r->detail) - (size_t)n, ",r%lu..%lu",
					(unsigned long)rmin, (unsigned long)rmax);
		n += snprintf(r->detail + n, sizeof(r->detail) - (size_t)n, " ");
	}
	kfree(st);
}

TORTURE_SUITE(lock_suite) = {
	.name = "lock",
	.twin = "a lock that now and then admits a second writer",
	.start = lock_start,
	.finish = lock_finish,
};

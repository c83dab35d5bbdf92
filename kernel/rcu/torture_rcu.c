/*
 * torture=rcu: is a grace period long enough?
 * A writer keeps replacing the published element. Each retired element counts the grace periods
 * that have ended since it was retired (its "pipe" count): the writer bumps the count of every
 * retired element after each synchronize_rcu() it makes, and poisons and recycles an element at
 * PIPE_LEN. Readers, inside a read-side section, record the pipe count of the element they hold.
 * The rule is exact: a reader took its element before that element was retired, so every
 * synchronize_rcu() that could bump the count started after the reader's section began and must
 * wait for it; a correct RCU lets readers see only count 0. Count 1 or more means a grace period
 * ended under a reader. (rcutorture bumps at retirement instead and allows 0 and 1; here the bump
 * comes after the grace period, so 0 is the only legal value.)
 * The polled grace-period API states the same rule without the writer: a reader takes a cookie
 * (get_state_synchronize_rcu) once inside its section, and a full grace period from that cookie
 * must not have passed (poll_state_synchronize_rcu) while it is still inside. And from the
 * writers' side: a cookie taken before synchronize_rcu() or call_rcu() must have passed when the
 * wait returns or the callback runs, which a callback that waits only for the grace period
 * already under way (not a full one after it was queued) fails as soon as it happens.
 * Readers are pinned one per CPU, and two more are unpinned and sleep between sections so that
 * they are preempted and move between CPUs. Now and then (every 100-300 ms) a reader stays inside
 * its section for 10-50 ms, many grace-period polls (200 us) and ticks (2 ms), re-reading the
 * count: a grace period that forgets one CPU, or a tick that reports a quiescent state inside a
 * section, ends while such a reader holds its element.
 * Fake writers call synchronize_rcu and call_rcu, and a flood thread queues callbacks as fast as
 * it can: memory must stay bounded and grace periods keep ending.
 * Broken twin: synchronize returns at once and callbacks run at once (a grace period that ends
 * early).
 */
#include "kernel/torture.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/rcu/rcu.h"
#include "kernel/locking/spinlock.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/timer.h"
#include "lib/list.h"
#include "lib/printf.h"
#include "mm/slab.h"

#define PIPE_LEN 10
#define POOL 128
#define LIVE 0x11feu
#define DEAD 0xdeadu
#define FLOOD_BURST 500
#define MIGRATING_READERS 2   /* unpinned readers, beside one pinned per CPU */
#define LONG_EVERY_MS 100        /* a long section every 100..300 ms per reader */
#define LONG_MIN_MS 10           /* lasting 10..50 ms */
#define LONG_SPAN_MS 40

struct rt_elem {
	volatile unsigned magic;
	volatile int pipe;
	struct list_head link;   /* on the free list or the writer's retired list */
};

struct rt_state {
	struct rt_elem pool[POOL];
	struct rt_elem *current;          /* RCU-protected */
	struct list_head free, retired;   /* writer only */
	unsigned long pipe_hist[PIPE_LEN + 1];
	spinlock_t hist_lock;
	atomic_long_t outstanding;        /* flood callbacks queued, not yet run */
	long flood_max, flood_total;
	unsigned long gp_start;
	atomic_long_t long_sections, migrations;
};

struct rt_cb {
	struct rcu_head head;
	struct rt_state *st;
};

struct rt_fake_cb {
	struct rcu_head head;
	struct torture_run *r;
	unsigned long cookie;   /* taken just before call_rcu() */
};

/* After synchronize_rcu() returns or a callback runs: a full grace period since the cookie. */
static void check_waited(struct torture_run *r, unsigned long cookie, const char *what)
{
	if (!poll_state_synchronize_rcu(cookie))
		torture_error(r, "%s before a full grace period had passed (gp_seq %lu, cookie "
			      "%lu)", what, rcu_gp_completed() * 2, cookie);
}

static void busted_sync(void) {}
static void busted_call(struct rcu_head *h, void (*f)(struct rcu_head *)) { f(h); }

static void do_sync(struct torture_run *r) { (r->busted ? busted_sync : synchronize_rcu)(); }
static void do_call(struct torture_run *r, struct rcu_head *h, void (*f)(struct rcu_head *))
{
	(r->busted ? busted_call : call_rcu)(h, f);
}

static void writer(void *arg)
{
	struct torture_run *r = arg;
	struct rt_state *st = r->priv;
	u64 rnd = torture_seed_for(r, 0);
	while (!torture_stop(r)) {
		struct rt_elem *e = list_first_entry(&st->free, struct rt_elem, link);
		list_del(&e->link);
		e->pipe = 0;
		e->magic = LIVE;
		struct rt_elem *old = st->current;
		rcu_assign_pointer(st->current, e);
		if (old)
			list_add_tail(&old->link, &st->retired);
		unsigned long cookie = get_state_synchronize_rcu();
		do_sync(r);
		check_waited(r, cookie, "synchronize_rcu() returned");
		/* A grace period has ended since every element now on the list was retired. */
		struct rt_elem *p, *tmp;
		list_for_each_entry_safe(p, tmp, &st->retired, link) {
			if (++p->pipe >= PIPE_LEN) {
				list_del(&p->link);
				p->magic = DEAD;
				list_add_tail(&p->link, &st->free);
			}
		}
		torture_ops(r, 1);
		torture_maybe_delay(&rnd);
		/* Retire the next element at a random point of the next grace period, not always
		 * while the last one's callbacks still run: a callback queued while a grace period
		 * is under way must wait for the next one. */
		if (torture_random(&rnd) % 4 == 0)
			sleep_ns(torture_random(&rnd) % 1000000);
		torture_stutter(r);
	}
}

/* Inside the read-side section: the element must stay live and its pipe count 0, and no full
 * grace period may have passed since the section's cookie (see above). */
static int check_elem(struct torture_run *r, struct rt_elem *e, unsigned long cookie)
{
	if (poll_state_synchronize_rcu(cookie))
		torture_error(r, "a full grace period passed inside a read-side section (cookie "
			      "%lu)", cookie);
	if (e->magic != LIVE)
		torture_error(r, "reader saw a recycled element (magic %#x)", e->magic);
	int pipe = e->pipe;
	if (pipe > PIPE_LEN)
		pipe = PIPE_LEN;
	if (pipe > 0)
		torture_error(r, "a grace period ended under a reader (pipe count %d)", pipe);
	return pipe;
}

/* Stay in the section for ms milliseconds, re-checking every ~100 us: the worst count seen. */
static int hold_long(struct torture_run *r, struct rt_elem *e, unsigned long cookie, unsigned ms)
{
	int worst = 0;
	u64 end = clock_ns() + (u64)ms * 1000000;
	while (clock_ns() < end && !torture_stop(r)) {
		torture_udelay(100);
		worst = MAX(worst, check_elem(r, e, cookie));
	}
	return worst;
}

static void reader(void *arg)
{
	struct torture_run *r = arg;
	struct rt_state *st = r->priv;
	unsigned long hist[PIPE_LEN + 1] = { 0 };
	u64 rnd = torture_seed_for(r, (unsigned)(uintptr_t)&hist);
	u64 next_long = clock_ns() + (LONG_EVERY_MS + torture_random(&rnd) % 200) * 1000000;
	bool pinned = current_thread()->info.bound;
	long n = 0, longs = 0, moves = 0;
	unsigned last_cpu = ~0u;
	while (!torture_stop(r)) {
		/* A long section starts right after a context switch, which reports this CPU's
		 * quiescent state for the grace period in progress: the section then begins
		 * inside that grace period, which must not end its callbacks' wait under it.
		 * That is where a callback that waits for too early a grace period shows. */
		bool go_long = clock_ns() >= next_long;
		if (go_long)
			yield();
		rcu_read_lock();
		unsigned long cookie = get_state_synchronize_rcu();
		unsigned cpu = smp_processor_id();
		struct rt_elem *e = rcu_dereference(st->current);
		if (e) {
			int pipe;
			if (go_long) {
				pipe = hold_long(r, e, cookie, LONG_MIN_MS +
						 (unsigned)(torture_random(&rnd) % LONG_SPAN_MS));
				next_long = clock_ns() +
					    (LONG_EVERY_MS + torture_random(&rnd) % 200) * 1000000;
				longs++;
			} else {
				if (torture_random(&rnd) % 100 < 20)
					torture_udelay((unsigned)(torture_random(&rnd) % 200));
				pipe = check_elem(r, e, cookie);
			}
			hist[pipe]++;
		}
		rcu_read_unlock();
		moves += last_cpu != ~0u && cpu != last_cpu;
		last_cpu = cpu;
		if (++n % 64 == 0) {
			torture_ops(r, 64);
			torture_stutter(r);
		}
		/* Outside the section, an unpinned reader sleeps now and then: it is then
		 * preempted with its next section to come, and woken on whichever CPU is least
		 * loaded. */
		if (!pinned && torture_random(&rnd) % 16 == 0)
			sleep_ns(torture_random(&rnd) % 500000);
		torture_maybe_delay(&rnd);
	}
	atomic_long_add_return(&st->long_sections, longs);
	atomic_long_add_return(&st->migrations, moves);
	spin_lock(&st->hist_lock);
	for (int i = 0; i <= PIPE_LEN; i++)
		st->pipe_hist[i] += hist[i];
	spin_unlock(&st->hist_lock);
}

static void fake_free(struct rcu_head *h)
{
	struct rt_fake_cb *cb = container_of(h, struct rt_fake_cb, head);
	if (!cb->r->busted)   /* the twin runs callbacks at once: the sync check catches it */
		check_waited(cb->r, cb->cookie, "a call_rcu() callback ran");
	kfree(cb);
}

static void fake_writer(void *arg)
{
	struct torture_run *r = arg;
	u64 rnd = torture_seed_for(r, 7);
	while (!torture_stop(r)) {
		if (torture_random(&rnd) % 2) {
			unsigned long cookie = get_state_synchronize_rcu();
			do_sync(r);
			check_waited(r, cookie, "synchronize_rcu() returned");
		} else {
			struct rt_fake_cb *cb = kmalloc(sizeof(*cb), 0);
			if (cb) {
				cb->r = r;
				cb->cookie = get_state_synchronize_rcu();
				do_call(r, &cb->head, fake_free);
			}
		}
		torture_ops(r, 1);
		sleep_ns(torture_random(&rnd) % 2000000);
		torture_stutter(r);
	}
}

static void flood_cb(struct rcu_head *h)
{
	struct rt_cb *cb = container_of(h, struct rt_cb, head);
	atomic_long_add_return(&cb->st->outstanding, -1);
	kfree(cb);
}

static void flood(void *arg)
{
	struct torture_run *r = arg;
	struct rt_state *st = r->priv;
	while (!torture_stop(r)) {
		for (int i = 0; i < FLOOD_BURST; i++) {
			struct rt_cb *cb = kmalloc(sizeof(*cb), 0);
			if (!cb) {
				torture_error(r, "call_rcu flood ran out of memory: callbacks are "
					      "not running");
				return;
			}
			cb->st = st;
			long out = atomic_long_add_return(&st->outstanding, 1);
			if (out > st->flood_max)
				st->flood_max = out;
			do_call(r, &cb->head, flood_cb);
		}
		st->flood_total += FLOOD_BURST;
		torture_ops(r, FLOOD_BURST);
		yield();
		torture_stutter(r);
	}
}

static int rcu_start(struct torture_run *r)
{
	struct rt_state *st = kmalloc(sizeof(*st), GFP_ZERO);
	if (!st)
		return -ENOMEM;
	r->priv = st;
	list_init(&st->free);
	list_init(&st->retired);
	spin_lock_init(&st->hist_lock);
	for (int i = 0; i < POOL; i++)
		list_add_tail(&st->pool[i].link, &st->free);
	st->gp_start = rcu_gp_completed();
	int err = torture_thread(r, writer, r, "rcu_writer", -1);
	for (unsigned i = 0; !err && i < MAX(r->nthreads, 2u); i++)
		err = torture_thread(r, reader, r, "rcu_reader", (int)i);
	for (unsigned i = 0; !err && i < MIGRATING_READERS; i++)
		err = torture_thread(r, reader, r, "rcu_mreader", -1);
	for (int i = 0; !err && i < 2; i++)
		err = torture_thread(r, fake_writer, r, "rcu_fakewriter", -1);
	if (!err)
		err = torture_thread(r, flood, r, "rcu_flood", -1);
	return err;
}

static void rcu_progress(struct torture_run *r, char *buf, size_t len)
{
	struct rt_state *st = r->priv;
	snprintf(buf, len, "gps=%lu flood_outstanding=%ld", rcu_gp_completed() - st->gp_start,
		 atomic_long_read(&st->outstanding));
}

static void rcu_finish(struct torture_run *r)
{
	struct rt_state *st = r->priv;
	if (!st)
		return;
	if (!r->busted)
		rcu_barrier();
	unsigned long gps = rcu_gp_completed() - st->gp_start;
	long left = atomic_long_read(&st->outstanding);
	if (left)
		torture_error(r, "%ld flood callbacks never ran", left);
	if (!r->busted && gps < 2)
		torture_error(r, "no forward progress: %lu grace periods in the run", gps);
	/* Bounded: the flood never had more than a few grace periods' worth queued. */
	if (st->flood_max > 2000000)
		torture_error(r, "call_rcu flood reached %ld outstanding callbacks", st->flood_max);
	char hist[96];
	int n = 0;
	for (int i = 0; i <= PIPE_LEN; i++)
		n += snprintf(hist + n, sizeof(hist) - (size_t)n, "%s%lu", i ? " " : "",
				st->pipe_hist[i]);
	snprintf(r->detail, sizeof(r->detail),
		 "gps=%lu pipe=[%s] long_sections=%ld migrations=%ld flood=%ld "
		 "flood_max_outstanding=%ld", gps, hist, atomic_long_read(&st->long_sections),
		 atomic_long_read(&st->migrations), st->flood_total, st->flood_max);
	/* The elements are static in st; the current one and the retired ones are simply
	 * dropped. */
	kfree(st);
}

TORTURE_SUITE(rcu_suite) = {
	.name = "rcu",
	.twin = "grace periods that end at once",
	.start = rcu_start,
	.progress = rcu_progress,
	.finish = rcu_finish,
};

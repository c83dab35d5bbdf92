/* kernel/rcu.h for host programs, on pthreads. Each thread that reads registers a counter: 0
 * outside read-side sections, else the grace-period number it saw when its outermost section
 * began. synchronize_rcu() advances the number and waits until no registered reader is still in a
 * section that began before (counter nonzero and below the new number). call_rcu() queues; a
 * batch runs after one grace period, in rcu_barrier() or in an optional background thread.
 *
 * Why it is enough (a Dekker pair): a reader stores its counter, then passes full_barrier(), then
 * loads pointers; the updater unpublishes, passes full_barrier(), then loads the counters. Either
 * the updater sees the reader's counter and waits for it, or the reader sees the unpublished
 * state. Section ends are release stores that the updater acquires: the happens-before edge from a
 * reader's last access to the free, which ThreadSanitizer checks. */
#include "tests/host/host_rcu.h"
#include "kernel/panic.h"
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

struct reader {
	u64 ctr;                 /* atomic: 0 = quiescent, else the grace period the section saw */
	unsigned nesting;        /* owner thread only */
	struct reader *next;     /* registry list, under registry_lock */
};

static u64 gp_seq = 1;       /* atomic; only grows */
static u64 order_point;      /* atomic: see full_barrier() */
static pthread_mutex_t gp_lock = PTHREAD_MUTEX_INITIALIZER;         /* one grace period at a time */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;   /* the reader list */
static struct reader *readers;
static pthread_key_t reader_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static __thread struct reader *me;

/* Callbacks: pending under cb_lock; batch_lock is held while a batch runs, so that rcu_barrier()
 * also waits for a batch the background thread took before it was called. */
static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t batch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rcu_head *pending, **pending_tail = &pending;
static struct host_rcu_stats stats;   /* grace_periods under gp_lock; the rest under cb_lock */

static pthread_t cb_thread;
static bool cb_thread_running, cb_thread_stop;   /* atomic */
static unsigned cb_interval_us;

/* A seq_cst read-modify-write of one shared word instead of a fence: all of them fall in one
 * modification order with acquire-release semantics, so of two threads that each store, pass
 * here and then load, one sees the other's store (C11 release sequences). Unlike a fence,
 * ThreadSanitizer understands it. */
static void full_barrier(void)
{
	__atomic_fetch_add(&order_point, 0, __ATOMIC_SEQ_CST);
}

static void reader_unregister(void *arg)
{
	struct reader *r = arg, **pp;
	if (r->nesting)
		panic("host_rcu: a thread exited inside a read-side section");
	pthread_mutex_lock(&registry_lock);
	for (pp = &readers; *pp != r; pp = &(*pp)->next)
		;
	*pp = r->next;
	pthread_mutex_unlock(&registry_lock);
	free(r);
}

static void make_key(void)
{
	if (pthread_key_create(&reader_key, reader_unregister))
		abort();
}

static struct reader *reader_register(void)
{
	struct reader *r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	pthread_once(&key_once, make_key);
	pthread_setspecific(reader_key, r);
	pthread_mutex_lock(&registry_lock);
	r->next = readers;
	readers = r;
	pthread_mutex_unlock(&registry_lock);
	me = r;
	return r;
}

void rcu_read_lock(void)
{
	struct reader *r = me ? me : reader_register();
	if (r->nesting++ == 0) {
		__atomic_store_n(&r->ctr, __atomic_load_n(&gp_seq, __ATOMIC_ACQUIRE),
				 __ATOMIC_SEQ_CST);
		full_barrier();
	}
}

void rcu_read_unlock(void)
{
	struct reader *r = me;
	if (!r || !r->nesting)
		panic("host_rcu: rcu_read_unlock() outside a read-side section");
	if (--r->nesting == 0)
		__atomic_store_n(&r->ctr, 0, __ATOMIC_RELEASE);
}

void synchronize_rcu(void)
{
	if (me && me->nesting)
		panic("host_rcu: synchronize_rcu() inside a read-side section");
	pthread_mutex_lock(&gp_lock);
	full_barrier();
	u64 target = __atomic_add_fetch(&gp_seq, 1, __ATOMIC_SEQ_CST);
	full_barrier();
	pthread_mutex_lock(&registry_lock);
	for (struct reader *r = readers; r; r = r->next) {
		for (unsigned spins = 0;; spins++) {
			u64 c = __atomic_load_n(&r->ctr, __ATOMIC_ACQUIRE);
			if (c == 0 || c >= target)
				break;
			if (spins > 100)
				usleep(50);
			else
				sched_yield();
		}
	}
	pthread_mutex_unlock(&registry_lock);
	full_barrier();
	stats.grace_periods++;
	pthread_mutex_unlock(&gp_lock);
}

void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head))
{
	head->func = func;
	head->next = NULL;
	pthread_mutex_lock(&cb_lock);
	*pending_tail = head;
	pending_tail = &head->next;
	stats.queued++;
	pthread_mutex_unlock(&cb_lock);
}

/* Take everything queued so far, wait one grace period, run it. */
static void run_batch(void)
{
	struct rcu_head *batch;
	unsigned long n = 0;
	pthread_mutex_lock(&batch_lock);
	pthread_mutex_lock(&cb_lock);
	batch = pending;
	pending = NULL;
	pending_tail = &pending;
	pthread_mutex_unlock(&cb_lock);
	if (batch) {
		synchronize_rcu();
		while (batch) {
			struct rcu_head *next = batch->next;
			batch->func(batch);
			batch = next;
			n++;
		}
		pthread_mutex_lock(&cb_lock);
		stats.invoked += n;
		pthread_mutex_unlock(&cb_lock);
	}
	pthread_mutex_unlock(&batch_lock);
}

void rcu_barrier(void)
{
	run_batch();
}

static void *callback_thread(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&cb_thread_stop, __ATOMIC_ACQUIRE)) {
		usleep(cb_interval_us);
		run_batch();
	}
	return NULL;
}

void host_rcu_start_callback_thread(unsigned interval_us)
{
	if (cb_thread_running)
		return;
	cb_interval_us = interval_us ? interval_us : 1000;
	__atomic_store_n(&cb_thread_stop, false, __ATOMIC_RELEASE);
	if (pthread_create(&cb_thread, NULL, callback_thread, NULL))
		abort();
	cb_thread_running = true;
}

void host_rcu_stop_callback_thread(void)
{
	if (!cb_thread_running)
		return;
	__atomic_store_n(&cb_thread_stop, true, __ATOMIC_RELEASE);
	pthread_join(cb_thread, NULL);
	cb_thread_running = false;
	rcu_barrier();
}

void host_rcu_stats(struct host_rcu_stats *s)
{
	pthread_mutex_lock(&gp_lock);
	pthread_mutex_lock(&cb_lock);
	*s = stats;
	pthread_mutex_unlock(&cb_lock);
	pthread_mutex_unlock(&gp_lock);
}

/* kernel/rcu/rcu.h for host programs, on pthreads, with the kernel's read side (preemption disabled,
 * which on the host only counts). Each online thread keeps a word: 0 while offline, else the
 * grace-period number it saw when it last noted a quiescent state. synchronize_rcu() advances
 * the number and waits until every other online thread has noted one since, or gone offline.
 * call_rcu() queues; a batch runs after one grace period, in rcu_barrier() or in an optional
 * background thread.
 *
 * Why it is enough: a thread notes a quiescent state with a release store of the number, after
 * its sections' last accesses, and the updater acquires it: those accesses happen before the
 * free, an edge ThreadSanitizer checks. The number it stores it read with an acquire load; if it
 * is the new one, the updater's unpublishing, before its increment, happens before the thread's
 * later sections. Coming online is a Dekker pair instead (the thread stores its word, then passes
 * full_barrier(), then reads; the updater unpublishes, passes full_barrier(), then loads the
 * words): either the updater sees the thread online and waits for it, or the thread's sections
 * see the unpublished state. */
#include "tests/host/host_rcu.h"
#include "kernel/panic.h"
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

/* A thread's record, made when it first comes online and never freed: an updater may be reading
 * it while the thread exits. */
struct reader {
	u64 qs;                  /* atomic: 0 offline, else the grace period last noted */
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

/* A thread that exits online goes offline: only a thread inside a section may not exit. */
static void reader_exit(void *arg)
{
	struct reader *r = arg;
	if (preempt_count())
		panic("host_rcu: a thread exited inside a read-side section");
	__atomic_store_n(&r->qs, 0, __ATOMIC_RELEASE);
}

static void make_key(void)
{
	if (pthread_key_create(&reader_key, reader_exit))
		abort();
}

void host_rcu_thread_online(void)
{
	if (!me) {
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
	}
	__atomic_store_n(&me->qs, __atomic_load_n(&gp_seq, __ATOMIC_ACQUIRE), __ATOMIC_SEQ_CST);
	full_barrier();
}

void host_rcu_thread_offline(void)
{
	if (!me || !__atomic_load_n(&me->qs, __ATOMIC_RELAXED))
		panic("host_rcu: host_rcu_thread_offline() by a thread that is not online");
	if (preempt_count())
		panic("host_rcu: going offline inside a read-side section");
	__atomic_store_n(&me->qs, 0, __ATOMIC_RELEASE);
}

void rcu_note_qs(void)
{
	if (!me || !__atomic_load_n(&me->qs, __ATOMIC_RELAXED))
		panic("host_rcu: rcu_note_qs() by a thread that is not online");
	if (preempt_count())
		panic("host_rcu: rcu_note_qs() inside a read-side section");
	__atomic_store_n(&me->qs, __atomic_load_n(&gp_seq, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
}

void synchronize_rcu(void)
{
	if (preempt_count())
		panic("host_rcu: synchronize_rcu() inside a read-side section");
	pthread_mutex_lock(&gp_lock);
	full_barrier();
	u64 target = __atomic_add_fetch(&gp_seq, 1, __ATOMIC_SEQ_CST);
	full_barrier();
	pthread_mutex_lock(&registry_lock);
	for (struct reader *r = readers; r; r = r->next) {
		if (r == me)
			continue;   /* the caller is in a quiescent state */
		for (unsigned spins = 0;; spins++) {
			u64 qs = __atomic_load_n(&r->qs, __ATOMIC_ACQUIRE);
			if (qs == 0 || qs >= target)
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

/* The scheduler's side of kernel/sched/thread.h on the host: every pthread that runs kernel code is a
 * kernel thread, with a struct thread made the first time it asks for one (arch_current_thread).
 * Sleeping is waiting on the thread's condition variable; thread_wake() signals it. The host's
 * own scheduler does the rest, so there are no run queues and no kthread_create: tests start
 * their threads with pthread_create. Locking: each record's mutex guards its thread's state. */
#include "kernel/sched/thread.h"
#include "lib/printf.h"
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

/* A record is never freed: a waker may still hold the pointer (lock_waiter_grant reads it, then
 * wakes) while the thread returns from the lock and exits. The list keeps them reachable. */
struct host_thread {
	struct thread thread;        /* first: host_current points here */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct host_thread *next;    /* all_threads; written once before the record is published */
};

__thread struct thread *host_current;
__thread bool host_irqs_off;
static struct host_thread *all_threads;   /* atomic: records are only ever pushed */
static unsigned nr_threads;               /* atomic */

static struct host_thread *host_thread(struct thread *t)
{
	return container_of(t, struct host_thread, thread);
}

struct thread *host_thread_attach(void)
{
	struct host_thread *ht = calloc(1, sizeof(*ht));
	if (!ht)
		abort();
	pthread_mutex_init(&ht->lock, NULL);
	pthread_cond_init(&ht->wake, NULL);
	ht->thread.state = T_RUNNABLE;
	ht->thread.pinned_cpu = -1;
	snprintf(ht->thread.name, sizeof(ht->thread.name), "host/%u",
		 __atomic_fetch_add(&nr_threads, 1, __ATOMIC_RELAXED));
	ht->next = __atomic_load_n(&all_threads, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&all_threads, &ht->next, ht, false, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED))
		;
	host_current = &ht->thread;
	return host_current;
}

/* The mutex orders the state against the caller's condition: a waker that sets the condition
 * and then finds the state not yet SLEEPING took the lock before this store did, so the caller's
 * check after it sees the condition. */
void set_current_sleeping(void)
{
	struct host_thread *me = host_thread(current_thread());
	pthread_mutex_lock(&me->lock);
	me->thread.state = T_SLEEPING;
	pthread_mutex_unlock(&me->lock);
}

void set_current_running(void)
{
	struct host_thread *me = host_thread(current_thread());
	pthread_mutex_lock(&me->lock);
	me->thread.state = T_RUNNABLE;
	pthread_mutex_unlock(&me->lock);
}

void schedule(void)
{
	struct host_thread *me = host_thread(current_thread());
	bool slept = false;
	pthread_mutex_lock(&me->lock);
	while (me->thread.state == T_SLEEPING) {
		pthread_cond_wait(&me->wake, &me->lock);
		slept = true;
	}
	pthread_mutex_unlock(&me->lock);
	if (!slept)
		sched_yield();   /* runnable: give the CPU up all the same, as the kernel's does */
}

/* Nothing sets need_resched on the host (there is no tick), so preempt_enable() never calls
 * this; the host's scheduler preempts threads by itself. */
void preempt_schedule(void) { sched_yield(); }

bool thread_wake(struct thread *t)
{
	struct host_thread *ht = host_thread(t);
	pthread_mutex_lock(&ht->lock);
	bool sleeping = t->state == T_SLEEPING;
	if (sleeping) {
		t->state = T_RUNNABLE;
		pthread_cond_signal(&ht->wake);
	}
	pthread_mutex_unlock(&ht->lock);
	return sleeping;
}

/* Every record made so far (they are never freed, and only ever pushed on the list). */
void thread_for_each(void (*fn)(struct thread *t, void *arg), void *arg)
{
	for (struct host_thread *h = __atomic_load_n(&all_threads, __ATOMIC_ACQUIRE); h; h = h->next)
		fn(&h->thread, arg);
}

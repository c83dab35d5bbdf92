/* The sleeping half shared by mutexes, rwsems and range locks: a waiter queued by the lock, and
 * the loop that sleeps until the lock hands it over. Only the lock code uses this. */
#ifndef KERNEL_LOCK_WAIT_H
#define KERNEL_LOCK_WAIT_H

#include "kernel/sched/thread.h"

struct lock_waiter {
	struct list_head link;
	struct thread *thread;
	bool writer;
	bool granted;   /* set by the releaser, then the waiter is woken */
};

/* Sleep until *granted is set (by a releaser, who then wakes us). The caller queued itself and
 * dropped the lock's spinlock. */
static inline void sleep_until_granted(bool *granted)
{
	for (;;) {
		set_current_sleeping();
		if (smp_load_acquire(granted))
			break;
		schedule();
	}
	set_current_running();
}

static inline void lock_waiter_sleep(struct lock_waiter *w) { sleep_until_granted(&w->granted); }

/* Hand the lock to w (the caller holds the lock's spinlock and has unlinked w). */
static inline void lock_waiter_grant(struct lock_waiter *w)
{
	struct thread *t = w->thread;   /* w lives on the waiter's stack: read before granting */
	smp_store_release(&w->granted, true);
	thread_wake(t);
}

#endif

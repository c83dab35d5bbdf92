/* The sleeping half shared by mutexes, rwsems and range locks: a waiter queued by the lock, and
 * the loop that sleeps until the lock hands it over. Only the lock code uses this. */
#ifndef KERNEL_LOCK_WAIT_H
#define KERNEL_LOCK_WAIT_H

#include "kernel/thread.h"

struct lock_waiter {
	struct list_head link;
	struct thread *thread;
	bool writer;
	bool granted;   /* set by the releaser, then the waiter is woken */
};

/* Sleep until w->granted. The caller queued w and dropped the lock's spinlock. */
static inline void lock_waiter_sleep(struct lock_waiter *w)
{
	for (;;) {
		set_current_sleeping();
		if (smp_load_acquire(&w->granted))
			break;
		schedule();
	}
	set_current_running();
}

/* Hand the lock to w (the caller holds the lock's spinlock and has unlinked w). */
static inline void lock_waiter_grant(struct lock_waiter *w)
{
	struct thread *t = w->thread;   /* w lives on the waiter's stack: read before granting */
	smp_store_release(&w->granted, true);
	thread_wake(t);
}

#endif

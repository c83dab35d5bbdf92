/* Sleeping mutexes: one owner, waiters sleep in FIFO order and the lock is handed to the first
 * of them on unlock (so nobody can barge in and starve a waiter). May only be taken where
 * sleeping is allowed; only the owner unlocks. wait_lock (a spinlock) guards owner and waiters. */
#ifndef KERNEL_MUTEX_H
#define KERNEL_MUTEX_H

#include "kernel/locking/spinlock.h"
#include "lib/list.h"

struct thread;

struct mutex {
	spinlock_t wait_lock;
	struct thread *owner;
	struct list_head waiters;
};

#define MUTEX_INIT(name) { SPINLOCK_INIT, NULL, LIST_HEAD_INIT((name).waiters) }
void mutex_init(struct mutex *m);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
bool mutex_is_locked(struct mutex *m);

#endif

/* Reader/writer semaphores: many readers or one writer, sleeping. Fairness is FIFO: once anyone
 * waits, newcomers queue behind them, so a stream of readers cannot starve a writer (it waits at
 * most for the readers already inside); on release the head of the queue is granted, a writer
 * alone or a run of consecutive readers together. rwsem_is_contended() says whether anyone waits,
 * without writing to the lock. wait_lock guards everything. */
#ifndef KERNEL_RWSEM_H
#define KERNEL_RWSEM_H

#include "kernel/locking/spinlock.h"
#include "lib/list.h"

struct rw_semaphore {
	spinlock_t wait_lock;
	int readers;          /* readers inside; -1: a writer inside */
	struct list_head waiters;
};

#define RWSEM_INIT(name) { SPINLOCK_INIT, 0, LIST_HEAD_INIT((name).waiters) }
void rwsem_init(struct rw_semaphore *s);
void down_read(struct rw_semaphore *s);
void up_read(struct rw_semaphore *s);
void down_write(struct rw_semaphore *s);
void up_write(struct rw_semaphore *s);
bool down_read_trylock(struct rw_semaphore *s);
bool down_write_trylock(struct rw_semaphore *s);
bool rwsem_is_contended(struct rw_semaphore *s);
bool rwsem_is_locked(struct rw_semaphore *s);

#endif

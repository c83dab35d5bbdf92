/* Range locks: reader/writer locking of [start, end) ranges of one address space (seed 002).
 * Requests that overlap and conflict (at least one writer) are served in arrival order; requests
 * that do not overlap never wait for each other. Every request, granted or waiting, sits in an
 * interval tree with a count of the earlier conflicting requests still present ("blockers");
 * it is granted when that count reaches zero, and a release decrements the count of every later
 * conflicting request it overlaps.
 * Locking: tree->lock (a spinlock) guards the tree and every request's blockers; waiters sleep.
 * The caller supplies the struct range_lock (usually on its stack) and keeps it until unlock;
 * ranges are never empty (start < end). */
#ifndef KERNEL_RANGELOCK_H
#define KERNEL_RANGELOCK_H

#include "kernel/locking/spinlock.h"
#include "lib/interval_tree.h"

struct thread;

struct range_lock_tree {
	spinlock_t lock;
	struct interval_tree tree;
	u64 next_seq;           /* arrival order */
};

struct range_lock {
	struct interval_node node;   /* [start, end) */
	u64 seq;                     /* arrival number: lower came first */
	bool writer;
	unsigned blockers;           /* earlier overlapping conflicting requests still present */
	struct thread *waiter;       /* sleeping for the grant, or NULL */
	bool granted;
};

void range_lock_tree_init(struct range_lock_tree *t);

void range_read_lock(struct range_lock_tree *t, struct range_lock *rl, u64 start, u64 end);
void range_write_lock(struct range_lock_tree *t, struct range_lock *rl, u64 start, u64 end);
bool range_read_trylock(struct range_lock_tree *t, struct range_lock *rl, u64 start, u64 end);
bool range_write_trylock(struct range_lock_tree *t, struct range_lock *rl, u64 start, u64 end);
void range_unlock(struct range_lock_tree *t, struct range_lock *rl);

/* The core, without sleeping (caller holds t->lock); the host tests drive these directly.
 * enqueue returns the number of blockers; dequeue calls grant(rl) for each request it unblocks. */
unsigned range_lock_enqueue_locked(struct range_lock_tree *t, struct range_lock *rl, u64 start,
				   u64 end, bool writer);
bool range_lock_conflicts_locked(struct range_lock_tree *t, u64 start, u64 end, bool writer);
void range_lock_dequeue_locked(struct range_lock_tree *t, struct range_lock *rl,
			       void (*grant)(struct range_lock *rl));

#endif

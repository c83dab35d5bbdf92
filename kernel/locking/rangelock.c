/* Range locks (see rangelock.h). */
#include "kernel/locking/rangelock.h"
#include "kernel/locking/lock_wait.h"
#include "kernel/locking/lockcheck.h"

void range_lock_tree_init(struct range_lock_tree *t)
{
	spin_lock_init(&t->lock);
	interval_tree_init(&t->tree);
	t->next_seq = 0;
}

static inline bool conflict(bool writer_a, bool writer_b) { return writer_a || writer_b; }

bool range_lock_conflicts_locked(struct range_lock_tree *t, u64 start, u64 end, bool writer)
{
	for (struct interval_node *n = interval_tree_first_overlap(&t->tree, start, end); n;
	     n = interval_tree_next_overlap(n, start, end))
		if (conflict(writer, container_of(n, struct range_lock, node)->writer))
			return true;
	return false;
}

unsigned range_lock_enqueue_locked(struct range_lock_tree *t, struct range_lock *rl, u64 start,
				   u64 end, bool writer)
{
	rl->node.start = start;
	rl->node.end = end;
	rl->writer = writer;
	rl->seq = t->next_seq++;
	rl->blockers = 0;
	rl->waiter = NULL;
	rl->granted = false;
	/* Everything already in the tree arrived earlier. */
	for (struct interval_node *n = interval_tree_first_overlap(&t->tree, start, end); n;
	     n = interval_tree_next_overlap(n, start, end))
		if (conflict(writer, container_of(n, struct range_lock, node)->writer))
			rl->blockers++;
	interval_tree_insert(&t->tree, &rl->node);
	return rl->blockers;
}

void range_lock_dequeue_locked(struct range_lock_tree *t, struct range_lock *rl,
			       void (*grant)(struct range_lock *rl))
{
	u64 start = rl->node.start, end = rl->node.end;
	interval_tree_remove(&t->tree, &rl->node);
	for (struct interval_node *n = interval_tree_first_overlap(&t->tree, start, end); n;
	     n = interval_tree_next_overlap(n, start, end)) {
		struct range_lock *o = container_of(n, struct range_lock, node);
		if (o->seq > rl->seq && conflict(rl->writer, o->writer) && --o->blockers == 0)
			grant(o);
	}
}

static void grant_waiter(struct range_lock *rl)
{
	struct thread *t = rl->waiter;
	smp_store_release(&rl->granted, true);
	if (t)
		thread_wake(t);
}

static void lock_common(struct range_lock_tree *t, struct range_lock *rl, u64 start, u64 end,
			bool writer)
{
	might_sleep();
	spin_lock(&t->lock);
	if (range_lock_enqueue_locked(t, rl, start, end, writer) == 0) {
		rl->granted = true;
		spin_unlock(&t->lock);
		return;
	}
	rl->waiter = current_thread();
	spin_unlock(&t->lock);
	sleep_until_granted(&rl->granted);
}

static bool trylock_common(struct range_lock_tree *t, struct range_lock *rl, u64 start, u64 end,
			   bool writer)
{
	spin_lock(&t->lock);
	bool ok = !range_lock_conflicts_locked(t, start, end, writer);
	if (ok) {
		range_lock_enqueue_locked(t, rl, start, end, writer);
		rl->granted = true;
	}
	spin_unlock(&t->lock);
	return ok;
}

void range_read_lock(struct range_lock_tree *t, struct range_lock *rl, u64 start, u64 end)
{
	lock_common(t, rl, start, end, false);
}

void range_write_lock(struct range_lock_tree *t, struct range_lock *rl, u64 start, u64 end)
{
	lock_common(t, rl, start, end, true);
}

bool range_read_trylock(struct range_lock_tree *t, struct range_lock *rl, u64 start, u64 end)
{
	return trylock_common(t, rl, start, end, false);
}

bool range_write_trylock(struct range_lock_tree *t, struct range_lock *rl, u64 start, u64 end)
{
	return trylock_common(t, rl, start, end, true);
}

void range_unlock(struct range_lock_tree *t, struct range_lock *rl)
{
	spin_lock(&t->lock);
	range_lock_dequeue_locked(t, rl, grant_waiter);
	spin_unlock(&t->lock);
}

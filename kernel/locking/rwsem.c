/* Reader/writer semaphores with FIFO fairness (see rwsem.h). */
#include "kernel/locking/rwsem.h"
#include "kernel/locking/lock_wait.h"
#include "kernel/panic.h"

void rwsem_init(struct rw_semaphore *s)
{
	spin_lock_init(&s->wait_lock);
	s->readers = 0;
	list_init(&s->waiters);
}

/* Grant the head of the queue: one writer, or every reader up to the first writer. */
static void grant_waiters_locked(struct rw_semaphore *s)
{
	while (!list_empty(&s->waiters)) {
		struct lock_waiter *w = list_first_entry(&s->waiters, struct lock_waiter, link);
		if (w->writer) {
			if (s->readers != 0)
				return;
			s->readers = -1;
		} else {
			if (s->readers < 0)
				return;
			s->readers++;
		}
		list_del(&w->link);
		bool writer = w->writer;
		lock_waiter_grant(w);
		if (writer)
			return;
	}
}

static void down_common(struct rw_semaphore *s, bool writer)
{
	might_sleep();
	if (lockcheck_on())
		lockcheck_acquire(s, writer ? "rwsem (write)" : "rwsem (read)");
	spin_lock(&s->wait_lock);
	bool free_now = list_empty(&s->waiters) && (writer ? s->readers == 0 : s->readers >= 0);
	if (free_now) {
		s->readers = writer ? -1 : s->readers + 1;
		spin_unlock(&s->wait_lock);
		return;
	}
	struct lock_waiter w = { .thread = current_thread(), .writer = writer };
	list_add_tail(&w.link, &s->waiters);
	spin_unlock(&s->wait_lock);
	lock_waiter_sleep(&w);
}

static bool trylock_common(struct rw_semaphore *s, bool writer)
{
	spin_lock(&s->wait_lock);
	bool ok = list_empty(&s->waiters) && (writer ? s->readers == 0 : s->readers >= 0);
	if (ok)
		s->readers = writer ? -1 : s->readers + 1;
	spin_unlock(&s->wait_lock);
	if (ok && lockcheck_on())
		lockcheck_acquire(s, writer ? "rwsem (write)" : "rwsem (read)");
	return ok;
}

void down_read(struct rw_semaphore *s) { down_common(s, false); }
void down_write(struct rw_semaphore *s) { down_common(s, true); }
bool down_read_trylock(struct rw_semaphore *s) { return trylock_common(s, false); }
bool down_write_trylock(struct rw_semaphore *s) { return trylock_common(s, true); }

void up_read(struct rw_semaphore *s)
{
	if (lockcheck_on() && !lockcheck_release(s, "rwsem (read)"))
		return;
	spin_lock(&s->wait_lock);
	BUG_ON(s->readers <= 0);
	if (--s->readers == 0)
		grant_waiters_locked(s);
	spin_unlock(&s->wait_lock);
}

void up_write(struct rw_semaphore *s)
{
	if (lockcheck_on() && !lockcheck_release(s, "rwsem (write)"))
		return;
	spin_lock(&s->wait_lock);
	BUG_ON(s->readers != -1);
	s->readers = 0;
	grant_waiters_locked(s);
	spin_unlock(&s->wait_lock);
}

bool rwsem_is_contended(struct rw_semaphore *s) { return !list_empty(&s->waiters); }
bool rwsem_is_locked(struct rw_semaphore *s) { return READ_ONCE(s->readers) != 0; }

/* Sleeping mutexes with hand-off to the first waiter (see mutex.h). */
#include "kernel/locking/mutex.h"
#include "kernel/locking/lock_wait.h"
#include "kernel/panic.h"

void mutex_init(struct mutex *m)
{
	spin_lock_init(&m->wait_lock);
	m->owner = NULL;
	list_init(&m->waiters);
}

void mutex_lock(struct mutex *m)
{
	might_sleep();
	if (lockcheck_on())
		lockcheck_acquire(m, "mutex");
	struct thread *me = current_thread();
	spin_lock(&m->wait_lock);
	if (!m->owner) {
		m->owner = me;
		spin_unlock(&m->wait_lock);
		return;
	}
	struct lock_waiter w = { .thread = me };
	list_add_tail(&w.link, &m->waiters);
	spin_unlock(&m->wait_lock);
	lock_waiter_sleep(&w);   /* the unlocker made us the owner */
}

bool mutex_trylock(struct mutex *m)
{
	spin_lock(&m->wait_lock);
	bool ok = !m->owner;
	if (ok)
		m->owner = current_thread();
	spin_unlock(&m->wait_lock);
	if (ok && lockcheck_on())
		lockcheck_acquire(m, "mutex");
	return ok;
}

void mutex_unlock(struct mutex *m)
{
	if (lockcheck_on() && !lockcheck_release(m, "mutex"))
		return;
	spin_lock(&m->wait_lock);
	if (m->owner != current_thread())
		panic("mutex_unlock(%p) by '%s', not the owner", (void *)m, current_thread()->name);
	if (list_empty(&m->waiters)) {
		m->owner = NULL;
	} else {
		struct lock_waiter *w = list_first_entry(&m->waiters, struct lock_waiter, link);
		list_del(&w->link);
		m->owner = w->thread;
		lock_waiter_grant(w);
	}
	spin_unlock(&m->wait_lock);
}

bool mutex_is_locked(struct mutex *m) { return READ_ONCE(m->owner) != NULL; }

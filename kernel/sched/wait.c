/* Wait queues and completions (see wait.h). */
#include "kernel/sched/wait.h"
#include "kernel/sched/thread.h"
#include "kernel/printk.h"
#include "kernel/sched/timer.h"
#include "lib/string.h"

void wait_queue_init(struct wait_queue *wq)
{
	spin_lock_init(&wq->lock);
	list_init(&wq->waiters);
}

void prepare_to_wait(struct wait_queue *wq, struct waiter *w)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);
	w->thread = current_thread();
	if (!w->link.next)   /* not queued yet */
		list_add_tail(&w->link, &wq->waiters);
	set_current_sleeping();
	spin_unlock_irqrestore(&wq->lock, flags);
}

void finish_wait(struct wait_queue *wq, struct waiter *w)
{
	set_current_running();
	unsigned long flags = spin_lock_irqsave(&wq->lock);
	if (w->link.next)
		list_del(&w->link);
	spin_unlock_irqrestore(&wq->lock, flags);
}

static void wake_up_locked(struct wait_queue *wq)
{
	struct waiter *w;
	list_for_each_entry(w, &wq->waiters, link)
		thread_wake(w->thread);
}

void wake_up(struct wait_queue *wq)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);
	wake_up_locked(wq);
	spin_unlock_irqrestore(&wq->lock, flags);
}

/*
 * Completions. A completion is often freed by its waiter as soon as the wait returns (it lives on
 * the waiter's stack in synchronize_rcu, in a kfree'd request in rcu_barrier, in the thread that
 * thread_join frees). So complete() must be finished with it before any waiter can see `done`:
 * `done` and the waiters share one lock, the wake-ups happen under it, and the waiter reads `done`
 * under it too. The completer's release of that lock is its last access; the waiter's
 * acquisition of it comes after, and from then on the memory is the waiter's to free.
 */
void completion_init(struct completion *c)
{
	c->done = 0;
	wait_queue_init(&c->wq);
}

void complete(struct completion *c)
{
	unsigned long flags = spin_lock_irqsave(&c->wq.lock);
	if (c->done != ~0u)
		c->done++;
	wake_up_locked(&c->wq);
	spin_unlock_irqrestore(&c->wq.lock, flags);
}

void complete_all(struct completion *c)
{
	unsigned long flags = spin_lock_irqsave(&c->wq.lock);
	c->done = ~0u;
	wake_up_locked(&c->wq);
	spin_unlock_irqrestore(&c->wq.lock, flags);
}

/* Take one event, sleeping for it until the clock reaches deadline (~0: no limit). */
static bool wait_until(struct completion *c, u64 deadline)
{
	struct waiter w = { current_thread(), { NULL, NULL } };
	bool ok;
	unsigned long flags = spin_lock_irqsave(&c->wq.lock);
	for (;;) {
		ok = c->done > 0;
		if (ok) {
			if (c->done != ~0u)
				c->done--;
			break;
		}
		u64 now = clock_ns();
		if (now >= deadline)
			break;
		if (!w.link.next)
			list_add_tail(&w.link, &c->wq.waiters);
		set_current_sleeping();   /* before the unlock: a complete() after it wakes us */
		spin_unlock_irqrestore(&c->wq.lock, flags);
		if (deadline == ~0ull)
			schedule();
		else
			schedule_timeout(deadline - now);
		flags = spin_lock_irqsave(&c->wq.lock);
	}
	if (w.link.next)
		list_del(&w.link);
	spin_unlock_irqrestore(&c->wq.lock, flags);
	set_current_running();
	return ok;
}

void wait_for_completion(struct completion *c)
{
	wait_until(c, ~0ull);
}

bool wait_for_completion_timeout(struct completion *c, u64 timeout_ns)
{
	u64 now = clock_ns();
	return wait_until(c, timeout_ns >= ~0ull - now ? ~0ull : now + timeout_ns);
}

/* Written over a completion whose memory is about to be reused (a stack frame returning): a
 * late complete() then takes the lock (0x6b6b/0x6b6b reads as free) and faults on the poisoned
 * waiter list (0x6b6b6b6b6b6b6b6b is non-canonical on x86_64 and unmapped on arm64 and ppc64),
 * instead of corrupting whatever lives there next. */
void completion_poison(struct completion *c)
{
	memset(c, 0x6b, sizeof(*c));
}

bool completion_done(struct completion *c)
{
	return READ_ONCE(c->done) > 0;
}

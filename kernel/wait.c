/* Wait queues and completions (see wait.h). */
#include "kernel/wait.h"
#include "kernel/thread.h"

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

void wake_up(struct wait_queue *wq)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);
	struct waiter *w;
	list_for_each_entry(w, &wq->waiters, link)
		thread_wake(w->thread);
	spin_unlock_irqrestore(&wq->lock, flags);
}

void completion_init(struct completion *c)
{
	spin_lock_init(&c->lock);
	c->done = 0;
	wait_queue_init(&c->wq);
}

void complete(struct completion *c)
{
	unsigned long flags = spin_lock_irqsave(&c->lock);
	if (c->done != ~0u)
		c->done++;
	spin_unlock_irqrestore(&c->lock, flags);
	wake_up(&c->wq);
}

void complete_all(struct completion *c)
{
	unsigned long flags = spin_lock_irqsave(&c->lock);
	c->done = ~0u;
	spin_unlock_irqrestore(&c->lock, flags);
	wake_up(&c->wq);
}

static bool try_take(struct completion *c)
{
	unsigned long flags = spin_lock_irqsave(&c->lock);
	bool ok = c->done > 0;
	if (ok && c->done != ~0u)
		c->done--;
	spin_unlock_irqrestore(&c->lock, flags);
	return ok;
}

void wait_for_completion(struct completion *c)
{
	wait_event(&c->wq, try_take(c));
}

bool completion_done(struct completion *c)
{
	return READ_ONCE(c->done) > 0;
}

/* Wait queues and completions. A waiter marks itself sleeping, queues itself, re-checks its
 * condition and only then sleeps; a waker changes the condition first and then wakes everyone
 * queued. That order is what makes a wake-up impossible to lose.
 *     wait_event(&wq, READ_ONCE(ready));       ...       ready = true; wake_up(&wq);
 * Locking: wq->lock guards the list; it is taken before any run-queue lock. */
#ifndef KERNEL_WAIT_H
#define KERNEL_WAIT_H

#include "kernel/locking/spinlock.h"
#include "lib/list.h"

struct thread;

struct wait_queue {
	spinlock_t lock;
	struct list_head waiters;
};

struct waiter {
	struct thread *thread;
	struct list_head link;   /* on wq->waiters while queued */
};

#define WAIT_QUEUE_INIT(name) { SPINLOCK_INIT, LIST_HEAD_INIT((name).waiters) }
void wait_queue_init(struct wait_queue *wq);
void prepare_to_wait(struct wait_queue *wq, struct waiter *w);
void finish_wait(struct wait_queue *wq, struct waiter *w);
void wake_up(struct wait_queue *wq);   /* wake every queued waiter */
void schedule(void);

#define wait_event(wq, cond)                                   \
	do {                                                   \
		struct waiter __w = { NULL, { NULL, NULL } };  \
		for (;;) {                                     \
			prepare_to_wait(wq, &__w);             \
			if (cond)                              \
				break;                         \
			schedule();                            \
		}                                              \
		finish_wait(wq, &__w);                         \
	} while (0)

/* A completion counts events: complete() adds one, wait_for_completion() takes one, sleeping
 * until there is one. complete_all() makes every present and future wait return. The waiter may
 * free the completion as soon as its wait returns: complete() is done with it by then. */
struct completion {
	unsigned done;           /* wq.lock */
	struct wait_queue wq;
};

void completion_init(struct completion *c);
void complete(struct completion *c);
void complete_all(struct completion *c);
void wait_for_completion(struct completion *c);
/* The same with a limit: false if no event came within timeout_ns (nothing is taken then). */
bool wait_for_completion_timeout(struct completion *c, u64 timeout_ns);
bool completion_done(struct completion *c);
/* The waiter is done with c and its memory goes (a stack frame): poison it (debug aid). */
void completion_poison(struct completion *c);

#endif

/* Futexes (see futex.h). Waiters hang on one of FUTEX_BUCKETS lists, chosen by hashing the key.
 * The check of the user's word and the queueing happen under the bucket's lock, and a waker
 * takes the same lock to dequeue: so a wake that follows the user's change of the word (which
 * user space makes before calling wake) either finds the waiter queued or the waiter read the
 * changed word and did not sleep. That is the whole protocol; Linux's futex(2) page says the same
 * from the user's side. */
#include "arch/arch.h"
#ifdef ARCH_HAS_USER_MODE
#include "kernel/user/futex.h"
#include "kernel/errno.h"
#include "kernel/locking/spinlock.h"
#include "kernel/sched/thread.h"
#include "kernel/user/process.h"
#include "kernel/user/uaccess.h"
#include "lib/list.h"

#define FUTEX_BUCKETS 64

struct futex_waiter {
	struct mm *mm;
	uintptr_t addr;
	struct thread *thread;
	bool woken;               /* set by the waker under the bucket lock, read by the waiter */
	struct list_head link;    /* on its bucket while queued */
};

static struct futex_bucket {
	spinlock_t lock;
	struct list_head waiters;
} buckets[FUTEX_BUCKETS];

void __init futex_init(void)
{
	for (unsigned i = 0; i < FUTEX_BUCKETS; i++) {
		spin_lock_init(&buckets[i].lock);
		list_init(&buckets[i].waiters);
	}
}

static struct futex_bucket *bucket_of(struct mm *mm, uintptr_t addr)
{
	u64 h = ((u64)(uintptr_t)mm ^ (addr >> 2)) * 0x9e3779b97f4a7c15ull;
	return &buckets[h >> 58];
}

/* The word, read with the bucket lock held: preemption is off, so a fault cannot be handled
 * (fault_entry refuses) and the copy ends -EFAULT; the caller then drops the lock, faults the
 * page in with an ordinary copy and tries again, as Linux's futex_wait_setup does. */
static int read_word_locked(uintptr_t uaddr, u32 *v)
{
	return get_user_u32(v, uaddr);
}

int futex_wait(struct mm *mm, uintptr_t uaddr, u32 val, u64 deadline_ns)
{
	if (uaddr & 3)
		return -EINVAL;
	if (!user_range_ok(uaddr, 4))
		return -EFAULT;
	struct futex_bucket *b = bucket_of(mm, uaddr);
	struct futex_waiter w = { .mm = mm, .addr = uaddr, .thread = current_thread() };
	u32 cur;
	for (;;) {
		spin_lock(&b->lock);
		if (read_word_locked(uaddr, &cur) == 0)
			break;
		spin_unlock(&b->lock);
		if (get_user_u32(&cur, uaddr))   /* may sleep: faults the page in */
			return -EFAULT;
	}
	if (cur != val) {
		spin_unlock(&b->lock);
		return -EAGAIN;
	}
	list_add_tail(&w.link, &b->waiters);
	spin_unlock(&b->lock);

	int ret = uthread_sleep(&w.woken, deadline_ns);

	spin_lock(&b->lock);
	if (!w.woken)
		list_del(&w.link);   /* timed out or told to exit: still queued */
	else
		ret = 0;             /* a wake that raced with the timeout counts as a wake */
	spin_unlock(&b->lock);
	return ret;
}

int futex_wake(struct mm *mm, uintptr_t uaddr, int n)
{
	if (uaddr & 3)
		return -EINVAL;
	struct futex_bucket *b = bucket_of(mm, uaddr);
	int woken = 0;
	spin_lock(&b->lock);
	struct futex_waiter *w, *tmp;
	list_for_each_entry_safe(w, tmp, &b->waiters, link) {
		if (woken >= n)
			break;
		if (w->mm != mm || w->addr != uaddr)
			continue;
		list_del(&w->link);
		/* After this store the waiter may return and its stack frame (w) go: take the
		 * thread first, and wake it under the lock, which the waiter takes before it
		 * returns, so the thread is still there. */
		struct thread *t = w->thread;
		WRITE_ONCE(w->woken, true);
		thread_wake(t);
		woken++;
	}
	spin_unlock(&b->lock);
	return woken;
}

#endif /* ARCH_HAS_USER_MODE */

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
#include "mm/mm.h"
#include "mm/vma.h"

#define FUTEX_BUCKETS 64

struct futex_waiter {
	struct mm *mm;
	uintptr_t addr;           /* its key; a requeue changes it, holding both buckets' locks */
	bool shared;              /* part of the key: a private waiter is not a shared waker's */
	u32 bitset;               /* FUTEX_WAIT_BITSET's mask; all ones for FUTEX_WAIT */
	struct thread *thread;
	bool woken;               /* set by the waker under the bucket lock, read by the waiter */
	struct list_head link;    /* on the bucket of its key while queued */
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

/* The waiter's bucket, locked: its key may change under a requeue until it holds the lock of
 * the bucket the key names. */
static struct futex_bucket *lock_waiter_bucket(struct futex_waiter *w)
{
	for (;;) {
		uintptr_t addr = READ_ONCE(w->addr);
		struct futex_bucket *b = bucket_of(w->mm, addr);
		spin_lock(&b->lock);
		if (w->addr == addr)
			return b;
		spin_unlock(&b->lock);
	}
}

/* Lock the word's bucket with its value read: 0, or -EFAULT (nothing locked). */
static int lock_and_read(struct futex_bucket *b, uintptr_t uaddr, u32 *cur)
{
	for (;;) {
		spin_lock(&b->lock);
		if (read_word_locked(uaddr, cur) == 0)
			return 0;
		spin_unlock(&b->lock);
		if (get_user_u32(cur, uaddr))   /* may sleep: faults the page in */
			return -EFAULT;
	}
}

/* Linux keys a shared futex in private anonymous memory by the page, which it must be able to
 * pin for writing: one there that the process may not write is -EFAULT (get_futex_key). The
 * shared anonymous mappings are objects of their own and may be waited on read-only. */
static int shared_key_ok(struct mm *mm, uintptr_t uaddr)
{
	mmap_read_lock(mm);
	struct vma *v = vma_lookup(mm, uaddr);
	bool bad = v && !(v->flags & VM_SHARED) && !(v->flags & VM_WRITE);
	mmap_read_unlock(mm);
	return bad ? -EFAULT : 0;
}

int futex_wait(struct mm *mm, uintptr_t uaddr, u32 val, u32 bitset, bool shared,
	       u64 deadline_ns)
{
	if (uaddr & 3 || !bitset)
		return -EINVAL;
	if (!user_range_ok(uaddr, 4))
		return -EFAULT;
	if (shared && shared_key_ok(mm, uaddr))
		return -EFAULT;
	struct futex_bucket *b = bucket_of(mm, uaddr);
	struct futex_waiter w = { .mm = mm, .addr = uaddr, .shared = shared, .bitset = bitset,
				  .thread = current_thread() };
	u32 cur;
	if (lock_and_read(b, uaddr, &cur))
		return -EFAULT;
	if (cur != val) {
		spin_unlock(&b->lock);
		return -EAGAIN;
	}
	list_add_tail(&w.link, &b->waiters);
	spin_unlock(&b->lock);

	int ret = uthread_sleep(&w.woken, deadline_ns);

	b = lock_waiter_bucket(&w);
	if (!w.woken)
		list_del(&w.link);   /* timed out or told to exit: still queued */
	else
		ret = 0;             /* a wake that raced with the timeout counts as a wake */
	spin_unlock(&b->lock);
	return ret;
}

/* Wake one queued waiter (b locked). */
static void wake_one(struct futex_waiter *w)
{
	list_del(&w->link);
	/* After this store the waiter may return and its stack frame (w) go: take the thread
	 * first, and wake it under the lock, which the waiter takes before it returns, so the
	 * thread is still there. */
	struct thread *t = w->thread;
	WRITE_ONCE(w->woken, true);
	thread_wake(t);
}

int futex_wake(struct mm *mm, uintptr_t uaddr, int n, u32 bitset, bool shared)
{
	if (uaddr & 3 || !bitset)
		return -EINVAL;
	if (shared && shared_key_ok(mm, uaddr))
		return -EFAULT;
	struct futex_bucket *b = bucket_of(mm, uaddr);
	int woken = 0;
	spin_lock(&b->lock);
	struct futex_waiter *w, *tmp;
	list_for_each_entry_safe(w, tmp, &b->waiters, link) {
		if (woken >= n)
			break;
		if (w->mm != mm || w->addr != uaddr || w->shared != shared || !(w->bitset & bitset))
			continue;
		wake_one(w);
		woken++;
	}
	spin_unlock(&b->lock);
	return woken;
}

/* Both buckets locked, the lower address first (one lock if they are the same). */
static void lock_two(struct futex_bucket *a, struct futex_bucket *b)
{
	if (a == b) {
		spin_lock(&a->lock);
	} else if (a < b) {
		spin_lock(&a->lock);
		spin_lock(&b->lock);
	} else {
		spin_lock(&b->lock);
		spin_lock(&a->lock);
	}
}

static void unlock_two(struct futex_bucket *a, struct futex_bucket *b)
{
	spin_unlock(&a->lock);
	if (a != b)
		spin_unlock(&b->lock);
}

int futex_requeue(struct mm *mm, uintptr_t uaddr, int nr_wake, int nr_requeue, uintptr_t uaddr2,
		  bool cmp, u32 val3, bool shared)
{
	if (uaddr & 3 || uaddr2 & 3 || nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	if (!user_range_ok(uaddr, 4) || !user_range_ok(uaddr2, 4))
		return -EFAULT;
	if (shared && (shared_key_ok(mm, uaddr) || shared_key_ok(mm, uaddr2)))
		return -EFAULT;
	struct futex_bucket *b1 = bucket_of(mm, uaddr), *b2 = bucket_of(mm, uaddr2);
	for (;;) {
		lock_two(b1, b2);
		if (!cmp)
			break;
		u32 cur;
		if (read_word_locked(uaddr, &cur) == 0) {
			if (cur != val3) {
				unlock_two(b1, b2);
				return -EAGAIN;
			}
			break;
		}
		unlock_two(b1, b2);
		if (get_user_u32(&cur, uaddr))
			return -EFAULT;
	}
	int done = 0, moved = 0;
	struct futex_waiter *w, *tmp;
	list_for_each_entry_safe(w, tmp, &b1->waiters, link) {
		if (w->mm != mm || w->addr != uaddr || w->shared != shared)
			continue;
		if (done < nr_wake) {
			wake_one(w);
			done++;
		} else if (moved < nr_requeue) {
			/* Onto the other bucket's list only if it is another list: moved to the
			 * tail of this one, it would be met again (with uaddr == uaddr2, forever,
			 * nr_requeue being the user's) */
			if (b1 != b2) {
				list_del(&w->link);
				list_add_tail(&w->link, &b2->waiters);
			}
			WRITE_ONCE(w->addr, uaddr2);   /* both locks held: see lock_waiter_bucket */
			moved++;
		} else {
			break;
		}
	}
	unlock_two(b1, b2);
	/* Linux returns the woken plus, for CMP_REQUEUE, the requeued */
	return cmp ? done + moved : done;
}

#endif /* ARCH_HAS_USER_MODE */

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

/* What a waiter waits on (Linux's futex key): (mm, address) for a private futex, or a shared one
 * in private memory; (the shared object, the offset in it) for a shared futex in a MAP_SHARED
 * mapping, so that processes that map it (a parent and its forked child), anywhere, meet. */
struct futex_key {
	const void *obj;
	uintptr_t off;
	bool shared;              /* a private waiter is not a shared waker's */
};

struct futex_waiter {
	struct futex_key key;     /* a requeue changes obj and off, holding both buckets' locks */
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

static struct futex_bucket *bucket_of(const void *obj, uintptr_t off)
{
	u64 h = ((u64)(uintptr_t)obj ^ (off >> 2)) * 0x9e3779b97f4a7c15ull;
	return &buckets[h >> 58];
}

static bool key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->obj == b->obj && a->off == b->off && a->shared == b->shared;
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
		/* The two words may be read torn by a requeue: then the check under the lock,
		 * where they cannot change, sees one of them differ and goes round again. */
		const void *obj = READ_ONCE(w->key.obj);
		uintptr_t off = READ_ONCE(w->key.off);
		struct futex_bucket *b = bucket_of(obj, off);
		spin_lock(&b->lock);
		if (w->key.obj == obj && w->key.off == off)
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

/* Linux's get_futex_key. A shared futex in a MAP_SHARED mapping: the object and the offset in it.
 * In private memory, shared or not: (mm, address); Linux keys a shared one there by the page,
 * which it must be able to pin for writing, so one the process may not write is -EFAULT. */
static int get_key(struct mm *mm, uintptr_t uaddr, bool shared, struct futex_key *k)
{
	k->obj = mm;
	k->off = uaddr;
	k->shared = shared;
	if (!shared)
		return 0;
	int err = 0;
	mmap_read_lock(mm);
	struct vma *v = vma_lookup(mm, uaddr);
	if (v && (v->flags & VM_SHARED) && v->shm) {
		k->obj = v->shm;
		k->off = ((v->pgoff + ((uaddr - v->start) >> PAGE_SHIFT)) << PAGE_SHIFT) |
			 (uaddr & (PAGE_SIZE - 1));
	} else if (v && !(v->flags & VM_WRITE)) {
		err = -EFAULT;
	}
	mmap_read_unlock(mm);
	return err;
}

int futex_wait(struct mm *mm, uintptr_t uaddr, u32 val, u32 bitset, bool shared,
	       u64 deadline_ns)
{
	if (uaddr & 3 || !bitset)
		return -EINVAL;
	if (!user_range_ok(uaddr, 4))
		return -EFAULT;
	struct futex_waiter w = { .bitset = bitset, .thread = current_thread() };
	if (get_key(mm, uaddr, shared, &w.key))
		return -EFAULT;
	struct futex_bucket *b = bucket_of(w.key.obj, w.key.off);
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
	struct futex_key k;
	if (get_key(mm, uaddr, shared, &k))
		return -EFAULT;
	struct futex_bucket *b = bucket_of(k.obj, k.off);
	int woken = 0;
	spin_lock(&b->lock);
	struct futex_waiter *w, *tmp;
	list_for_each_entry_safe(w, tmp, &b->waiters, link) {
		if (woken >= n)
			break;
		if (!key_eq(&w->key, &k) || !(w->bitset & bitset))
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
	struct futex_key k1, k2;
	if (get_key(mm, uaddr, shared, &k1) || get_key(mm, uaddr2, shared, &k2))
		return -EFAULT;
	struct futex_bucket *b1 = bucket_of(k1.obj, k1.off), *b2 = bucket_of(k2.obj, k2.off);
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
		if (!key_eq(&w->key, &k1))
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
			WRITE_ONCE(w->key.obj, k2.obj);   /* both locks held: see lock_waiter_bucket */
			WRITE_ONCE(w->key.off, k2.off);
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

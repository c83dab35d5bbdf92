/* Ticket spinlocks: fair (FIFO) because each locker takes a ticket and waits for its turn.
 * Holding one disables preemption; spin_lock_irqsave() also disables interrupts on this CPU, for
 * data shared with interrupt handlers. A lock is held for short, non-sleeping sections only. */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include "arch/arch.h"
#include "kernel/atomic.h"
#include "kernel/locking/lockcheck.h"
#include "kernel/sched/preempt.h"

typedef struct spinlock {
	u16 next;    /* the ticket the next locker takes */
	u16 owner;   /* the ticket being served */
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock_init(spinlock_t *l) { l->next = 0; l->owner = 0; }

/* The lock word alone, without preemption control: for the scheduler's own locks. */
static inline void __spin_lock(spinlock_t *l)
{
	u16 me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		arch_cpu_relax();
}

/* Free exactly when next == owner: take the ticket only then. The acquire that orders our
 * critical section after the previous holder's must be on the load that reads from that holder's
 * release, which is the store to `owner` in __spin_unlock (C11 and the Linux-kernel memory model:
 * synchronises-with needs an acquire that reads-from a release). An acquire on the CAS of `next`
 * alone pairs with no unlock: on arm64 or POWER the section's loads could then be satisfied
 * before the load of `owner`, i.e. before the previous holder's last stores. If the CAS succeeds,
 * next == owner held at that instant, so the owner we read was the last release (16-bit wrap
 * aside: 65536 lock hand-offs between our two accesses). */
static inline bool __spin_trylock(spinlock_t *l)
{
	u16 owner = __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE);
	u16 expect = owner;
	return __atomic_compare_exchange_n(&l->next, &expect, (u16)(owner + 1), false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void __spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->owner, (u16)(l->owner + 1), __ATOMIC_RELEASE);
}

#define lockcheck_on() unlikely(lockcheck_enabled)

static inline bool spin_is_locked(spinlock_t *l);


/* With the checker on, a release of a lock nobody holds is reported and not performed (it would
 * hand the lock to the next waiter early, or break the ticket order for good). */
static inline bool spin_release_ok(spinlock_t *l)
{
	if (!lockcheck_on())
		return true;
	bool held = lockcheck_release(l, "spinlock");
	return held && spin_is_locked(l);
}

static inline void spin_lock(spinlock_t *l)
{
	preempt_disable();
	if (lockcheck_on())
		lockcheck_acquire(l, "spinlock");   /* first: an inversion is reported, not hung */
	__spin_lock(l);
}

static inline bool spin_trylock(spinlock_t *l)
{
	preempt_disable();
	if (__spin_trylock(l)) {
		if (lockcheck_on())
			lockcheck_acquire(l, "spinlock");
		return true;
	}
	preempt_enable();
	return false;
}

static inline void spin_unlock(spinlock_t *l)
{
	if (!spin_release_ok(l))
		return;
	__spin_unlock(l);
	preempt_enable();
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
}

/* The raw pair, for the code under the checker and the preemption count (the scheduler, RCU,
 * timers, IPIs, the page allocator's per-CPU lists): interrupts off on this CPU, which also keeps
 * the thread here, and the lock; no lock checker, no preemption count. Not for a lock chosen by
 * this CPU or this thread's CPU: the argument is evaluated before interrupts go off, while the
 * thread may still move. */
static inline unsigned long raw_spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = arch_irq_save();
	__spin_lock(l);
	return flags;
}

static inline void raw_spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	__spin_unlock(l);
	arch_irq_restore(flags);
}

static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = arch_irq_save();
	preempt_disable();
	if (lockcheck_on())
		lockcheck_acquire(l, "spinlock");
	__spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	if (!spin_release_ok(l))
		return;
	__spin_unlock(l);
	arch_irq_restore(flags);
	preempt_enable();
}

#endif

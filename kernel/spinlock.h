/* Ticket spinlocks: fair (FIFO) because each locker takes a ticket and waits for its turn.
 * Holding one disables preemption; spin_lock_irqsave() also disables interrupts on this CPU, for
 * data shared with interrupt handlers. A lock is held for short, non-sleeping sections only. */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include "arch/arch.h"
#include "kernel/atomic.h"
#include "kernel/preempt.h"

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

static inline bool __spin_trylock(spinlock_t *l)
{
	u16 owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	u16 expect = owner;
	/* Free exactly when next == owner: take the ticket only then. */
	return __atomic_compare_exchange_n(&l->next, &expect, (u16)(owner + 1), false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void __spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->owner, (u16)(l->owner + 1), __ATOMIC_RELEASE);
}

static inline void spin_lock(spinlock_t *l)
{
	preempt_disable();
	__spin_lock(l);
}

static inline bool spin_trylock(spinlock_t *l)
{
	preempt_disable();
	if (__spin_trylock(l))
		return true;
	preempt_enable();
	return false;
}

static inline void spin_unlock(spinlock_t *l)
{
	__spin_unlock(l);
	preempt_enable();
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED) != __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
}

static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = arch_irq_save();
	preempt_disable();
	__spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	__spin_unlock(l);
	arch_irq_restore(flags);
	preempt_enable();
}

#endif

/* Read-copy-update: readers run without locks or writes to shared memory; writers publish new
 * versions with one pointer store and free old ones only after a grace period, once every reader
 * that could have seen them has finished. Readers may nest and may not sleep.
 *
 * A read-side section is a stretch with preemption disabled, so a CPU that context-switches,
 * idles, or takes the tick with preemption enabled has passed a quiescent state; a grace period
 * ends when every CPU has (kernel/rcu/rcu.c). Host programs have the same read side, and their
 * threads note their quiescent states themselves (tests/host/host_rcu.c). */
#ifndef KERNEL_RCU_H
#define KERNEL_RCU_H

#include "kernel/compiler.h"
#include "kernel/sched/preempt.h"

struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};

extern bool lockcheck_enabled;
static inline void rcu_read_lock(void)
{
	preempt_disable();
	if (unlikely(lockcheck_enabled))
		current_info()->rcu_nesting++;
}
static inline void rcu_read_unlock(void)
{
	if (unlikely(lockcheck_enabled))
		current_info()->rcu_nesting--;
	preempt_enable();
}

/* Wait until every read-side section that began before the call has ended. Sleeps. */
void synchronize_rcu(void);
/* Call func(head) after a grace period, from a context that may not sleep; also before
 * rcu_init(), the callback then waiting for the first grace period. It may wake the grace-period
 * thread (wake_up: the wait queue's and a run queue's locks), so not under those locks. */
void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head));
/* Wait until every callback queued by call_rcu before this call has run. */
void rcu_barrier(void);
/* Polled grace periods: a cookie now, and later whether a full grace period has passed since,
 * for a caller that can check instead of waiting or queueing a callback. */
unsigned long get_state_synchronize_rcu(void);
bool poll_state_synchronize_rcu(unsigned long cookie);

/* Publish p = v so that a reader who sees v also sees everything written to *v before. */
#define rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
/* Read an RCU-protected pointer inside a read-side section. */
#define rcu_dereference(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)

/* Hooks for the scheduler, the tick, the idle loop and interrupt entry. */
void rcu_note_qs(void);             /* this CPU is in a quiescent state now */
void rcu_idle_enter(void);          /* interrupts off, about to halt */
void rcu_idle_exit(void);
void rcu_irq_enter(void);
void rcu_irq_exit(void);
void rcu_init(void);                /* start the grace-period thread */
unsigned long rcu_gp_completed(void);

#endif

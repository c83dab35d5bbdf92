/* Preemption control: while the running thread's preempt_count is above zero, the scheduler will
 * not take the CPU away from it (an interrupt still runs, then returns to it). Spinlocks hold it
 * up; per-CPU data is only stable while it is. preempt_enable() at zero reschedules if the tick
 * or a wake-up asked for it.
 *
 * The count is the thread's (struct thread_info, kernel/percpu.h), not the CPU's. A per-CPU count
 * would be read through the per-CPU register and then changed: an interrupt between the two may
 * preempt the thread and resume it on another CPU, which then changes the first CPU's count. The
 * thread's own count follows it, and current_thread() is read in one uninterruptible step. */
#ifndef KERNEL_PREEMPT_H
#define KERNEL_PREEMPT_H

#include "kernel/compiler.h"
#include "kernel/percpu.h"

void preempt_schedule(void);   /* kernel/sched/sched.c */

static inline int preempt_count(void) { return READ_ONCE(current_info()->preempt_count); }
static inline void preempt_disable(void)
{
	current_info()->preempt_count++;
	barrier();   /* the compiler keeps the section's accesses after the increment */
}
static inline void preempt_enable_no_resched(void)
{
	barrier();
	current_info()->preempt_count--;
}
/* The need_resched read after the count reaches zero may be of a CPU the thread has just left
 * (an interrupt preempted and moved it in between): then it is a spurious schedule(), or one
 * the interrupt that moved the thread has already done, or one missed here that the new CPU's
 * next interrupt exit (its tick at the latest) does. All are harmless. */
static inline void preempt_enable(void)
{
	barrier();
	if (--current_info()->preempt_count == 0 &&
	    unlikely(READ_ONCE(raw_this_cpu()->need_resched)))
		preempt_schedule();
}

#endif

/* Preemption control: while this CPU's preempt_count is above zero, the scheduler will not take
 * the CPU away from the running thread (an interrupt still runs, then returns to it). Spinlocks
 * hold it up; per-CPU data is only stable while it is. preempt_enable() at zero reschedules if
 * the tick or a wake-up asked for it. */
#ifndef KERNEL_PREEMPT_H
#define KERNEL_PREEMPT_H

#include "kernel/compiler.h"

#ifdef HOST_BUILD
static inline void preempt_disable(void) {}
static inline void preempt_enable(void) {}
static inline void preempt_enable_no_resched(void) {}
static inline int preempt_count(void) { return 0; }
#else
#include "kernel/percpu.h"

void preempt_schedule(void);   /* kernel/sched.c */

static inline int preempt_count(void) { return READ_ONCE(this_cpu()->preempt_count); }
static inline void preempt_disable(void)
{
	this_cpu()->preempt_count++;
	barrier();
}
static inline void preempt_enable_no_resched(void)
{
	barrier();
	this_cpu()->preempt_count--;
}
static inline void preempt_enable(void)
{
	barrier();
	struct percpu *pc = this_cpu();
	if (--pc->preempt_count == 0 && unlikely(READ_ONCE(pc->need_resched)))
		preempt_schedule();
}
#endif

#endif

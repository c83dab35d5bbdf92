/* Timers and the clock. clock_ns() (kernel/printk.h) is the monotonic clock, built on the arch
 * cycle counter. A timer runs its function once, in interrupt context on the CPU that armed it,
 * no earlier than its deadline. Each CPU also has a tick (every sched.tick_us) for preemption and
 * the soft-lockup check. Locking: each CPU's timer list has an irq-safe lock. */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include "kernel/compiler.h"
#include "lib/list.h"

struct timer {
	void (*fn)(struct timer *t);   /* runs with interrupts disabled; must not sleep */
	u64 deadline;                  /* in cycle-counter units */
	unsigned cpu;                  /* the CPU whose list holds it */
	bool pending;                  /* on a list; that list's lock */
	struct list_head link;
};

void timer_setup(struct timer *t, void (*fn)(struct timer *t));
/* Fire t once, delay_ns from now, on this CPU. Re-arming a pending timer moves it. */
void timer_arm(struct timer *t, u64 delay_ns);
/* Disarm t, and if its function is running on some CPU, wait until it has returned: afterwards
 * nothing touches t, so its memory may go. Returns true if it was pending. Not from t's own
 * function (that would wait for itself), nor with interrupts off or holding a lock the function
 * takes (its CPU may be waiting for ours). */
bool timer_cancel(struct timer *t);
/* Sleep at least ns nanoseconds. */
void sleep_ns(u64 ns);
/* The caller has marked itself sleeping (set_current_sleeping) and checked its condition: sleep
 * until woken or until ns have passed, whichever is first. */
void schedule_timeout(u64 ns);

u64 ns_to_cycles(u64 ns);
u64 cycles_to_ns(u64 cycles);

/* Start this CPU's tick (boot CPU and each secondary, interrupts still off). */
void timer_cpu_init(void);

#endif

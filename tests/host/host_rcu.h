/* Test-side controls of the userspace RCU in tests/host/host_rcu.c, which implements
 * kernel/rcu/rcu.h for host programs. The read side is the kernel's own; what the tick and the
 * scheduler do for a CPU in the kernel, a thread that reads beside a writer in another thread
 * does for itself: host_rcu_thread_online() before its first read-side section, rcu_note_qs()
 * between sections (a quiescent state: none of its sections is open), host_rcu_thread_offline()
 * before it blocks for long or exits (RCU stops waiting for it). Grace periods wait only for
 * online threads other than their caller: a single-threaded program needs none of this. Without
 * the callback thread, call_rcu callbacks wait for the next rcu_barrier(). */
#ifndef TESTS_HOST_HOST_RCU_H
#define TESTS_HOST_HOST_RCU_H

#include "kernel/rcu/rcu.h"

void host_rcu_thread_online(void);
void host_rcu_thread_offline(void);

/* Run queued callbacks in a background thread, about every interval_us, each batch after a
 * grace period. Stopping runs what is left and joins the thread. */
void host_rcu_start_callback_thread(unsigned interval_us);
void host_rcu_stop_callback_thread(void);

/* Grace periods completed, callbacks queued and run so far. */
struct host_rcu_stats {
	unsigned long grace_periods, queued, invoked;
};
void host_rcu_stats(struct host_rcu_stats *s);

#endif

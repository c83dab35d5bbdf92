/* Test-side controls of the userspace RCU in tests/host/host_rcu.c, which implements
 * kernel/rcu.h for host programs. Without the callback thread, call_rcu callbacks wait for the
 * next rcu_barrier() (enough for single-threaded programs). */
#ifndef TESTS_HOST_HOST_RCU_H
#define TESTS_HOST_HOST_RCU_H

#include "kernel/rcu.h"

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

/* Read-copy-update: readers run without locks or writes to shared memory; writers publish new
 * versions with one pointer store and free old ones only after a grace period, once every reader
 * that could have seen them has finished. Readers may nest and may not sleep.
 *
 * The kernel's implementation (kernel/rcu.c: per-CPU quiescent states, a grace-period thread)
 * arrives with the locks/RCU issue; tests/host/ has a userspace stand-in behind this same
 * interface so data structures built on it can be tested on the host. */
#ifndef KERNEL_RCU_H
#define KERNEL_RCU_H

#include "kernel/compiler.h"

struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};

void rcu_read_lock(void);
void rcu_read_unlock(void);
/* Wait until every read-side section that began before the call has ended. Sleeps. */
void synchronize_rcu(void);
/* Call func(head) after a grace period, from a context that may not sleep. */
void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head));
/* Wait until every callback queued by call_rcu before this call has run. */
void rcu_barrier(void);

/* Publish p = v so that a reader who sees v also sees everything written to *v before. */
#define rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
/* Read an RCU-protected pointer inside a read-side section. */
#define rcu_dereference(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)

#endif

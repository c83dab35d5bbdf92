/* A small lock-order and context checker (debug.locks=1, the default; debug.locks=0 for
 * benchmarks). It keeps each thread's held locks and every ordered pair (A held while taking B)
 * it has seen, and reports, with backtraces of both sides:
 *   - an AB-BA inversion: taking A while holding B after B was once taken while holding A;
 *   - sleeping (might_sleep) with preemption or interrupts off, or inside an RCU read section;
 *   - releasing a lock that this thread does not hold.
 * Locks are identified by address; only two-lock cycles are detected. Locking: one raw spinlock
 * around the pair table; the held-lock stack is per thread. */
#ifndef KERNEL_LOCKCHECK_H
#define KERNEL_LOCKCHECK_H

#include "kernel/compiler.h"

#define LOCKCHECK_DEPTH 16

struct held_lock {
	const void *lock;
	uintptr_t fp;   /* frame pointer at acquisition, for the report */
};

extern bool lockcheck_enabled;
extern unsigned long lockcheck_reports;   /* problems reported so far */

void lockcheck_acquire(const void *lock, const char *kind);
/* Returns false (after reporting) if the lock is not held by this thread. */
bool lockcheck_release(const void *lock, const char *kind);
void lockcheck_might_sleep(const char *what);
/* For a test that provokes reports on purpose: the calling thread's next n reports say so on
 * their first line ("expected: provoked by a test"), so that the log does not read as a failure.
 * They still count in lockcheck_reports. */
void lockcheck_expect_reports(unsigned n);

#define might_sleep()                                  \
	do {                                           \
		if (unlikely(lockcheck_enabled))       \
			lockcheck_might_sleep(__func__); \
	} while (0)

#endif

/* The torture framework: long, randomised, multi-threaded runs of one subsystem at a time,
 * driven from the command line (torture=rcu,lock,rangelock torture.seconds=...), each ending in
 *     # torture <suite>: SUCCESS|FAILURE ops=... errors=... <suite's own counters>
 * and a KTAP result line. A suite may be run against its deliberately broken twin
 * (torture.busted=1), which it must report as a FAILURE.
 *
 * A suite is a struct torture_suite in the .torture section. start() creates its threads with
 * torture_thread(); they loop until torture_stop(r) and count with torture_ops/torture_error;
 * finish() runs after they are joined and appends its counters. */
#ifndef KERNEL_TORTURE_H
#define KERNEL_TORTURE_H

#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/compiler.h"

#define TORTURE_MAX_THREADS 64

struct thread;

struct torture_run {
	const struct torture_suite *suite;
	bool busted;                 /* run the broken twin */
	unsigned nthreads;           /* torture.threads, or one per CPU (at least 2) */
	u64 seed;
	volatile bool stop;
	volatile bool paused;        /* stutter: threads wait in torture_stutter() */
	atomic_long_t ops, errors;
	struct thread *threads[TORTURE_MAX_THREADS];
	unsigned nr_threads;
	/* clock_ns() of each thread's last sign of life (torture_ops, leaving a stutter): a thread
	 * silent for torture.stall_secs is stuck (a lost wake-up, a lock never released). */
	volatile u64 beat[TORTURE_MAX_THREADS];
	bool stalled;                /* the watchdog reported a stuck thread */
	void *priv;                  /* the suite's state */
	char detail[256];            /* the suite's counters for the final line */
};

struct torture_suite {
	const char *name;
	const char *twin;            /* what torture.busted=1 breaks, for the log */
	int (*start)(struct torture_run *r);        /* 0, or a negative errno */
	void (*progress)(struct torture_run *r, char *buf, size_t len);   /* optional */
	void (*finish)(struct torture_run *r);      /* after every thread has been joined */
};

/* The object is named __torture_<var>, as tests are __ktest_* and parameters __kparam_*, so that
 * tools/check-registrations finds every one in the image. */
#define TORTURE_SUITE(var) \
	static const struct torture_suite __torture_##var __used __section(".torture") __aligned(8)

/* Start fn(arg) as one of the run's threads (pinned to cpu, or -1). */
int torture_thread(struct torture_run *r, void (*fn)(void *), void *arg, const char *name, int cpu);

static inline bool torture_stop(struct torture_run *r) { return READ_ONCE(r->stop); }
/* Count n operations done by the calling thread, which is also its heartbeat for the watchdog:
 * every loop must call it at least every few hundred milliseconds. */
void torture_ops(struct torture_run *r, long n);
/* A heartbeat alone: for loops whose single operation may take long (a sleeping lock with many
 * waiters hands over once per context switch), so that a batch of them is not a false stall. */
void torture_alive(struct torture_run *r);
void torture_error(struct torture_run *r, const char *fmt, ...) __printf(2, 3);
/* Wait here while the run is stuttering (paused), so idle and wake-up paths get exercised. */
void torture_stutter(struct torture_run *r);

/* Per-thread deterministic randomness, derived from torture.seed and the thread's index. */
u64 torture_seed_for(struct torture_run *r, unsigned index);
static inline u64 torture_random(u64 *state)
{
	u64 x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}
/* Now and then a short busy delay or a yield: the places where races live. */
void torture_maybe_delay(u64 *state);
void torture_udelay(unsigned us);

/* Run the suites named in `selection` (comma-separated); returns the number that failed, and
 * counts cases into *pass and *fail. */
void torture_run_all(const char *selection, unsigned *pass, unsigned *fail);
/* Is there a torture suite of this name? (The monitor's `torture` checks before it runs.) */
bool torture_suite_exists(const char *name);
bool torture_requested(void);
void torture_print_suites(void);   /* for `help`: each suite and what its twin breaks */
const char *torture_selection(void);

#endif

/* Helpers for kernel tests that run threads: start n threads (optionally one pinned per CPU in
 * turn) and join them all. */
#ifndef TESTS_KERNEL_KTEST_UTIL_H
#define TESTS_KERNEL_KTEST_UTIL_H

#include "kernel/ktest.h"
#include "kernel/sched/thread.h"

#define KTEST_MAX_THREADS 64

/* Runs fn(args + i * arg_size) on n threads; pin: thread i on CPU i % online CPUs. Returns false
 * (and records a failure) if a thread could not be created. */
bool ktest_run_threads(struct ktest *t, unsigned n, bool pin, void (*fn)(void *), void *args,
		       size_t arg_size);

#endif

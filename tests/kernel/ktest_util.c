#include "tests/kernel/ktest_util.h"

bool ktest_run_threads(struct ktest *t, unsigned n, bool pin, void (*fn)(void *), void *args,
		       size_t arg_size)
{
	struct thread *th[KTEST_MAX_THREADS];
	unsigned started = 0;
	bool ok = true;
	if (n > KTEST_MAX_THREADS)
		n = KTEST_MAX_THREADS;
	for (unsigned i = 0; i < n; i++) {
		th[i] = kthread_create(fn, (char *)args + i * arg_size, "ktest");
		if (!th[i]) {
			ktest_fail(t, __FILE__, __LINE__, "kthread_create failed for thread %u", i);
			ok = false;
			break;
		}
		if (pin)
			kthread_bind(th[i], i % nr_cpus_online);
		started++;
	}
	for (unsigned i = 0; i < started; i++)
		thread_start(th[i]);
	for (unsigned i = 0; i < started; i++)
		thread_join(th[i]);
	return ok;
}

/* kernel/locking/mutex.c on threads, which sleep and wake through the host port (arch/host/thread.c),
 * with the lock checker on:
 *   - exclusion: THREADS threads each take the mutex ITERS times; inside, each checks that it is
 *     alone (a count of holders) and adds one to a plain counter in two steps with a yield
 *     between, so that two holders at once would lose updates;
 *   - hand-off: waiters queued behind a held mutex get it in the order they came;
 *   - mutex_trylock fails while another thread holds the mutex, and then succeeds.
 *   test_mutex [--busted]
 * --busted, the broken twin: the hammering threads do not take the mutex at all. The run must
 * then fail: through ThreadSanitizer (the counter's unguarded accesses) or, without it, through
 * the checks (a second holder, lost updates). */
#include "tests/host/host.h"
#include "kernel/locking/lockcheck.h"
#include "kernel/locking/mutex.h"
#include <pthread.h>
#include <sched.h>

#define THREADS 4
#define ITERS 20000
#define WAITERS 5

static struct mutex m = MUTEX_INIT(m);
static bool busted;
static unsigned long counter;                   /* m */
static unsigned long overlaps;                  /* atomic */
static int holders;                             /* atomic */

static void *hammer(void *arg)
{
	for (unsigned long i = 0; i < ITERS; i++) {
		if (!busted)
			mutex_lock(&m);
		if (__atomic_add_fetch(&holders, 1, __ATOMIC_RELAXED) != 1)
			__atomic_add_fetch(&overlaps, 1, __ATOMIC_RELAXED);
		unsigned long c = counter;
		if (i % 16 == 0)
			sched_yield();   /* another holder, if the lock let one in, would run here */
		counter = c + 1;
		__atomic_sub_fetch(&holders, 1, __ATOMIC_RELAXED);
		if (!busted)
			mutex_unlock(&m);
	}
	return arg;
}

static void test_exclusion(void)
{
	pthread_t t[THREADS];
	for (unsigned i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, hammer, NULL);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	if (overlaps)
		fprintf(stderr, "mutex: %lu times a second thread held the mutex\n", overlaps);
	if (counter != THREADS * ITERS)
		fprintf(stderr, "mutex: %lu updates lost of %u\n", THREADS * ITERS - counter,
			THREADS * ITERS);
	CHECK_EQ(overlaps, 0);
	CHECK_EQ(counter, THREADS * ITERS);
	CHECK(!mutex_is_locked(&m));
}

static unsigned waiters_queued(void)
{
	unsigned n = 0;
	spin_lock(&m.wait_lock);
	for (struct list_head *p = m.waiters.next; p != &m.waiters; p = p->next)
		n++;
	spin_unlock(&m.wait_lock);
	return n;
}

static unsigned order[WAITERS], nr_granted;   /* m */

static void *waiter(void *arg)
{
	mutex_lock(&m);
	order[nr_granted++] = (unsigned)(uintptr_t)arg;
	mutex_unlock(&m);
	return NULL;
}

/* Each waiter is started only once the previous one sleeps in the queue, so that the queue's
 * order is known. */
static void test_handoff_order(void)
{
	pthread_t t[WAITERS];
	mutex_lock(&m);
	for (unsigned i = 0; i < WAITERS; i++) {
		pthread_create(&t[i], NULL, waiter, (void *)(uintptr_t)i);
		while (waiters_queued() < i + 1)
			sched_yield();
	}
	mutex_unlock(&m);
	for (unsigned i = 0; i < WAITERS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(nr_granted, WAITERS);
	for (unsigned i = 0; i < WAITERS; i++)
		CHECK_EQ(order[i], i);
}

static void *try_once(void *arg)
{
	bool ok = mutex_trylock(&m);
	if (ok)
		mutex_unlock(&m);
	return (void *)(uintptr_t)ok;
}

static bool trylock_elsewhere(void)
{
	pthread_t t;
	void *ok;
	pthread_create(&t, NULL, try_once, NULL);
	pthread_join(t, &ok);
	return ok != NULL;
}

static void test_trylock(void)
{
	mutex_lock(&m);
	CHECK(mutex_is_locked(&m));
	CHECK(!trylock_elsewhere());
	mutex_unlock(&m);
	CHECK(trylock_elsewhere());
	CHECK(!mutex_is_locked(&m));
}

int main(int argc, char **argv)
{
	busted = argc > 1 && !strcmp(argv[1], "--busted");
	host_watchdog("mutex", 30);
	test_exclusion();
	if (!busted) {
		test_handoff_order();
		test_trylock();
	}
	CHECK_EQ(lockcheck_reports, 0);
	return host_test_done(busted ? "mutex --busted" : "mutex");
}

/* kernel/locking/rwsem.c on threads, which sleep and wake through the host port (arch/host/thread.c),
 * with the lock checker on:
 *   - exclusion: WRITERS writer threads and READERS reader threads, ITERS times each. A writer,
 *     inside, checks that nobody else is and adds one to two plain counters in turn, with a
 *     yield between; a reader checks that no writer is inside and that the counters agree. Two
 *     writers at once lose updates; a reader beside a writer may see the counters differ;
 *   - queueing: a newcomer waits behind a waiting writer even when only readers are inside, and
 *     the writer gets the rwsem before a reader that came after it;
 *   - readers queued together behind a writer are let in together;
 *   - the trylocks fail where they must and succeed where they may.
 *   test_rwsem [--busted]
 * --busted, the broken twin: the hammering writers take the rwsem as readers, which keeps them
 * apart from nobody. The run must then fail: through ThreadSanitizer or, without it, through the
 * checks (a writer beside another holder, lost updates, counters that differ). */
#include "tests/host/host.h"
#include "kernel/locking/lockcheck.h"
#include "kernel/locking/rwsem.h"
#include <pthread.h>
#include <sched.h>
#include <time.h>

#define WRITERS 2
#define READERS 3
#define ITERS 10000

static struct rw_semaphore s = RWSEM_INIT(s);
static bool busted;
static unsigned long first, second;             /* s, written by writers */
static int writers_in, readers_in;              /* atomic */
static unsigned long overlaps, torn;            /* atomic */

static void *writer(void *arg)
{
	for (unsigned long i = 0; i < ITERS; i++) {
		if (busted)
			down_read(&s);
		else
			down_write(&s);
		if (__atomic_add_fetch(&writers_in, 1, __ATOMIC_RELAXED) != 1 ||
		    __atomic_load_n(&readers_in, __ATOMIC_RELAXED))
			__atomic_add_fetch(&overlaps, 1, __ATOMIC_RELAXED);
		unsigned long c = first;
		first = c + 1;
		if (i % 16 == 0)
			sched_yield();   /* a reader or writer let in beside us would run here */
		second = c + 1;
		__atomic_sub_fetch(&writers_in, 1, __ATOMIC_RELAXED);
		if (busted)
			up_read(&s);
		else
			up_write(&s);
	}
	return arg;
}

static void *reader(void *arg)
{
	for (unsigned long i = 0; i < ITERS; i++) {
		down_read(&s);
		__atomic_add_fetch(&readers_in, 1, __ATOMIC_RELAXED);
		if (__atomic_load_n(&writers_in, __ATOMIC_RELAXED))
			__atomic_add_fetch(&overlaps, 1, __ATOMIC_RELAXED);
		if (first != second)
			__atomic_add_fetch(&torn, 1, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&readers_in, 1, __ATOMIC_RELAXED);
		up_read(&s);
	}
	return arg;
}

static void test_exclusion(void)
{
	pthread_t t[WRITERS + READERS];
	for (unsigned i = 0; i < WRITERS + READERS; i++)
		pthread_create(&t[i], NULL, i < WRITERS ? writer : reader, NULL);
	for (unsigned i = 0; i < WRITERS + READERS; i++)
		pthread_join(t[i], NULL);
	if (overlaps)
		fprintf(stderr, "rwsem: %lu times a writer was not alone inside\n", overlaps);
	if (torn)
		fprintf(stderr, "rwsem: %lu times a reader saw a write half done\n", torn);
	if (second != WRITERS * ITERS)
		fprintf(stderr, "rwsem: %lu writes lost of %u\n", WRITERS * ITERS - second,
			WRITERS * ITERS);
	CHECK_EQ(overlaps, 0);
	CHECK_EQ(torn, 0);
	CHECK_EQ(first, WRITERS * ITERS);
	CHECK_EQ(second, WRITERS * ITERS);
	CHECK(!rwsem_is_locked(&s));
}

static unsigned waiters_queued(void)
{
	unsigned n = 0;
	spin_lock(&s.wait_lock);
	for (struct list_head *p = s.waiters.next; p != &s.waiters; p = p->next)
		n++;
	spin_unlock(&s.wait_lock);
	return n;
}

static void wait_for_waiters(unsigned n)
{
	while (waiters_queued() < n)
		sched_yield();
}

static char order[2];   /* s */
static unsigned nr_in;   /* s */

static void *queued_writer(void *arg)
{
	down_write(&s);
	order[nr_in++] = 'w';
	up_write(&s);
	return arg;
}

static void *queued_reader(void *arg)
{
	down_read(&s);
	order[nr_in++] = 'r';   /* the only reader, let in after the writer has left */
	up_read(&s);
	return arg;
}

static void *try_read(void *arg)
{
	bool ok = down_read_trylock(&s);
	if (ok)
		up_read(&s);
	return (void *)(uintptr_t)ok;
}

static void *try_write(void *arg)
{
	bool ok = down_write_trylock(&s);
	if (ok)
		up_write(&s);
	return (void *)(uintptr_t)ok;
}

/* fn's answer, in a thread of its own: the lock checker reports a thread that takes a lock it
 * already holds. */
static bool elsewhere(void *(*fn)(void *))
{
	pthread_t t;
	void *ok;
	pthread_create(&t, NULL, fn, NULL);
	pthread_join(t, &ok);
	return ok != NULL;
}

static void test_queueing(void)
{
	pthread_t w, r;
	down_read(&s);
	CHECK(elsewhere(try_read));
	CHECK(!elsewhere(try_write));
	pthread_create(&w, NULL, queued_writer, NULL);
	wait_for_waiters(1);
	CHECK(rwsem_is_contended(&s));
	CHECK(!elsewhere(try_read));   /* only readers inside, but a writer waits */
	pthread_create(&r, NULL, queued_reader, NULL);
	wait_for_waiters(2);
	up_read(&s);
	pthread_join(w, NULL);
	pthread_join(r, NULL);
	CHECK_EQ(nr_in, 2);
	CHECK(order[0] == 'w' && order[1] == 'r');
	CHECK(!rwsem_is_contended(&s) && !rwsem_is_locked(&s));
}

static unsigned together;   /* atomic: readers inside, each waiting for the other */
static bool saw_other[2];

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Inside, wait (a while, not forever) for the other reader to be inside too. */
static void *pair_reader(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	down_read(&s);
	__atomic_add_fetch(&together, 1, __ATOMIC_RELAXED);
	for (double t0 = now(); now() - t0 < 5;) {
		if (__atomic_load_n(&together, __ATOMIC_RELAXED) == 2) {
			saw_other[me] = true;
			break;
		}
		sched_yield();
	}
	up_read(&s);
	return NULL;
}

static void test_readers_together(void)
{
	pthread_t t[2];
	down_write(&s);
	CHECK(!elsewhere(try_read));
	CHECK(!elsewhere(try_write));
	for (unsigned i = 0; i < 2; i++) {
		pthread_create(&t[i], NULL, pair_reader, (void *)(uintptr_t)i);
		wait_for_waiters(i + 1);
	}
	up_write(&s);
	for (unsigned i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(saw_other[0] && saw_other[1]);
}

int main(int argc, char **argv)
{
	busted = argc > 1 && !strcmp(argv[1], "--busted");
	host_watchdog("rwsem", 30);
	test_exclusion();
	if (!busted) {
		test_queueing();
		test_readers_together();
	}
	CHECK_EQ(lockcheck_reports, 0);
	return host_test_done(busted ? "rwsem --busted" : "rwsem");
}

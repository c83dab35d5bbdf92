/* Sleeping locks, seqlocks, RCU and the lock checker, each on its own; the torture suites
 * (torture=lock,rcu,rangelock) hammer them harder and longer. */
#include "tests/kernel/ktest_util.h"
#include "kernel/locking/mutex.h"
#include "kernel/printk.h"
#include "kernel/rcu/rcu.h"
#include "kernel/locking/rwsem.h"
#include "kernel/locking/seqlock.h"
#include "kernel/sched/timer.h"
#include "mm/slab.h"

#define ROUNDS 1000

static struct mutex test_mutex = MUTEX_INIT(test_mutex);
static volatile u64 mutex_counter;
static volatile int inside;

static void mutex_worker(void *arg)
{
	atomic_t *violations = arg;
	for (int i = 0; i < ROUNDS; i++) {
		mutex_lock(&test_mutex);
		if (__atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST) != 1)
			atomic_inc(violations);
		u64 v = mutex_counter;
		if (i % 64 == 0)
			yield();   /* sleep-capable: hold it across a reschedule */
		mutex_counter = v + 1;
		__atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
		mutex_unlock(&test_mutex);
	}
}

KTEST(mutex, exclusion)
{
	atomic_t violations = ATOMIC_INIT(0);
	unsigned n = MAX(nr_cpus_online, 2u) * 2;
	mutex_counter = 0;
	struct thread *th[KTEST_MAX_THREADS];
	for (unsigned i = 0; i < n; i++) {
		th[i] = kthread_create(mutex_worker, &violations, "mutex");
		KASSERT(t, th[i] != NULL);
	}
	for (unsigned i = 0; i < n; i++)
		thread_start(th[i]);
	for (unsigned i = 0; i < n; i++)
		thread_join(th[i]);
	KEXPECT_EQ(t, mutex_counter, (u64)n * ROUNDS);
	KEXPECT_EQ(t, atomic_read(&violations), 0);
	KEXPECT(t, !mutex_is_locked(&test_mutex));
}

KTEST(mutex, trylock)
{
	struct mutex m = MUTEX_INIT(m);
	KEXPECT(t, mutex_trylock(&m));
	KEXPECT(t, !mutex_trylock(&m));
	mutex_unlock(&m);
	KEXPECT(t, mutex_trylock(&m));
	mutex_unlock(&m);
}

struct rw_test {
	struct rw_semaphore sem;
	volatile int readers, writers;
	atomic_t violations, max_readers;
	volatile bool stop;
	volatile u64 reads;
};

static void rw_reader(void *arg)
{
	struct rw_test *r = arg;
	while (!r->stop) {
		down_read(&r->sem);
		int n = __atomic_add_fetch(&r->readers, 1, __ATOMIC_SEQ_CST);
		if (r->writers)
			atomic_inc(&r->violations);
		int m = atomic_read(&r->max_readers);
		while (n > m && !atomic_cmpxchg(&r->max_readers, &m, n))
			;
		for (volatile int d = 0; d < 200; d++)
			;
		__atomic_sub_fetch(&r->readers, 1, __ATOMIC_SEQ_CST);
		r->reads++;
		up_read(&r->sem);
	}
}

/* Readers keep the semaphore busy without a gap; a writer still gets in, within a bound, and
 * never together with a reader. */
KTEST(rwsem, writer_not_starved)
{
	static struct rw_test r;
	rwsem_init(&r.sem);
	r.readers = r.writers = 0;
	r.stop = false;
	atomic_set(&r.violations, 0);
	atomic_set(&r.max_readers, 0);
	unsigned n = MAX(nr_cpus_online, 2u) * 2;
	struct thread *th[KTEST_MAX_THREADS];
	for (unsigned i = 0; i < n; i++) {
		th[i] = kthread_create(rw_reader, &r, "reader");
		KASSERT(t, th[i] != NULL);
		thread_start(th[i]);
	}
	sleep_ns(20000000);
	u64 worst = 0;
	for (int i = 0; i < 50; i++) {
		u64 t0 = clock_ns();
		down_write(&r.sem);
		u64 waited = clock_ns() - t0;
		worst = MAX(worst, waited);
		r.writers = 1;
		if (r.readers)
			atomic_inc(&r.violations);
		for (volatile int d = 0; d < 200; d++)
			;
		r.writers = 0;
		up_write(&r.sem);
		sleep_ns(100000);
	}
	r.stop = true;
	for (unsigned i = 0; i < n; i++)
		thread_join(th[i]);
	ktest_log(t, "%u readers, %lu reads, up to %d inside at once; the writer waited at most "
		  "%lu us", n, (unsigned long)r.reads, atomic_read(&r.max_readers),
		  (unsigned long)(worst / 1000));
	KEXPECT_EQ(t, atomic_read(&r.violations), 0);
	/* Bounded: with starvation the writer would wait as long as readers keep coming, i.e. for
	 * ever. The bound is loose because an emulated CPU can lose its host core for a while. */
	KEXPECT(t, worst < 10000000000ull);
}

KTEST(rwsem, trylock_and_contention)
{
	struct rw_semaphore s = RWSEM_INIT(s);
	KEXPECT(t, down_read_trylock(&s));
	KEXPECT(t, down_read_trylock(&s));
	KEXPECT(t, !down_write_trylock(&s));
	KEXPECT(t, !rwsem_is_contended(&s));
	up_read(&s);
	up_read(&s);
	KEXPECT(t, down_write_trylock(&s));
	KEXPECT(t, !down_read_trylock(&s));
	KEXPECT(t, rwsem_is_locked(&s));
	up_write(&s);
	KEXPECT(t, !rwsem_is_locked(&s));
}

static seqlock_t pair_lock = SEQLOCK_INIT;
static volatile u64 pair_a, pair_b;

static void seq_writer(void *arg)
{
	(void)arg;
	for (u64 i = 1; i <= 20000; i++) {
		write_seqlock(&pair_lock);
		pair_a = i;
		for (volatile int d = 0; d < 20; d++)
			;
		pair_b = i;
		write_sequnlock(&pair_lock);
	}
}

KTEST(seqlock, readers_see_consistent_pairs)
{
	pair_a = pair_b = 0;
	struct thread *w = kthread_create(seq_writer, NULL, "seqwriter");
	KASSERT(t, w != NULL);
	thread_start(w);
	u64 torn = 0, reads = 0, retries = 0;
	while (pair_b < 20000) {
		u64 a, b;
		unsigned s;
		bool again;
		do {
			s = read_seqbegin(&pair_lock);
			a = pair_a;
			b = pair_b;
			again = read_seqretry(&pair_lock, s);
			retries += again;
		} while (again);
		torn += a != b;
		reads++;
		if (reads % 1024 == 0)
			yield();
	}
	thread_join(w);
	ktest_log(t, "%lu consistent reads, %lu retries", (unsigned long)reads,
		  (unsigned long)retries);
	KEXPECT_EQ(t, torn, 0);
}

struct rcu_obj {
	struct rcu_head head;
	volatile int *freed;
};

static void obj_free(struct rcu_head *h)
{
	struct rcu_obj *o = container_of(h, struct rcu_obj, head);
	(*o->freed)++;
	kfree(o);
}

/* A reader inside rcu_read_lock holds up synchronize_rcu; call_rcu waits likewise. */
static volatile int reader_phase;

static void slow_reader(void *arg)
{
	(void)arg;
	rcu_read_lock();
	reader_phase = 1;
	u64 end = clock_ns() + 30000000;   /* 30 ms inside the read section */
	while (clock_ns() < end)
		arch_cpu_relax();
	reader_phase = 2;
	rcu_read_unlock();
}

KTEST(rcu, synchronize_waits_for_readers)
{
	if (nr_cpus_online < 2)
		KSKIP(t, "needs a second CPU for the reader");
	reader_phase = 0;
	struct thread *r = kthread_create(slow_reader, NULL, "rcureader");
	KASSERT(t, r != NULL);
	kthread_bind(r, 1);
	thread_start(r);
	while (reader_phase == 0)
		arch_cpu_relax();
	volatile int freed = 0;
	struct rcu_obj *o = kmalloc(sizeof(*o), 0);
	KASSERT(t, o != NULL);
	o->freed = &freed;
	call_rcu(&o->head, obj_free);
	synchronize_rcu();
	KEXPECT_EQ(t, reader_phase, 2);   /* the grace period outlasted the reader */
	thread_join(r);
	rcu_barrier();
	KEXPECT_EQ(t, freed, 1);
}

KTEST(rcu, barrier_runs_everything)
{
	volatile int freed = 0;
	unsigned long gp0 = rcu_gp_completed();
	for (int i = 0; i < 1000; i++) {
		struct rcu_obj *o = kmalloc(sizeof(*o), 0);
		KASSERT(t, o != NULL);
		o->freed = &freed;
		call_rcu(&o->head, obj_free);
	}
	rcu_barrier();
	KEXPECT_EQ(t, freed, 1000);
	KEXPECT(t, rcu_gp_completed() > gp0);
}

static struct mutex lock_a = MUTEX_INIT(lock_a), lock_b = MUTEX_INIT(lock_b);

/* A then B, later B then A, in one thread (so nothing actually deadlocks): reported once. */
KTEST(lockcheck, abba_reported)
{
	if (!lockcheck_enabled)
		KSKIP(t, "debug.locks=0");
	unsigned long before = lockcheck_reports;
	mutex_lock(&lock_a);
	mutex_lock(&lock_b);
	mutex_unlock(&lock_b);
	mutex_unlock(&lock_a);
	KEXPECT_EQ(t, lockcheck_reports, before);
	lockcheck_expect_reports(1);
	mutex_lock(&lock_b);
	mutex_lock(&lock_a);
	mutex_unlock(&lock_a);
	mutex_unlock(&lock_b);
	lockcheck_expect_reports(0);   /* a report that did not come must not mark a later one */
	KEXPECT_EQ(t, lockcheck_reports, before + 1);
}

KTEST(lockcheck, sleep_in_atomic_reported)
{
	if (!lockcheck_enabled)
		KSKIP(t, "debug.locks=0");
	spinlock_t l = SPINLOCK_INIT;
	unsigned long before = lockcheck_reports;
	might_sleep();
	KEXPECT_EQ(t, lockcheck_reports, before);
	lockcheck_expect_reports(2);   /* atomic, then RCU */
	spin_lock(&l);
	might_sleep();
	spin_unlock(&l);
	KEXPECT_EQ(t, lockcheck_reports, before + 1);
	rcu_read_lock();
	might_sleep();
	rcu_read_unlock();
	lockcheck_expect_reports(0);
	KEXPECT_EQ(t, lockcheck_reports, before + 2);
}

KTEST(lockcheck, bad_release_reported)
{
	if (!lockcheck_enabled)
		KSKIP(t, "debug.locks=0");
	spinlock_t l = SPINLOCK_INIT;
	unsigned long before = lockcheck_reports;
	lockcheck_expect_reports(1);
	spin_unlock(&l);   /* never taken: reported and ignored, the lock stays usable */
	lockcheck_expect_reports(0);
	KEXPECT_EQ(t, lockcheck_reports, before + 1);
	KEXPECT(t, spin_trylock(&l));
	spin_unlock(&l);
	KEXPECT(t, !spin_is_locked(&l));
}

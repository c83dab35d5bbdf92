/* Spinlocks, wait queues and completions across CPUs.
 * spinlock.unlocked_counter is the deliberately broken twin of spinlock.counter (not in
 * test=all): with the lock left out, increments are lost and the test must fail. */
#include "tests/kernel/ktest_util.h"
#include "kernel/sched/timer.h"
#include "kernel/printk.h"
#include "kernel/sched/wait.h"

/* Small: a fair lock hands over in ticket order, and under emulation with more virtual CPUs
 * than host cores the next in line is often not running. */
#define INCREMENTS 2000

static spinlock_t counter_lock = SPINLOCK_INIT;
static volatile u64 counter;
static unsigned workers;
static atomic_t workers_ready, workers_done;
static atomic_long_t attempts;

/* Read, pause, write: a window in which another CPU's increment is lost unless locked. */
static void bump(bool locked)
{
	if (locked)
		spin_lock(&counter_lock);
	u64 v = counter;
	for (volatile int d = 0; d < 8; d++)
		;
	counter = v + 1;
	if (locked)
		spin_unlock(&counter_lock);
}

/* The workers must overlap for the broken twin to lose increments. Under emulation on a busy
 * host a virtual CPU often waits for a host core, so a thread started on another CPU can begin
 * after the first has finished a short loop, and two that do overlap may only take turns, each
 * turn a few milliseconds. So all start together, and without the lock each goes on past its
 * INCREMENTS until every worker has done as many and OVERLAP_MS have passed: many turns, each of
 * which ends inside the read-pause-write window with good odds. (With the lock that would only
 * make a slow convoy: a fair lock waits for its next holder's virtual CPU.) */
#define OVERLAP_MS 30

static void work(bool locked)
{
	atomic_inc(&workers_ready);
	while ((unsigned)atomic_read(&workers_ready) < workers)
		arch_cpu_relax();
	u64 until = clock_ns() + OVERLAP_MS * 1000000ull;
	long n = 0;
	for (;;) {
		bump(locked);
		if (++n == INCREMENTS) {
			atomic_inc(&workers_done);
			if (locked)
				break;
		}
		if (n > INCREMENTS && !(n % 64) &&
		    (unsigned)atomic_read(&workers_done) == workers && clock_ns() >= until)
			break;
	}
	atomic_long_add_return(&attempts, n);
}

static void locked_worker(void *arg) { (void)arg; work(true); }
static void unlocked_worker(void *arg) { (void)arg; work(false); }

static void run_counter(struct ktest *t, void (*fn)(void *))
{
	unsigned n = MAX(nr_cpus_online, 2u);
	counter = 0;
	workers = n;
	atomic_set(&workers_ready, 0);
	atomic_set(&workers_done, 0);
	atomic_long_set(&attempts, 0);
	KASSERT(t, ktest_run_threads(t, n, true, fn, NULL, 0));
	u64 want = (u64)atomic_long_read(&attempts);
	ktest_log(t, "%u threads, %lu increments: counter %lu", n, (unsigned long)want,
		  (unsigned long)counter);
	KEXPECT(t, want >= (u64)n * INCREMENTS);
	KEXPECT_EQ(t, counter, want);
}

KTEST(spinlock, counter) { run_counter(t, locked_worker); }
KTEST_FLAGS(spinlock, unlocked_counter, KTEST_MANUAL) { run_counter(t, unlocked_worker); }

KTEST(spinlock, trylock)
{
	spinlock_t l = SPINLOCK_INIT;
	KEXPECT(t, spin_trylock(&l));
	KEXPECT(t, spin_is_locked(&l));
	KEXPECT(t, !spin_trylock(&l));
	spin_unlock(&l);
	KEXPECT(t, !spin_is_locked(&l));
	unsigned long f = spin_lock_irqsave(&l);
	KEXPECT(t, !arch_irqs_enabled());
	spin_unlock_irqrestore(&l, f);
	KEXPECT(t, arch_irqs_enabled());
}

/* Each hand-off waits for a wake-up from the other CPU, and under TCG for the host to run that
 * virtual CPU: about 0.2 ms each on an idle host, far more on a busy one. test=all does a quick
 * pass; the long one (10^5, the strength that finds a lost wake-up) is a manual case that
 * `make torture` and tools/test-matrix run by name. */
#define HANDOFFS      1000
#define HANDOFFS_LONG 100000

/* A one-slot mailbox: the producer waits for it to be empty, the consumer for it to be full. */
struct mailbox {
	struct wait_queue empty, full;
	volatile u64 slot;   /* 0: empty */
	u64 n;               /* hand-offs to make */
	u64 received, out_of_order;
};

static void producer(void *arg)
{
	struct mailbox *m = arg;
	for (u64 i = 1; i <= m->n; i++) {
		wait_event(&m->empty, m->slot == 0);
		m->slot = i;
		wake_up(&m->full);
	}
}

static void consumer(void *arg)
{
	struct mailbox *m = arg;
	for (u64 i = 1; i <= m->n; i++) {
		wait_event(&m->full, m->slot != 0);
		if (m->slot != i)
			m->out_of_order++;
		m->received++;
		m->slot = 0;
		wake_up(&m->empty);
	}
}

static void run_pair(struct ktest *t, void (*a)(void *), void (*b)(void *), void *arg)
{
	struct thread *ta = kthread_create(a, arg, "producer");
	struct thread *tb = kthread_create(b, arg, "consumer");
	KASSERT(t, ta && tb);
	kthread_bind(ta, 0);
	kthread_bind(tb, nr_cpus_online - 1);
	thread_start(ta);
	thread_start(tb);
	thread_join(ta);
	thread_join(tb);
}

static void producer_consumer(struct ktest *t, u64 n)
{
	static struct mailbox m;
	wait_queue_init(&m.empty);
	wait_queue_init(&m.full);
	m.slot = 0;
	m.n = n;
	m.received = m.out_of_order = 0;
	u64 t0 = clock_ns();
	run_pair(t, producer, consumer, &m);
	ktest_log(t, "%lu hand-offs across CPUs 0 and %u in %lu ms", (unsigned long)n,
		  nr_cpus_online - 1, (unsigned long)((clock_ns() - t0) / 1000000));
	KEXPECT_EQ(t, m.received, n);
	KEXPECT_EQ(t, m.out_of_order, 0);
}

KTEST(waitqueue, producer_consumer) { producer_consumer(t, HANDOFFS); }
KTEST_FLAGS(waitqueue, producer_consumer_long, KTEST_MANUAL)
{
	producer_consumer(t, HANDOFFS_LONG);
}

struct pingpong {
	struct completion ping, pong;
	u64 n;               /* round trips to make */
	u64 rounds;
};

static void pinger(void *arg)
{
	struct pingpong *p = arg;
	for (u64 i = 0; i < p->n; i++) {
		complete(&p->ping);
		wait_for_completion(&p->pong);
	}
}

static void ponger(void *arg)
{
	struct pingpong *p = arg;
	for (u64 i = 0; i < p->n; i++) {
		wait_for_completion(&p->ping);
		p->rounds++;
		complete(&p->pong);
	}
}

/* n completions, n / 2 each way. */
static void ping_pong(struct ktest *t, u64 n)
{
	static struct pingpong p;
	completion_init(&p.ping);
	completion_init(&p.pong);
	p.n = n / 2;
	p.rounds = 0;
	u64 t0 = clock_ns();
	run_pair(t, pinger, ponger, &p);
	ktest_log(t, "%lu completions across CPUs in %lu ms", (unsigned long)n,
		  (unsigned long)((clock_ns() - t0) / 1000000));
	KEXPECT_EQ(t, p.rounds, n / 2);
	KEXPECT(t, !completion_done(&p.ping) && !completion_done(&p.pong));
}

KTEST(completion, ping_pong) { ping_pong(t, HANDOFFS); }
KTEST_FLAGS(completion, ping_pong_long, KTEST_MANUAL) { ping_pong(t, HANDOFFS_LONG); }

/* A waiter that frees its completion the moment its wait returns, as synchronize_rcu's stack
 * frame does: complete() must be done with it by then. The completion is poisoned at once, so a
 * complete() that still touches it (a wake-up after its unlock) faults rather than corrupting the
 * next round's frame. The window is a few instructions of the completer: an interrupt landing in
 * it (tools/qemu-run --singlestep) is what makes it wide. */
#define ROUNDS 20000

static struct completion *volatile handed;

static void frees_at_once(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		struct completion c;
		completion_init(&c);
		smp_store_release(&handed, &c);
		while (!completion_done(&c))
			yield();   /* on one CPU, the completer runs only if we let it */
		wait_for_completion(&c);
		completion_poison(&c);
	}
}

static void completes(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		struct completion *c;
		while (!(c = smp_load_acquire(&handed)))
			yield();
		WRITE_ONCE(handed, NULL);
		complete(c);
	}
}

KTEST(completion, waiter_frees_at_once)
{
	u64 t0 = clock_ns();
	handed = NULL;
	run_pair(t, completes, frees_at_once, NULL);
	ktest_log(t, "%d on-stack completions, each poisoned as its wait returned, in %lu ms",
		  ROUNDS, (unsigned long)((clock_ns() - t0) / 1000000));
}

/* CPUs, cross-CPU calls and the scheduler: every CPU online (or given up on), calls reach exactly
 * their mask, a flood of calls fills the queues without a deadlock, pinned threads stay put,
 * unpinned ones spread, and a busy thread is preempted. */
#include "tests/kernel/ktest_util.h"
#include "kernel/smp.h"
#include "kernel/sched/timer.h"
#include "kernel/printk.h"
#include "lib/string.h"

static u64 own_hwid[MAX_CPUS];

static void read_own_hwid(void *arg)
{
	(void)arg;
	own_hwid[smp_processor_id()] = arch_cpu_hwid();
}

/* Every CPU the firmware listed is online or was given up on (smp.test_late_cpu gives up on one),
 * and the online ones are numbered 0 .. n-1 with no hole, each with its own idle stack. Each CPU
 * reads its firmware id itself (arch_cpu_hwid): CPU c's must be the one IPIs to c are sent to
 * (cpu_block(c)->hwid), and no two alike. */
KTEST(smp, cpus_online)
{
	ktest_log(t, "%u CPUs online of %u listed by the firmware, %u given up on", nr_cpus_online,
		  nr_cpus_possible, smp_cpus_given_up);
	KEXPECT_EQ(t, nr_cpus_online + smp_cpus_given_up, nr_cpus_possible);
	KEXPECT_EQ(t, cpu_online_mask, CPUMASK_ALL(nr_cpus_online));
	memset(own_hwid, 0xff, sizeof(own_hwid));
	smp_call_function(cpu_online_mask, read_own_hwid, NULL, true);
	for (unsigned c = 0; c < nr_cpus_online; c++) {
		KEXPECT(t, cpu_block(c)->online && cpu_block(c)->idle != NULL);
		KEXPECT_EQ(t, own_hwid[c], cpu_block(c)->hwid);
		for (unsigned d = 0; d < c; d++) {
			KEXPECT(t, own_hwid[c] != own_hwid[d]);
			KEXPECT(t, cpu_block(c)->idle != cpu_block(d)->idle);
		}
	}
}

/* smp.test_late_cpu=N: CPU N was asked to start only after the boot CPU had given up on it and
 * started the others, so every later CPU's start data had been written since its own. It must
 * have answered on its own start record (the LATE it writes there) and parked. And no record of a
 * CPU that came online may carry a late answer: a late CPU that read the newest start's data
 * instead of its own would write one there, on the stack of a CPU that is running. */
KTEST(smp, late_cpu_parked)
{
	unsigned n = smp_test_late_cpu();
	if (!n) {
		ktest_skip(t, "boot with smp.test_late_cpu=N on more than N CPUs");
		return;
	}
	const struct cpu_start *s = smp_cpu_start(n);
	/* smp_init waited smp.start_timeout_ms for the answer; a host short of cores may need
	 * more. */
	u64 end = clock_ns() + 5000000000ull;
	while (smp_load_acquire(&s->state.v) != CPU_START_LATE && clock_ns() < end)
		sleep_ns(10000000);
	ktest_log(t, "CPU %u (hw id %#lx) ended in state %d (LATE is %d)", n,
		  (unsigned long)s->hwid, smp_load_acquire(&s->state.v), CPU_START_LATE);
	KEXPECT_EQ(t, smp_load_acquire(&s->state.v), CPU_START_LATE);
	for (unsigned i = 1; i < nr_cpus_possible; i++) {
		const struct cpu_start *o = smp_cpu_start(i);
		if (atomic_read(&o->state) == CPU_START_ARRIVED && o->late_cycles)
			ktest_fail(t, __FILE__, __LINE__, "CPU %u came online, yet a late CPU "
				   "answered on its start record", o->cpu);
	}
}

static atomic_t hits[MAX_CPUS];

static void record_hit(void *arg)
{
	(void)arg;
	atomic_inc(&hits[smp_processor_id()]);
}

static void check_mask(struct ktest *t, cpumask_t mask, bool wait)
{
	for (unsigned c = 0; c < MAX_CPUS; c++)
		atomic_set(&hits[c], 0);
	smp_call_function(mask, record_hit, NULL, wait);
	cpumask_t want = mask & cpu_online_mask;
	if (!wait) {
		u64 end = clock_ns() + 1000000000;
		for (;;) {
			unsigned n = 0;
			for (unsigned c = 0; c < MAX_CPUS; c++)
				n += atomic_read(&hits[c]);
			if (n == cpumask_weight(want) || clock_ns() > end)
				break;
			arch_cpu_relax();
		}
	}
	for (unsigned c = 0; c < MAX_CPUS; c++)
		if (atomic_read(&hits[c]) != (cpumask_test(want, c) ? 1 : 0))
			ktest_fail(t, __FILE__, __LINE__,
				   "mask %#lx (wait %d): CPU %u ran the call %d times",
				   (unsigned long)mask, wait, c, atomic_read(&hits[c]));
}

KTEST(smp, call_function_mask)
{
	cpumask_t all = cpu_online_mask;
	check_mask(t, all, true);
	check_mask(t, all, false);
	for (unsigned c = 0; c < nr_cpus_online; c++) {
		check_mask(t, 1ull << c, true);
		check_mask(t, all & ~(1ull << c), true);
	}
	check_mask(t, all & 0x5555555555555555ull, true);
	check_mask(t, 0, true);
}

/* Async calls (no wait) flood every other CPU faster than it runs them, so queue_call() finds
 * target queues full and runs its own queue while it waits, while the other CPUs' IPIs keep
 * coming: an IPI that landed while it held its own queue's lock would spin on that lock for ever
 * on the same CPU. (Before the fix every CPU ended up stuck so, interrupts off, within a second:
 * no tick, no report, only the harness's timeout.) Each call must run exactly once, with
 * interrupts off, as a call from an IPI does. A sender does not call itself (a call to this CPU
 * runs at once, which would pace its sends to the speed its targets run them at: on an idle host
 * the queues then never fill), so each call takes 20 us and a send far less. */
enum { FLOOD_CALLS = 8000 };   /* calls each sender sends at most, in all */

static atomic_t flood_runs[MAX_CPUS], flood_sent_from[MAX_CPUS];
static atomic_t flood_irqs_on;

static void flood_call(void *arg)
{
	(void)arg;
	if (arch_irqs_enabled())
		atomic_inc(&flood_irqs_on);
	u64 end = clock_ns() + 20000;   /* slower than a send: the queues fill */
	while (clock_ns() < end)
		arch_cpu_relax();
	atomic_inc(&flood_runs[smp_processor_id()]);
}

/* Every call to every other online CPU; for at most a second (many virtual CPUs on few host cores
 * are slow). Pinned: its CPU is its own for the whole loop. */
static void flood_sender(void *arg)
{
	(void)arg;
	unsigned me = smp_processor_id();
	cpumask_t others = cpu_online_mask & ~(1ull << me);
	u64 end = clock_ns() + 1000000000;
	for (unsigned i = 0; i < FLOOD_CALLS / (nr_cpus_online - 1) && clock_ns() < end; i++) {
		smp_call_function(others, flood_call, NULL, false);
		atomic_inc(&flood_sent_from[me]);
	}
}

KTEST(smp, call_queue_full)
{
	unsigned n = nr_cpus_online;
	if (n < 2 || n > KTEST_MAX_THREADS)
		KSKIP(t, "needs two CPUs");
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		atomic_set(&flood_runs[c], 0);
		atomic_set(&flood_sent_from[c], 0);
	}
	atomic_set(&flood_irqs_on, 0);
	unsigned long full_before = smp_call_queue_full;
	char unused[KTEST_MAX_THREADS];
	KASSERT(t, ktest_run_threads(t, n, true, flood_sender, unused, 1));
	/* The senders are done, but their last calls may still be queued: CPU c runs every call
	 * the others sent. */
	int expect[MAX_CPUS], sent = 0;
	for (unsigned c = 0; c < n; c++)
		sent += atomic_read(&flood_sent_from[c]);
	for (unsigned c = 0; c < n; c++)
		expect[c] = sent - atomic_read(&flood_sent_from[c]);
	u64 end = clock_ns() + 10000000000ull;
	bool done;
	do {
		done = true;
		for (unsigned c = 0; c < n; c++)
			done &= atomic_read(&flood_runs[c]) >= expect[c];
	} while (!done && clock_ns() < end);
	unsigned long full = smp_call_queue_full - full_before;
	ktest_log(t, "%u CPUs, %d calls sent in all: a full target queue found %lu times", n, sent,
		  full);
	for (unsigned c = 0; c < n; c++)
		KEXPECT_EQ(t, atomic_read(&flood_runs[c]), expect[c]);
	KEXPECT_EQ(t, atomic_read(&flood_irqs_on), 0);
	KEXPECT(t, full > 0);
}

struct where {
	unsigned expect;
	cpumask_t seen;
	u64 spins;
};

static void stay_put(void *arg)
{
	struct where *w = arg;
	for (int i = 0; i < 50; i++) {
		w->seen |= 1ull << smp_processor_id();
		yield();
	}
}

KTEST(sched, pinned_threads_stay)
{
	struct where w[KTEST_MAX_THREADS] = { 0 };
	unsigned n = nr_cpus_online * 2;
	KASSERT(t, ktest_run_threads(t, n, true, stay_put, w, sizeof(w[0])));
	for (unsigned i = 0; i < n; i++)
		if (w[i].seen != 1ull << (i % nr_cpus_online))
			ktest_fail(t, __FILE__, __LINE__,
				   "thread pinned to CPU %u ran on mask %#lx", i % nr_cpus_online,
				   (unsigned long)w[i].seen);
}

static cpumask_t spread_seen;

/* Busy, never yielding, until every CPU has run one of these threads (or 3 s have passed: an
 * emulated CPU may lose its host core for a while). */
static void busy_spread(void *arg)
{
	struct where *w = arg;
	u64 end = clock_ns() + 3000000000ull;
	while (clock_ns() < end && READ_ONCE(spread_seen) != cpu_online_mask) {
		/* A sample of where it runs: stale the moment it is read, all that it claims. */
		unsigned cpu = raw_smp_processor_id();
		w->seen |= 1ull << cpu;
		__atomic_or_fetch(&spread_seen, 1ull << cpu, __ATOMIC_RELAXED);
		w->spins++;
	}
}

KTEST(sched, unpinned_threads_spread)
{
	struct where w[KTEST_MAX_THREADS] = { 0 };
	unsigned n = nr_cpus_online;
	spread_seen = 0;
	KASSERT(t, ktest_run_threads(t, n, false, busy_spread, w, sizeof(w[0])));
	cpumask_t all = 0;
	for (unsigned i = 0; i < n; i++)
		all |= w[i].seen;
	ktest_log(t, "%u unpinned busy threads ran on CPUs %#lx", n, (unsigned long)all);
	KEXPECT_EQ(t, all, cpu_online_mask);
}

struct preempt_pair {
	volatile bool stop;
	volatile u64 other_progress;
	u64 progress_during_busy;
	u64 busy_switches;
};

static void busy_no_yield(void *arg)
{
	struct preempt_pair *p = arg;
	u64 before = p->other_progress;
	u64 end = clock_ns() + 200000000;   /* 200 ms without yielding */
	while (clock_ns() < end)
		arch_cpu_relax();
	p->progress_during_busy = p->other_progress - before;
	p->busy_switches = current_thread()->nr_switches;
	p->stop = true;
}

static void counter_thread(void *arg)
{
	struct preempt_pair *p = arg;
	while (!p->stop)
		p->other_progress++;
}

/* Two threads pinned to one CPU: the busy one never yields, yet the other makes progress. */
KTEST(sched, busy_thread_is_preempted)
{
	struct preempt_pair p = { 0 };
	unsigned cpu = nr_cpus_online - 1;
	struct thread *busy = kthread_create(busy_no_yield, &p, "busy");
	struct thread *other = kthread_create(counter_thread, &p, "counter");
	KASSERT(t, busy && other);
	kthread_bind(busy, cpu);
	kthread_bind(other, cpu);
	thread_start(busy);
	thread_start(other);
	thread_join(busy);
	thread_join(other);
	ktest_log(t, "during 200 ms of a non-yielding thread on CPU %u, the other counted %lu; "
		  "the busy thread was switched in %lu times", cpu,
		  (unsigned long)p.progress_during_busy, (unsigned long)p.busy_switches);
	KEXPECT(t, p.progress_during_busy > 0);
	KEXPECT(t, p.busy_switches > 1);
}

/* Manual (it takes sched.lockup_secs plus a little): spin with preemption off until the tick's
 * soft-lockup check reports this CPU. Boot with sched.lockup_secs=1. */
KTEST_FLAGS(sched, softlockup_report, KTEST_MANUAL)
{
	unsigned long before = sched_lockup_reports;
	u64 end = clock_ns() + 3000000000ull;
	preempt_disable();
	while (sched_lockup_reports == before && clock_ns() < end)
		arch_cpu_relax();
	preempt_enable();
	KEXPECT(t, sched_lockup_reports > before);
}

static void spin_irqs_off(void *arg)
{
	(void)arg;
	arch_irq_disable();
	u64 end = clock_ns() + 30000000000ull;
	while (clock_ns() < end)
		arch_cpu_relax();
	arch_irq_enable();
}

/* Manual (it ends in a panic): a thread on the last CPU spins with interrupts off, so that CPU
 * takes no tick; another CPU's tick must report the hard lockup and panic. Boot with 2+ CPUs and
 * sched.lockup_secs=1. */
KTEST_FLAGS(sched, hardlockup_report, KTEST_MANUAL)
{
	if (nr_cpus_online < 2) {
		ktest_skip(t, "needs two CPUs");
		return;
	}
	struct thread *th = kthread_create(spin_irqs_off, NULL, "irqs-off");
	KASSERT(t, th);
	kthread_bind(th, nr_cpus_online - 1);
	thread_start(th);
	thread_join(th);
	ktest_fail(t, __FILE__, __LINE__, "30 s with interrupts off went unreported");
}

static void wait_for_release(void *arg)
{
	wait_for_completion(arg);
}

/* The torture runner's defence against a silent hang: a join with a limit gives up on a thread
 * that does not end, and thread_report() says what that thread is doing. */
KTEST(sched, join_timeout_reports)
{
	struct completion release;
	completion_init(&release);
	struct thread *th = kthread_create(wait_for_release, &release, "stuck");
	KASSERT(t, th);
	thread_start(th);
	u64 t0 = clock_ns();
	bool joined = thread_join_timeout(th, 200000000);
	u64 waited = clock_ns() - t0;
	KEXPECT(t, !joined);
	KEXPECT(t, waited >= 200000000);
	ktest_log(t, "gave up after %lu ms; thread_report() says:",
		  (unsigned long)(waited / 1000000));
	thread_report(th);
	complete(&release);
	KEXPECT(t, thread_join_timeout(th, 10000000000ull));
}

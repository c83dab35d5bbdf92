/* Preemption control and "this CPU": the count follows the thread, and the debug check reports
 * a use of this_cpu()/smp_processor_id() where the thread may move.
 *
 * preempt.disabled_stays_put is the test that reaches the window of a per-CPU count (or of a
 * current_thread() read in two steps): if an interrupt between reading the per-CPU register and
 * changing the count moves the thread, it then runs with preemption "disabled" on a CPU whose
 * count says otherwise, and is seen to move. Only a machine that takes interrupts between any
 * two instructions opens that window (tools/qemu-run --singlestep); the matrix runs it so. */
#include "tests/kernel/ktest_util.h"
#include "kernel/printk.h"
#include "kernel/sched/timer.h"

#define STAY_NS 500000000ull   /* per thread */

struct stay {
	u64 rounds, moved, bad_count, migrations;
};

/* One more thread than CPUs, each napping now and then: a CPU whose thread naps goes idle and
 * steals a preempted thread from the other queue, so preempted threads really do move. */
static void stay_put(void *arg)
{
	struct stay *s = arg;
	struct thread *me = current_thread();
	u64 end = clock_ns() + STAY_NS;
	unsigned last = raw_smp_processor_id();
	while (clock_ns() < end) {
		if (s->rounds % 64 == 63)
			sleep_ns(20000);
		if (current_info()->preempt_count != 0)
			s->bad_count++;
		preempt_disable();
		unsigned cpu = smp_processor_id();
		for (volatile int d = 0; d < 20; d++)
			;   /* a tick may land here: it must not move us */
		if (smp_processor_id() != cpu || raw_this_cpu()->current != me)
			s->moved++;
		if (current_info()->preempt_count != 1)
			s->bad_count++;
		preempt_enable();
		if (cpu != last)
			s->migrations++;   /* moved since the last round: the test's odds */
		last = cpu;
		s->rounds++;
	}
}

KTEST(preempt, disabled_stays_put)
{
	struct stay s[KTEST_MAX_THREADS] = { 0 };
	unsigned n = nr_cpus_online + 1;
	KASSERT(t, ktest_run_threads(t, n, false, stay_put, s, sizeof(s[0])));
	u64 rounds = 0, moved = 0, bad = 0, migrations = 0;
	for (unsigned i = 0; i < n; i++) {
		rounds += s[i].rounds, moved += s[i].moved, bad += s[i].bad_count;
		migrations += s[i].migrations;
	}
	ktest_log(t, "%u unpinned threads, %lu rounds of preempt_disable(), %lu migrations "
		  "between rounds: %lu moved inside, %lu wrong counts", n, (unsigned long)rounds,
		  (unsigned long)migrations, (unsigned long)moved, (unsigned long)bad);
	KEXPECT_EQ(t, moved, 0);
	KEXPECT_EQ(t, bad, 0);
}

static volatile unsigned seen_cpu;

static void use_cpu_preemptible(void *arg)
{
	(void)arg;
	seen_cpu = smp_processor_id();   /* deliberately wrong: the check must say so */
}

static void use_cpu_disabled(void *arg)
{
	(void)arg;
	preempt_disable();
	seen_cpu = smp_processor_id();
	preempt_enable();
	unsigned long flags = arch_irq_save();
	seen_cpu = this_cpu()->cpu;
	arch_irq_restore(flags);
}

/* The check itself. The expected report is taken back out of the count, which otherwise fails
 * the run (kmain's verdict). */
KTEST(preempt, check_reports_preemptible_use)
{
	if (!debug_preempt) {
		ktest_skip(t, "debug.preempt=0");
		return;
	}
	unsigned long before = preempt_debug_reports;
	KASSERT(t, ktest_run_threads(t, 1, false, use_cpu_disabled, NULL, 0));
	KEXPECT_EQ(t, preempt_debug_reports, before);
	preempt_debug_expected = 1;   /* its line says so: it is not a failure */
	KASSERT(t, ktest_run_threads(t, 1, false, use_cpu_preemptible, NULL, 0));
	preempt_debug_expected = 0;
	KEXPECT_EQ(t, preempt_debug_reports, before + 1);
	/* A pinned thread cannot move: the same use is fine there. */
	KASSERT(t, ktest_run_threads(t, 1, true, use_cpu_preemptible, NULL, 0));
	KEXPECT_EQ(t, preempt_debug_reports, before + 1);
	preempt_debug_reports = before;
}

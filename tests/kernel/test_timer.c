/* Timers: never early, late by a bounded amount (the distribution is printed), cancel works,
 * sleep_ns sleeps at least as long as asked. Bounds are loose: QEMU's TCG is not real time. */
#include "tests/kernel/ktest_util.h"
#include "kernel/sched/timer.h"
#include "kernel/printk.h"

#define NR_TIMERS 64

struct probe {
	struct timer timer;
	u64 armed_deadline;   /* cycles */
	s64 lateness;         /* cycles; negative would mean early */
	volatile bool fired;
};

static void probe_fire(struct timer *tm)
{
	struct probe *p = container_of(tm, struct probe, timer);
	p->lateness = (s64)(arch_cycles() - p->armed_deadline);
	p->fired = true;
}

static void sort_s64(s64 *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			s64 x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
}

KTEST(timer, lateness)
{
	static struct probe probes[NR_TIMERS];
	u64 seed = 12345;
	for (unsigned i = 0; i < NR_TIMERS; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		u64 delay = 1000000 + (seed >> 33) % 20000000;   /* 1..21 ms */
		timer_setup(&probes[i].timer, probe_fire);
		probes[i].fired = false;
		unsigned long f = arch_irq_save();
		timer_arm(&probes[i].timer, delay);
		probes[i].armed_deadline = probes[i].timer.deadline;
		arch_irq_restore(f);
	}
	sleep_ns(60000000);
	s64 late[NR_TIMERS];
	unsigned n = 0;
	for (unsigned i = 0; i < NR_TIMERS; i++) {
		if (!probes[i].fired) {
			ktest_fail(t, __FILE__, __LINE__, "timer %u did not fire within 60 ms", i);
			timer_cancel(&probes[i].timer);
			continue;
		}
		late[n++] = probes[i].lateness;
	}
	if (!n)
		return;
	sort_s64(late, n);
	ktest_log(t, "lateness over %u timers (us): min %ld median %ld p90 %ld max %ld", n,
		  (long)cycles_to_ns(late[0] > 0 ? late[0] : 0) / 1000,
		  (long)cycles_to_ns(late[n / 2]) / 1000,
		  (long)cycles_to_ns(late[n * 9 / 10]) / 1000,
		  (long)cycles_to_ns(late[n - 1]) / 1000);
	/* Never early. Late only by a bound: the typical case tightly, the worst loosely, since an
	 * emulated CPU can lose its host core for a while whatever the kernel does. */
	KEXPECT(t, late[0] >= 0);
	KEXPECT(t, cycles_to_ns(late[n / 2]) < 20000000);
	KEXPECT(t, cycles_to_ns(late[n - 1]) < 2000000000);
}

static void never(struct timer *tm)
{
	*(volatile bool *)&container_of(tm, struct probe, timer)->fired = true;
}

KTEST(timer, cancel)
{
	struct probe p = { 0 };
	timer_setup(&p.timer, never);
	timer_arm(&p.timer, 10000000);
	KEXPECT(t, timer_cancel(&p.timer));
	sleep_ns(30000000);
	KEXPECT(t, !p.fired);
	KEXPECT(t, !timer_cancel(&p.timer));
}

KTEST(timer, sleep_at_least)
{
	static const u64 asks[] = { 100000, 1000000, 5000000, 20000000 };
	for (unsigned i = 0; i < ARRAY_SIZE(asks); i++) {
		u64 t0 = clock_ns();
		sleep_ns(asks[i]);
		u64 slept = clock_ns() - t0;
		ktest_log(t, "sleep_ns(%lu) took %lu ns", (unsigned long)asks[i],
			  (unsigned long)slept);
		KEXPECT(t, slept >= asks[i]);
		KEXPECT(t, slept < asks[i] + 100000000);
	}
}

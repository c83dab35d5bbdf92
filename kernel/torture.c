/* The torture runner (see torture.h): parameters, threads, progress lines, stutter, verdicts. */
#include "kernel/torture.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/timer.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/page.h"
#include "mm/slab.h"

extern const struct torture_suite __torture_start[], __torture_end[];

static char selection[128];
PARAM_LIST("torture", selection, "torture suites to run, comma-separated (listed below)");
static s64 seconds = 30;
PARAM_INT("torture.seconds", seconds, 1, 86400, "how long each torture suite runs");
static s64 nthreads;
PARAM_INT("torture.threads", nthreads, 0, TORTURE_MAX_THREADS,
	  "rcu/vmatree readers, rangelock workers, lock threads per type; 0: one per CPU, "
	  "at least 2");
static s64 seed = 1;
PARAM_INT("torture.seed", seed, 0, 0x7fffffffffffffff,
	  "seed of every torture thread's random sequence");
static s64 stutter = 3;
PARAM_INT("torture.stutter", stutter, 0, 3600,
	  "every this many seconds, pause the threads briefly (0: never)");
static s64 stat_interval = 5;
PARAM_INT("torture.stat_interval", stat_interval, 1, 3600, "seconds between progress lines");
static s64 stall_secs = 10;
PARAM_INT("torture.stall_secs", stall_secs, 1, 3600,
	  "a torture thread that shows no progress for this long is stuck: FAILURE with a report");
static s64 irq_storm_us;
PARAM_INT("torture.irq_storm_us", irq_storm_us, 0, 1000000,
	  "while a suite runs, a timer interrupts every CPU every this many us (0: off)");
static bool busted;
PARAM_BOOL("torture.busted", busted,
	   "run each suite against its deliberately broken twin, which must FAIL");

void torture_print_suites(void)
{
	printk_raw("Torture suites (torture=a,b,...; torture.busted=1 runs each one's broken "
		   "twin):\n");
	for (const struct torture_suite *s = __torture_start; s < __torture_end; s++)
		printk_raw("  %-16s twin: %s\n", s->name, s->twin);
}

bool torture_requested(void) { return selection[0] != 0; }
const char *torture_selection(void) { return selection; }

int torture_thread(struct torture_run *r, void (*fn)(void *), void *arg, const char *name, int cpu)
{
	if (r->nr_threads == TORTURE_MAX_THREADS)
		return -ENOSPC;
	struct thread *t = kthread_create(fn, arg, name);
	if (!t)
		return -ENOMEM;
	if (cpu >= 0)
		kthread_bind(t, (unsigned)cpu % nr_cpus_online);
	r->beat[r->nr_threads] = clock_ns();
	r->threads[r->nr_threads++] = t;
	thread_start(t);
	return 0;
}

void torture_error(struct torture_run *r, const char *fmt, ...)
{
	long n = atomic_long_add_return(&r->errors, 1);
	if (n > 5)
		return;   /* the count says the rest */
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk_raw("# torture %s: error: %s\n", r->suite->name, msg);
}

/* The caller's heartbeat. A linear search: threads beat every few dozen operations, and a
 * slot in the caller's own state would make every suite pass its index around. */
void torture_alive(struct torture_run *r)
{
	struct thread *me = current_thread();
	for (unsigned i = 0; i < r->nr_threads; i++)
		if (r->threads[i] == me) {
			r->beat[i] = clock_ns();
			return;
		}
}

void torture_ops(struct torture_run *r, long n)
{
	atomic_long_add_return(&r->ops, n);
	torture_alive(r);
}

void torture_stutter(struct torture_run *r)
{
	bool waited = false;
	while (READ_ONCE(r->paused) && !torture_stop(r)) {
		sleep_ns(1000000);
		waited = true;
	}
	if (waited)
		torture_alive(r);   /* a pause is not a stall */
}

u64 torture_seed_for(struct torture_run *r, unsigned index)
{
	u64 x = r->seed * 0x9e3779b97f4a7c15ull + index * 0xbf58476d1ce4e5b9ull + 1;
	x ^= x >> 31;
	return x ? x : 1;
}

void torture_udelay(unsigned us)
{
	u64 end = arch_cycles() + ns_to_cycles((u64)us * 1000);
	while ((s64)(arch_cycles() - end) < 0)
		arch_cpu_relax();
}

void torture_maybe_delay(u64 *state)
{
	u64 x = torture_random(state) % 1000;
	if (x < 10)
		torture_udelay((unsigned)(torture_random(state) % 50));
	else if (x == 10)
		yield();
}

static const struct torture_suite *find_suite(const char *name)
{
	for (const struct torture_suite *s = __torture_start; s < __torture_end; s++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

bool torture_suite_exists(const char *name) { return find_suite(name) != NULL; }

/* How long each join waits (the first from the stop request, each later one from when the one
 * before returned). Every loop checks torture_stop() each round and holds nothing long, so a
 * thread that has not returned by then is stuck (a lost wake-up, a lock that is never
 * released): a failure to report, not a hang for the host's timeout to find. */
#define STOP_WAIT_NS (30ull * 1000000000)

enum verdict { SUITE_PASS, SUITE_FAIL, SUITE_STUCK };

/* The watchdog: a live thread whose heartbeat is older than torture.stall_secs is stuck, and the
 * run ends now with a report of every thread, so a lost wake-up shows up as a FAILURE within
 * seconds instead of as a host timeout, or as a stop that never comes. Not while paused: the
 * threads sleep in torture_stutter() then, and beat again when they leave it. */
static bool check_stalls(struct torture_run *r, u64 now)
{
	u64 limit = (u64)stall_secs * 1000000000;
	for (unsigned i = 0; i < r->nr_threads; i++) {
		struct thread *t = r->threads[i];
		u64 beat = r->beat[i];
		if (completion_done(&t->exited) || now <= beat || now - beat < limit)
			continue;
		torture_error(r, "thread %u ('%s') has shown no progress for %lu s: stuck", i,
			      t->name, (unsigned long)((now - beat) / 1000000000));
		printk_raw("# torture %s: what the threads are doing:\n", r->suite->name);
		for (unsigned k = 0; k < r->nr_threads; k++)
			if (!completion_done(&r->threads[k]->exited))
				thread_report(r->threads[k]);
		r->stalled = true;
		return true;
	}
	return false;
}

/* Join the run's threads; false if one did not stop (it and the run are then left alone: the
 * thread may still use them). */
static bool join_all(struct torture_run *r)
{
	for (unsigned i = 0; i < r->nr_threads; i++) {
		struct thread *t = r->threads[i];
		/* Threads the watchdog found stuck will not stop: do not wait the full limit. */
		u64 wait = r->stalled ? STOP_WAIT_NS / 15 : STOP_WAIT_NS;
		if (thread_join_timeout(t, wait))
			continue;
		torture_error(r, "thread %u of %u has not stopped within %lu s", i, r->nr_threads,
			      (unsigned long)(wait / 1000000000));
		printk_raw("# torture %s: what the threads still running are doing:\n",
			   r->suite->name);
		for (unsigned k = i; k < r->nr_threads; k++)
			if (!completion_done(&r->threads[k]->exited))
				thread_report(r->threads[k]);
		return false;
	}
	return true;
}

static void finish_thread(void *arg)
{
	struct torture_run *r = arg;
	r->suite->finish(r);
}

/* The suite's finish() (it may wait for grace periods: rcu_barrier), in a thread of its own so
 * that the wait has the same limit as the joins; false if it did not return in time. */
static bool run_finish(struct torture_run *r)
{
	struct thread *t = kthread_create(finish_thread, r, "torture-finish");
	if (!t) {
		torture_error(r, "no memory for the finish thread");
		return true;
	}
	thread_start(t);
	if (thread_join_timeout(t, STOP_WAIT_NS))
		return true;
	torture_error(r, "its final step has not returned within %llu s",
		      STOP_WAIT_NS / 1000000000);
	thread_report(t);
	return false;
}

/*
 * The interrupt storm (torture.irq_storm_us): a timer per CPU that re-arms itself and asks for a
 * reschedule, so the interrupted thread is preempted at the interrupt's end whenever another is
 * queued on its CPU. A race window of a few instructions (a waiter that tests its condition,
 * then marks itself sleeping) opens only if something stops that CPU inside it; under TCG an
 * interrupt lands only at a translation-block boundary, the tick comes every sched.tick_us, and a
 * preemption only once a timeslice is used up. With the storm, a thread is stopped inside such a
 * window every few thousand passes, for as long as the threads queued before it run, and the
 * other CPUs run on meanwhile.
 */
static struct {
	bool on;
	atomic_long_t fired;
} storm;
static DEFINE_PER_CPU(struct timer, storm_timer);

static void storm_fire(struct timer *t)
{
	atomic_long_add_return(&storm.fired, 1);
	WRITE_ONCE(this_cpu()->need_resched, true);   /* acted on by irq_exit_preempt() */
	if (READ_ONCE(storm.on))
		timer_arm(t, (u64)irq_storm_us * 1000);   /* on this CPU, where t fired */
}

static void storm_arm_here(void *arg)
{
	(void)arg;
	timer_arm(this_cpu_ptr(&storm_timer), (u64)irq_storm_us * 1000);
}

static void storm_start(void)
{
	if (!irq_storm_us)
		return;
	for (unsigned c = 0; c < MAX_CPUS; c++)
		timer_setup(per_cpu_ptr(&storm_timer, c), storm_fire);
	atomic_long_set(&storm.fired, 0);
	WRITE_ONCE(storm.on, true);
	smp_call_function(cpu_online_mask, storm_arm_here, NULL, true);
}

static void storm_stop(void)
{
	if (!irq_storm_us)
		return;
	/* A handler that read `on` before this store re-arms once more; timer_cancel() waits for
	 * it to return and takes that last arming off the list. */
	WRITE_ONCE(storm.on, false);
	for (unsigned c = 0; c < MAX_CPUS; c++)
		if (cpumask_test(cpu_online_mask, c))
			timer_cancel(per_cpu_ptr(&storm_timer, c));
	printk_raw("# torture: interrupt storm: %ld timer interrupts (each a preemption point), "
		   "one per CPU every %ld us\n", atomic_long_read(&storm.fired),
		   (long)irq_storm_us);
}

/* "4 vt_writer, 2 vt_reader": the run's threads, counted by the name its suite gave each. The
 * threads are running, but a thread's name is written once at creation and it is freed only by
 * the join at the end. */
static void describe_threads(const struct torture_run *r, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < r->nr_threads && n < len; i++) {
		const char *name = r->threads[i]->name;
		unsigned count = 0;
		bool counted = false;
		for (unsigned j = 0; j < i && !counted; j++)
			counted = !strcmp(r->threads[j]->name, name);
		for (unsigned j = i; j < r->nr_threads && !counted; j++)
			count += !strcmp(r->threads[j]->name, name);
		if (!counted)
			n += (size_t)snprintf(buf + n, len - n, "%s%u %s", n ? ", " : "", count,
						name);
	}
}

/* Run one suite for torture.seconds (less if a failure shows up first). */
static enum verdict run_suite(const struct torture_suite *s)
{
	struct torture_run *r = kmalloc(sizeof(*r), GFP_ZERO);
	if (!r)
		panic("torture: out of memory");
	r->suite = s;
	r->busted = busted;
	r->seed = (u64)seed;
	r->nthreads = nthreads ? (unsigned)nthreads : MAX(nr_cpus_online, 2u);
	unsigned long free0 = page_alloc_nr_free();
	printk_raw("# torture %s: start: %u CPUs, %ld s, seed %ld, stutter %ld s%s%s\n",
		   s->name, nr_cpus_online, (long)seconds, (long)seed, (long)stutter,
		   busted ? ", BROKEN TWIN: " : "", busted ? s->twin : "");
	storm_start();
	u64 t0 = clock_ns(), end = t0 + (u64)seconds * 1000000000;
	int err = s->start(r);
	/* After start(): the suite decides how many threads of each kind torture.threads means. The
	 * start line comes first, so that an error a thread prints at once follows it. */
	char kinds[192];
	describe_threads(r, kinds, sizeof(kinds));
	printk_raw("# torture %s: %u threads (%s)\n", s->name, r->nr_threads, kinds);
	if (err)
		torture_error(r, "start failed: %s", errno_name(err));
	u64 next_stat = t0 + (u64)stat_interval * 1000000000;
	u64 next_stutter = stutter ? t0 + (u64)stutter * 1000000000 : ~0ull;
	while (!err) {
		u64 now = clock_ns();
		if (now >= end)
			break;
		/* A failure is final: stop early rather than drown the log. */
		if (atomic_long_read(&r->errors) && now - t0 > 1000000000)
			break;
		if (!r->paused && check_stalls(r, now))
			break;
		if (now >= next_stutter) {
			WRITE_ONCE(r->paused, !r->paused);
			next_stutter = now + (r->paused ?
					      MAX((u64)stutter * 250000000, 100000000ull) :
					      (u64)stutter * 1000000000);
		}
		if (now >= next_stat) {
			char extra[320] = "";
			if (s->progress)
				s->progress(r, extra, sizeof(extra));
			printk_raw("# torture %s: t=%lus ops=%ld errors=%ld %s\n", s->name,
				   (unsigned long)((now - t0) / 1000000000),
				   atomic_long_read(&r->ops), atomic_long_read(&r->errors), extra);
			next_stat = now + (u64)stat_interval * 1000000000;
		}
		sleep_ns(20000000);
	}
	WRITE_ONCE(r->paused, false);
	WRITE_ONCE(r->stop, true);
	storm_stop();
	if (!join_all(r) || (s->finish && !run_finish(r))) {
		printk_raw("# torture %s: FAILURE ops=%ld errors=%ld time=%lus stuck threads\n",
			   s->name, atomic_long_read(&r->ops), atomic_long_read(&r->errors),
			   (unsigned long)((clock_ns() - t0) / 1000000000));
		return SUITE_STUCK;
	}
	bool ok = atomic_long_read(&r->errors) == 0;
	printk_raw("# torture %s: %s ops=%ld errors=%ld time=%lus %s\n", s->name,
		   ok ? "SUCCESS" : "FAILURE", atomic_long_read(&r->ops),
		   atomic_long_read(&r->errors), (unsigned long)((clock_ns() - t0) / 1000000000),
		   r->detail);
	long leaked = (long)free0 - (long)page_alloc_nr_free();
	if (leaked > 64)
		printk_raw("# torture %s: note: %ld pages not back after the run\n", s->name,
			   leaked);
	kfree(r);
	return ok ? SUITE_PASS : SUITE_FAIL;
}

void torture_run_all(const char *sel, unsigned *pass, unsigned *fail)
{
	char item[32];
	const char *cur = sel;
	unsigned n = 0, i = 0;
	while (param_list_next(&cur, item, sizeof(item)))
		n++;
	printk_raw("KTAP version 1\n1..%u\n", n);
	cur = sel;
	/* Sticky: the monitor may call again, and a stuck suite's threads still run. */
	static bool stuck;
	while (param_list_next(&cur, item, sizeof(item))) {
		const struct torture_suite *s = find_suite(item);
		i++;
		if (stuck) {
			printk_raw("not ok %u %s # not run: threads of an earlier suite are "
				   "stuck\n", i, item);
			(*fail)++;
			continue;
		}
		if (!s) {
			pr_err("torture: no torture suite named '%s'\n", item);
			printk_raw("not ok %u %s # no such torture suite\n", i, item);
			(*fail)++;
			continue;
		}
		enum verdict v = run_suite(s);
		stuck = v == SUITE_STUCK;
		printk_raw("%s %u %s\n", v == SUITE_PASS ? "ok" : "not ok", i, s->name);
		if (v == SUITE_PASS)
			(*pass)++;
		else
			(*fail)++;
	}
}

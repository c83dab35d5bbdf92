/* The lock checker (see lockcheck.h). The pair table is an open-addressing hash set of
 * (held, taken) lock pairs, each with a backtrace of its first sighting; when it is full the
 * checker says so once and stops recording new pairs (checks against known pairs go on). */
#include "kernel/locking/lockcheck.h"
#include "kernel/panic.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "kernel/locking/spinlock.h"
#include "kernel/sched/thread.h"

bool lockcheck_enabled = true;
PARAM_BOOL("debug.locks", lockcheck_enabled,
	   "check lock order, sleeping in atomic context and bad releases");
unsigned long lockcheck_reports;

#define PAIRS 4096
#define TRACE 6

struct lock_pair {
	const void *held, *taken;
	uintptr_t trace[TRACE];
	bool reported;
};

static struct lock_pair pairs[PAIRS];
static spinlock_t pairs_lock = SPINLOCK_INIT;
static bool table_full_said;

static void capture(uintptr_t fp, uintptr_t *trace)
{
	for (int i = 0; i < TRACE; i++) {
		uintptr_t ip = 0;
		if (!arch_unwind(&fp, &ip))
			ip = 0;
		trace[i] = ip;
		if (!ip)
			break;
	}
}

static void print_trace(const uintptr_t *trace)
{
	printk_raw("Backtrace:\n");
	for (int i = 0; i < TRACE && trace[i]; i++)
		printk_raw("  [<%016lx>]\n", (unsigned long)trace[i]);
}

static struct lock_pair *find_pair(const void *held, const void *taken, bool insert)
{
	uintptr_t h = ((uintptr_t)held * 0x9e3779b97f4a7c15ull) ^ ((uintptr_t)taken >> 3);
	for (unsigned i = 0; i < PAIRS; i++) {
		struct lock_pair *p = &pairs[(h + i) % PAIRS];
		if (p->held == held && p->taken == taken)
			return p;
		if (!p->held) {
			if (!insert)
				return NULL;
			p->held = held;
			p->taken = taken;
			return p;
		}
	}
	if (insert && !table_full_said) {
		table_full_said = true;
		printk_raw("lockcheck: pair table full; no new lock orders are recorded\n");
	}
	return NULL;
}

/* lockcheck_expect_reports: written by the expecting thread, which alone consumes the count;
 * other threads only compare the pointer with themselves. */
static struct thread *expecting;
static unsigned expected;

void lockcheck_expect_reports(unsigned n)
{
	expected = n;
	WRITE_ONCE(expecting, n ? current_thread() : NULL);
}

static void report_begin(const char *what)
{
	lockcheck_reports++;
	struct thread *t = current_thread();
	bool provoked = t && READ_ONCE(expecting) == t && expected > 0;
	if (provoked && --expected == 0)
		WRITE_ONCE(expecting, NULL);
	printk_raw("lockcheck: %s (CPU %u, thread '%s')%s\n", what, raw_smp_processor_id(),
		   t ? t->name : "?", provoked ? " -- expected: provoked by a test" : "");
}

void lockcheck_acquire(const void *lock, const char *kind)
{
	struct thread *t = current_thread();
	if (!t)
		return;
	unsigned long flags = arch_irq_save();
	uintptr_t fp = arch_current_fp();
	__spin_lock(&pairs_lock);
	for (int i = 0; i < t->nr_held; i++) {
		const void *held = t->held[i].lock;
		if (held == lock)
			continue;   /* recursive read locks */
		struct lock_pair *opposite = find_pair(lock, held, false);
		if (opposite && !opposite->reported) {
			opposite->reported = true;
			report_begin("possible AB-BA deadlock");
			printk_raw("  taking %s %p while holding %p, here:\n", kind, lock, held);
			backtrace_print(fp, 0);
			printk_raw("  but earlier %p was taken while holding %p, here:\n", held,
				   lock);
			print_trace(opposite->trace);
		}
		struct lock_pair *p = find_pair(held, lock, true);
		if (p && !p->trace[0])
			capture(fp, p->trace);
	}
	if (t->nr_held < LOCKCHECK_DEPTH)
		t->held[t->nr_held++] = (struct held_lock){ lock, fp };
	__spin_unlock(&pairs_lock);
	arch_irq_restore(flags);
}

bool lockcheck_release(const void *lock, const char *kind)
{
	struct thread *t = current_thread();
	if (!t)
		return true;
	for (int i = t->nr_held - 1; i >= 0; i--)
		if (t->held[i].lock == lock) {
			for (int k = i; k < t->nr_held - 1; k++)
				t->held[k] = t->held[k + 1];
			t->nr_held--;
			return true;
		}
	unsigned long flags = arch_irq_save();
	report_begin("releasing a lock this thread does not hold");
	printk_raw("  %s %p\n", kind, lock);
	backtrace_print(arch_current_fp(), 0);
	arch_irq_restore(flags);
	return false;
}

void lockcheck_might_sleep(const char *what)
{
	struct thread_info *ti = current_info();
	bool irqs = arch_irqs_enabled();
	if (ti->preempt_count == 0 && ti->rcu_nesting == 0 && irqs)
		return;
	unsigned long flags = arch_irq_save();
	report_begin(ti->rcu_nesting ? "sleeping inside an RCU read-side section"
				     : "sleeping in atomic context");
	printk_raw("  %s() with preempt_count %d, RCU nesting %d, interrupts %s\n", what,
		   ti->preempt_count, ti->rcu_nesting, irqs ? "on" : "off");
	backtrace_print(arch_current_fp(), 0);
	arch_irq_restore(flags);
}

/* Per-CPU blocks and the copies of the .percpu section (see percpu.h). CPU 0 uses the section
 * itself (offset 0), so per-CPU variables work from the first instruction of kmain. Also the
 * preemption check behind this_cpu() and smp_processor_id(). */
#include "kernel/percpu.h"
#include "kernel/panic.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/thread.h"
#include "lib/string.h"
#include "mm/slab.h"

struct percpu cpu_blocks[MAX_CPUS];
unsigned nr_cpus_online = 1;
unsigned nr_cpus_possible = 1;
cpumask_t cpu_online_mask = 1;

extern char __percpu_start[], __percpu_end[];

extern struct thread boot_thread;   /* kernel/sched.c */

void percpu_bind(unsigned cpu)
{
	struct percpu *pc = &cpu_blocks[cpu];
	pc->self = pc;
	pc->cpu = cpu;
	/* A secondary CPU starts on its idle thread's stack (smp_init made it). */
	pc->current = cpu == 0 ? &boot_thread : pc->idle;
	arch_percpu_set(pc);
	arch_current_set(pc->current);
}

bool debug_preempt = true;
PARAM_BOOL("debug.preempt", debug_preempt,
	   "report this_cpu()/smp_processor_id() used where the thread may move (default 1)");
unsigned long preempt_debug_reports;

/* Each call site is reported once, with a backtrace (the first 16 sites); the count says how
 * often, and a test run with any report fails (kmain's verdict). Interrupts go off for the
 * report, so it cannot recurse; the lock keeps two CPUs' reports apart. */
/* Reports a test provokes on purpose (preempt.check_reports_preemptible_use): each one so marked
 * on its own line takes one from here, under the report lock. */
unsigned long preempt_debug_expected;

void preempt_debug_report(const char *what)
{
	static spinlock_t lock = SPINLOCK_INIT;
	static uintptr_t sites[16];
	uintptr_t site = (uintptr_t)__builtin_return_address(0);
	unsigned long flags = arch_irq_save();
	__atomic_add_fetch(&preempt_debug_reports, 1, __ATOMIC_RELAXED);
	__spin_lock(&lock);
	unsigned i = 0;
	while (i < ARRAY_SIZE(sites) && sites[i] && sites[i] != site)
		i++;
	if (i < ARRAY_SIZE(sites) && !sites[i]) {
		sites[i] = site;
		bool provoked = preempt_debug_expected > 0;
		if (provoked)
			preempt_debug_expected--;
		printk_raw("BUG: %s() in preemptible code: thread '%s' may move to another CPU "
			   "between reading the CPU and using it%s\n", what, current_thread()->name,
			   provoked ? " -- expected: provoked by a test" : "");
		backtrace_print(arch_current_fp(), 0);
	} else if (i == ARRAY_SIZE(sites)) {
		printk_raw("BUG: %s() in preemptible code at [<%016lx>] (no room to tell sites "
			   "apart: one line each)\n", what, (unsigned long)site);
	}
	__spin_unlock(&lock);
	arch_irq_restore(flags);
}

void __init percpu_init(unsigned nr_cpus)
{
	size_t size = (size_t)(__percpu_end - __percpu_start);
	for (unsigned cpu = 1; cpu < nr_cpus; cpu++) {
		char *copy = kmalloc(size ? size : 1, 0);
		if (!copy)
			panic("percpu: no memory for CPU %u's copy (%zu bytes)", cpu, size);
		memcpy(copy, __percpu_start, size);
		cpu_blocks[cpu].offset = (uintptr_t)copy - (uintptr_t)__percpu_start;
	}
}

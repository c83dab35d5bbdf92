/* The copies of the .percpu section, its reserve for alloc_percpu(), and each CPU's block (see
 * percpu.h); also the preemption check behind this_cpu() and smp_processor_id(). */
#include "kernel/percpu.h"
#include "kernel/panic.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "kernel/locking/spinlock.h"
#include "kernel/sched/thread.h"
#include "lib/string.h"

DEFINE_PER_CPU(struct percpu, percpu_block);
uintptr_t percpu_offsets[MAX_CPUS];
unsigned nr_cpus_online = 1;
unsigned nr_cpus_possible = 1;
cpumask_t cpu_online_mask = 1;

/* linker.ld: the section (CPU 0's copy) with the alloc_percpu() reserve at its end, and room in
 * the bss for MAX_CPUS - 1 more copies. */
extern char __percpu_start[], __percpu_dynamic_start[], __percpu_end[], __percpu_copies[];

extern struct thread boot_thread;   /* kernel/sched/sched.c */

/* Every CPU's copy, from the section as the image holds it: nothing has written a per-CPU
 * variable yet (percpu.h), so each copy starts with the static initialisers. */
void __init percpu_init_areas(void)
{
	size_t size = (size_t)(__percpu_end - __percpu_start);
	percpu_offsets[0] = 0;   /* CPU 0's copy is the section (and the bss may not be zero yet) */
	for (unsigned cpu = 1; cpu < MAX_CPUS; cpu++) {
		char *copy = __percpu_copies + (cpu - 1) * size;
		memcpy(copy, __percpu_start, size);
		percpu_offsets[cpu] = (uintptr_t)copy - (uintptr_t)__percpu_start;
	}
}

void percpu_bind(unsigned cpu)
{
	struct percpu *pc = cpu_block(cpu);
	pc->self = pc;
	pc->offset = percpu_offsets[cpu];
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

/*
 * alloc_percpu(): the reserve at the end of the section, in 16-byte granules, first fit. A bit
 * in `used` per granule, and in `starts` for the first granule of each allocation, which is how
 * free_percpu() knows where one ends. Offsets are the same on every CPU, so one bitmap serves
 * them all; allocations are rare (a slab cache's creation), so one lock is enough.
 */
#define PCPU_GRANULE 16
#define PCPU_GRANULES (PERCPU_DYNAMIC_SIZE / PCPU_GRANULE)
STATIC_ASSERT(PERCPU_DYNAMIC_SIZE % (PCPU_GRANULE * 64) == 0, "whole bitmap words");
static u64 pcpu_used[PCPU_GRANULES / 64], pcpu_starts[PCPU_GRANULES / 64];
static spinlock_t pcpu_lock = SPINLOCK_INIT;

static bool pcpu_test(const u64 *map, unsigned i) { return map[i / 64] >> (i % 64) & 1; }
static void pcpu_set(u64 *map, unsigned i) { map[i / 64] |= 1ull << (i % 64); }
static void pcpu_clear(u64 *map, unsigned i) { map[i / 64] &= ~(1ull << (i % 64)); }

void *__alloc_percpu(size_t size, size_t align)
{
	if (size == 0 || size > PERCPU_DYNAMIC_SIZE || align > 64 || (align & (align - 1)))
		return NULL;
	unsigned n = (unsigned)DIV_ROUND_UP(size, PCPU_GRANULE);
	unsigned step = align > PCPU_GRANULE ? (unsigned)(align / PCPU_GRANULE) : 1;
	char *p = NULL;
	unsigned long flags = raw_spin_lock_irqsave(&pcpu_lock);
	for (unsigned first = 0; !p && first + n <= PCPU_GRANULES; first += step) {
		unsigned i = first;
		while (i < first + n && !pcpu_test(pcpu_used, i))
			i++;
		if (i < first + n)
			continue;
		for (i = first; i < first + n; i++)
			pcpu_set(pcpu_used, i);
		pcpu_set(pcpu_starts, first);
		p = __percpu_dynamic_start + (size_t)first * PCPU_GRANULE;
	}
	raw_spin_unlock_irqrestore(&pcpu_lock, flags);
	/* The granules are this caller's alone now; a previous owner's data may still be there. */
	if (p)
		for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
			memset(per_cpu_ptr(p, cpu), 0, size);
	return p;
}

void free_percpu(void *ptr)
{
	if (!ptr)
		return;
	uintptr_t off = (uintptr_t)ptr - (uintptr_t)__percpu_dynamic_start;
	if ((char *)ptr < __percpu_dynamic_start || off >= PERCPU_DYNAMIC_SIZE ||
	    off % PCPU_GRANULE)
		panic("free_percpu(%p): not from alloc_percpu()", ptr);
	unsigned first = (unsigned)(off / PCPU_GRANULE);
	unsigned long flags = raw_spin_lock_irqsave(&pcpu_lock);
	if (!pcpu_test(pcpu_starts, first))
		panic("free_percpu(%p): not the start of an allocation (a double free?)", ptr);
	pcpu_clear(pcpu_starts, first);
	for (unsigned i = first; i < PCPU_GRANULES && pcpu_test(pcpu_used, i) &&
	     (i == first || !pcpu_test(pcpu_starts, i)); i++)
		pcpu_clear(pcpu_used, i);
	raw_spin_unlock_irqrestore(&pcpu_lock, flags);
}

size_t percpu_dynamic_free(void)
{
	size_t n = 0;
	unsigned long flags = raw_spin_lock_irqsave(&pcpu_lock);
	for (unsigned i = 0; i < PCPU_GRANULES; i++)
		n += !pcpu_test(pcpu_used, i);
	raw_spin_unlock_irqrestore(&pcpu_lock, flags);
	return n * PCPU_GRANULE;
}

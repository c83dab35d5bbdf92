/* Per-CPU data and the running thread. Each CPU has a struct percpu (its "CPU block"), reached
 * through the arch's per-CPU register (arch_this_cpu(): x86 GS, arm64 TPIDR_EL1, ppc64 r13).
 * Variables declared with DEFINE_PER_CPU live in the .percpu section; each CPU gets its own copy
 * at boot, found by adding the CPU's offset:
 *     DEFINE_PER_CPU(unsigned long, nr_events);
 *     this_cpu_ptr(&nr_events)           this CPU's copy (preemption must be off, or it may move)
 *     per_cpu_ptr(&nr_events, cpu)       any CPU's copy
 * Only the owning CPU writes its struct percpu fields unless a field says otherwise.
 *
 * "This CPU" is only meaningful while the thread cannot move: an interrupt between reading the
 * per-CPU register and using what it points at may preempt the thread and resume it elsewhere.
 * So this_cpu() and smp_processor_id() check (debug.preempt=1, the default) that preemption or
 * interrupts are off, and what a thread must know about itself wherever it runs is per-thread:
 * current_thread() is read in one step an interrupt cannot split (arch_current_thread()), and
 * the preemption count lives in the thread (struct thread_info), not in the CPU. */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include "arch/arch.h"

struct thread;

/* The first member of every struct thread (kernel/thread.h): what preempt.h and rcu.h need of
 * the running thread without including the scheduler's header. Only the thread itself writes
 * it; an interrupt handler running on top of the thread may change a count but always puts it
 * back before it returns, so a thread's plain read-modify-write of its own count is safe. */
struct thread_info {
	int preempt_count;          /* > 0: this thread may not be preempted */
	int rcu_nesting;            /* read-side depth, kept for the lock checker */
	bool bound;                 /* pinned to one CPU (set before it starts): never moves */
};

struct percpu {
	struct percpu *self;        /* first: x86 reads it through %gs:0 */
	struct thread *current;     /* the thread running here; at PERCPU_CURRENT_OFFSET */
	unsigned cpu;               /* this CPU's index; written once */
	bool need_resched;          /* set by the tick or a wake-up (any CPU, then an IPI) */
	bool online;                /* written once when the CPU has started */
	struct thread *idle;        /* this CPU's idle thread */
	uintptr_t offset;           /* this CPU's copy of .percpu minus the section's address */
	u64 hwid;                   /* firmware id (APIC id, MPIDR, server number) */
	u64 last_schedule_ns;       /* for the soft-lockup detector */
	u64 lockup_reported_ns;
	u64 last_tick_ns;           /* for the hard-lockup check; read by other CPUs */
	u64 hardlockup_checked_ns;
	bool rcu_qs_pending;        /* the grace period waits for this CPU (set by the GP thread) */
	int rcu_in_idle;            /* 1 while halted in the idle loop (an extended quiescent
	                             * state) */
	int rcu_irq_saved_idle;     /* rcu_in_idle as it was when the current interrupt came in */
} __aligned(64);
STATIC_ASSERT(offsetof(struct percpu, self) == 0, "x86 reads the block through %gs:0");
STATIC_ASSERT(offsetof(struct percpu, current) == PERCPU_CURRENT_OFFSET,
	      "arch_current_thread() loads it at this offset from the per-CPU register");

extern struct percpu cpu_blocks[MAX_CPUS];
extern unsigned nr_cpus_online;   /* CPUs that have started */
extern unsigned nr_cpus_possible; /* CPUs the firmware listed (or 1 before smp_init) */

/* The running thread, wherever it runs: safe in any context, preemptible or not. */
static inline struct thread *current_thread(void) { return arch_current_thread(); }
static inline struct thread_info *current_info(void)
{
	/* The first member of struct thread. */
	return (struct thread_info *)arch_current_thread();
}

/* The preemption check (debug.preempt): using "this CPU" while the thread may move is reported
 * with a backtrace. Off only for measurements; raw_ variants are for places that are right
 * without it (they say why). */
extern bool debug_preempt;
extern unsigned long preempt_debug_reports;
void preempt_debug_report(const char *what);
extern unsigned long preempt_debug_expected;   /* the next N reports are a test's own */
static inline void check_preempt_off(const char *what)
{
	/* Interrupts first: with them off the thread cannot move, and current is not even read
	 * (a trap before percpu_bind, a panic). */
	if (unlikely(debug_preempt) && arch_irqs_enabled()) {
		struct thread_info *ti = current_info();
		if (ti->preempt_count == 0 && !ti->bound)
			preempt_debug_report(what);
	}
}

static inline struct percpu *raw_this_cpu(void) { return arch_this_cpu(); }
static inline struct percpu *this_cpu(void)
{
	check_preempt_off("this_cpu");
	return arch_this_cpu();
}
static inline unsigned raw_smp_processor_id(void) { return arch_this_cpu()->cpu; }
static inline unsigned smp_processor_id(void)
{
	check_preempt_off("smp_processor_id");
	return arch_this_cpu()->cpu;
}
static inline struct percpu *cpu_block(unsigned cpu) { return &cpu_blocks[cpu]; }

#define DEFINE_PER_CPU(type, name) __section(".percpu") __typeof__(type) name
#define DECLARE_PER_CPU(type, name) extern __typeof__(type) name
#define per_cpu_ptr(ptr, cpu) \
	((__typeof__(ptr))((uintptr_t)(ptr) + cpu_blocks[cpu].offset))
#define this_cpu_ptr(ptr) ((__typeof__(ptr))((uintptr_t)(ptr) + this_cpu()->offset))

/* Boot: make the copies of .percpu for every possible CPU (after slab is up). */
void percpu_init(unsigned nr_cpus);
/* Boot, first thing on every CPU: point the per-CPU register at cpu_blocks[cpu] and make the
 * CPU's first thread (kmain's on CPU 0, the idle thread elsewhere) current. */
void percpu_bind(unsigned cpu);

/* CPU sets, one bit per CPU. */
typedef u64 cpumask_t;
STATIC_ASSERT(MAX_CPUS <= 64, "cpumask_t is one word");
#define CPUMASK_ALL(n) ((n) >= 64 ? ~0ull : (1ull << (n)) - 1)
static inline bool cpumask_test(cpumask_t m, unsigned cpu) { return m & (1ull << cpu); }
static inline unsigned cpumask_weight(cpumask_t m)
{
	unsigned n = 0;
	for (; m; m &= m - 1)   /* no libgcc popcount in a freestanding kernel */
		n++;
	return n;
}
extern cpumask_t cpu_online_mask;

#endif

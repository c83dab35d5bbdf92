/* Per-CPU data. Each CPU has a struct percpu (its "CPU block"), reached in one instruction
 * through the arch's per-CPU register (arch_this_cpu(): x86 GS, arm64 TPIDR_EL1, ppc64 r13).
 * Variables declared with DEFINE_PER_CPU live in the .percpu section; each CPU gets its own copy
 * at boot, found by adding the CPU's offset:
 *     DEFINE_PER_CPU(unsigned long, nr_events);
 *     this_cpu_ptr(&nr_events)           this CPU's copy (preemption must be off, or it may move)
 *     per_cpu_ptr(&nr_events, cpu)       any CPU's copy
 * Only the owning CPU writes its struct percpu fields unless a field says otherwise. */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include "arch/arch.h"

struct thread;

struct percpu {
	struct percpu *self;        /* first: x86 reads it through %gs:0 */
	unsigned cpu;               /* this CPU's index; written once */
	int preempt_count;          /* > 0: no preemption on this CPU */
	bool need_resched;          /* set by the tick or a wake-up (any CPU, then an IPI) */
	bool online;                /* written once when the CPU has started */
	struct thread *current;     /* the thread running here */
	struct thread *idle;        /* this CPU's idle thread */
	uintptr_t offset;           /* this CPU's copy of .percpu minus the section's address */
	u64 hwid;                   /* firmware id (APIC id, MPIDR, server number) */
	u64 last_schedule_ns;       /* for the soft-lockup detector */
	u64 lockup_reported_ns;
	bool rcu_qs_pending;        /* the grace period waits for this CPU (set by the GP thread) */
	int rcu_in_idle;            /* 1 while halted in the idle loop: an extended quiescent state */
	int rcu_irq_saved_idle;     /* rcu_in_idle as it was when the current interrupt came in */
	int rcu_nesting;            /* read-side depth, kept for the lock checker */
} __aligned(64);
STATIC_ASSERT(offsetof(struct percpu, self) == 0, "x86 reads the block through %gs:0");

extern struct percpu cpu_blocks[MAX_CPUS];
extern unsigned nr_cpus_online;   /* CPUs that have started */
extern unsigned nr_cpus_possible; /* CPUs the firmware listed (or 1 before smp_init) */

static inline struct percpu *this_cpu(void) { return arch_this_cpu(); }
static inline unsigned smp_processor_id(void) { return this_cpu()->cpu; }
static inline struct percpu *cpu_block(unsigned cpu) { return &cpu_blocks[cpu]; }

#define DEFINE_PER_CPU(type, name) __section(".percpu") __typeof__(type) name
#define DECLARE_PER_CPU(type, name) extern __typeof__(type) name
#define per_cpu_ptr(ptr, cpu) \
	((__typeof__(ptr))((uintptr_t)(ptr) + cpu_blocks[cpu].offset))
#define this_cpu_ptr(ptr) ((__typeof__(ptr))((uintptr_t)(ptr) + this_cpu()->offset))

/* Boot: make the copies of .percpu for every possible CPU (after slab is up). */
void percpu_init(unsigned nr_cpus);
/* Boot, first thing on every CPU: point the per-CPU register at cpu_blocks[cpu]. */
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

/* Per-CPU data and the running thread.
 *
 * One idiom for per-CPU state: a subsystem declares it in its own file,
 *     static DEFINE_PER_CPU(struct fault_stats, fault_stats);
 *     this_cpu_ptr(&fault_stats)         this CPU's copy (preemption or interrupts off: the check
 *                                        below says so if not)
 *     per_cpu_ptr(&fault_stats, cpu)     any CPU's copy
 * and state created at run time (a slab cache's magazines) takes its per-CPU part from
 * alloc_percpu(), used the same way. Every such variable lives in the .percpu section, which is
 * CPU 0's copy; each other CPU has a copy of the whole section made before anything writes it
 * (percpu_init_areas(), the first thing each arch's C entry does), so a static initialiser holds
 * on every CPU (one that holds an address, LIST_HEAD_INIT(x) say, holds CPU 0's copy's address
 * on every CPU: initialise such fields in code, per CPU). The copies sit in the image's bss, one
 * per MAX_CPUS (linker.ld), so they exist before the page allocator and any CPU's copy may be
 * written as soon as the kernel runs: a subsystem initialises every CPU's state in its own
 * init, whether or not that CPU starts.
 * CPUs' copies start PERCPU_ALIGN apart (128 bytes, POWER9's cache line, the largest of the
 * three), so two CPUs' state never shares a cache line; inside one copy, a struct that other CPUs
 * write (a lock) is __aligned(64) away from its neighbours as anywhere else.
 *
 * Each CPU's block, struct percpu below, is itself such a variable: the arch keeps its address
 * in the per-CPU register (arch_this_cpu(): x86 GS, arm64 TPIDR_EL1, ppc64 r13), and it holds
 * what the arch and the scheduler need of the CPU. Only the owning CPU writes its fields unless
 * a field says otherwise.
 *
 * "This CPU" is only meaningful while the thread cannot move: an interrupt between reading the
 * per-CPU register and using what it points at may preempt the thread and resume it elsewhere.
 * So this_cpu(), this_cpu_ptr() and smp_processor_id() check (debug.preempt=1, the default) that
 * preemption or interrupts are off, and what a thread must know about itself wherever it runs
 * is per-thread: current_thread() is read in one step an interrupt cannot split
 * (arch_current_thread()), and the preemption count lives in the thread (struct thread_info),
 * not in the CPU. */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include "arch/arch.h"
#include "kernel/percpu_defs.h"

struct thread;

/* The first member of every struct thread (kernel/sched/thread.h): what preempt.h and rcu.h need of
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
	struct thread *idle;        /* this CPU's idle thread (written before the CPU starts) */
	uintptr_t offset;           /* this CPU's copy of .percpu minus the section's address */
	u64 hwid;                   /* firmware id (APIC id, MPIDR, server number) */
	/* The arch's entry code's own words, reached from assembly at PERCPU_ARCH_SCRATCH_OFFSET
	 * from the per-CPU register: x86 keeps the user's rsp at SYSCALL there, and the kernel
	 * stack top of the running user thread (arch_user_switch). */
	uintptr_t arch_scratch[2];
} __aligned(64);
STATIC_ASSERT(offsetof(struct percpu, self) == 0, "x86 reads the block through %gs:0");
STATIC_ASSERT(offsetof(struct percpu, arch_scratch) == PERCPU_ARCH_SCRATCH_OFFSET,
	      "entry code reaches the scratch words at this offset from the per-CPU register");
STATIC_ASSERT(offsetof(struct percpu, current) == PERCPU_CURRENT_OFFSET,
	      "arch_current_thread() loads it at this offset from the per-CPU register");

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

/* Per-CPU variables (see the top of this file). The variable's own address is CPU 0's copy;
 * CPU n's is that plus percpu_offsets[n]. */
#define DEFINE_PER_CPU(type, name) __section(".percpu") __typeof__(type) name
#define DECLARE_PER_CPU(type, name) extern __typeof__(type) name
extern uintptr_t percpu_offsets[MAX_CPUS];
#define per_cpu_ptr(ptr, cpu) ((__typeof__(ptr))((uintptr_t)(ptr) + percpu_offsets[cpu]))
#define this_cpu_ptr(ptr) ((__typeof__(ptr))((uintptr_t)(ptr) + this_cpu()->offset))

DECLARE_PER_CPU(struct percpu, percpu_block);   /* each CPU's block */
static inline struct percpu *cpu_block(unsigned cpu) { return per_cpu_ptr(&percpu_block, cpu); }

/* Per-CPU state made at run time: size bytes at the given alignment (at most 64) on every CPU,
 * zeroed, reached with this_cpu_ptr()/per_cpu_ptr() like a DEFINE_PER_CPU variable. It comes
 * from a fixed reserve (PERCPU_DYNAMIC_SIZE per CPU, linker.ld): NULL when that is full. Any
 * context; free_percpu(NULL) is ignored. */
void *__alloc_percpu(size_t size, size_t align);
#define alloc_percpu(type) ((type *)__alloc_percpu(sizeof(type), __alignof__(type)))
void free_percpu(void *p);
size_t percpu_dynamic_free(void);   /* bytes of the reserve still free (for tests) */

/* Boot, the first statement of each arch's C entry: make every other CPU's copy of .percpu,
 * before anything writes a per-CPU variable. */
void percpu_init_areas(void);
/* Boot, first thing on every CPU (after the arch's own per-CPU register set-up, if any): point
 * the per-CPU register at the CPU's block and make its first thread (kmain's on CPU 0, the idle
 * thread elsewhere) current. */
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

/*
 * SMP bring-up and cross-CPU calls.
 *
 * Bring-up: the boot CPU starts the others one at a time, each through a struct cpu_start that
 * is used once (arch/arch.h). CPU numbers are handed out in order to the CPUs that answer, so the
 * online CPUs are always 0 .. nr_cpus_online - 1; a CPU given up on leaves no hole, and if it
 * answers later it finds its handshake word ABANDONED and parks without touching anything shared.
 *
 * Each CPU has a small queue of pending calls (its lock, irq-safe). A call is one struct
 * call_data shared by its targets, with a count of targets still to run it; the last one frees
 * it when nobody waits. An IPI makes a target drain its queue (ipi_interrupt); a sender that finds
 * a queue full drains its own meanwhile, with interrupts off as in the IPI. Reschedule
 * requests need no queue entry: need_resched is set before the IPI.
 */
#include "kernel/smp.h"
#include "boot/boot_info.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/timer.h"
#include "mm/slab.h"
#include "mm/vmap.h"

#define CALL_QUEUE 32

struct call_data {
	void (*fn)(void *);
	void *arg;
	atomic_t remaining;
	bool wait;         /* the caller waits on `remaining` and frees nothing */
};

struct call_queue {
	spinlock_t lock;
	unsigned head, tail;
	struct call_data *slots[CALL_QUEUE];
	bool stop_acked;   /* the panic stopped this CPU: written by it, read by the panicking one */
} __aligned(64);   /* written by the CPUs that send calls: apart from this CPU's other state */

static DEFINE_PER_CPU(struct call_queue, call_queues);
static struct call_queue *cpu_queue(unsigned cpu) { return per_cpu_ptr(&call_queues, cpu); }
unsigned long smp_call_queue_full;

static void run_calls(void)
{
	struct call_queue *q = this_cpu_ptr(&call_queues);
	for (;;) {
		__spin_lock(&q->lock);
		if (q->head == q->tail) {
			__spin_unlock(&q->lock);
			return;
		}
		struct call_data *d = q->slots[q->head++ % CALL_QUEUE];
		__spin_unlock(&q->lock);
		bool wait = d->wait;   /* read before the count drops: then d may be gone */
		d->fn(d->arg);
		if (atomic_dec_and_test(&d->remaining) && !wait)
			kfree(d);
	}
}

void ipi_interrupt(struct trap_frame *frame)
{
	(void)frame;
	rcu_irq_enter();
	run_calls();
	rcu_irq_exit();
	irq_exit_preempt();   /* a wake-up may have set need_resched */
}

static void queue_call(unsigned cpu, struct call_data *d)
{
	struct call_queue *q = cpu_queue(cpu);
	for (;;) {
		unsigned long flags = arch_irq_save();
		__spin_lock(&q->lock);
		if (q->tail - q->head < CALL_QUEUE) {
			q->slots[q->tail++ % CALL_QUEUE] = d;
			__spin_unlock(&q->lock);
			arch_irq_restore(flags);
			arch_send_ipi(cpu);
			return;
		}
		/* Full: run our own calls while it drains (its CPU may be waiting for us), with
		 * interrupts still off, as from an IPI: run_calls takes our queue's lock without
		 * disabling them, so an IPI landing there would spin on that lock for ever, and
		 * each call's function may count on interrupt context. */
		__spin_unlock(&q->lock);
		__atomic_add_fetch(&smp_call_queue_full, 1, __ATOMIC_RELAXED);
		run_calls();
		arch_irq_restore(flags);
		arch_cpu_relax();
	}
}

void smp_call_function(cpumask_t mask, void (*fn)(void *), void *arg, bool wait)
{
	mask &= cpu_online_mask;
	preempt_disable();
	unsigned me = smp_processor_id();
	cpumask_t others = mask & ~(1ull << me);
	if (others && !arch_irqs_enabled())
		panic("smp_call_function with interrupts disabled");
	struct call_data local, *d = &local;
	if (others) {
		if (!wait && !(d = kmalloc(sizeof(*d), 0)))
			panic("smp_call_function: out of memory");
		d->fn = fn;
		d->arg = arg;
		d->wait = wait;
		atomic_set(&d->remaining, (int)cpumask_weight(others));
		for (unsigned c = 0; c < MAX_CPUS; c++)
			if (cpumask_test(others, c))
				queue_call(c, d);
	}
	if (cpumask_test(mask, me)) {
		unsigned long flags = arch_irq_save();
		fn(arg);
		arch_irq_restore(flags);
	}
	if (others && wait)
		while (atomic_read(&d->remaining))
			arch_cpu_relax();
	preempt_enable();
}

__noreturn void secondary_entry(unsigned cpu)
{
	struct percpu *pc = this_cpu();
	struct thread *idle = pc->idle;   /* current since percpu_bind() */
	idle->info.preempt_count--;       /* the count a new thread starts with (kthread_create) */
	idle->on_cpu = 1;
	timer_cpu_init();
	sched_cpu_starting();
	__atomic_or_fetch(&cpu_online_mask, 1ull << cpu, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&nr_cpus_online, 1, __ATOMIC_SEQ_CST);
	smp_store_release(&pc->online, true);
	sched_cpu_idle();
}

static s64 start_timeout_ms = 1000;
PARAM_INT("smp.start_timeout_ms", start_timeout_ms, 10, 60000,
	  "how long the boot CPU waits for each secondary CPU to answer before giving up on it");
static s64 test_late_cpu;
PARAM_INT("smp.test_late_cpu", test_late_cpu, 0, MAX_CPUS - 1,
	  "test: the firmware's CPU N is asked to start only after the boot CPU has given up on it "
	  "and started the others (0: none)");

/* One per CPU the firmware lists, each tried once; [0] is the boot CPU's and stays unused. An
 * abandoned one stays valid for ever: a late CPU may still read it, and writes its state. */
static struct cpu_start cpu_starts[MAX_CPUS];
static unsigned late_cpu_held;        /* smp.test_late_cpu, if the firmware lists that CPU */
unsigned smp_cpus_given_up;           /* CPUs the firmware listed that did not come online */

static u64 cycles_to_ms(u64 c) { return c / (arch_cycle_freq() / 1000); }

unsigned smp_secondary_arrive(struct cpu_start *s)
{
	int expected = CPU_START_WAITING;
	if (atomic_cmpxchg(&s->state, &expected, CPU_START_ARRIVED)) {
		/* The number is ours now: nobody sends to it before secondary_entry publishes
		 * it. */
		cpu_block(s->cpu)->hwid = s->hwid;
		return s->cpu;
	}
	/* Too late: the boot CPU has moved on, and s->cpu may be another CPU's by now. Say so in
	 * the only words that are still ours, then stop. */
	s->late_cycles = arch_cycles();
	expected = CPU_START_ABANDONED;
	atomic_cmpxchg(&s->state, &expected, CPU_START_LATE);
	arch_cpu_park(s);
}

/* Ask the hardware or firmware to start s's CPU, prepared already. */
static int __init kick(struct cpu_start *s)
{
	s->requested_cycles = arch_cycles();
	int err = arch_cpu_kick(s);
	if (err) {
		s->start_err = err;
		pr_err("smp: CPU %u (hw id %#lx): start request failed (%s)\n", s->attempt,
		       (unsigned long)s->hwid, errno_name(err));
	}
	return err;
}

/* Start s's CPU and wait for the handshake. True if it arrived (and is online on return). The CPU
 * smp.test_late_cpu names is prepared like the others but not kicked: the wait times out and
 * smp_init kicks it once every other CPU has been started. */
static bool __init start_one(struct cpu_start *s)
{
	int err = arch_cpu_prepare(s);
	if (err) {
		s->start_err = err;
		pr_err("smp: CPU %u (hw id %#lx): cannot prepare its start (%s)\n", s->attempt,
		       (unsigned long)s->hwid, errno_name(err));
	} else if (s->attempt == late_cpu_held) {
		pr_info("smp: smp.test_late_cpu=%u: CPU %u (hw id %#lx) is asked to start only "
			"after the others\n", late_cpu_held, s->attempt, (unsigned long)s->hwid);
	} else {
		err = kick(s);
	}
	if (!err) {
		u64 deadline = clock_ns() + (u64)start_timeout_ms * 1000000;
		while (atomic_read(&s->state) == CPU_START_WAITING && clock_ns() < deadline) {
			touch_hardlockup_watchdog();
			arch_cpu_relax();
		}
	}
	int expected = CPU_START_WAITING;
	if (atomic_cmpxchg(&s->state, &expected, CPU_START_ABANDONED)) {
		if (!err)
			pr_err("smp: CPU %u (hw id %#lx) did not answer within %ld ms: given up, "
			       "its number goes to the next CPU; if it answers later it parks\n",
			       s->attempt, (unsigned long)s->hwid, (long)start_timeout_ms);
		return false;
	}
	/* It won the handshake (perhaps just now): the number is its own and can go to no other
	 * CPU, so wait for it however long it takes, saying so every few seconds. */
	u64 waited_from = clock_ns(), warn_at = waited_from + 5000000000ull;
	while (!smp_load_acquire(&cpu_block(s->cpu)->online)) {
		touch_hardlockup_watchdog();
		if (clock_ns() > warn_at) {
			pr_warn("smp: CPU %u (hw id %#lx) answered as CPU %u but is not online "
				"after %lu s; still waiting\n", s->attempt, (unsigned long)s->hwid,
				s->cpu, (unsigned long)((clock_ns() - waited_from) / 1000000000));
			warn_at += 5000000000ull;
		}
		arch_cpu_relax();
	}
	return true;
}

/* A CPU given up on that answers soon after (the late-CPU test's does) is reported as parked. */
static void __init report_given_up(void)
{
	u64 deadline = clock_ns() + (u64)start_timeout_ms * 1000000;
	for (unsigned i = 1; i < nr_cpus_possible; i++) {
		struct cpu_start *s = &cpu_starts[i];
		if (atomic_read(&s->state) == CPU_START_ARRIVED || s->start_err)
			continue;   /* online, or never asked to start (reported at the time) */
		/* Acquire: LATE is stored after late_cycles (the late CPU's compare-and-swap). */
		while (smp_load_acquire(&s->state.v) != CPU_START_LATE && clock_ns() < deadline) {
			touch_hardlockup_watchdog();
			arch_cpu_relax();
		}
		if (smp_load_acquire(&s->state.v) == CPU_START_LATE)
			pr_warn("smp: CPU %u (hw id %#lx) answered late, %lu ms after its start "
				"request: parked with interrupts off, never used\n", s->attempt,
				(unsigned long)s->hwid,
				(unsigned long)cycles_to_ms(s->late_cycles - s->requested_cycles));
		else
			pr_warn("smp: CPU %u (hw id %#lx) has not answered: never used\n",
				s->attempt, (unsigned long)s->hwid);
	}
}

void __init smp_init(struct boot_info *bi)
{
	for (unsigned c = 0; c < MAX_CPUS; c++)
		spin_lock_init(&cpu_queue(c)->lock);
	nr_cpus_possible = bi->nr_cpus ? bi->nr_cpus : 1;
	cpu_block(0)->online = true;
	timer_cpu_init();
	if (test_late_cpu && test_late_cpu < nr_cpus_possible)
		late_cpu_held = (unsigned)test_late_cpu;
	else if (test_late_cpu)
		pr_warn("smp: smp.test_late_cpu=%ld: the firmware lists no CPU %ld (CPU 0 is the "
			"boot CPU); no CPU is held back\n", (long)test_late_cpu,
			(long)test_late_cpu);
	unsigned next = 1;   /* the number the next CPU to answer takes */
	for (unsigned i = 1; i < nr_cpus_possible; i++) {
		struct cpu_start *s = &cpu_starts[i];
		struct thread *idle = sched_idle_thread_for(next);
		s->attempt = i;
		s->cpu = next;
		s->hwid = bi->cpus[i].hwid;
		s->stack_top = (char *)idle->stack + KSTACK_SIZE;
		atomic_set(&s->state, CPU_START_WAITING);
		if (start_one(s)) {
			next++;
		} else {
			sched_idle_thread_abandon(idle, i);
			smp_cpus_given_up++;
		}
	}
	/* smp.test_late_cpu: only now start the held CPU. Every later start's data were written
	 * after its own, so anything it reads that is not its own belongs to a running CPU. */
	struct cpu_start *held = &cpu_starts[late_cpu_held];
	if (late_cpu_held && atomic_read(&held->state) == CPU_START_ABANDONED && !held->start_err)
		kick(held);
	if (smp_cpus_given_up)
		report_given_up();
	pr_info("smp: %u of %u CPUs online\n", nr_cpus_online, nr_cpus_possible);
}

unsigned smp_test_late_cpu(void) { return late_cpu_held; }

const struct cpu_start *smp_cpu_start(unsigned fw_index)
{
	return fw_index && fw_index < nr_cpus_possible ? &cpu_starts[fw_index] : NULL;
}

__noreturn void panic_stop_self(struct trap_frame *frame)
{
	unsigned cpu = smp_processor_id();
	printk_raw("CPU %u stopped by the panic; it was running '%s':\n", cpu,
		   current_thread()->name);
	backtrace_print(arch_frame_fp(frame), arch_frame_ip(frame));
	WRITE_ONCE(cpu_queue(cpu)->stop_acked, true);
	arch_halt_forever();
}

void smp_stop_others(void)
{
	unsigned me = smp_processor_id();
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		if (c == me || !cpumask_test(cpu_online_mask, c))
			continue;
		arch_send_stop(c);
		/* One at a time, so their reports do not interleave. */
		u64 end = arch_cycles() + arch_cycle_freq();
		while (!READ_ONCE(cpu_queue(c)->stop_acked) && (s64)(arch_cycles() - end) < 0)
			arch_cpu_relax();
		if (!READ_ONCE(cpu_queue(c)->stop_acked))
			printk_raw("CPU %u did not answer the stop request\n", c);
	}
}

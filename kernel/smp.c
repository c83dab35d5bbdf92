/*
 * SMP bring-up and cross-CPU calls.
 *
 * Each CPU has a small queue of pending calls (its lock, irq-safe). A call is one struct
 * call_data shared by its targets, with a count of targets still to run it; the last one frees
 * it when nobody waits. An IPI makes a target drain its queue (ipi_interrupt). Reschedule
 * requests need no queue entry: need_resched is set before the IPI.
 */
#include "kernel/smp.h"
#include "boot/boot_info.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/rcu.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
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
} __aligned(64);

static struct call_queue queues[MAX_CPUS];
static volatile bool stop_acked[MAX_CPUS];

static void run_calls(void)
{
	struct call_queue *q = &queues[smp_processor_id()];
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
	struct call_queue *q = &queues[cpu];
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
		__spin_unlock(&q->lock);
		arch_irq_restore(flags);
		run_calls();   /* full: make progress on our own queue while it drains */
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
	pc->last_schedule_ns = clock_ns();
	__atomic_or_fetch(&cpu_online_mask, 1ull << cpu, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&nr_cpus_online, 1, __ATOMIC_SEQ_CST);
	smp_store_release(&pc->online, true);
	sched_cpu_idle();
}

void __init smp_init(struct boot_info *bi)
{
	for (unsigned c = 0; c < MAX_CPUS; c++)
		spin_lock_init(&queues[c].lock);
	nr_cpus_possible = bi->nr_cpus ? bi->nr_cpus : 1;
	percpu_init(nr_cpus_possible);
	cpu_block(0)->online = true;
	timer_cpu_init();
	for (unsigned cpu = 1; cpu < nr_cpus_possible; cpu++) {
		struct thread *idle = sched_idle_thread_for(cpu);
		cpu_block(cpu)->hwid = bi->cpus[cpu].hwid;
		if (arch_cpu_start(cpu, bi->cpus[cpu].hwid, (char *)idle->stack + KSTACK_SIZE)) {
			pr_err("smp: CPU %u (hw id %#lx): start request failed\n", cpu, bi->cpus[cpu].hwid);
			continue;
		}
		u64 deadline = clock_ns() + 1000000000;   /* one second */
		while (!smp_load_acquire(&cpu_block(cpu)->online) && clock_ns() < deadline)
			arch_cpu_relax();
		if (!cpu_block(cpu)->online)
			pr_err("smp: CPU %u (hw id %#lx) did not come online within 1 s\n", cpu,
			       bi->cpus[cpu].hwid);
	}
	pr_info("smp: %u of %u CPUs online\n", nr_cpus_online, nr_cpus_possible);
}

__noreturn void panic_stop_self(struct trap_frame *frame)
{
	unsigned cpu = smp_processor_id();
	printk_raw("CPU %u stopped by the panic; it was running '%s':\n", cpu,
		   current_thread()->name);
	backtrace_print(arch_frame_fp(frame), arch_frame_ip(frame));
	stop_acked[cpu] = true;
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
		while (!stop_acked[c] && (s64)(arch_cycles() - end) < 0)
			arch_cpu_relax();
		if (!stop_acked[c])
			printk_raw("CPU %u did not answer the stop request\n", c);
	}
}

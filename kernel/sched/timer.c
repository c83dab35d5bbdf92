/* Per-CPU timer lists, kept sorted by deadline, and the tick. The arch's one-shot timer is
 * always programmed for the earlier of the first timer and the next tick. */
#include "kernel/sched/timer.h"
#include "kernel/param.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/thread.h"

struct timer_base {
	spinlock_t lock;
	struct list_head list;   /* pending timers, earliest first */
	u64 next_tick;
	struct timer *running;   /* whose function runs now (set under the lock) */
};

static DEFINE_PER_CPU(struct timer_base, timer_bases);
static struct timer_base *cpu_base(unsigned cpu) { return per_cpu_ptr(&timer_bases, cpu); }

static s64 tick_us = 2000;
PARAM_INT("sched.tick_us", tick_us, 100, 1000000,
	  "interval of the per-CPU scheduler tick in microseconds");

/* Split at whole seconds so the products stay within 64 bits for counters up to ~18 GHz. */
u64 ns_to_cycles(u64 ns)
{
	u64 hz = arch_cycle_freq();
	return ns / 1000000000u * hz + ns % 1000000000u * hz / 1000000000u;
}

u64 cycles_to_ns(u64 c)
{
	u64 hz = arch_cycle_freq();
	return c / hz * 1000000000u + c % hz * 1000000000u / hz;
}

static void reprogram_locked(struct timer_base *b)
{
	u64 when = b->next_tick;
	if (!list_empty(&b->list)) {
		u64 first = list_first_entry(&b->list, struct timer, link)->deadline;
		if ((s64)(first - when) < 0)
			when = first;
	}
	arch_timer_arm(when);
}

void timer_setup(struct timer *t, void (*fn)(struct timer *t))
{
	t->fn = fn;
	t->cpu = 0;
	t->pending = false;
	t->link.next = t->link.prev = NULL;
}

/* Take t off its list if it is on one; *running: the CPU whose base runs its function now, or
 * -1. (That is the base t was on when it fired, even if timer_arm() from another CPU has since
 * put t on another list.) */
static bool dequeue(struct timer *t, int *running)
{
	unsigned long flags = arch_irq_save();
	struct timer_base *b;
	for (;;) {   /* t->cpu only changes under the lock of the list it leaves */
		unsigned cpu = READ_ONCE(t->cpu);
		b = cpu_base(cpu);
		__spin_lock(&b->lock);
		if (t->cpu == cpu)
			break;
		__spin_unlock(&b->lock);
	}
	bool was = t->pending;
	if (was) {
		list_del(&t->link);
		t->pending = false;
	}
	*running = -1;
	for (cpumask_t m = cpu_online_mask; m; m &= m - 1)   /* only online CPUs run timers */
		if (READ_ONCE(cpu_base(__builtin_ctzll(m))->running) == t)
			*running = __builtin_ctzll(m);
	__spin_unlock(&b->lock);
	arch_irq_restore(flags);
	return was;
}

/* Without the wait, a sleeper could return (its timer's memory on its stack, reused at once)
 * while the function it cancelled still runs on another CPU and is about to touch it. */
bool timer_cancel(struct timer *t)
{
	int running;
	bool was = dequeue(t, &running);
	while (running >= 0) {
		/* Acquire: pairs with the release that ends the run, so whatever the function did
		 * is seen before the caller frees or reuses t. */
		while (smp_load_acquire(&cpu_base(running)->running) == t)
			arch_cpu_relax();
		was |= dequeue(t, &running);   /* it may have armed itself again */
	}
	return was;
}

void timer_arm(struct timer *t, u64 delay_ns)
{
	int running;
	dequeue(t, &running);   /* from t's own function too: no waiting for itself */
	unsigned long flags = arch_irq_save();
	struct timer_base *b = this_cpu_ptr(&timer_bases);
	__spin_lock(&b->lock);
	t->cpu = smp_processor_id();
	t->deadline = arch_cycles() + ns_to_cycles(delay_ns);
	struct list_head *pos = &b->list;
	struct timer *it;
	list_for_each_entry(it, &b->list, link)
		if ((s64)(it->deadline - t->deadline) > 0) {
			pos = &it->link;
			break;
		}
	list_add_tail(&t->link, pos);   /* before the first later timer */
	t->pending = true;
	if (b->list.next == &t->link)
		reprogram_locked(b);
	__spin_unlock(&b->lock);
	arch_irq_restore(flags);
}

void timer_interrupt(struct trap_frame *frame)
{
	struct timer_base *b = this_cpu_ptr(&timer_bases);
	rcu_irq_enter();
	u64 now = arch_cycles();
	__spin_lock(&b->lock);
	while (!list_empty(&b->list)) {
		struct timer *t = list_first_entry(&b->list, struct timer, link);
		if ((s64)(t->deadline - now) > 0)
			break;
		list_del(&t->link);
		t->pending = false;
		WRITE_ONCE(b->running, t);   /* read without the lock by timer_cancel() */
		__spin_unlock(&b->lock);
		t->fn(t);   /* may re-arm itself */
		__spin_lock(&b->lock);
		smp_store_release(&b->running, NULL);   /* see timer_cancel() */
	}
	bool tick = (s64)(b->next_tick - now) <= 0;
	if (tick)
		b->next_tick = now + ns_to_cycles((u64)tick_us * 1000);
	reprogram_locked(b);
	__spin_unlock(&b->lock);
	if (tick)
		sched_tick(frame);
	rcu_irq_exit();
	irq_exit_preempt();
}

void timer_cpu_init(void)
{
	struct timer_base *b = this_cpu_ptr(&timer_bases);
	spin_lock_init(&b->lock);
	list_init(&b->list);
	b->running = NULL;
	/* Count the CPU as ticking from now: the hard-lockup check skips a CPU that never ticked,
	 * and a thread may disable interrupts on this CPU before its first tick (the online bit,
	 * set after this, is the release that publishes the stamp). */
	touch_hardlockup_watchdog();
	b->next_tick = arch_cycles() + ns_to_cycles((u64)tick_us * 1000);
	arch_timer_arm(b->next_tick);
}

/* A timer on the sleeping thread's stack. Its function reads the thread before it publishes
 * `fired`, and the sleeper's timer_cancel() waits for the function to return, so neither the
 * struct nor the thread can be gone while it runs. */
struct sleeper {
	struct timer timer;
	struct thread *thread;
	bool fired;
};

static void sleeper_fire(struct timer *t)
{
	struct sleeper *s = container_of(t, struct sleeper, timer);
	struct thread *th = s->thread;
	WRITE_ONCE(s->fired, true);
	thread_wake(th);
}

static void sleeper_arm(struct sleeper *s, u64 ns)
{
	s->thread = current_thread();
	s->fired = false;
	timer_setup(&s->timer, sleeper_fire);
	timer_arm(&s->timer, ns);
}

void schedule_timeout(u64 ns)
{
	struct sleeper s;
	sleeper_arm(&s, ns);
	schedule();
	timer_cancel(&s.timer);
}

void sleep_ns(u64 ns)
{
	struct sleeper s;
	sleeper_arm(&s, ns);
	for (;;) {
		set_current_sleeping();
		if (READ_ONCE(s.fired))
			break;
		schedule();
	}
	set_current_running();
	timer_cancel(&s.timer);
}

/*
 * The scheduler: per-CPU run queues of kernel threads, round-robin within a queue, preemption by
 * the timer tick, placement on the least loaded CPU, and stealing by idle CPUs.
 *
 * Locking: each run queue's lock (irq-safe, taken with the raw __spin_lock so that it does not
 * itself count as a preemption point) guards its list and the state/on_rq/cpu of its threads.
 * A switch holds the lock of this CPU's queue from picking the next thread until finish_switch()
 * runs on the other side. A thread being switched out on one CPU may already be queued elsewhere
 * (woken or stolen); a CPU about to run it waits until its on_cpu flag drops.
 */
#include "kernel/sched/thread.h"
#include "kernel/panic.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/timer.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/mm.h"
#include "mm/page.h"
#include "mm/slab.h"
#include "mm/vmap.h"

/* A CPU's scheduling state: its run queue, and the stamps of the lockup detectors. */
struct runqueue {
	spinlock_t lock;
	struct list_head queue;     /* runnable threads waiting for this CPU */
	unsigned nr_queued;
	u64 slice_start_ns;         /* when the current thread was switched in */
	struct thread *switch_prev; /* the thread this CPU is switching away from */
	u64 last_schedule_ns;       /* for the soft-lockup detector */
	u64 lockup_reported_ns;
	u64 last_tick_ns;           /* for the hard-lockup check; read by other CPUs */
	u64 hardlockup_checked_ns;
} __aligned(64);   /* other CPUs take its lock: apart from this CPU's other state */

static DEFINE_PER_CPU(struct runqueue, runqueues);
static struct runqueue *cpu_rq(unsigned cpu) { return per_cpu_ptr(&runqueues, cpu); }
struct thread boot_thread;   /* kmain's; current on CPU 0 from percpu_bind(0) on */

/* Every thread from kthread_create() to thread_join() (and kmain's), for debuggers: gdb's
 * fl-threads (tools/gdb/faultline.py) walks it, and the monitor's `ps` (thread_for_each).
 * Nothing else reads it. The lock is raw and taken with interrupts off, as the run queues'
 * are; it nests inside nothing, and thread_for_each's callbacks take no lock under it. */
static struct list_head thread_list = LIST_HEAD_INIT(thread_list);
static spinlock_t thread_list_lock = SPINLOCK_INIT;

static void thread_list_add(struct thread *t)
{
	unsigned long flags = raw_spin_lock_irqsave(&thread_list_lock);
	list_add_tail(&t->all_link, &thread_list);
	raw_spin_unlock_irqrestore(&thread_list_lock, flags);
}

static void thread_list_del(struct thread *t)
{
	unsigned long flags = raw_spin_lock_irqsave(&thread_list_lock);
	list_del(&t->all_link);
	raw_spin_unlock_irqrestore(&thread_list_lock, flags);
}

void thread_for_each(void (*fn)(struct thread *t, void *arg), void *arg)
{
	unsigned long flags = raw_spin_lock_irqsave(&thread_list_lock);
	struct thread *t;
	list_for_each_entry(t, &thread_list, all_link)
		fn(t, arg);
	raw_spin_unlock_irqrestore(&thread_list_lock, flags);
}

static s64 timeslice_ms = 4;
PARAM_INT("sched.timeslice_ms", timeslice_ms, 1, 1000,
	  "time slice before the tick preempts a thread that others wait for");
static s64 lockup_secs = 10;
PARAM_INT("sched.lockup_secs", lockup_secs, 1, 3600,
	  "warn when a CPU has not scheduled for this long (soft lockup)");

unsigned long sched_lockup_reports;


static void enqueue_locked(struct runqueue *rq, struct thread *t)
{
	list_add_tail(&t->rq_link, &rq->queue);
	rq->nr_queued++;
}

static struct thread *dequeue_first_locked(struct runqueue *rq)
{
	if (list_empty(&rq->queue))
		return NULL;
	struct thread *t = list_first_entry(&rq->queue, struct thread, rq_link);
	list_del(&t->rq_link);
	rq->nr_queued--;
	return t;
}

/* The other half of a switch, run by the thread switched in (interrupts off): let go of the
 * thread switched out and of the run-queue lock.
 *
 * Once prev->on_cpu drops, prev belongs to others: a CPU may run it, and if it is dead its joiner
 * may free it. So its state is read first, while this queue's lock still pins it (wakers and
 * stealers take the lock of prev->cpu, which is this CPU); reading it after, a thread that was
 * only sleeping could meanwhile be woken elsewhere, exit, and be completed twice. A dead thread
 * keeps on_cpu until complete() is done with its `exited`: thread_join() waits for both, and the
 * store that drops on_cpu is the last touch of its memory. */
static void finish_switch(struct thread *prev)
{
	struct percpu *pc = this_cpu();
	struct runqueue *rq = cpu_rq(pc->cpu);
	pc->current->nr_switches++;
	rq->slice_start_ns = clock_ns();
	bool dead = prev->state == T_DEAD;
	if (!dead)
		smp_store_release(&prev->on_cpu, 0);
	__spin_unlock(&rq->lock);
	if (dead) {
		complete(&prev->exited);
		smp_store_release(&prev->on_cpu, 0);
	}
}

/* preempt: the thread did not ask to go (tick or wake-up), so it stays queued whatever its state.
 * The switch holds one preemption count of each thread: prev's is taken here and dropped when it
 * runs again (below, or in thread_entry for a new thread, which starts with that count). */
static void __schedule(bool preempt)
{
	unsigned long flags = arch_irq_save();
	struct percpu *pc = this_cpu();
	struct thread *prev = pc->current;
	struct runqueue *rq = cpu_rq(pc->cpu);

	if (!preempt && prev->info.preempt_count != 0)
		panic("schedule() while atomic (preempt_count %d) in thread %s",
		      prev->info.preempt_count, prev->name);
	prev->info.preempt_count++;
	rcu_note_qs();   /* a context switch is a quiescent state */
	__spin_lock(&rq->lock);
	pc->need_resched = false;
	rq->last_schedule_ns = clock_ns();
	if (prev != pc->idle) {
		if (prev->state == T_RUNNABLE || (preempt && prev->state == T_SLEEPING))
			enqueue_locked(rq, prev);
		else
			prev->on_rq = false;   /* sleeping or dead: off the queue until woken */
	}
	struct thread *next = dequeue_first_locked(rq);
	if (!next)
		next = pc->idle;
	if (next == prev) {
		__spin_unlock(&rq->lock);
		prev->info.preempt_count--;
		arch_irq_restore(flags);
		return;
	}
	/* It may still be on its way out of another CPU (woken or stolen while switching). */
	while (smp_load_acquire(&next->on_cpu))
		arch_cpu_relax();
	next->on_cpu = 1;
	next->cpu = pc->cpu;
	barrier();   /* no read of current_thread() moves across the change (volatile asm order) */
	pc->current = next;
	arch_current_set(next);
	barrier();
	cpu_rq(pc->cpu)->switch_prev = prev;
	mm_switch(next->mm ? next->mm : &init_mm);
#ifdef ARCH_HAS_USER_MODE
	if (prev->user || next->user)
		arch_user_switch(prev, next);
#endif
	arch_context_switch(&prev->sp, next->sp);
	/* Back in prev, possibly on another CPU, interrupts still off. */
	finish_switch(this_cpu_ptr(&runqueues)->switch_prev);
	prev->info.preempt_count--;
	arch_irq_restore(flags);
}

void schedule(void) { __schedule(false); }

/* A runnable thread that schedules goes to the back of its queue. */
void yield(void) { schedule(); }

void preempt_schedule(void)
{
	if (!arch_irqs_enabled())
		return;   /* the interrupt that enables them comes back through irq_exit_preempt */
	__schedule(true);
}

void irq_exit_preempt(void)
{
	struct percpu *pc = this_cpu();
	struct thread *cur = pc->current;
	/* Not the idle thread: it is between rcu_idle_enter/exit; it reschedules itself on wake. */
	if (pc->need_resched && cur->info.preempt_count == 0 && cur != pc->idle)
		__schedule(true);
}

void set_current_sleeping(void)
{
	WRITE_ONCE(current_thread()->state, T_SLEEPING);
	smp_mb();   /* the state store before the caller's condition load; see thread_wake() */
}

void set_current_running(void)
{
	struct thread *t = current_thread();
	/* Not raw_spin_lock_irqsave(&cpu_rq(t->cpu)->lock): its argument would read t->cpu before
	 * interrupts go off, and a preemption there moves the thread, which would then lock the
	 * queue it left (a hang under --singlestep within minutes). */
	unsigned long flags = arch_irq_save();
	__spin_lock(&cpu_rq(t->cpu)->lock);
	t->state = T_RUNNABLE;
	__spin_unlock(&cpu_rq(t->cpu)->lock);
	arch_irq_restore(flags);
}

/* The least loaded online CPU; ties go to the lowest number. */
static unsigned pick_cpu(void)
{
	unsigned best = smp_processor_id(), best_load = ~0u;
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		if (!cpumask_test(cpu_online_mask, c))
			continue;
		unsigned load = READ_ONCE(cpu_rq(c)->nr_queued) +
				(READ_ONCE(cpu_block(c)->current) != cpu_block(c)->idle);
		if (load < best_load)
			best = c, best_load = load;
	}
	return best;
}

/* A woken thread runs soon: the target CPU reschedules at its next preemption point (the tick at
 * the latest), and an idle target is woken with an IPI. Interrupting a busy target at once was
 * measured too: no better for lock hand-offs under emulation, and more IPIs. */
static void kick_cpu(unsigned cpu)
{
	struct percpu *pc = cpu_block(cpu);
	WRITE_ONCE(pc->need_resched, true);
	if (cpu != smp_processor_id() && READ_ONCE(pc->current) == pc->idle)
		arch_send_ipi(cpu);
}

/* Put an off-queue runnable thread on a queue and wake that CPU if it idles. */
static void activate(struct thread *t)
{
	unsigned target = t->pinned_cpu >= 0 ? (unsigned)t->pinned_cpu : pick_cpu();
	struct runqueue *rq = cpu_rq(target);
	__spin_lock(&rq->lock);
	t->cpu = target;
	t->on_rq = true;
	enqueue_locked(rq, t);
	__spin_unlock(&rq->lock);
	kick_cpu(target);
}

bool thread_wake(struct thread *t)
{
	unsigned long flags = arch_irq_save();
	smp_mb();   /* the caller's condition store before the state load */
	for (;;) {
		unsigned cpu = READ_ONCE(t->cpu);
		__spin_lock(&cpu_rq(cpu)->lock);
		if (t->cpu == cpu)
			break;
		__spin_unlock(&cpu_rq(cpu)->lock);
	}
	struct runqueue *rq = cpu_rq(t->cpu);
	if (t->state != T_SLEEPING) {
		__spin_unlock(&rq->lock);
		arch_irq_restore(flags);
		return false;
	}
	t->state = T_RUNNABLE;
	bool queued = t->on_rq;
	__spin_unlock(&rq->lock);
	if (!queued)
		activate(t);   /* nobody else touches it: it is runnable and on no queue */
	arch_irq_restore(flags);
	return true;
}

static void thread_entry(void *arg)
{
	struct thread *t = arg;
	finish_switch(this_cpu_ptr(&runqueues)->switch_prev);
	t->info.preempt_count--;   /* the count the switch holds (see __schedule) */
	arch_irq_enable();
	t->fn(t->arg);
	thread_exit();
}

static struct thread *thread_create(void (*fn)(void *), void *arg, const char *name,
				    struct uthread *ut);

struct thread *kthread_create(void (*fn)(void *), void *arg, const char *name)
{
	return thread_create(fn, arg, name, NULL);
}

#ifdef ARCH_HAS_USER_MODE
/* A user thread's kernel side starts below the user frame at the top of its stack, which its
 * traps from user mode fill in (arch_user_frame). */
struct thread *uthread_create_thread(void (*fn)(void *), struct uthread *ut, const char *name)
{
	return thread_create(fn, ut, name, ut);
}
#endif

static struct thread *thread_create(void (*fn)(void *), void *arg, const char *name,
				    struct uthread *ut)
{
	struct thread *t = kmalloc(sizeof(*t), GFP_ZERO);
	if (!t)
		return NULL;
	t->stack = kstack_alloc();
	if (!t->stack) {
		kfree(t);
		return NULL;
	}
	t->fn = fn;
	t->arg = arg;
	t->state = T_NEW;
	t->pinned_cpu = -1;
	t->info.preempt_count = 1;   /* dropped by thread_entry (secondary_entry: an idle thread) */
	completion_init(&t->exited);
	strlcpy(t->name, name, sizeof(t->name));
	void *top = (char *)t->stack + KSTACK_SIZE;
#ifdef ARCH_HAS_USER_MODE
	if (ut) {
		t->user = true;
		t->uthread = ut;
		top = (void *)((uintptr_t)arch_user_frame(top) & ~(uintptr_t)15);
	}
#else
	(void)ut;
#endif
	t->sp = arch_thread_stack_init(top, thread_entry, t);
	/* The list's lock publishes what is above (t->uthread and the uthread it points at) to
	 * thread_for_each's callbacks, which take it too. */
	thread_list_add(t);
	return t;
}

void kthread_bind(struct thread *t, unsigned cpu)
{
	BUG_ON(t->state != T_NEW || cpu >= MAX_CPUS);
	t->pinned_cpu = (int)cpu;
	t->info.bound = true;
}

void thread_start(struct thread *t)
{
	BUG_ON(t->state != T_NEW);
	if (t->pinned_cpu >= 0 && !cpumask_test(cpu_online_mask, (unsigned)t->pinned_cpu))
		panic("thread_start(%s): pinned to offline CPU %d", t->name, t->pinned_cpu);
	unsigned long flags = arch_irq_save();
	t->state = T_RUNNABLE;
	activate(t);
	arch_irq_restore(flags);
}

__noreturn void thread_exit(void)
{
	struct thread *t = current_thread();
	if (t->mm)   /* its reference would leak, and the mm could never go */
		panic("thread '%s' exits with an address space adopted (kthread_unuse_mm)", t->name);
	arch_irq_disable();
	__spin_lock(&cpu_rq(t->cpu)->lock);
	t->state = T_DEAD;
	__spin_unlock(&cpu_rq(t->cpu)->lock);
	arch_irq_enable();
	schedule();
	panic("thread_exit: dead thread %s ran again", t->name);
}

/* The exit's completion, then on_cpu: finish_switch() drops it after its last touch of t. Both
 * waits count against the limit (a CPU wedged inside that complete() would hold on_cpu up). */
bool thread_join_timeout(struct thread *t, u64 timeout_ns)
{
	u64 start = clock_ns();
	if (!wait_for_completion_timeout(&t->exited, timeout_ns))
		return false;
	while (smp_load_acquire(&t->on_cpu)) {
		if (clock_ns() - start > timeout_ns) {
			complete(&t->exited);   /* give the event back: a later join takes it */
			return false;
		}
		arch_cpu_relax();
	}
	thread_list_del(t);
	kstack_free(t->stack);
	kfree(t);
	return true;
}

void thread_join(struct thread *t)
{
	bool joined = thread_join_timeout(t, ~0ull);
	BUG_ON(!joined);
}

/* Nothing pins t: it may start running while its stack is read, so the walk stays inside the
 * stack, and a switch seen meanwhile is said. (A switched-out thread's count includes the one
 * its switch holds.) */
void thread_report(struct thread *t)
{
	static const char *const states[] = { "new", "runnable", "sleeping", "dead" };
	enum thread_state state = READ_ONCE(t->state);
	u64 switches = READ_ONCE(t->nr_switches);
	int on_cpu = smp_load_acquire(&t->on_cpu);
	printk_raw("  thread '%s': %s, %s CPU %u, preempt_count %d, switched in %lu times\n",
		   t->name, states[state], on_cpu ? "running on" : "last on", READ_ONCE(t->cpu),
		   READ_ONCE(t->info.preempt_count), (unsigned long)switches);
	if (READ_ONCE(t->nr_faults))
		printk_raw("    page faults %lu, the last at %#lx: %d\n",
			   (unsigned long)READ_ONCE(t->nr_faults), READ_ONCE(t->last_fault),
			   READ_ONCE(t->last_fault_result));
	if (on_cpu || state == T_NEW)
		return;
	uintptr_t fp, ip, lo = (uintptr_t)t->stack;
	arch_switched_frame(READ_ONCE(t->sp), &fp, &ip);
	backtrace_print_within(fp, ip, lo, lo + KSTACK_SIZE);
	if (READ_ONCE(t->nr_switches) != switches || smp_load_acquire(&t->on_cpu))
		printk_raw("  (it ran while its stack was read: the trace may be torn)\n");
}

/* An idle CPU takes one queued, unpinned thread from the busiest other queue. */
static bool steal(unsigned me)
{
	unsigned victim = me, most = 0;
	for (unsigned c = 0; c < MAX_CPUS; c++)
		if (c != me && READ_ONCE(cpu_rq(c)->nr_queued) > most)
			victim = c, most = READ_ONCE(cpu_rq(c)->nr_queued);
	if (victim == me)
		return false;
	struct runqueue *rq = cpu_rq(victim);
	struct thread *t = NULL, *pos;
	if (!__spin_trylock(&rq->lock))
		return false;
	list_for_each_entry(pos, &rq->queue, rq_link)
		if (pos->pinned_cpu < 0) {
			t = pos;
			break;
		}
	if (t) {
		list_del(&t->rq_link);
		rq->nr_queued--;
		t->cpu = me;   /* in flight: on_rq stays true, so wakers leave it alone */
	}
	__spin_unlock(&rq->lock);
	if (!t)
		return false;
	__spin_lock(&cpu_rq(me)->lock);
	enqueue_locked(cpu_rq(me), t);
	__spin_unlock(&cpu_rq(me)->lock);
	return true;
}

__noreturn void sched_cpu_idle(void)
{
	arch_irq_disable();
	struct percpu *pc = this_cpu();
	for (;;) {
		cpu_rq(pc->cpu)->last_schedule_ns = clock_ns();
		if (READ_ONCE(cpu_rq(pc->cpu)->nr_queued) || steal(pc->cpu)) {
			schedule();
			continue;
		}
		rcu_idle_enter();
		arch_wait_for_interrupt();   /* atomically enable, halt, disable */
		rcu_idle_exit();
	}
}

static void idle_entry(void *arg)
{
	(void)arg;
	sched_cpu_idle();
}

struct thread *sched_idle_thread_for(unsigned cpu)
{
	char name[24];
	snprintf(name, sizeof(name), "idle/%u", cpu);
	struct thread *t = kthread_create(idle_entry, NULL, name);
	if (!t)
		panic("sched: no memory for CPU %u's idle thread", cpu);
	t->pinned_cpu = (int)cpu;
	t->info.bound = true;
	t->cpu = cpu;
	t->state = T_RUNNABLE;
	t->on_rq = true;
	cpu_block(cpu)->idle = t;
	return t;
}

/* A CPU that did not answer may still start late, on t's stack: so t leaves the thread list (it
 * will never run) but neither it nor its stack is freed. Rare enough to leak. Its number goes to
 * the next CPU that answers, whose idle thread is idle/N, so this one is renamed after the CPU's
 * index in the firmware's list. */
void sched_idle_thread_abandon(struct thread *t, unsigned fw_index)
{
	thread_list_del(t);
	snprintf(t->name, sizeof(t->name), "idle/unused-fw%u", fw_index);
	if (cpu_block(t->cpu)->idle == t)
		cpu_block(t->cpu)->idle = NULL;
}

void sched_init(void *boot_stack)
{
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		spin_lock_init(&cpu_rq(c)->lock);
		list_init(&cpu_rq(c)->queue);
	}
	struct thread *b = &boot_thread;
	b->stack = boot_stack;
	b->state = T_RUNNABLE;
	b->on_rq = true;
	b->on_cpu = 1;
	b->pinned_cpu = 0;   /* kmain stays on the boot CPU */
	b->info.bound = true;
	completion_init(&b->exited);
	strlcpy(b->name, "kmain", sizeof(b->name));
	thread_list_add(b);
	sched_idle_thread_for(0);
}

/* Hard lockup: a CPU that has taken no tick for sched.lockup_secs spins with interrupts off (a
 * lock word in freed memory, a lost hand-off), where nothing on it can report. So every CPU's
 * tick looks at the others' once a second, and the first to see one panics: the panic stops
 * every CPU (x86 by NMI, ppc64 by system reset, so the stuck one answers too) and each prints
 * its backtrace, where the hang would otherwise be silence until the host's timeout. */
static void check_hard_lockup(struct percpu *pc, struct runqueue *rq, u64 now)
{
	if (now - rq->hardlockup_checked_ns < 1000000000)
		return;
	rq->hardlockup_checked_ns = now;
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		if (c == pc->cpu || !cpumask_test(cpu_online_mask, c))
			continue;
		u64 last = READ_ONCE(cpu_rq(c)->last_tick_ns);
		if (last && (s64)(now - last) > lockup_secs * 1000000000)
			panic("hard lockup: CPU %u has taken no timer interrupt for %lu s "
			      "(it was running '%s')", c,
			      (unsigned long)((now - last) / 1000000000),
			      READ_ONCE(cpu_block(c)->current)->name);
	}
}

/* The CPU that spins with interrupts off on purpose for longer than a tick (the boot CPU waiting
 * for a secondary to answer, up to smp.start_timeout_ms each) calls this in its loop: its tick
 * stamp is otherwise frozen, and another CPU's check_hard_lockup would take it for a hard
 * lockup. */
void touch_hardlockup_watchdog(void)
{
	WRITE_ONCE(this_cpu_ptr(&runqueues)->last_tick_ns, clock_ns());
}

/* A CPU about to come online counts as having scheduled and ticked just now. */
void sched_cpu_starting(void)
{
	this_cpu_ptr(&runqueues)->last_schedule_ns = clock_ns();
	touch_hardlockup_watchdog();
}

/* Called from the tick on every CPU. */
void sched_tick(struct trap_frame *frame)
{
	struct percpu *pc = this_cpu();
	u64 now = clock_ns();
	struct runqueue *rq = cpu_rq(pc->cpu);
	WRITE_ONCE(rq->last_tick_ns, now);
	check_hard_lockup(pc, rq, now);
	/* Two copies of current where the arch keeps it in a register (arm64 x18): they must
	 * agree. */
	if (debug_preempt && arch_current_thread() != pc->current)
		panic("current_thread() is '%s' but CPU %u runs '%s'", arch_current_thread()->name,
		      pc->cpu, pc->current->name);
	if (pc->current != pc->idle && READ_ONCE(rq->nr_queued) &&
	    now - rq->slice_start_ns >= (u64)timeslice_ms * 1000000)
		pc->need_resched = true;
	/* Soft lockup: this CPU ran one thread with preemption off for too long. A thread that
	 * could be preempted (count 0 here) is not stuck, even if nobody else wanted the CPU. */
	int count = pc->current->info.preempt_count;
	if (count == 0) {
		rq->last_schedule_ns = now;
		rcu_note_qs();   /* preemptible here, so not inside a read-side section */
	}
	u64 stuck = now - rq->last_schedule_ns;
	if (pc->current != pc->idle && stuck > (u64)lockup_secs * 1000000000 &&
	    now - rq->lockup_reported_ns > (u64)lockup_secs * 1000000000) {
		rq->lockup_reported_ns = now;
		__atomic_add_fetch(&sched_lockup_reports, 1, __ATOMIC_RELAXED);
		pr_warn("sched: soft lockup: CPU %u has run '%s' for %lu s without scheduling "
			"(preempt_count %d)\n", pc->cpu, pc->current->name,
			(unsigned long)(stuck / 1000000000), count);
		backtrace_print(arch_frame_fp(frame), arch_frame_ip(frame));
	}
}

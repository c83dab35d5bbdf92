/*
 * Grace periods from per-CPU quiescent states, driven by one grace-period thread.
 *
 * call_rcu() appends to this CPU's callback list (its lock, irq-safe). The GP thread waits for
 * callbacks, takes every CPU's list, starts a grace period by asking each online CPU for a
 * quiescent state (qs_pending), and polls until all have answered: at a context switch, in
 * the idle loop, or at a tick that interrupted code with preemption enabled. A CPU halted in the
 * idle loop is in an extended quiescent state and is not waited for. Then the collected
 * callbacks run, in the GP thread, in the order they were queued on each CPU.
 * A grace period that takes longer than rcu.stall_secs is reported, naming the CPUs it waits for.
 */
#include "kernel/rcu/rcu.h"
#include "kernel/panic.h"
#include "kernel/param.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/timer.h"
#include "mm/slab.h"

/* A CPU's part. Zero (unlocked, empty) from the start, so that call_rcu() works before
 * rcu_init(): a typesafe slab may go back during boot. Its callbacks wait for the first grace
 * period. */
struct rcu_cpu {
	spinlock_t lock;
	struct rcu_head *head, **tail;   /* callbacks not yet given to a grace period; tail is
					  * meaningful only while head is not NULL */
	bool qs_pending;        /* the grace period waits for this CPU (set by the GP thread) */
	int in_idle;            /* 1 while halted in the idle loop (an extended quiescent state);
				 * read by the GP thread */
	int irq_saved_idle;     /* in_idle as it was when the current interrupt came in */
};

static DEFINE_PER_CPU(struct rcu_cpu, rcu_data);
static struct rcu_cpu *cpu_rcu(unsigned cpu) { return per_cpu_ptr(&rcu_data, cpu); }

/* Append h to rc's list. Caller holds rc->lock with interrupts off. */
static void enqueue_locked(struct rcu_cpu *rc, struct rcu_head *h)
{
	if (rc->head)
		*rc->tail = h;
	else
		rc->head = h;
	rc->tail = &h->next;
}

static struct {
	spinlock_t lock;            /* qs_needed */
	cpumask_t qs_needed;        /* CPUs the current grace period still waits for */
	unsigned long gp_seq;       /* 2 * grace periods finished, +1 while one is under way */
	bool work;                  /* callbacks may be waiting: wake the GP thread */
	struct wait_queue wq;       /* the GP thread sleeps here for work */
	struct thread *thread;
} rcu = { .lock = SPINLOCK_INIT };

static s64 stall_secs = 10;
PARAM_INT("rcu.stall_secs", stall_secs, 1, 3600, "warn when a grace period takes longer than this");

unsigned long rcu_gp_completed(void) { return READ_ONCE(rcu.gp_seq) >> 1; }

/*
 * Polled grace periods. The cookie is the gp_seq value by which a grace period that starts after
 * this call has ended: the next one's end if none is under way (gp_seq even), else the end of
 * the one after the current (a grace period already under way may have passed CPUs that are now
 * in read-side sections that began before this call).
 */
unsigned long get_state_synchronize_rcu(void)
{
	smp_mb();   /* the caller's earlier accesses (unpublishing) before the read of gp_seq */
	return (READ_ONCE(rcu.gp_seq) + 3) & ~1ul;
}

bool poll_state_synchronize_rcu(unsigned long cookie)
{
	bool done = (long)(READ_ONCE(rcu.gp_seq) - cookie) >= 0;
	smp_mb();   /* seen done: the caller's later accesses (freeing) after the grace period */
	return done;
}

static void report_qs(unsigned cpu)
{
	unsigned long flags = raw_spin_lock_irqsave(&rcu.lock);
	rcu.qs_needed &= ~(1ull << cpu);
	raw_spin_unlock_irqrestore(&rcu.lock, flags);
}

void rcu_note_qs(void)
{
	unsigned cpu = smp_processor_id();
	struct rcu_cpu *rc = cpu_rcu(cpu);
	if (likely(!READ_ONCE(rc->qs_pending)))
		return;
	WRITE_ONCE(rc->qs_pending, false);
	smp_mb();   /* everything this CPU did before is ordered before the report */
	report_qs(cpu);
}

void rcu_idle_enter(void)
{
	rcu_note_qs();
	WRITE_ONCE(this_cpu_ptr(&rcu_data)->in_idle, 1);
	smp_mb();   /* pairs with the barrier in start_gp(): see the comment there */
}

void rcu_idle_exit(void)
{
	WRITE_ONCE(this_cpu_ptr(&rcu_data)->in_idle, 0);
	smp_mb();
}

/* An interrupt taken in the idle loop may use RCU: leave the extended quiescent state for it. */
void rcu_irq_enter(void)
{
	struct rcu_cpu *rc = this_cpu_ptr(&rcu_data);
	rc->irq_saved_idle = rc->in_idle;
	if (rc->in_idle)
		rcu_idle_exit();
}

void rcu_irq_exit(void)
{
	struct rcu_cpu *rc = this_cpu_ptr(&rcu_data);
	if (rc->irq_saved_idle) {
		smp_mb();
		WRITE_ONCE(rc->in_idle, 1);
	}
}

void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *))
{
	head->func = func;
	head->next = NULL;
	unsigned long flags = arch_irq_save();
	struct rcu_cpu *rc = this_cpu_ptr(&rcu_data);
	__spin_lock(&rc->lock);
	enqueue_locked(rc, head);
	__spin_unlock(&rc->lock);
	arch_irq_restore(flags);
	if (!READ_ONCE(rcu.work)) {
		WRITE_ONCE(rcu.work, true);
		if (rcu.thread)
			wake_up(&rcu.wq);
	}
}

/* Take every CPU's callbacks, in CPU order, each list in queue order. */
static struct rcu_head *collect(void)
{
	struct rcu_head *all = NULL, **tail = &all;
	WRITE_ONCE(rcu.work, false);
	smp_mb();
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		struct rcu_cpu *rc = cpu_rcu(c);
		unsigned long flags = raw_spin_lock_irqsave(&rc->lock);
		if (rc->head) {
			*tail = rc->head;
			tail = rc->tail;
			rc->head = NULL;
		}
		raw_spin_unlock_irqrestore(&rc->lock, flags);
	}
	return all;
}

/*
 * Ask every online CPU for a quiescent state. Ordering with an idle CPU: we set its pending flag,
 * full barrier, then read in_idle. If we read 1, any read-side section that CPU enters later
 * comes after its idle exit (store 0, full barrier), so it sees everything published before this
 * grace period began, and need not be waited for.
 */
static void start_gp(void)
{
	/* gp_seq odd before any CPU is asked: a CPU that sees its request (and the full barrier in
	 * rcu_note_qs, or its idle exit's) and then reads gp_seq reads it odd. */
	WRITE_ONCE(rcu.gp_seq, rcu.gp_seq + 1);
	smp_mb();
	cpumask_t online = cpu_online_mask;
	unsigned long flags = raw_spin_lock_irqsave(&rcu.lock);
	rcu.qs_needed = online;
	raw_spin_unlock_irqrestore(&rcu.lock, flags);
	for (unsigned c = 0; c < MAX_CPUS; c++)
		if (cpumask_test(online, c))
			WRITE_ONCE(cpu_rcu(c)->qs_pending, true);
	smp_mb();
}

static cpumask_t still_needed(void)
{
	cpumask_t need = READ_ONCE(rcu.qs_needed);
	for (unsigned c = 0; c < MAX_CPUS; c++)
		if (cpumask_test(need, c) && READ_ONCE(cpu_rcu(c)->in_idle)) {
			WRITE_ONCE(cpu_rcu(c)->qs_pending, false);
			report_qs(c);
		}
	return READ_ONCE(rcu.qs_needed);
}

static void report_stall(cpumask_t need, u64 secs)
{
	pr_warn("rcu: grace period %lu stalled for %lu s\n", (rcu.gp_seq >> 1) + 1,
		(unsigned long)secs);
	for (unsigned c = 0; c < MAX_CPUS; c++)
		if (cpumask_test(need, c)) {
			/* Racy on purpose: the thread may exit and be freed meanwhile (then this
			 * prints poison, bounded by the name's size, from the direct map). */
			struct thread *cur = READ_ONCE(cpu_block(c)->current);
			pr_warn("rcu:   waiting for CPU %u, running '%.*s' with preempt_count %d\n",
				c, (int)sizeof(cur->name), cur->name,
				READ_ONCE(cur->info.preempt_count));
		}
}

static void gp_thread(void *arg)
{
	(void)arg;
	for (;;) {
		wait_event(&rcu.wq, READ_ONCE(rcu.work));
		struct rcu_head *cbs = collect();
		start_gp();
		u64 start = clock_ns(), next_warn = start + (u64)stall_secs * 1000000000;
		cpumask_t need;
		while ((need = still_needed()) != 0) {
			unsigned long flags = arch_irq_save();
			rcu_note_qs();   /* this CPU's, read and reported without moving */
			arch_irq_restore(flags);
			sleep_ns(200000);   /* poll: the tick brings quiescent states in ~2 ms */
			u64 now = clock_ns();
			if (now > next_warn) {
				report_stall(need, (now - start) / 1000000000);
				next_warn = now + (u64)stall_secs * 1000000000;
			}
		}
		smp_mb();   /* every CPU's quiescent state before the end is seen, and callbacks */
		WRITE_ONCE(rcu.gp_seq, rcu.gp_seq + 1);
		while (cbs) {
			struct rcu_head *next = cbs->next;
			cbs->func(cbs);
			cbs = next;
		}
	}
}

void rcu_init(void)
{
	wait_queue_init(&rcu.wq);
	struct thread *t = kthread_create(gp_thread, NULL, "rcu_gp");
	if (!t)
		panic("rcu: cannot create the grace-period thread");
	rcu.thread = t;
	thread_start(t);
}

struct rcu_waiter {
	struct rcu_head head;
	struct completion done;
};

static void wake_waiter(struct rcu_head *h)
{
	complete(&container_of(h, struct rcu_waiter, head)->done);
}

void synchronize_rcu(void)
{
	struct rcu_waiter w;
	completion_init(&w.done);
	call_rcu(&w.head, wake_waiter);
	wait_for_completion(&w.done);
	completion_poison(&w.done);   /* the frame goes now: a late complete() must fault */
}

struct rcu_barrier_req {
	atomic_t left;
	struct completion done;
	struct barrier_head {
		struct rcu_head head;
		struct rcu_barrier_req *req;
	} heads[MAX_CPUS];
};

static void barrier_cb(struct rcu_head *h)
{
	struct rcu_barrier_req *r = container_of(h, struct barrier_head, head)->req;
	if (atomic_dec_and_test(&r->left))
		complete(&r->done);
}

/* A callback at the tail of every CPU's list: when all have run, so has everything before. */
void rcu_barrier(void)
{
	struct rcu_barrier_req *r = kmalloc(sizeof(*r), 0);
	if (!r)
		panic("rcu_barrier: out of memory");
	completion_init(&r->done);
	atomic_set(&r->left, MAX_CPUS);
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		struct rcu_cpu *rc = cpu_rcu(c);
		struct rcu_head *h = &r->heads[c].head;
		r->heads[c].req = r;
		h->func = barrier_cb;
		h->next = NULL;
		unsigned long flags = raw_spin_lock_irqsave(&rc->lock);
		enqueue_locked(rc, h);
		raw_spin_unlock_irqrestore(&rc->lock, flags);
	}
	WRITE_ONCE(rcu.work, true);
	wake_up(&rcu.wq);
	wait_for_completion(&r->done);
	kfree(r);
}

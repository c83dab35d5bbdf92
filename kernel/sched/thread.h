/* Kernel threads and the scheduler's interface.
 *
 * A thread is created with kthread_create(), optionally pinned with kthread_bind(), started with
 * thread_start(), and must be joined with thread_join() (which frees it) after it returns from its
 * function or calls thread_exit(). Every CPU has a run queue; unpinned threads go to the least
 * loaded CPU, and an idle CPU steals queued unpinned threads from others. The timer tick preempts
 * a running thread after its time slice when others are waiting, unless preemption is disabled.
 *
 * Locking: a thread's state, on_rq and cpu fields change under the lock of the run queue it
 * belongs to (rq of t->cpu); on_cpu is written by the CPU switching it in and out. */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include "kernel/locking/lockcheck.h"
#include "kernel/percpu.h"
#include "kernel/sched/wait.h"
#include "lib/list.h"

enum thread_state {
	T_NEW,        /* created, not started */
	T_RUNNABLE,   /* running or waiting to run */
	T_SLEEPING,   /* waiting for thread_wake() */
	T_DEAD,       /* finished; waiting to be joined */
};

struct thread {
	struct thread_info info;     /* first: preempt count and RCU depth (kernel/percpu.h) */
	void *sp;                    /* saved stack pointer while switched out */
	void *stack;                 /* bottom of its kernel stack */
	enum thread_state state;     /* rq lock (a thread may set itself SLEEPING without it) */
	bool on_rq;                  /* queued or running on rq of `cpu`; rq lock */
	int on_cpu;                  /* 1 while its registers are live on some CPU */
	unsigned cpu;                /* its run queue; changes under that rq's lock */
	int pinned_cpu;              /* -1: may run on any CPU; set before start */
	struct list_head rq_link;    /* on the run queue; rq lock */
	struct list_head all_link;   /* on thread_list from creation to join; thread_list_lock */
	void (*fn)(void *);
	void *arg;
	struct completion exited;
	struct mm *mm;               /* the address space it adopted (kthread_use_mm), or NULL */
	bool user;                   /* a user thread (kernel/user/): set before it starts */
	struct uthread *uthread;     /* its process, tid, ... (kernel/user/process.h) */
#ifdef ARCH_HAS_USER_MODE
	struct arch_thread_state arch;   /* its user-only registers (arch_user_switch) */
#endif
	u64 nr_switches;             /* times switched in */
	u64 nr_faults;               /* page faults it took (fault_entry), for reports of a hang: */
	uintptr_t last_fault;        /* the last one's address, */
	int last_fault_result;       /* and what handle_mm_fault answered */
	/* trace=fault (mm/fault.c): how the fault it is handling went, for the trace line at its
	 * end; written by it only, and only while the trace is on. */
	const char *ft_path;         /* fast, locked or fallback */
	const char *ft_kind;         /* what fault_core did: zero_page, page_alloc, ... */
	const char *ft_abort;        /* the last abort's reason */
	const char *ft_strategy;     /* the strategy it started under, */
	u32 ft_cpu;                  /* on this CPU (it may sleep and move) */
	u32 ft_aborts, ft_retries;
	struct held_lock held[LOCKCHECK_DEPTH];   /* locks held, for the lock checker */
	int nr_held;
	char name[24];
};
STATIC_ASSERT(offsetof(struct thread, info) == 0, "current_info() is current_thread() cast");

struct thread *kthread_create(void (*fn)(void *), void *arg, const char *name);
/* The same for a user thread (kernel/user/process.c): thread->user is set, and its kernel stack
 * starts below the user frame; fn gets ut, which is thread->uthread from the start, so that
 * whoever finds the thread on the thread list (thread_for_each) finds ut complete too: fill it
 * in before this call. */
struct thread *uthread_create_thread(void (*fn)(void *), struct uthread *ut, const char *name);
void kthread_bind(struct thread *t, unsigned cpu);   /* before thread_start */
void thread_start(struct thread *t);
__noreturn void thread_exit(void);
void thread_join(struct thread *t);                  /* wait for it to end, then free it */
/* The same with a limit: false (and t left alone) if it has not ended within timeout_ns. */
bool thread_join_timeout(struct thread *t, u64 timeout_ns);
/* Print t's state, CPU and, if it is switched out, its backtrace: for reports of a hang. */
void thread_report(struct thread *t);
/* Call fn for every thread not yet joined, under the thread list's lock with interrupts off:
 * fn may read t (it cannot be freed meanwhile) and must neither sleep nor take a lock. */
void thread_for_each(void (*fn)(struct thread *t, void *arg), void *arg);

void schedule(void);          /* give up the CPU; come back when runnable and picked */
void yield(void);
bool thread_wake(struct thread *t);   /* SLEEPING -> RUNNABLE; false if it was not asleep */
/* Mark the current thread as about to sleep; it sleeps at its next schedule() unless woken
 * in between. Always re-check the wake condition after this and before schedule(). */
void set_current_sleeping(void);
void set_current_running(void);

/* Boot: the boot thread and CPU 0's idle thread; then each CPU's idle thread and tick. */
void sched_init(void *boot_stack);
struct thread *sched_idle_thread_for(unsigned cpu);
/* The idle thread of a CPU that was given up on (the firmware's CPU fw_index): renamed, so that
 * idle/N names the thread of the CPU that took number N; off the thread list; never freed. */
void sched_idle_thread_abandon(struct thread *t, unsigned fw_index);
__noreturn void sched_cpu_idle(void);   /* secondary CPUs end here */
/* From the timer interrupt: account the tick; from any interrupt exit: preempt if asked. */
void sched_tick(struct trap_frame *frame);
void irq_exit_preempt(void);
/* Count this CPU as ticking now: for a wait with interrupts off that is long on purpose. */
void touch_hardlockup_watchdog(void);
void sched_cpu_starting(void);   /* a secondary CPU, just before it comes online */
extern unsigned long sched_lockup_reports;   /* soft-lockup warnings printed so far */

#endif

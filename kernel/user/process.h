/* Processes and user threads. A process is an address space (struct mm) and the threads that
 * run in it; each thread is a kernel thread (struct thread) with a struct uthread beside it, that
 * entered user mode from its kernel function and comes back into the kernel by traps and
 * system calls on its own kernel stack (docs/user.md).
 *
 * Lifetimes. The process holds one reference on its mm; each thread adopts the mm (another)
 * while it runs. A thread that exits (exit, a fatal trap, the process's group exit) lets the mm
 * go, wakes whoever waits in its clear_child_tid futex, and hands itself to the reaper, a kernel
 * thread that joins it and frees it: a thread cannot free the stack it runs on. The process is
 * done when the reaper has freed its last thread; process_wait() returns then, and after
 * process_put() drops the last reference every page the process had is free again.
 *
 * fork (process_fork, sys_clone without CLONE_THREAD) makes a child process with a copy of the
 * address space (mm_fork) or, for vfork, the same one. A parent holds a reference on each child
 * until its wait4 collects it after it is done (a zombie until then); when the parent is done
 * first, its children are orphans, and each lets itself go when it is done (Linux hands them to
 * init, which collects them).
 *
 * Locking: proc->lock (a spinlock) guards the thread list and counts; `exiting` is written under
 * it and read without it (READ_ONCE) by the threads, which look at it on every return to user
 * mode and in every sleep. The process tree (parent, children, zombie, the wait4 waiters) has
 * one lock of its own, process.c's tree_lock, never taken inside a proc->lock. */
#ifndef KERNEL_USER_PROCESS_H
#define KERNEL_USER_PROCESS_H

#include "kernel/locking/spinlock.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/wait.h"
#include "lib/list.h"

struct mm;

struct process {
	struct mm *mm;
	int pid;                      /* the tid of its first thread */
	char name[16];
	spinlock_t lock;
	struct list_head threads;     /* struct uthread.link: threads not yet exited; lock */
	unsigned nr_threads;          /* on the list; lock */
	unsigned nr_unreaped;         /* created and not yet freed by the reaper; lock */
	bool exiting;                 /* exit_group or a fatal trap: every thread leaves; lock */
	bool dead;                    /* its last thread is freed: no thread may start; lock */
	int exit_code;                /* exit_group's status, or 128 + the trap's number; lock */
	bool killed;                  /* ended by a fatal trap, not by exit */
	const char *kill_reason;      /* the trap's `what` (user_fatal_trap), for tests */
	unsigned out_indent;          /* spaces before each line it writes to fds 1 and 2: the
				       * user suite nests a program's KTAP in its own */
	bool out_midline;             /* its last write did not end a line */
	struct completion done;       /* completed by the reaper with the last thread */
	atomic_t refcount;
	/* The tree (tree_lock). */
	struct process *parent;       /* NULL: made by the kernel (a test, init=), or orphaned */
	bool forked;                  /* made by fork: its parent's reference is in children */
	bool zombie;                  /* done, its parent's wait4 not yet told */
	struct list_head children;    /* its forked children, done or not (their sibling) */
	struct list_head sibling;
	struct list_head waiters;     /* its threads sleeping in wait4 */
	/* vfork: the parent's thread waits until this process's last thread has left (lock). */
	bool *vfork_done;
	struct thread *vfork_thread;
};

struct uthread {
	struct thread *thread;
	struct process *proc;
	int tid;
	uintptr_t clear_child_tid;    /* set_tid_address, CLONE_CHILD_CLEARTID: 0 and a futex wake
				       * there at exit */
	struct trap_frame start;      /* the user registers it starts with */
	bool interruptible;           /* in uthread_sleep: process_exit_group wakes it; set
				       * without the lock, cleared under it */
	bool discard;                 /* leave before entering user mode (clone failed late) */
	int exit_code;                /* its exit(2) status: the process's if it is the first
				       * thread (Linux: the group leader's) */
	uintptr_t set_child_tid;      /* CLONE_CHILD_SETTID of a fork: its tid goes there, in its
				       * own address space, as it first enters user mode */
	u64 nr_syscalls;              /* system calls it made, for reports of a hang (only it */
	unsigned long last_syscall;   /* writes these): and the last one's number */
	struct list_head link;        /* proc->threads */
	struct list_head reap_link;   /* on the reaper's list once it has exited */
};

static inline struct uthread *current_uthread(void) { return current_thread()->uthread; }

void process_init(void);   /* boot, once the scheduler runs: futexes, the reaper */
/* A new process with an empty address space, named for reports: NULL without memory. */
struct process *process_create(const char *name);
void process_put(struct process *p);
/* The monitor's: the process with this pid that still has a thread not yet reaped, with a
 * reference (process_put), or NULL; its address space with a reference (mm_put), or NULL once
 * its last thread is gone. */
struct process *process_find(int pid);
struct mm *process_get_mm(struct process *p);
/* Start a thread of p in user mode with the registers in *start (arch_user_frame_init, or a
 * copy of a frame for clone). The new thread's tid, or a negative errno (-EAGAIN: p is
 * exiting, or the thread limit; -ENOMEM). The caller then fills in what the thread must see
 * before it runs through *ut_out, which the thread's start is held for: see uthread_go(). */
int uthread_create(struct process *p, const struct trap_frame *start, const char *name,
		   struct uthread **ut_out);
void uthread_go(struct uthread *ut);
/* A thread made but not to run after all: it is started and leaves at once, through the usual
 * exit path, without entering user mode. */
void uthread_discard(struct uthread *ut);
/* Leave the process: never returns. */
__noreturn void uthread_exit(void);
/* End every thread of p with this status: threads in user mode leave at their next return to
 * the kernel (the tick at the latest), sleeping ones are woken. False when it was already
 * exiting or had no thread left: the status stays the one it had. */
bool process_exit_group(struct process *p, int code, bool killed);
/* Thread-local: this thread's exit(2) status, then leave (uthread_exit). */
__noreturn void uthread_exit_code(int code);
/* fork: a child of parent with address space mm (its reference passes to the child; for vfork
 * a reference on the parent's own), in parent's children, named as parent. NULL without memory
 * (mm's reference dropped). Its first thread: uthread_create. */
struct process *process_fork(struct process *parent, struct mm *mm);
/* wait4(2) for the calling thread's process: Linux's pid (> 0: that child; -1, 0, < -1: any,
 * there being no process groups) and options (WNOHANG; the others accepted). The child's pid
 * and its status word in *status (exit code << 8, or the signal of a fatal trap); 0 (WNOHANG,
 * none done yet), -ECHILD (no such child), -EINTR (told to exit), -EINVAL (options). */
long process_wait4(int pid, int *status, int options);
/* A fork that fails after process_fork (no thread made, or its thread discarded): the child
 * leaves its parent and lets itself go. */
void process_fork_abandon(struct process *c, bool has_thread);
/* getppid(2): the parent's pid; 0 for a process the kernel made, or an orphan (Linux would say
 * init's, 1: there is no init here to adopt it). */
int process_ppid(struct process *p);
/* vfork: before the child's thread starts, arm *done (false), which its last thread's exit
 * sets; then the calling thread sleeps until it is set (0) or its own process is told to exit
 * (-EINTR). */
void process_vfork_arm(struct process *child, bool *done);
int process_vfork_wait(struct process *child, bool *done);
/* Wait until p's last thread is gone: true, with its status in *code; false after timeout_ns. */
bool process_wait(struct process *p, u64 timeout_ns, int *code);
/* Print each of p's threads: its tid, system calls and page faults, where it is in user mode
 * (the pc and stack pointer of its user frame), whether it sleeps interruptibly, and
 * thread_report's state and kernel backtrace. For a program that does not end in time. */
void process_report(struct process *p);
/* Processes' threads alive or unreaped, for tests' leak checks. */
unsigned long uthreads_in_use(void);
/* For sleeps of user threads (futex, nanosleep): has its process been told to exit? */
bool uthread_should_exit(void);
/* Sleep until *flag is true (0), the process is told to exit (-EINTR) or clock_ns() reaches
 * deadline_ns (-ETIMEDOUT; 0: no deadline). Whoever sets *flag then calls thread_wake(). */
int uthread_sleep(const bool *flag, u64 deadline_ns);

#endif

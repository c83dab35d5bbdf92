/* Processes and user threads (see process.h). */
#include "arch/arch.h"
#ifdef ARCH_HAS_USER_MODE
#include "kernel/user/process.h"
#include "kernel/errno.h"
#include "kernel/locking/mutex.h"
#include "kernel/panic.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "kernel/sched/timer.h"
#include "kernel/user/futex.h"
#include "kernel/user/uaccess.h"
#include "lib/string.h"
#include "lib/printf.h"
#include "mm/vmap.h"
#include "mm/mm.h"
#include "mm/slab.h"
#include "mm/vma.h"

/* Linux's threads-max scales with memory; one process here may have this many threads, and a
 * clone past it is -EAGAIN, as over RLIMIT_NPROC. */
#define THREADS_PER_PROCESS_MAX 1024
/* And all processes together (Linux's threads-max, which scales with memory; a fork bomb meets
 * this limit, -EAGAIN, before it has used all of memory). */
static s64 threads_max = 4096;
PARAM_INT("user.threads_max", threads_max, 1, 1 << 20,
	  "user threads alive at once in all processes together (clone and fork past it: -EAGAIN)");

static atomic_t next_tid = ATOMIC_INIT(1);
static atomic_long_t uthreads_live;

unsigned long uthreads_in_use(void) { return (unsigned long)atomic_long_read(&uthreads_live); }

/* The process tree: parent, children, zombie, waiters of every process (process.h). */
static spinlock_t tree_lock = SPINLOCK_INIT;

struct wait4_waiter {
	struct thread *thread;
	bool woken;                /* set by tree_done under tree_lock */
	struct list_head link;     /* on the process's waiters */
};

static void tree_done(struct process *p);

/* ---- The reaper: joins exited user threads and frees them ---- */

static spinlock_t reap_lock = SPINLOCK_INIT;
static struct list_head reap_list = LIST_HEAD_INIT(reap_list);   /* reap_lock */
static struct wait_queue reap_wq = WAIT_QUEUE_INIT(reap_wq);
static struct mutex reaper_start_lock = MUTEX_INIT(reaper_start_lock);
static struct thread *reaper;                         /* reaper_start_lock */

static bool reap_pending(void)
{
	spin_lock(&reap_lock);
	bool any = !list_empty(&reap_list);
	spin_unlock(&reap_lock);
	return any;
}

static void reaper_main(void *arg)
{
	(void)arg;
	for (;;) {
		wait_event(&reap_wq, reap_pending());
		spin_lock(&reap_lock);
		struct uthread *ut = list_first_entry(&reap_list, struct uthread, reap_link);
		list_del(&ut->reap_link);
		spin_unlock(&reap_lock);

		struct process *p = ut->proc;
		thread_join(ut->thread);   /* waits until it is off its CPU for good; frees it */
		kfree(ut);
		spin_lock(&p->lock);
		bool last = --p->nr_unreaped == 0;
		if (last)
			p->dead = true;   /* nothing may adopt p->mm again */
		spin_unlock(&p->lock);
		if (last) {
			/* Every thread has let the mm go: the process's own reference is the last
			 * one, unless a test holds another. Its pages go back before anyone waiting
			 * hears the process is done. */
			mm_put(p->mm);
			p->mm = NULL;
			complete_all(&p->done);
			tree_done(p);
		}
		process_put(p);   /* the thread's reference */
		/* Last: once none is live, every process that had threads is done and its pages
		 * are back (the user suite waits for that after a program that left orphans). */
		atomic_long_add_return(&uthreads_live, -1);
	}
}

static int reaper_start(void)
{
	mutex_lock(&reaper_start_lock);
	if (!reaper) {
		reaper = kthread_create(reaper_main, NULL, "reaper");
		if (reaper)
			thread_start(reaper);
	}
	mutex_unlock(&reaper_start_lock);
	return reaper ? 0 : -ENOMEM;
}

/* At boot: the futex table; the reaper exists before any process, so that a test's count of free pages taken
 * before its first process does not see the reaper's stack appear. */
void __init process_init(void)
{
	futex_init();
	if (reaper_start())
		panic("user: no memory for the reaper thread");
}

/* ---- Processes ---- */

/* A process with mm (its reference passes to the process) and no thread yet. NULL without
 * memory, mm's reference dropped. */
static struct process *process_alloc(const char *name, struct mm *mm)
{
	struct process *p = reaper_start() ? NULL : kmalloc(sizeof(*p), GFP_ZERO);
	if (!p) {
		mm_put(mm);
		return NULL;
	}
	p->mm = mm;
	strlcpy(p->name, name, sizeof(p->name));
	spin_lock_init(&p->lock);
	list_init(&p->threads);
	completion_init(&p->done);
	atomic_set(&p->refcount, 1);
	list_init(&p->children);
	list_init(&p->sibling);
	list_init(&p->waiters);
	return p;
}

struct process *process_create(const char *name)
{
	struct mm *mm = mm_create();
	return mm ? process_alloc(name, mm) : NULL;
}

struct process *process_fork(struct process *parent, struct mm *mm)
{
	struct process *c = process_alloc(parent->name, mm);
	if (!c)
		return NULL;
	c->out_indent = parent->out_indent;
	c->forked = true;
	spin_lock(&tree_lock);
	c->parent = parent;
	list_add_tail(&c->sibling, &parent->children);
	spin_unlock(&tree_lock);
	return c;
}

/* A fork that failed after process_fork: the child leaves its parent's list as an orphan, so
 * that it lets itself go when done (with no thread, now). */
void process_fork_abandon(struct process *c, bool has_thread)
{
	spin_lock(&tree_lock);
	struct process *parent = c->parent;
	list_del(&c->sibling);
	list_init(&c->sibling);
	c->parent = NULL;
	/* A wait4 that saw this child and slept looks again: it may have been the only one
	 * (then -ECHILD). */
	struct wait4_waiter *w;
	list_for_each_entry(w, &parent->waiters, link) {
		WRITE_ONCE(w->woken, true);
		thread_wake(w->thread);
	}
	spin_unlock(&tree_lock);
	if (!has_thread)
		process_put(c);
}

int process_ppid(struct process *p)
{
	spin_lock(&tree_lock);
	int ppid = p->parent ? p->parent->pid : 0;
	spin_unlock(&tree_lock);
	return ppid;
}

/* p is done (the reaper freed its last thread): its children become orphans (those done
 * already go now), and its parent hears of it; an orphan lets itself go. */
static void tree_done(struct process *p)
{
	struct list_head gone = LIST_HEAD_INIT(gone);
	bool orphan;
	spin_lock(&tree_lock);
	while (!list_empty(&p->children)) {
		struct process *c = list_first_entry(&p->children, struct process, sibling);
		list_del(&c->sibling);
		c->parent = NULL;
		if (c->zombie)
			list_add_tail(&c->sibling, &gone);
		else
			list_init(&c->sibling);
	}
	orphan = p->forked && !p->parent;
	if (p->parent) {
		p->zombie = true;
		struct wait4_waiter *w;
		list_for_each_entry(w, &p->parent->waiters, link) {
			WRITE_ONCE(w->woken, true);
			thread_wake(w->thread);   /* under the lock its wait4 takes to leave */
		}
	}
	spin_unlock(&tree_lock);
	while (!list_empty(&gone)) {
		struct process *c = list_first_entry(&gone, struct process, sibling);
		list_del(&c->sibling);
		process_put(c);   /* the parent's reference: nobody will wait for it now */
	}
	if (orphan)
		process_put(p);   /* its parent's reference, which nobody holds now */
}

#define WNOHANG     0x00000001
#define WUNTRACED   0x00000002
#define WCONTINUED  0x00000008
#define __WNOTHREAD 0x20000000
#define __WALL      0x40000000
#define __WCLONE    0x80000000

long process_wait4(int pid, int *status, int options)
{
	if ((unsigned)options & ~(unsigned)(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD |
					    __WALL | __WCLONE))
		return -EINVAL;
	struct process *me = current_uthread()->proc;
	struct wait4_waiter w = { .thread = current_thread() };
	for (;;) {
		struct process *c, *found = NULL;
		bool any = false;
		spin_lock(&tree_lock);
		list_for_each_entry(c, &me->children, sibling) {
			if (pid > 0 && c->pid != pid)
				continue;
			any = true;
			if (c->zombie) {
				found = c;
				break;
			}
		}
		if (found)
			list_del(&found->sibling);
		else if (any && !(options & WNOHANG)) {
			w.woken = false;
			list_add_tail(&w.link, &me->waiters);
		}
		spin_unlock(&tree_lock);
		if (found) {
			/* Linux's status word: the exit code in bits 8-15, or the signal that ended
			 * it in bits 0-6 (a fatal trap's is 128 + its number here). */
			*status = found->killed ? (found->exit_code - 128) & 0x7f :
						  (found->exit_code & 0xff) << 8;
			int cpid = found->pid;
			process_put(found);   /* the parent's reference: the zombie goes */
			return cpid;
		}
		if (!any)
			return -ECHILD;
		if (options & WNOHANG)
			return 0;
		int err = uthread_sleep(&w.woken, 0);
		spin_lock(&tree_lock);
		list_del(&w.link);
		spin_unlock(&tree_lock);
		if (err)
			return -EINTR;
	}
}

void process_vfork_arm(struct process *child, bool *done)
{
	spin_lock(&child->lock);
	child->vfork_done = done;
	child->vfork_thread = current_thread();
	spin_unlock(&child->lock);
}

int process_vfork_wait(struct process *child, bool *done)
{
	int err = uthread_sleep(done, 0);
	/* Under the lock its waker holds while it wakes this thread: after this, nothing of the
	 * child's touches this thread or *done again. */
	spin_lock(&child->lock);
	child->vfork_done = NULL;
	spin_unlock(&child->lock);
	return err;
}

struct pid_search {
	int pid;
	struct process *found;
};

static void match_pid(struct thread *t, void *arg)
{
	struct pid_search *ps = arg;
	/* A thread on the list holds a reference on its process until the reaper has joined it
	 * (and so taken it off the list): ours can be taken under the list's lock. */
	if (!ps->found && t->uthread && t->uthread->proc->pid == ps->pid) {
		ps->found = t->uthread->proc;
		atomic_inc(&ps->found->refcount);
	}
}

struct process *process_find(int pid)
{
	struct pid_search ps = { pid, NULL };
	thread_for_each(match_pid, &ps);
	return ps.found;
}

struct mm *process_get_mm(struct process *p)
{
	/* The reaper sets `dead` under the lock before it drops the process's reference on the
	 * mm: while it is not set, that reference holds the mm. */
	struct mm *mm = NULL;
	spin_lock(&p->lock);
	if (!p->dead && p->mm) {
		mm = p->mm;
		mm_get(mm);
	}
	spin_unlock(&p->lock);
	return mm;
}

void process_put(struct process *p)
{
	if (!atomic_dec_and_test(&p->refcount))
		return;
	if (p->mm)   /* never started a thread */
		mm_put(p->mm);
	kfree(p);
}

bool process_exit_group(struct process *p, int code, bool killed)
{
	spin_lock(&p->lock);
	/* With no thread left on the list (the last one called exit(2) and is on its way out),
	 * nothing is to be ended, and the status is the one it left. */
	bool ends = !p->exiting && p->nr_threads;
	if (ends) {
		p->exit_code = code;
		p->killed = killed;
		WRITE_ONCE(p->exiting, true);
	}
	/* The store of exiting, then each thread's `interruptible`: the two full barriers (here
	 * and in uthread_sleep, set_current_sleeping) make sure that a thread about to sleep
	 * either sees exiting or is seen sleeping and woken (the store-buffering pattern). */
	smp_mb();
	struct uthread *ut;
	list_for_each_entry(ut, &p->threads, link)
		if (READ_ONCE(ut->interruptible))
			thread_wake(ut->thread);
	spin_unlock(&p->lock);
	return ends;
}

bool process_wait(struct process *p, u64 timeout_ns, int *code)
{
	if (!wait_for_completion_timeout(&p->done, timeout_ns))
		return false;
	spin_lock(&p->lock);
	*code = p->exit_code;
	spin_unlock(&p->lock);
	return true;
}

void process_report(struct process *p)
{
	spin_lock(&p->lock);   /* the threads on the list are not freed meanwhile */
	printk_raw("process %s[%d]: %u threads%s\n", p->name, p->pid, p->nr_threads,
		   p->exiting ? ", exiting" : "");
	struct uthread *ut;
	list_for_each_entry(ut, &p->threads, link) {
		struct thread *t = ut->thread;
		const struct trap_frame *f = arch_user_frame((char *)t->stack + KSTACK_SIZE);
		printk_raw("  tid %d: %lu system calls (the last #%lu), user pc %#lx sp %#lx%s\n",
			   ut->tid, (unsigned long)READ_ONCE(ut->nr_syscalls),
			   READ_ONCE(ut->last_syscall), arch_frame_ip(f), arch_frame_sp(f),
			   READ_ONCE(ut->interruptible) ? ", sleeping interruptibly" : "");
		thread_report(t);
	}
	spin_unlock(&p->lock);
}

bool uthread_should_exit(void)
{
	struct uthread *ut = current_uthread();
	return ut && READ_ONCE(ut->proc->exiting);
}

/* ---- Threads ---- */

static void uthread_main(void *arg)
{
	struct uthread *ut = arg;
	struct thread *t = current_thread();
	kthread_use_mm(ut->proc->mm);
	struct trap_frame *f = arch_user_frame((char *)t->stack + KSTACK_SIZE);
	*f = ut->start;
	if (ut->discard)
		uthread_exit();
	/* A fork's CLONE_CHILD_SETTID, in the child's own address space (Linux: schedule_tail).
	 * A fault there is ignored, as Linux ignores it. */
	if (ut->set_child_tid)
		put_user_u32(ut->set_child_tid, (u32)ut->tid);
	arch_irq_disable();
	user_return_work(f);   /* the process may be exiting already */
	arch_enter_user(f);
}

int uthread_create(struct process *p, const struct trap_frame *start, const char *name,
		   struct uthread **ut_out)
{
	spin_lock(&p->lock);
	if (p->exiting || p->dead || p->nr_threads >= THREADS_PER_PROCESS_MAX ||
	    atomic_long_read(&uthreads_live) >= threads_max) {
		spin_unlock(&p->lock);
		return -EAGAIN;
	}
	p->nr_threads++;
	p->nr_unreaped++;
	spin_unlock(&p->lock);

	/* ut complete, and the thread's reference on p (dropped by the reaper) taken, before the
	 * thread is on the thread list, where process_find() may take p through it. */
	struct uthread *ut = kmalloc(sizeof(*ut), GFP_ZERO);
	if (ut) {
		ut->proc = p;
		ut->tid = atomic_add_return(&next_tid, 1);
		ut->start = *start;
		atomic_inc(&p->refcount);
	}
	struct thread *t = ut ? uthread_create_thread(uthread_main, ut, name) : NULL;
	if (!t) {
		if (ut)
			process_put(p);   /* not the last: the caller holds one */
		kfree(ut);
		spin_lock(&p->lock);
		p->nr_threads--;
		p->nr_unreaped--;
		spin_unlock(&p->lock);
		return -ENOMEM;
	}
	atomic_long_add_return(&uthreads_live, 1);
	ut->thread = t;
	arch_thread_copy_user_state(t);
	spin_lock(&p->lock);
	if (!p->pid)
		p->pid = ut->tid;
	list_add_tail(&ut->link, &p->threads);
	spin_unlock(&p->lock);
	*ut_out = ut;
	return ut->tid;
}

void uthread_go(struct uthread *ut)
{
	thread_start(ut->thread);
}

void uthread_discard(struct uthread *ut)
{
	ut->discard = true;
	thread_start(ut->thread);
}

__noreturn void uthread_exit_code(int code)
{
	current_uthread()->exit_code = code;
	uthread_exit();
}

__noreturn void uthread_exit(void)
{
	struct uthread *ut = current_uthread();
	struct process *p = ut->proc;
	arch_irq_enable();
	/* CLONE_CHILD_CLEARTID: Linux's mm_release writes 0 there and wakes one waiter, which is
	 * how pthread_join learns the thread has gone. A fault there is ignored, as in Linux. */
	if (ut->clear_child_tid && put_user_u32(ut->clear_child_tid, 0) == 0)
		futex_wake(p->mm, ut->clear_child_tid, 1, FUTEX_BITSET_ANY, true);
	spin_lock(&p->lock);
	list_del(&ut->link);
	p->nr_threads--;
	/* Without a group exit, the process's status is its first thread's (Linux's wait() reports
	 * the thread-group leader's), whenever the others end. */
	if (!p->exiting && ut->tid == p->pid)
		p->exit_code = ut->exit_code;
	if (!p->nr_threads && p->vfork_done) {   /* the vfork parent may go on */
		WRITE_ONCE(*p->vfork_done, true);
		thread_wake(p->vfork_thread);
		p->vfork_done = NULL;
	}
	spin_unlock(&p->lock);
	kthread_unuse_mm(p->mm);

	spin_lock(&reap_lock);
	list_add_tail(&ut->reap_link, &reap_list);
	spin_unlock(&reap_lock);
	wake_up(&reap_wq);
	thread_exit();
}

/* ---- Sleeping in a system call ---- */

struct uwait {
	struct timer timer;
	struct thread *thread;
	bool fired;
};

static void uwait_timer(struct timer *tm)
{
	struct uwait *w = container_of(tm, struct uwait, timer);
	WRITE_ONCE(w->fired, true);
	thread_wake(w->thread);
}

/* A timer is armed for at most this long at a time (about 18 minutes): the cycle arithmetic of
 * a longer delay could wrap and fire at once; a longer sleep re-arms. */
#define UWAIT_MAX_ARM_NS (1ull << 40)

static void uwait_arm(struct uwait *w, u64 deadline_ns)
{
	u64 now = clock_ns();
	u64 left = deadline_ns > now ? deadline_ns - now : 0;
	WRITE_ONCE(w->fired, false);
	timer_arm(&w->timer, MIN(left, UWAIT_MAX_ARM_NS));
}

int uthread_sleep(const bool *flag, u64 deadline_ns)
{
	struct uthread *ut = current_uthread();
	struct process *p = ut->proc;
	struct uwait w = { .thread = current_thread() };
	int ret;
	timer_setup(&w.timer, uwait_timer);
	if (deadline_ns)
		uwait_arm(&w, deadline_ns);
	WRITE_ONCE(ut->interruptible, true);
	for (;;) {
		set_current_sleeping();   /* a full barrier: see process_exit_group */
		if (READ_ONCE(*flag)) {
			ret = 0;
			break;
		}
		if (uthread_should_exit()) {
			ret = -EINTR;
			break;
		}
		if (deadline_ns && READ_ONCE(w.fired)) {
			if (clock_ns() >= deadline_ns) {
				ret = -ETIMEDOUT;
				break;
			}
			set_current_running();
			uwait_arm(&w, deadline_ns);   /* a long sleep's next stretch */
			continue;
		}
		schedule();
	}
	set_current_running();
	/* Under the lock that process_exit_group wakes under: once it is clear, no wake meant for
	 * this sleep can reach whatever this thread sleeps on next. */
	spin_lock(&p->lock);
	WRITE_ONCE(ut->interruptible, false);
	spin_unlock(&p->lock);
	if (deadline_ns)
		timer_cancel(&w.timer);
	return ret;
}

/* ---- The arch's calls ---- */

void user_return_work(struct trap_frame *f)
{
	(void)f;
	for (;;) {
		if (READ_ONCE(this_cpu()->need_resched)) {
			arch_irq_enable();
			schedule();
			arch_irq_disable();
			continue;
		}
		if (uthread_should_exit())
			uthread_exit();
		return;
	}
}

__noreturn void user_fatal_trap(struct trap_frame *f, int sig, const char *what, uintptr_t addr)
{
	struct uthread *ut = current_uthread();
	BUG_ON(!ut);
	struct process *p = ut->proc;
	arch_irq_enable();
	char where[64] = "no VMA";
	if (addr) {
		mmap_read_lock(p->mm);
		struct vma *v = vma_find(p->mm, addr);
		if (v && v->start <= addr)
			snprintf(where, sizeof(where), "VMA %#lx-%#lx %c%c%c%c", v->start, v->end,
				 v->flags & VM_READ ? 'r' : '-', v->flags & VM_WRITE ? 'w' : '-',
				 v->flags & VM_EXEC ? 'x' : '-', v->flags & VM_SHARED ? 's' : 'p');
		mmap_read_unlock(p->mm);
	}
	/* Linux: "a.out[1234]: segfault at 0 ip ... sp ... error 4 in a.out[...]". */
	if (!strcmp(what, "read") || !strcmp(what, "write") || !strcmp(what, "exec"))
		pr_warn("user: %s[%d]: segfault at %#lx ip %#lx sp %#lx (%s; %s): killed\n",
			p->name, ut->tid, addr, arch_frame_ip(f), arch_frame_sp(f), what, where);
	else
		pr_warn("user: %s[%d]: %s at ip %#lx sp %#lx: killed\n", p->name, ut->tid, what,
			arch_frame_ip(f), arch_frame_sp(f));
	spin_lock(&p->lock);
	if (!p->exiting)
		p->kill_reason = what;
	spin_unlock(&p->lock);
	process_exit_group(p, 128 + sig, true);   /* as a shell reports a death by signal */
	uthread_exit();
}

#endif /* ARCH_HAS_USER_MODE */

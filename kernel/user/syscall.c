/* System calls: Linux's numbers on each arch (arch/<arch>/syscall_nr.h), Linux's semantics for
 * the memory-management subset and what a static libc needs to start, run threads and print.
 * Everything else is -ENOSYS, logged once per number. Every user pointer goes through
 * uaccess.h. docs/user.md lists the table. */
#include "arch/arch.h"
#ifdef ARCH_HAS_USER_MODE
#include <syscall_nr.h>
#include "kernel/errno.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "kernel/sched/timer.h"
#include "kernel/smp.h"
#include "kernel/user/futex.h"
#include "kernel/user/process.h"
#include "kernel/user/uaccess.h"
#include "lib/string.h"
#include "mm/mm.h"
#include "mm/vma.h"

typedef long (*syscall_fn)(struct trap_frame *f, const unsigned long *a);

/* ---- Console I/O ---- */

#define IO_CHUNK 256

/* The console, with the process's indent at each line's start (out_indent). */
static void console_write_indented(struct process *p, const char *buf, size_t n)
{
	static const char spaces[] = "                ";
	size_t from = 0;
	for (size_t i = 0; i < n; i++) {
		if (!p->out_midline && p->out_indent) {
			console_write(buf + from, i - from);
			console_write(spaces, MIN((size_t)p->out_indent, sizeof(spaces) - 1));
			from = i;
		}
		p->out_midline = buf[i] != '\n';
	}
	console_write(buf + from, n - from);
}

static long sys_write(struct trap_frame *f, const unsigned long *a)
{
	if (a[0] != 1 && a[0] != 2)
		return -EBADF;   /* stdin is not open for writing; nothing else is open */
	size_t n = a[2], done = 0;
	if ((long)n < 0)
		return -EINVAL;
	char buf[IO_CHUNK];
	while (done < n && !uthread_should_exit()) {   /* a kill ends a long write */
		size_t k = MIN(n - done, (size_t)IO_CHUNK);
		if (copy_from_user(buf, a[1] + done, k))
			return done ? (long)done : -EFAULT;
		console_write_indented(current_uthread()->proc, buf, k);
		done += k;
	}
	return (long)done;
}

struct iovec_user {
	u64 base;
	u64 len;
};

static long sys_writev(struct trap_frame *f, const unsigned long *a)
{
	if (a[2] > 1024)   /* UIO_MAXIOV */
		return -EINVAL;
	long total = 0;
	for (unsigned long i = 0; i < a[2] && !uthread_should_exit(); i++) {
		struct iovec_user v;
		if (copy_from_user(&v, a[1] + i * sizeof(v), sizeof(v)))
			return total ? total : -EFAULT;
		if ((long)v.len < 0)
			return -EINVAL;
		unsigned long args[6] = { a[0], v.base, v.len };
		long r = sys_write(f, args);
		if (r < 0)
			return total ? total : r;
		total += r;
		if ((u64)r < v.len)
			break;
	}
	return total;
}

/* The console has no input queue for programs yet: end of file on stdin. */
static long sys_read(struct trap_frame *f, const unsigned long *a)
{
	return a[0] == 0 ? 0 : -EBADF;
}

/* ioctl: no terminal (TCGETS and TIOCGWINSZ, which libcs' stdio asks), so ENOTTY, as for a pipe. */
static long sys_ioctl(struct trap_frame *f, const unsigned long *a)
{
	return a[0] <= 2 ? -25 /* ENOTTY */ : -EBADF;
}

/* ---- Memory ---- */

static struct mm *cur_mm(void) { return current_uthread()->proc->mm; }

static long sys_mmap(struct trap_frame *f, const unsigned long *a)
{
	unsigned long flags = a[3];
#ifdef ARCH_MAP_NORESERVE
	if (flags & ARCH_MAP_NORESERVE)
		flags = (flags & ~(unsigned long)ARCH_MAP_NORESERVE) | MAP_NORESERVE;
#endif
	if (!(flags & MAP_ANONYMOUS))
		return -EBADF;   /* no files: every descriptor is bad */
	if (a[5] & (PAGE_SIZE - 1))
		return -EINVAL;
	return vm_mmap(cur_mm(), a[0], a[1], (unsigned)a[2], (unsigned)flags);
}

static long sys_munmap(struct trap_frame *f, const unsigned long *a)
{
	return vm_munmap(cur_mm(), a[0], a[1]);
}

static long sys_mprotect(struct trap_frame *f, const unsigned long *a)
{
	return vm_mprotect(cur_mm(), a[0], a[1], (unsigned)a[2]);
}

static long sys_mremap(struct trap_frame *f, const unsigned long *a)
{
	return vm_mremap(cur_mm(), a[0], a[1], a[2], (unsigned)a[3], a[4]);
}

static long sys_madvise(struct trap_frame *f, const unsigned long *a)
{
	return vm_madvise(cur_mm(), a[0], a[1], (int)a[2]);
}

static long sys_brk(struct trap_frame *f, const unsigned long *a)
{
	return (long)vm_brk(cur_mm(), a[0]);
}

/* ---- Threads and processes ---- */

#define CLONE_VM             0x00000100
#define CLONE_FS             0x00000200
#define CLONE_FILES          0x00000400
#define CLONE_SIGHAND        0x00000800
#define CLONE_THREAD         0x00010000
#define CLONE_SYSVSEM        0x00040000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED       0x00400000
#define CLONE_CHILD_SETTID   0x01000000

#define CLONE_VFORK          0x00004000

/* clone, fork and vfork. Linux's rules for the flags: THREAD needs SIGHAND, SIGHAND needs VM.
 * Without THREAD, a new process: with VM it shares the address space (vfork), without it gets
 * a copy-on-write copy (fork, mm_fork). The low byte (the signal for the parent at the child's
 * end) is accepted and not sent: there are no signals. */
static long do_clone(struct trap_frame *f, unsigned long flags, unsigned long sp,
		     unsigned long ptid, unsigned long ctid, unsigned long tls)
{
	const unsigned long known = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
		CLONE_VFORK | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
		CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_CHILD_SETTID | 0xff /* signal */;
	if (flags & ~known)
		return -EINVAL;
	if (((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) ||
	    ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)))
		return -EINVAL;
	struct process *p = current_uthread()->proc, *target = p;
	if (uthread_should_exit())
		return -EINTR;   /* Linux: no new task while a fatal signal (exit_group) is pending */
	if (!(flags & CLONE_THREAD)) {
		struct mm *mm = p->mm;
		if (flags & CLONE_VM)
			mm_get(mm);
		else {
			int err = mm_fork(p->mm, &mm);
			if (err)
				return err;
		}
		target = process_fork(p, mm);
		if (!target)
			return -ENOMEM;
	}
	struct trap_frame start = *f;
	arch_syscall_set_return(&start, 0);   /* the child sees 0 */
	if (sp)
		arch_frame_set_sp(&start, sp);
	struct uthread *ut;
	int tid = uthread_create(target, &start, p->name, &ut);
	if (tid < 0) {
		if (target != p)
			process_fork_abandon(target, false);
		return tid;
	}
	if ((flags & CLONE_SETTLS) && arch_thread_set_tls(ut->thread, &ut->start, tls)) {
		if (target != p)
			process_fork_abandon(target, true);
		uthread_discard(ut);   /* Linux checks the TLS as it copies the thread: -EPERM */
		return -EPERM;
	}
	if (flags & CLONE_CHILD_CLEARTID)
		ut->clear_child_tid = ctid;
	/* PARENT_SETTID in the caller's memory; CHILD_SETTID in the child's, which for a new
	 * process is another address space: the child writes it as it starts. A fault there is
	 * ignored, as Linux ignores it. */
	if (flags & CLONE_PARENT_SETTID)
		put_user_u32(ptid, (u32)tid);
	if ((flags & CLONE_CHILD_SETTID) && target == p)
		put_user_u32(ctid, (u32)tid);
	else if (flags & CLONE_CHILD_SETTID)
		ut->set_child_tid = ctid;
	if (!(flags & CLONE_VFORK) || target == p) {
		uthread_go(ut);
		return tid;
	}
	/* vfork: the caller waits until the child has left the address space they share (it
	 * exits: there is no exec). An extra reference: a wait4 of another thread may collect
	 * the child meanwhile. */
	bool done = false;
	atomic_inc(&target->refcount);
	process_vfork_arm(target, &done);
	uthread_go(ut);
	process_vfork_wait(target, &done);
	process_put(target);
	return tid;
}

static long sys_clone(struct trap_frame *f, const unsigned long *a)
{
#ifdef ARCH_CLONE_BACKWARDS   /* clone(flags, stack, parent_tid, tls, child_tid) */
	return do_clone(f, a[0], a[1], a[2], a[4], a[3]);
#else                         /* clone(flags, stack, parent_tid, child_tid, tls) */
	return do_clone(f, a[0], a[1], a[2], a[3], a[4]);
#endif
}

#define SIGCHLD 17
static __unused long sys_fork(struct trap_frame *f, const unsigned long *a)
{
	return do_clone(f, SIGCHLD, 0, 0, 0, 0);
}

static __unused long sys_vfork(struct trap_frame *f, const unsigned long *a)
{
	return do_clone(f, CLONE_VFORK | CLONE_VM | SIGCHLD, 0, 0, 0, 0);
}

/* wait4(pid, status, options, rusage): the status word to *status if asked; rusage all zeroes
 * (nothing is accounted). A bad pointer is -EFAULT after the child is collected, as in Linux. */
static long sys_wait4(struct trap_frame *f, const unsigned long *a)
{
	int status = 0;
	long pid = process_wait4((int)a[0], &status, (int)a[2]);
	if (pid <= 0)
		return pid;
	static const u8 zero_rusage[144];
	if (a[1] && copy_to_user(a[1], &status, sizeof(status)))
		return -EFAULT;
	if (a[3] && copy_to_user(a[3], zero_rusage, sizeof(zero_rusage)))
		return -EFAULT;
	return pid;
}

static long sys_getppid(struct trap_frame *f, const unsigned long *a)
{
	return process_ppid(current_uthread()->proc);
}

static long sys_exit(struct trap_frame *f, const unsigned long *a)
{
	uthread_exit_code((int)(a[0] & 0xff));
}

static long sys_exit_group(struct trap_frame *f, const unsigned long *a)
{
	process_exit_group(current_uthread()->proc, (int)(a[0] & 0xff), false);
	uthread_exit();
}

static long sys_set_tid_address(struct trap_frame *f, const unsigned long *a)
{
	struct uthread *ut = current_uthread();
	ut->clear_child_tid = a[0];
	return ut->tid;
}

static long sys_gettid(struct trap_frame *f, const unsigned long *a)
{
	return current_uthread()->tid;
}

static long sys_getpid(struct trap_frame *f, const unsigned long *a)
{
	return current_uthread()->proc->pid;
}

static long sys_sched_yield(struct trap_frame *f, const unsigned long *a)
{
	yield();
	return 0;
}

/* Affinity: every thread may run on every online CPU; setting it checks the mask names one,
 * and is otherwise not kept (the scheduler pins kernel threads only). */
static long sys_sched_getaffinity(struct trap_frame *f, const unsigned long *a)
{
	size_t len = a[1];
	u8 mask[MAX_CPUS / 8] = { 0 };
	size_t need = (MAX_CPUS + 7) / 8;
	if (len < sizeof(long) || (len & (sizeof(long) - 1)))
		return -EINVAL;
	for (unsigned c = 0; c < MAX_CPUS; c++)
		if (cpumask_test(cpu_online_mask, c))
			mask[c / 8] |= 1u << (c % 8);
	size_t n = MIN(len, need);
	if (copy_to_user(a[2], mask, n))
		return -EFAULT;
	return (long)n;
}

static long sys_sched_setaffinity(struct trap_frame *f, const unsigned long *a)
{
	u8 mask[MAX_CPUS / 8] = { 0 };
	size_t n = MIN((size_t)a[1], sizeof(mask));
	if (copy_from_user(mask, a[2], n))
		return -EFAULT;
	for (unsigned c = 0; c < MAX_CPUS; c++)
		if ((mask[c / 8] >> (c % 8)) & 1 && cpumask_test(cpu_online_mask, c))
			return 0;
	return -EINVAL;
}

#define FUTEX_WAIT            0
#define FUTEX_WAKE            1
#define FUTEX_PRIVATE_FLAG    128
#define FUTEX_CLOCK_REALTIME  256

struct timespec_user {
	s64 sec;
	s64 nsec;
};

/* A relative timespec as a deadline on clock_ns(): 0 if none was given. */
static int deadline_from(uintptr_t uts, u64 *deadline)
{
	*deadline = 0;
	if (!uts)
		return 0;
	struct timespec_user ts;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
		return -EINVAL;
	u64 now = clock_ns();
	u64 ns = (u64)ts.sec > (~0ull - now) / 1000000000 - 1 ? ~0ull - now - 1 :
		 (u64)ts.sec * 1000000000 + (u64)ts.nsec;
	*deadline = now + (ns ? ns : 1);
	return 0;
}

#define FUTEX_REQUEUE         3
#define FUTEX_CMP_REQUEUE     4
#define FUTEX_WAIT_BITSET     9
#define FUTEX_WAKE_BITSET     10

/* futex(uaddr, op, val, timeout or val2, uaddr2, val3) */
static long sys_futex(struct trap_frame *f, const unsigned long *a)
{
	int op = (int)a[1] & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	bool realtime = (int)a[1] & FUTEX_CLOCK_REALTIME;
	bool shared = !((int)a[1] & FUTEX_PRIVATE_FLAG);
	if (realtime && op != FUTEX_WAIT_BITSET && op != FUTEX_WAIT)
		return -ENOSYS;   /* Linux: CLOCK_REALTIME with the waits only (WAIT since 4.5) */
	switch (op) {
	case FUTEX_WAIT: {
		u64 deadline;
		int err = deadline_from(a[3], &deadline);
		if (err)
			return err;
		return futex_wait(cur_mm(), a[0], (u32)a[2], FUTEX_BITSET_ANY, shared, deadline);
	}
	case FUTEX_WAIT_BITSET: {   /* an absolute timeout, on either clock: the same here */
		u64 deadline = 0;
		if (a[3]) {
			struct timespec_user ts;
			if (copy_from_user(&ts, a[3], sizeof(ts)))
				return -EFAULT;
			if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
				return -EINVAL;
			deadline = (u64)ts.sec >= ~0ull / 1000000000 - 1 ? ~0ull :
				   (u64)ts.sec * 1000000000 + (u64)ts.nsec;
			if (deadline <= clock_ns())
				return -ETIMEDOUT;
		}
		return futex_wait(cur_mm(), a[0], (u32)a[2], (u32)a[5], shared, deadline);
	}
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if ((int)a[2] <= 0)
			return (int)a[2] < 0 ? -EINVAL : 0;
		return futex_wake(cur_mm(), a[0], (int)a[2],
				  op == FUTEX_WAKE ? FUTEX_BITSET_ANY : (u32)a[5], shared);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(cur_mm(), a[0], (int)a[2], (int)a[3], a[4],
				     op == FUTEX_CMP_REQUEUE, (u32)a[5], shared);
	default:
		return -ENOSYS;
	}
}

/* ---- Time ---- */

#define CLOCK_REALTIME   0
#define CLOCK_MONOTONIC  1
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME   7

/* There is no wall clock yet: CLOCK_REALTIME counts from the epoch at boot. */
static long sys_clock_gettime(struct trap_frame *f, const unsigned long *a)
{
	switch (a[0]) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME:
		break;
	default:
		return -EINVAL;
	}
	u64 ns = clock_ns();
	struct timespec_user ts = { (s64)(ns / 1000000000), (s64)(ns % 1000000000) };
	return copy_to_user(a[1], &ts, sizeof(ts)) ? -EFAULT : 0;
}

static long sleep_for(uintptr_t req, uintptr_t rem)
{
	u64 deadline;
	int err = deadline_from(req, &deadline);
	if (err)
		return err;
	if (!req)
		return -EFAULT;
	static const bool never;
	err = uthread_sleep(&never, deadline);
	if (err == -EINTR && rem) {
		u64 now = clock_ns(), left = deadline > now ? deadline - now : 0;
		struct timespec_user ts = { (s64)(left / 1000000000), (s64)(left % 1000000000) };
		copy_to_user(rem, &ts, sizeof(ts));
	}
	return err == -ETIMEDOUT ? 0 : err;
}

static long sys_nanosleep(struct trap_frame *f, const unsigned long *a)
{
	return sleep_for(a[0], a[1]);
}

#define TIMER_ABSTIME 1
static long sys_clock_nanosleep(struct trap_frame *f, const unsigned long *a)
{
	if (a[0] != CLOCK_REALTIME && a[0] != CLOCK_MONOTONIC && a[0] != CLOCK_BOOTTIME)
		return -EINVAL;
	if (a[1] & TIMER_ABSTIME) {
		struct timespec_user ts;
		if (copy_from_user(&ts, a[2], sizeof(ts)))
			return -EFAULT;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
			return -EINVAL;
		/* Linux saturates a time past 2^63 ns (KTIME_MAX): never reached */
		u64 when = (u64)ts.sec >= ~0ull / 1000000000 - 1 ? ~0ull :
			   (u64)ts.sec * 1000000000 + (u64)ts.nsec, now = clock_ns();
		if (when <= now)
			return 0;
		static const bool never;
		int err = uthread_sleep(&never, when);
		return err == -ETIMEDOUT ? 0 : err;
	}
	return sleep_for(a[2], a[3]);
}

/* ---- Identity and limits ---- */

struct utsname_user {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

static long sys_uname(struct trap_frame *f, const unsigned long *a)
{
	struct utsname_user u;
	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, "Linux", sizeof(u.sysname));   /* what libcs and programs test for */
	strlcpy(u.nodename, "faultline", sizeof(u.nodename));
	strlcpy(u.release, "6.1.0-faultline", sizeof(u.release));
	strlcpy(u.version, "Faultline research kernel", sizeof(u.version));
	strlcpy(u.machine, ARCH_UNAME_MACHINE, sizeof(u.machine));
	strlcpy(u.domainname, "(none)", sizeof(u.domainname));
	return copy_to_user(a[0], &u, sizeof(u)) ? -EFAULT : 0;
}

/* getrandom: a xorshift generator seeded from the cycle counter. Not cryptographic, and says
 * so in docs/user.md; the flags Linux defines are accepted. */
static long sys_getrandom(struct trap_frame *f, const unsigned long *a)
{
	if (a[2] & ~7ul)
		return -EINVAL;
	size_t n = MIN((size_t)a[1], (size_t)33554431);   /* Linux's limit per call */
	static u64 state;
	u8 buf[64];
	size_t done = 0;
	while (done < n && !uthread_should_exit()) {
		for (unsigned i = 0; i < sizeof(buf); i += 8) {
			u64 x = __atomic_add_fetch(&state, arch_cycles() | 1, __ATOMIC_RELAXED);
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(buf + i, &x, 8);
		}
		size_t k = MIN(n - done, sizeof(buf));
		if (copy_to_user(a[0] + done, buf, k))
			return done ? (long)done : -EFAULT;
		done += k;
	}
	return (long)done;
}

#define RLIMIT_STACK 3
#define RLIM_INFINITY (~0ull)
struct rlimit_user {
	u64 cur, max;
};

/* prlimit64 on the caller: limits read back as Linux's defaults, and are not enforced. */
static long sys_prlimit64(struct trap_frame *f, const unsigned long *a)
{
	if (a[0] != 0 && (long)a[0] != current_uthread()->proc->pid)
		return -ESRCH;
	if (a[1] >= 16)
		return -EINVAL;
	if (a[3]) {
		struct rlimit_user r = { RLIM_INFINITY, RLIM_INFINITY };
		if (a[1] == RLIMIT_STACK)
			r.cur = 8ull << 20;
		if (copy_to_user(a[3], &r, sizeof(r)))
			return -EFAULT;
	}
	return 0;
}

#ifdef ARCH_HAS_ARCH_PRCTL
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
static long sys_arch_prctl(struct trap_frame *f, const unsigned long *a)
{
	struct thread *t = current_thread();
	switch (a[0]) {
	case ARCH_SET_FS:
		return arch_thread_set_tls(t, f, a[1]);
	case ARCH_GET_FS: {
		u64 v = t->arch.fs_base;
		return copy_to_user(a[1], &v, sizeof(v)) ? -EFAULT : 0;
	}
	default:
		return -EINVAL;
	}
}
#endif

/* Accepted and not acted on: a static libc's start-up and its threads library call these, and
 * there are no signals yet (rt_sigaction, rt_sigprocmask, sigaltstack, tgkill), no robust-futex
 * cleanup (set_robust_list) and no restartable sequences (rseq: -ENOSYS is what a libc expects
 * of a kernel without them). */
static long sys_accept0(struct trap_frame *f, const unsigned long *a) { return 0; }
#define sys_sigaltstack     sys_accept0

/* No signal is ever blocked or handled: the old mask reads empty, the old action SIG_DFL. */
static long sys_rt_sigprocmask(struct trap_frame *f, const unsigned long *a)
{
	static const u64 none;
	if (a[3] != sizeof(u64) || (a[1] && a[0] > 2))   /* how matters only with a new set */
		return -EINVAL;
	return a[2] && copy_to_user(a[2], &none, sizeof(none)) ? -EFAULT : 0;
}

static long sys_rt_sigaction(struct trap_frame *f, const unsigned long *a)
{
	static const u64 dfl[4];   /* handler, flags, restorer, mask: SIG_DFL */
	if (a[3] != sizeof(u64) || a[0] < 1 || a[0] > 64)
		return -EINVAL;
	if (a[1] && (a[0] == 9 || a[0] == 19))   /* SIGKILL, SIGSTOP: no action may be set */
		return -EINVAL;
	return a[2] && copy_to_user(a[2], dfl, sizeof(dfl)) ? -EFAULT : 0;
}
#define sys_set_robust_list sys_accept0
static long sys_tgkill(struct trap_frame *f, const unsigned long *a) { return -ENOSYS; }
static long sys_rseq(struct trap_frame *f, const unsigned long *a) { return -ENOSYS; }

/* ---- The table and the entry ---- */

#define SYSCALL_ENTRY(nr, name) [nr] = { sys_##name, #name },
static const struct {
	syscall_fn fn;
	const char *name;
} syscall_table[ARCH_SYSCALL_MAX] = {
	ARCH_SYSCALLS(SYSCALL_ENTRY)
};

static u64 enosys_logged[(ARCH_SYSCALL_MAX + 63) / 64 + 1];
static atomic_t enosys_high_logged;

static long enosys(unsigned long nr)
{
	struct process *p = current_uthread()->proc;
	if (nr < ARCH_SYSCALL_MAX) {
		u64 bit = 1ull << (nr % 64);
		if (__atomic_fetch_or(&enosys_logged[nr / 64], bit, __ATOMIC_RELAXED) & bit)
			return -ENOSYS;
	} else {   /* numbers past the table: logged once together */
		int zero = 0;
		if (!atomic_cmpxchg(&enosys_high_logged, &zero, 1))
			return -ENOSYS;
	}
	pr_info("user: %s[%d]: system call %lu is not implemented: -ENOSYS (logged once)\n",
		p->name, current_uthread()->tid, nr);
	return -ENOSYS;
}

static bool strace;
PARAM_BOOL("user.strace", strace,
	   "print every system call of every user thread with its arguments and result");

static void trace_call(unsigned long nr, const unsigned long *a, bool done, long ret)
{
	const char *name = nr < ARCH_SYSCALL_MAX && syscall_table[nr].name ?
			   syscall_table[nr].name : "?";
	struct uthread *ut = current_uthread();
	if (!done)
		printk_raw("strace: %s[%d] %s#%lu(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) ...\n",
			   ut->proc->name, ut->tid, name, nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	else
		printk_raw("strace: %s[%d] %s = %ld\n", ut->proc->name, ut->tid, name, ret);
}

void syscall_entry(struct trap_frame *f)
{
	arch_irq_enable();
	unsigned long nr = arch_syscall_nr(f);
	unsigned long a[6];
	for (unsigned i = 0; i < 6; i++)
		a[i] = arch_syscall_arg(f, i);
	struct uthread *ut = current_uthread();
	WRITE_ONCE(ut->nr_syscalls, ut->nr_syscalls + 1);
	WRITE_ONCE(ut->last_syscall, nr);
	if (strace)
		trace_call(nr, a, false, 0);
	long ret = nr < ARCH_SYSCALL_MAX && syscall_table[nr].fn ? syscall_table[nr].fn(f, a) :
		   enosys(nr);
	if (strace)
		trace_call(nr, a, true, ret);
	arch_syscall_set_return(f, ret);
	arch_irq_disable();
	user_return_work(f);
}

#endif /* ARCH_HAS_USER_MODE */

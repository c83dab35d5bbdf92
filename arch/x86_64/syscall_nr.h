/* Linux x86_64's system-call numbers (arch/x86/entry/syscalls/syscall_64.tbl), for the calls
 * Faultline implements or accepts (kernel/user/syscall.c); every other number is -ENOSYS.
 * X(number, name). */
#ifndef ARCH_X86_64_SYSCALL_NR_H
#define ARCH_X86_64_SYSCALL_NR_H

#define ARCH_SYSCALLS(X)          \
	X(0, read)                \
	X(1, write)               \
	X(9, mmap)                \
	X(10, mprotect)           \
	X(11, munmap)             \
	X(12, brk)                \
	X(13, rt_sigaction)       \
	X(14, rt_sigprocmask)     \
	X(16, ioctl)              \
	X(20, writev)             \
	X(24, sched_yield)        \
	X(25, mremap)             \
	X(28, madvise)            \
	X(35, nanosleep)          \
	X(39, getpid)             \
	X(56, clone)              \
	X(57, fork)               \
	X(58, vfork)              \
	X(60, exit)               \
	X(61, wait4)              \
	X(63, uname)              \
	X(110, getppid)           \
	X(131, sigaltstack)       \
	X(158, arch_prctl)        \
	X(186, gettid)            \
	X(202, futex)             \
	X(203, sched_setaffinity) \
	X(204, sched_getaffinity) \
	X(218, set_tid_address)   \
	X(228, clock_gettime)     \
	X(230, clock_nanosleep)   \
	X(231, exit_group)        \
	X(234, tgkill)            \
	X(273, set_robust_list)   \
	X(302, prlimit64)         \
	X(318, getrandom)         \
	X(334, rseq)

#define ARCH_SYSCALL_MAX 335
/* clone(flags, stack, parent_tid, child_tid, tls): x86_64's order, not CLONE_BACKWARDS. */
#define ARCH_HAS_ARCH_PRCTL 1
#define ARCH_UNAME_MACHINE "x86_64"

#endif

/* Linux arm64's system-call numbers: the asm-generic table (include/uapi/asm-generic/unistd.h,
 * the 64-bit names: mmap is __NR3264_mmap), for the calls Faultline implements or accepts
 * (kernel/user/syscall.c); every other number is -ENOSYS. X(number, name). */
#ifndef ARCH_ARM64_SYSCALL_NR_H
#define ARCH_ARM64_SYSCALL_NR_H

#define ARCH_SYSCALLS(X)          \
	X(29, ioctl)              \
	X(63, read)               \
	X(64, write)              \
	X(66, writev)             \
	X(93, exit)               \
	X(94, exit_group)         \
	X(96, set_tid_address)    \
	X(98, futex)              \
	X(99, set_robust_list)    \
	X(101, nanosleep)         \
	X(113, clock_gettime)     \
	X(115, clock_nanosleep)   \
	X(122, sched_setaffinity) \
	X(123, sched_getaffinity) \
	X(124, sched_yield)       \
	X(131, tgkill)            \
	X(132, sigaltstack)       \
	X(134, rt_sigaction)      \
	X(135, rt_sigprocmask)    \
	X(160, uname)             \
	X(172, getpid)            \
	X(173, getppid)           \
	X(178, gettid)            \
	X(214, brk)               \
	X(215, munmap)            \
	X(216, mremap)            \
	X(220, clone)             \
	X(222, mmap)              \
	X(226, mprotect)          \
	X(233, madvise)           \
	X(260, wait4)             \
	X(261, prlimit64)         \
	X(278, getrandom)         \
	X(293, rseq)

#define ARCH_SYSCALL_MAX 294
/* clone(flags, stack, parent_tid, tls, child_tid): Linux's CLONE_BACKWARDS, which arm64
 * selects. The TLS pointer is TPIDR_EL0, which EL0 writes itself or clone's CLONE_SETTLS sets:
 * there is no arch_prctl. */
#define ARCH_CLONE_BACKWARDS 1
#define ARCH_UNAME_MACHINE "aarch64"

#endif

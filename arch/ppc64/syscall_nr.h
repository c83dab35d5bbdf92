/* Linux ppc64's system-call numbers (arch/powerpc/kernel/syscalls/syscall.tbl, the "common",
 * "nospu" and "64" rows), for the calls Faultline implements or accepts
 * (kernel/user/syscall.c); every other number is -ENOSYS. X(number, name). */
#ifndef ARCH_PPC64_SYSCALL_NR_H
#define ARCH_PPC64_SYSCALL_NR_H

#define ARCH_SYSCALLS(X)          \
	X(1, exit)                \
	X(2, fork)                \
	X(3, read)                \
	X(4, write)               \
	X(20, getpid)             \
	X(45, brk)                \
	X(54, ioctl)              \
	X(64, getppid)            \
	X(90, mmap)               \
	X(91, munmap)             \
	X(114, wait4)             \
	X(120, clone)             \
	X(122, uname)             \
	X(125, mprotect)          \
	X(146, writev)            \
	X(158, sched_yield)       \
	X(162, nanosleep)         \
	X(163, mremap)            \
	X(173, rt_sigaction)      \
	X(174, rt_sigprocmask)    \
	X(185, sigaltstack)       \
	X(189, vfork)             \
	X(205, madvise)           \
	X(207, gettid)            \
	X(221, futex)             \
	X(222, sched_setaffinity) \
	X(223, sched_getaffinity) \
	X(232, set_tid_address)   \
	X(234, exit_group)        \
	X(246, clock_gettime)     \
	X(248, clock_nanosleep)   \
	X(250, tgkill)            \
	X(300, set_robust_list)   \
	X(325, prlimit64)         \
	X(359, getrandom)         \
	X(387, rseq)

#define ARCH_SYSCALL_MAX 388
/* clone(flags, stack, parent_tid, tls, child_tid): Linux's CLONE_BACKWARDS, as powerpc
 * selects it. The TLS pointer is r13, set by clone's CLONE_SETTLS or by the program itself:
 * there is no arch_prctl. */
#define ARCH_CLONE_BACKWARDS 1
#define ARCH_UNAME_MACHINE "ppc64le"
/* powerpc's own value (arch/powerpc/include/uapi/asm/mman.h); the generic one is 0x4000. */
#define ARCH_MAP_NORESERVE 0x40

#endif

/* ppc64 system calls (Linux, Documentation/powerpc/syscall64-abi.rst): `sc` with the number in
 * r0 and arguments in r3-r8; the result in r3. An error sets CR0.SO and leaves a positive errno
 * in r3, turned here into -errno as on the other arches. r0, r4-r12, ctr, xer and cr0, cr1,
 * cr5-cr7 do not survive the call. */
#ifndef USER_SYSCALL_ARCH_H
#define USER_SYSCALL_ARCH_H

#define SYS_exit           1
#define SYS_write          4
#define SYS_getpid         20
#define SYS_brk            45
#define SYS_reboot         88
#define SYS_mmap           90
#define SYS_munmap         91
#define SYS_mprotect       125
#define SYS_nanosleep      162
#define SYS_mremap         163
#define SYS_madvise        205
#define SYS_gettid         207
#define SYS_futex          221
#define SYS_exit_group     234
#define SYS_clock_gettime  246
#define SYS_sched_setaffinity 222
#define SYS_sched_getaffinity 223
#define SYS_uname 122
#define SYS_prctl 171
#define SYS_fork 2
#define SYS_getppid 64
#define SYS_wait4 114
#define SYS_clone 120
#define SYS_vfork 189

static inline long __syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r0 __asm__("r0") = n;
	register long r3 __asm__("r3") = a;
	register long r4 __asm__("r4") = b;
	register long r5 __asm__("r5") = c;
	register long r6 __asm__("r6") = d;
	register long r7 __asm__("r7") = e;
	register long r8 __asm__("r8") = f;
	__asm__ volatile("sc\n\t"
			 "bns+ 1f\n\t"
			 "neg %1, %1\n"
			 "1:"
			 : "+r"(r0), "+r"(r3), "+r"(r4), "+r"(r5), "+r"(r6), "+r"(r7), "+r"(r8)
			 :
			 : "memory", "r9", "r10", "r11", "r12", "ctr", "xer", "cr0", "cr1", "cr5",
			   "cr6", "cr7");
	return r3;
}

#endif

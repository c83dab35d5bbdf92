/* arm64 system calls (Linux, the asm-generic table): `svc #0` with the number in x8 and
 * arguments in x0-x5; the result in x0, -4095..-1 an error (-errno). */
#ifndef USER_SYSCALL_ARCH_H
#define USER_SYSCALL_ARCH_H

#define SYS_write          64
#define SYS_exit           93
#define SYS_exit_group     94
#define SYS_futex          98
#define SYS_nanosleep      101
#define SYS_clock_gettime  113
#define SYS_reboot         142
#define SYS_getpid         172
#define SYS_gettid         178
#define SYS_brk            214
#define SYS_munmap         215
#define SYS_mremap         216
#define SYS_mmap           222
#define SYS_mprotect       226
#define SYS_madvise        233
#define SYS_sched_setaffinity 122
#define SYS_sched_getaffinity 123
#define SYS_uname 160
#define SYS_prctl 167
#define SYS_clone 220
#define SYS_getppid 173
#define SYS_wait4 260

static inline long __syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ volatile("svc #0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}

#endif

/* x86_64 system calls (Linux): `syscall` with the number in rax and arguments in rdi, rsi,
 * rdx, r10, r8, r9; the result in rax, -4095..-1 an error (-errno). The instruction clobbers
 * rcx (return address) and r11 (flags). */
#ifndef USER_SYSCALL_ARCH_H
#define USER_SYSCALL_ARCH_H

#define SYS_write          1
#define SYS_mmap           9
#define SYS_mprotect       10
#define SYS_munmap         11
#define SYS_brk            12
#define SYS_mremap         25
#define SYS_madvise        28
#define SYS_nanosleep      35
#define SYS_getpid         39
#define SYS_exit           60
#define SYS_reboot         169
#define SYS_gettid         186
#define SYS_futex          202
#define SYS_clock_gettime  228
#define SYS_exit_group     231
#define SYS_sched_setaffinity 203
#define SYS_sched_getaffinity 204
#define SYS_uname 63
#define SYS_prctl 157
#define SYS_clone 56
#define SYS_fork 57
#define SYS_vfork 58
#define SYS_wait4 61
#define SYS_getppid 110

static inline long __syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#endif

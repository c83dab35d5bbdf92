/* The libc-free runtime of Faultline's own user programs (tests/user/): system calls with Linux's
 * numbers and conventions (syscall_arch.h of each arch, found on the include path), a small
 * printf, KTAP helpers and the memory functions the compiler may call. A program defines
 * main(argc, argv, envp); crt0.S and start.c call it and exit_group() with what it returns.
 * The same binaries run on Linux: that is the point (docs/design.md, "User space"). */
#ifndef USER_USER_H
#define USER_USER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "syscall_arch.h"

typedef unsigned long ulong;

#define syscall0(n)          __syscall6(n, 0, 0, 0, 0, 0, 0)
#define syscall1(n, a)       __syscall6(n, (long)(a), 0, 0, 0, 0, 0)
#define syscall3(n, a, b, c) __syscall6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define syscall6(n, a, b, c, d, e, f) \
	__syscall6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

static inline long sys_write(int fd, const void *buf, size_t n) { return syscall3(SYS_write, fd, buf, n); }
static inline long sys_getpid(void) { return syscall0(SYS_getpid); }
/* fork(2): the call where the arch has it; arm64 has only clone, with SIGCHLD (17) as fork's. */
static inline long sys_fork(void)
{
#ifdef SYS_fork
	return syscall0(SYS_fork);
#else
	return syscall6(SYS_clone, 17, 0, 0, 0, 0, 0);
#endif
}
__attribute__((noreturn)) void sys_exit_group(int status);

/* The auxiliary vector the kernel passed (after envp's NULL): AT_* pairs ending with AT_NULL. */
extern const ulong *user_auxv;
/* The value of one auxv entry, or 0 if absent. */
ulong getauxval(ulong type);
#define AT_PHDR   3
#define AT_PHENT  4
#define AT_PHNUM  5
#define AT_PAGESZ 6
#define AT_ENTRY  9
#define AT_RANDOM 25
#define AT_EXECFN 31

/* printf to fd 1, buffered per call (one write per call): %d %i %u %x %X %o %c %s %p %%, with
 * the l and ll size prefixes, a width and the 0 and - flags. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap);
int snprintf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* KTAP (Linux's KUnit format): ktap_plan(n) prints the header and "1..n"; each ktap_ok()
 * prints "ok N name" or "not ok N name # reason"; ktap_exit() ends the program, status 0 if
 * every test passed, 1 otherwise. */
void ktap_plan(int n);
bool ktap_ok(bool cond, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ktap_skip(const char *name, const char *reason);
__attribute__((noreturn)) void ktap_exit(void);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

int main(int argc, char **argv, char **envp);

#endif

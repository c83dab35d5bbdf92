/* Attacks on the kernel from user space, one per run: `attack NAME`. Those that touch what they
 * may not must end in a kill (status 139 and one report line) with the kernel running on; those
 * that hand the kernel bad arguments must get errors, and exit 0 if every error was the right
 * one. The kernel's user suite runs each and checks, and that no page stayed behind. */
#include "user.h"

#define EFAULT 14
#define EINVAL 22
#define ENOMEM 12
#define EAGAIN 11

#if defined(__x86_64__)
#define KERNEL_ADDR 0xffffffff80100000ul
#elif defined(__aarch64__)
#define KERNEL_ADDR 0xffff000000100000ul
#else
#define KERNEL_ADDR 0xc000000000100000ul
#endif

static bool eq(const char *a, const char *b) { return strcmp(a, b) == 0; }

#define CLONE_THREAD_FLAGS (0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000)
long user_clone(ulong flags, void *stack, int *ptid, int *ctid, ulong tls, int (*fn)(void *),
		void *arg);
static int never;
static int sleeper(void *arg)
{
	(void)arg;
	syscall6(SYS_futex, &never, 128, 0, 0, 0, 0);
	return 0;
}

/* The instruction "return" for each arch, to copy into a page and call. */
#if defined(__x86_64__)
static const unsigned char ret_insn[] = { 0xc3 };
#elif defined(__aarch64__)
static const unsigned char ret_insn[] = { 0xc0, 0x03, 0x5f, 0xd6 };
#else
static const unsigned char ret_insn[] = { 0x20, 0x00, 0x80, 0x4e };
#endif

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc < 2)
		return 2;
	const char *a = argv[1];
	if (eq(a, "read_kernel"))
		return *(volatile char *)KERNEL_ADDR;
	if (eq(a, "write_kernel")) {
		*(volatile char *)KERNEL_ADDR = 1;
		return 0;
	}
	if (eq(a, "jump_kernel"))
		((void (*)(void))KERNEL_ADDR)();
	if (eq(a, "null_read"))
		return *(volatile char *)0;
	if (eq(a, "exec_noexec")) {   /* a page written with "ret" but mapped without PROT_EXEC */
		long p = syscall6(SYS_mmap, 0, 4096, 3, 0x22, -1, 0);
		memcpy((void *)p, ret_insn, sizeof(ret_insn));
		((void (*)(void))p)();
		return 0;
	}
	if (eq(a, "write_readonly")) {
		long p = syscall6(SYS_mmap, 0, 4096, 1, 0x22, -1, 0);
		*(volatile char *)p = 1;
		return 0;
	}
	if (eq(a, "syscall_pointers")) {   /* must all be errors, never a kill */
		int bad = 0;
		long p = syscall6(SYS_mmap, 0, 8192, 3, 0x22, -1, 0);
		syscall3(SYS_munmap, p + 4096, 4096, 0);
		bad += syscall3(SYS_write, 1, KERNEL_ADDR, 8) != -EFAULT;
		bad += syscall3(SYS_write, 1, p + 4096, 8) != -EFAULT;             /* unmapped */
		bad += syscall3(SYS_clock_gettime, 1, p + 4096 - 8, 0) != -EFAULT; /* straddling */
		bad += syscall3(SYS_clock_gettime, 1, KERNEL_ADDR, 0) != -EFAULT;
		bad += syscall3(SYS_clock_gettime, 1, ~0ul - 7, 0) != -EFAULT;     /* wraps */
		bad += syscall6(SYS_futex, KERNEL_ADDR, 128, 0, 0, 0, 0) != -EFAULT;
		return bad;
	}
	if (eq(a, "huge_lengths")) {
		int bad = 0;
		long p = syscall6(SYS_mmap, 0, 4096, 3, 0x22, -1, 0);
		bad += syscall6(SYS_mmap, 0, ~0ul, 3, 0x22, -1, 0) != -ENOMEM;
		bad += syscall6(SYS_mmap, 0, ~0ul - 4096 * 2 + 1, 3, 0x22, -1, 0) != -ENOMEM;
		bad += syscall3(SYS_munmap, p, ~0ul, 0) != -EINVAL;
		bad += syscall3(SYS_mprotect, p, ~0ul - 4095, 1) != -ENOMEM;
		bad += syscall6(SYS_mremap, p, 4096, ~0ul - 4095, 1, 0, 0) >= 0;
		bad += syscall3(SYS_madvise, p, ~0ul - 4095, 4) != -EINVAL;
		return bad;
	}
	if (eq(a, "thread_bomb")) {   /* threads until the kernel says no; then all go */
		long made = 0, r;
		for (;;) {
			long s = syscall6(SYS_mmap, 0, 16384, 3, 0x22, -1, 0);
			if (s < 0) {
				r = s;
				break;
			}
			r = user_clone(CLONE_THREAD_FLAGS, (char *)s + 16384, 0, 0, 0, sleeper, 0);
			if (r < 0)
				break;
			made++;
		}
		printf("attack: thread_bomb: %ld threads, then %ld\n", made, r);
		return made > 0 && (r == -EAGAIN || r == -ENOMEM) ? 0 : 1;
	}
	return 2;
}

/* exit_group from one thread while the others spin in user mode, fault pages in and sleep in a
 * futex: the process must end with the status that thread gave (7), and no page must stay behind
 * (the kernel's user suite checks both). Prints nothing: its status is its result. */
#include "user.h"

#define CLONE_THREAD_FLAGS (0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x100000 | \
			    0x200000)
#define STACK (64 * 1024ul)

long user_clone(ulong flags, void *stack, int *ptid, int *ctid, ulong tls, int (*fn)(void *),
		void *arg);

static int ctids[4];
static int never;

static int spinner(void *arg)
{
	(void)arg;
	for (volatile unsigned long i = 0;; i++)
		;
	return 0;
}
static int faulter(void *arg)
{
	(void)arg;
	for (;;) {
		long r = syscall6(SYS_mmap, 0, 64 * 4096, 3, 0x22, -1, 0);
		for (int i = 0; r > 0 && i < 64; i++)
			((volatile char *)r)[i * 4096] = 1;
		syscall3(SYS_munmap, r, 64 * 4096, 0);
	}
	return 0;
}
static int sleeper(void *arg)
{
	(void)arg;
	syscall6(SYS_futex, &never, 128 /* WAIT, private */, 0, 0, 0, 0);
	return 0;
}
static int exiter(void *arg)
{
	(void)arg;
	struct { long s, ns; } ms = { 0, 20000000 };
	syscall3(SYS_nanosleep, &ms, 0, 0);
	sys_exit_group(7);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	int (*fns[4])(void *) = { spinner, faulter, sleeper, exiter };
	for (int i = 0; i < 4; i++) {
		long s = syscall6(SYS_mmap, 0, STACK, 3, 0x22, -1, 0);
		if (s < 0 || user_clone(CLONE_THREAD_FLAGS, (char *)s + STACK, &ctids[i], &ctids[i], 0,
					fns[i], 0) <= 0)
			sys_exit_group(1);
	}
	spinner(0);   /* the main thread spins too */
	return 2;
}

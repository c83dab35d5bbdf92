/* Crash tests: not in test=all. Each ends the boot with a panic report, which tools/qemu-run
 * --expect panic checks (message, register dump, backtrace, failing exit status).
 *   test=crash                       a write through a NULL pointer
 *   test=crash.stack_overflow        unbounded recursion into the stack's guard page
 *   test=crash.bug                   a failed BUG_ON */
#include "kernel/ktest.h"
#include "kernel/panic.h"

KTEST_FLAGS(crash, null_write, KTEST_MANUAL)
{
	volatile u64 *volatile p = NULL;
	*p = 0xdead;
	ktest_fail(t, __FILE__, __LINE__, "survived a NULL write");
}

static __noinline u64 recurse(volatile u64 *depth)
{
	volatile u64 pad[64];
	pad[0] = ++*depth;
	if (pad[0] == 0)
		return 0;   /* never: keeps the compiler from calling this infinite */
	return recurse(depth) + pad[0];
}

KTEST_FLAGS(crash, stack_overflow, KTEST_MANUAL)
{
	volatile u64 depth = 0;
	recurse(&depth);
	ktest_fail(t, __FILE__, __LINE__, "survived unbounded recursion");
}

KTEST_FLAGS(crash, bug, KTEST_MANUAL)
{
	volatile int x = 1;
	BUG_ON(x == 1);
	ktest_fail(t, __FILE__, __LINE__, "survived BUG_ON");
}

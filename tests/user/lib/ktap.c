/* KTAP output for user programs, in the format of the kernel's own tests (kernel/ktest.h), so
 * that tools/qemu-run judges both alike. */
#include "user.h"

static int next_test = 1, failures;

void ktap_plan(int n)
{
	printf("KTAP version 1\n1..%d\n", n);
}

bool ktap_ok(bool cond, const char *name, const char *fmt, ...)
{
	char reason[256] = "";
	if (!cond && fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(reason, sizeof(reason), fmt, ap);
		va_end(ap);
	}
	if (cond)
		printf("ok %d %s\n", next_test++, name);
	else
		printf("not ok %d %s%s%s\n", next_test++, name, reason[0] ? " # " : "", reason);
	failures += !cond;
	return cond;
}

void ktap_skip(const char *name, const char *reason)
{
	printf("ok %d %s # SKIP %s\n", next_test++, name, reason);
}

void ktap_exit(void)
{
	sys_exit_group(failures ? 1 : 0);
}

#include "tests/host/host.h"

int host_checks, host_failures;

int host_test_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, host_checks, host_failures);
	return host_failures ? 1 : 0;
}

#include "tests/host/host.h"
#include "lib/printf.h"
#include <signal.h>
#include <unistd.h>

int host_checks, host_failures;

int host_test_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, host_checks, host_failures);
	return host_failures ? 1 : 0;
}

static const char *watchdog_name;
static unsigned watchdog_seconds;

/* The kernel's snprintf keeps no state, so it may run in a signal handler. */
static void watchdog_fired(int sig)
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "%s: still running after %u s: a lost wake-up?\n",
			 watchdog_name, watchdog_seconds);
	(void)sig;
	if (write(2, msg, (size_t)MIN(n, (int)sizeof(msg) - 1)) < 0)
		_exit(3);
	_exit(1);
}

void host_watchdog(const char *name, unsigned seconds)
{
	watchdog_name = name;
	watchdog_seconds = seconds;
	signal(SIGALRM, watchdog_fired);
	alarm(seconds);
}

/* Shared by the host test programs: the host port's extras and a tiny check framework that
 * counts and prints failures; main() ends with host_test_done(), whose exit status make test
 * reads. */
#ifndef TESTS_HOST_HOST_H
#define TESTS_HOST_HOST_H

#include "arch/host/host.h"
#include "lib/string.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int host_checks, host_failures;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		host_checks++;                                                        \
		if (!(cond)) {                                                        \
			host_failures++;                                              \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                     \
	} while (0)
#define CHECK_EQ(a, b)                                                                \
	do {                                                                          \
		long long _a = (long long)(a), _b = (long long)(b);                   \
		host_checks++;                                                        \
		if (_a != _b) {                                                       \
			host_failures++;                                              \
			fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", \
				__FILE__, __LINE__, #a, #b, _a, _b);                  \
		}                                                                     \
	} while (0)

int host_test_done(const char *name);
/* End the program, failing with a message, if it still runs after `seconds`: for tests of
 * sleeping locks, where a lost wake-up would otherwise be a hang. */
void host_watchdog(const char *name, unsigned seconds);

/* xorshift64: a small, seedable generator for the randomised tests. */
static inline unsigned long host_xorshift(unsigned long *state)
{
	unsigned long x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

#endif

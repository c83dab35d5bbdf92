/* In-kernel unit tests, reported as KTAP version 1 (the format of Linux's KUnit).
 *
 *     KTEST(buddy, alloc_free) {
 *             struct page *p = alloc_page(0);
 *             KASSERT(t, p != NULL);
 *             KEXPECT_EQ(t, page_ref(p), 1);
 *     }
 *
 * A case lands in the .ktest section; cases with the same suite name form a suite. test=all runs
 * every suite not marked manual; test=suite[,suite.case...] runs the ones named. KEXPECT records a
 * failure and goes on; KASSERT records it and leaves the case. */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include "kernel/compiler.h"

struct ktest {
	int failures;
	bool skipped;
	char skip_reason[96];
};

struct ktest_case {
	const char *suite;
	const char *name;
	void (*fn)(struct ktest *t);
	unsigned flags;
};

#define KTEST_MANUAL 0x1   /* only when named: crash tests, deliberately failing twins */

#define KTEST_FLAGS(suite, case, fl)                                                      \
	static void ktest_##suite##_##case(struct ktest *t);                             \
	static const struct ktest_case __ktest_##suite##_##case __used                   \
		__section(".ktest") __aligned(8) = { #suite, #case, ktest_##suite##_##case, fl }; \
	static void ktest_##suite##_##case(struct ktest *t __unused)
#define KTEST(suite, case) KTEST_FLAGS(suite, case, 0)

void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...) __printf(4, 5);
void ktest_skip(struct ktest *t, const char *reason);
/* A "# ..." diagnostic line inside the current case (measurements, distributions). */
void ktest_log(struct ktest *t, const char *fmt, ...) __printf(2, 3);

#define KEXPECT(t, cond) \
	((cond) ? true : (ktest_fail(t, __FILE__, __LINE__, "expected %s", #cond), false))
#define KEXPECT_EQ(t, a, b)                                                              \
	({                                                                               \
		u64 _a = (u64)(a), _b = (u64)(b);                                        \
		if (_a != _b)                                                            \
			ktest_fail(t, __FILE__, __LINE__, "expected %s == %s, got %#lx != %#lx", \
				   #a, #b, (unsigned long)_a, (unsigned long)_b);        \
		_a == _b;                                                                \
	})
#define KASSERT(t, cond)              \
	do {                          \
		if (!KEXPECT(t, cond)) \
			return;       \
	} while (0)
#define KASSERT_EQ(t, a, b)                \
	do {                               \
		if (!KEXPECT_EQ(t, a, b))  \
			return;            \
	} while (0)
#define KSKIP(t, reason)              \
	do {                          \
		ktest_skip(t, reason); \
		return;               \
	} while (0)

struct ktest_totals {
	unsigned pass, fail, skip;
};

/* Run the suites named by the comma-separated selection ("all", "suite", "suite.case"); an unknown
 * name is reported and counted as a failure. Adds the results to *tot. */
void ktest_run(const char *selection, struct ktest_totals *tot);
/* Is there a suite (or suite.case) of this name? */
bool ktest_exists(const char *item);
/* For `help`: list every suite, its number of cases and its manual cases. */
void ktest_print_suites(void);

#endif

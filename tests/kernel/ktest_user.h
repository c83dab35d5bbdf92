/* Helpers for the ports' user-mode suites (tests/kernel/arch/<arch>/test_user_*.c): run a
 * hand-made blob of position-independent code as a process and check how it ended, and that it
 * left no page behind. */
#ifndef TESTS_KERNEL_KTEST_USER_H
#define TESTS_KERNEL_KTEST_USER_H

#include "arch/arch.h"
#ifdef ARCH_HAS_USER_MODE
#include "kernel/ktest.h"

/* Where the blobs run (process_start_code maps them there, read-only and executable). */
#define KTEST_USER_CODE_AT 0x400000ul

/* Run [start, end) as a process `name` at addr; its exit status, or -1 if it did not start or
 * did not end in 10 s (recorded as a failure). *killed and *reason (user_fatal_trap's `what`)
 * say how it ended; either may be NULL. */
int ktest_user_run_blob(struct ktest *t, const char *name, const char *start, const char *end,
			uintptr_t addr, bool *killed, const char **reason);
/* Run it twice, counting pages around the second run, and expect want_code and, for a process
 * that must be killed, want_reason (NULL: it must exit by itself). */
void ktest_user_expect_run(struct ktest *t, const char *name, const char *start, const char *end,
			   uintptr_t addr, int want_code, const char *want_reason);
/* Run n processes of the blob at once (n at most 8) and expect each to exit 0 within 60 s: the
 * register-keeping blobs, one more process than there are CPUs so that the tick preempts them. */
void ktest_user_run_together(struct ktest *t, const char *name, const char *start,
			     const char *end, unsigned n);

/* A blob is bracketed by the symbols NAME and NAME_end (user_blobs.S). */
#define KTEST_USER_BLOB(name) extern const char name[], name##_end[]
#define KTEST_USER_RUN(t, blob, addr, code, reason) \
	ktest_user_expect_run(t, #blob, blob, blob##_end, addr, code, reason)

#endif /* ARCH_HAS_USER_MODE */
#endif

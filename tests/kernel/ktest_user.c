/* Helpers for the ports' user-mode suites (see ktest_user.h). */
#include "tests/kernel/ktest_user.h"
#ifdef ARCH_HAS_USER_MODE
#include "kernel/user/exec.h"
#include "kernel/user/process.h"
#include "lib/string.h"
#include "tests/kernel/ktest_mm.h"

#define NS_PER_S 1000000000ull

int ktest_user_run_blob(struct ktest *t, const char *name, const char *start, const char *end,
			uintptr_t addr, bool *killed, const char **reason)
{
	struct process *p = process_create(name);
	if (!KEXPECT(t, p != NULL))
		return -1;
	int tid = process_start_code(p, addr, start, (size_t)(end - start));
	int code = -1;
	if (!KEXPECT(t, tid > 0)) {
		ktest_log(t, "process_start_code: %d", tid);
		process_put(p);
		return -1;
	}
	if (!process_wait(p, 10 * NS_PER_S, &code)) {
		ktest_fail(t, __FILE__, __LINE__, "%s did not end within 10 s", name);
		code = -1;
	}
	if (killed)
		*killed = p->killed;
	if (reason)
		*reason = p->kill_reason;
	process_put(p);
	return code;
}

void ktest_user_expect_run(struct ktest *t, const char *name, const char *start, const char *end,
			   uintptr_t addr, int want_code, const char *want_reason)
{
	/* Once before counting: the first process of a boot, or the first with more threads alive
	 * than ever, grows what stays grown (slab pages of a size class, the kernel page tables of
	 * stack slots). A leak costs pages at every run; the second shows it. */
	bool killed = false;
	const char *reason = NULL;
	ktest_user_run_blob(t, name, start, end, addr, NULL, NULL);
	struct mt_counts before, after;
	mt_counts(NULL, &before);
	int code = ktest_user_run_blob(t, name, start, end, addr, &killed, &reason);
	KEXPECT_EQ(t, code, want_code);
	KEXPECT_EQ(t, killed, want_reason != NULL);
	if (want_reason && !KEXPECT(t, reason && !strcmp(reason, want_reason)))
		ktest_log(t, "killed for \"%s\", expected \"%s\"", reason ? reason : "(none)",
			  want_reason);
	mt_counts(NULL, &after);
	MT_COUNTS_EQ(t, &before, &after);
}

void ktest_user_run_together(struct ktest *t, const char *name, const char *start,
			     const char *end, unsigned n)
{
	struct process *p[8] = { NULL };
	n = MIN(n, 8u);
	for (unsigned i = 0; i < n; i++) {
		p[i] = process_create(name);
		if (!KEXPECT(t, p[i] != NULL))
			break;
		KEXPECT(t, process_start_code(p[i], KTEST_USER_CODE_AT, start,
					      (size_t)(end - start)) > 0);
	}
	for (unsigned i = 0; i < n && p[i]; i++) {
		int code = -1;
		KEXPECT(t, process_wait(p[i], 60 * NS_PER_S, &code));
		if (!KEXPECT_EQ(t, code, 0))
			ktest_log(t, "%s #%u exited %d%s%s", name, i, code,
				  p[i]->killed ? ", killed: " : "",
				  p[i]->killed && p[i]->kill_reason ? p[i]->kill_reason : "");
		process_put(p[i]);
	}
}

#endif /* ARCH_HAS_USER_MODE */

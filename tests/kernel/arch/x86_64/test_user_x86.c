/* x86_64 user mode from hand-made ring-3 code (user_blobs.S), suite "user_x86_64": a program
 * reaches the console and exits with its status; a kernel pointer handed to a system call is
 * -EFAULT; reading, writing or jumping where it may not, and privileged instructions, kill the
 * process with one report line and the kernel runs on; a SYSCALL at the very end of the user half
 * (SYSRET's non-canonical return) is a kill, not a ring-0 #GP; SSE registers survive preemption.
 * Each case checks that the process left no page behind. */
#include "kernel/ktest.h"
#include "kernel/sched/timer.h"
#include "kernel/user/exec.h"
#include "kernel/user/process.h"
#include "lib/string.h"
#include "tests/kernel/ktest_mm.h"

#define BLOB(name) extern const char name[], name##_end[]
BLOB(ublob_hello);
BLOB(ublob_kernel_ptr);
BLOB(ublob_read_kernel);
BLOB(ublob_jump_kernel);
BLOB(ublob_exec_stack);
BLOB(ublob_write_code);
BLOB(ublob_privileged);
BLOB(ublob_sysret_noncanon);
BLOB(ublob_sse_keep);

#define CODE_AT 0x400000ul

/* Run one blob as a process at addr; its exit status, or -1 if it did not end in 10 s. */
static int run_blob(struct ktest *t, const char *name, const char *start, const char *end,
		    uintptr_t addr, bool *killed)
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
	if (!process_wait(p, 10ull * 1000000000, &code)) {
		ktest_log(t, "%s did not end within 10 s", name);
		code = -1;
	}
	*killed = p->killed;
	process_put(p);
	return code;
}

static void expect_run(struct ktest *t, const char *name, const char *start, const char *end,
		       uintptr_t addr, int want_code, bool want_killed)
{
	/* Once before counting: the first process of a boot, or the first with more threads alive
	 * than ever, grows what stays grown (slab pages of a size class, the kernel page tables of
	 * stack slots). A leak costs pages at every run; the second shows it. */
	bool killed = false;
	run_blob(t, name, start, end, addr, &killed);
	struct mt_counts before, after;
	mt_counts(NULL, &before);
	int code = run_blob(t, name, start, end, addr, &killed);
	KEXPECT_EQ(t, code, want_code);
	KEXPECT_EQ(t, killed, want_killed);
	mt_counts(NULL, &after);
	MT_COUNTS_EQ(t, &before, &after);
}

#define RUN(t, blob, addr, code, killed) \
	expect_run(t, #blob, blob, blob##_end, addr, code, killed)

KTEST(user_x86_64, hello_exits_with_status)
{
	RUN(t, ublob_hello, CODE_AT, 42, false);
}

KTEST(user_x86_64, kernel_pointer_is_efault)
{
	RUN(t, ublob_kernel_ptr, CODE_AT, 14, false);
}

KTEST(user_x86_64, read_kernel_killed)
{
	RUN(t, ublob_read_kernel, CODE_AT, 139, true);
}

KTEST(user_x86_64, jump_kernel_killed)
{
	RUN(t, ublob_jump_kernel, CODE_AT, 139, true);
}

KTEST(user_x86_64, exec_stack_killed)
{
	RUN(t, ublob_exec_stack, CODE_AT, 139, true);
}

KTEST(user_x86_64, write_code_killed)
{
	RUN(t, ublob_write_code, CODE_AT, 139, true);
}

KTEST(user_x86_64, privileged_instruction_killed)
{
	RUN(t, ublob_privileged, CODE_AT, 139, true);
}

/* Under QEMU a SYSRET to a non-canonical rip faults in ring 3 (AMD's behaviour), which would
 * also end in a kill; Intel's CPUs raise the #GP in ring 0 on the user's stack. So the kill must
 * come from the exit path's own check, before SYSRET or IRET. */
KTEST(user_x86_64, sysret_noncanonical_killed)
{
	struct process *p = process_create("sysret");
	if (!KEXPECT(t, p != NULL))
		return;
	KEXPECT(t, process_start_code(p, USER_VA_END - PAGE_SIZE, ublob_sysret_noncanon,
				      (size_t)(ublob_sysret_noncanon_end - ublob_sysret_noncanon)) > 0);
	int code = -1;
	KEXPECT(t, process_wait(p, 10ull * 1000000000, &code));
	KEXPECT_EQ(t, code, 139);
	KEXPECT(t, p->kill_reason && !strcmp(p->kill_reason, "return to a non-canonical address"));
	process_put(p);
	RUN(t, ublob_sysret_noncanon, USER_VA_END - PAGE_SIZE, 139, true);
}

/* Processes spinning with a pattern in xmm0 and xmm1, one more than there are CPUs, so that the
 * tick preempts them and their registers are saved and restored. (Leaks are the other cases'.) */
KTEST(user_x86_64, sse_survives_preemption)
{
	struct process *p[3] = { NULL };
	unsigned n = MIN(nr_cpus_online + 1, 3u);
	for (unsigned i = 0; i < n; i++) {
		p[i] = process_create("sse");
		if (!KEXPECT(t, p[i] != NULL))
			break;
		KEXPECT(t, process_start_code(p[i], CODE_AT, ublob_sse_keep,
					      (size_t)(ublob_sse_keep_end - ublob_sse_keep)) > 0);
	}
	for (unsigned i = 0; i < n && p[i]; i++) {
		int code = -1;
		KEXPECT(t, process_wait(p[i], 60ull * 1000000000, &code));
		KEXPECT_EQ(t, code, 0);
		process_put(p[i]);
	}
}

/* ppc64 user mode from hand-made problem-state code (user_blobs.S), suite "user_ppc64": a
 * program reaches the console and exits with its status; a kernel pointer handed to a system
 * call is an error (CR0.SO) with EFAULT; loading from, branching to or storing where it may not,
 * and privileged instructions, kill the process with one report line and the kernel runs on;
 * FP/VMX/VSX registers, FPSCR, VRSAVE and the user's r2 and r13 survive preemption; every CPU
 * keeps the kernel from running user pages (IAMR). Each case checks that the process left no
 * page behind. The harness is x86_64's (test_user_x86.c), kept here rather than shared while the
 * other ports are being written. */
#include "arch/ppc64/ppc64.h"
#include "kernel/ktest.h"
#include "kernel/smp.h"
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
BLOB(ublob_privileged_spr);
BLOB(ublob_vsx_keep);

#define CODE_AT 0x400000ul

/* Run one blob as a process at addr; its exit status, or -1 if it did not end in 10 s. */
static int run_blob(struct ktest *t, const char *name, const char *start, const char *end,
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
	if (!process_wait(p, 10ull * 1000000000, &code)) {
		ktest_log(t, "%s did not end within 10 s", name);
		code = -1;
	}
	*killed = p->killed;
	*reason = p->kill_reason;
	process_put(p);
	return code;
}

/* want_reason: the kill's `what` (user_fatal_trap), or NULL for a process that exits. */
static void expect_run(struct ktest *t, const char *name, const char *start, const char *end,
		       int want_code, const char *want_reason)
{
	/* Once before counting: the first process of a boot, or the first with more threads alive
	 * than ever, grows what stays grown (slab pages of a size class, the kernel page tables of
	 * stack slots). A leak costs pages at every run; the second shows it. */
	bool killed = false;
	const char *reason = NULL;
	run_blob(t, name, start, end, CODE_AT, &killed, &reason);
	struct mt_counts before, after;
	mt_counts(NULL, &before);
	int code = run_blob(t, name, start, end, CODE_AT, &killed, &reason);
	KEXPECT_EQ(t, code, want_code);
	KEXPECT_EQ(t, killed, want_reason != NULL);
	if (want_reason && !KEXPECT(t, reason && !strcmp(reason, want_reason)))
		ktest_log(t, "killed for \"%s\", expected \"%s\"", reason ? reason : "(none)",
			  want_reason);
	mt_counts(NULL, &after);
	MT_COUNTS_EQ(t, &before, &after);
}

#define RUN(t, blob, code, reason) expect_run(t, #blob, blob, blob##_end, code, reason)

KTEST(user_ppc64, hello_exits_with_status)
{
	RUN(t, ublob_hello, 42, NULL);
}

/* The blob exits with r3 only if CR0.SO says the call failed: 14 is EFAULT the Linux way. */
KTEST(user_ppc64, kernel_pointer_is_efault)
{
	RUN(t, ublob_kernel_ptr, 14, NULL);
}

KTEST(user_ppc64, read_kernel_killed)
{
	RUN(t, ublob_read_kernel, 139, "read");
}

KTEST(user_ppc64, jump_kernel_killed)
{
	RUN(t, ublob_jump_kernel, 139, "exec");
}

KTEST(user_ppc64, exec_stack_killed)
{
	RUN(t, ublob_exec_stack, 139, "exec");
}

KTEST(user_ppc64, write_code_killed)
{
	RUN(t, ublob_write_code, 139, "write");
}

KTEST(user_ppc64, privileged_instruction_killed)
{
	RUN(t, ublob_privileged, 132, "privileged instruction");   /* SIGILL */
}

KTEST(user_ppc64, privileged_spr_killed)
{
	RUN(t, ublob_privileged_spr, 132, "privileged instruction");
}

/* Processes spinning with a pattern of their own in FP, vector and VSX registers, FPSCR,
 * VRSAVE, r2 and r13, one more than there are CPUs, so that the tick preempts them and their
 * registers are saved and restored. (Leaks are the other cases'.) */
KTEST(user_ppc64, vsx_survives_preemption)
{
	struct process *p[3] = { NULL };
	unsigned n = MIN(nr_cpus_online + 1, 3u);
	for (unsigned i = 0; i < n; i++) {
		p[i] = process_create("vsx");
		if (!KEXPECT(t, p[i] != NULL))
			break;
		KEXPECT(t, process_start_code(p[i], CODE_AT, ublob_vsx_keep,
					      (size_t)(ublob_vsx_keep_end - ublob_vsx_keep)) > 0);
	}
	for (unsigned i = 0; i < n && p[i]; i++) {
		int code = -1;
		KEXPECT(t, process_wait(p[i], 60ull * 1000000000, &code));
		KEXPECT_EQ(t, code, 0);
		process_put(p[i]);
	}
}

/* KUEP: every CPU's IAMR forbids the kernel to fetch from user pages (user.c). */
static u64 iamr[MAX_CPUS];
static void read_iamr(void *arg)
{
	(void)arg;
	iamr[smp_processor_id()] = mfspr(SPR_IAMR);
}

KTEST(user_ppc64, kernel_cannot_exec_user_pages)
{
	memset(iamr, 0, sizeof(iamr));
	smp_call_function(cpu_online_mask, read_iamr, NULL, true);
	for (unsigned c = 0; c < nr_cpus_online; c++)
		KEXPECT_EQ(t, iamr[c], 1ull << 62);
}

/* ppc64 user mode from hand-made problem-state code (user_blobs.S), suite "user_ppc64": a
 * program reaches the console and exits with its status; a kernel pointer handed to a system
 * call is an error (CR0.SO) with EFAULT; loading from, branching to or storing where it may not,
 * and privileged instructions, kill the process with one report line and the kernel runs on;
 * FP/VMX/VSX registers, FPSCR, VRSAVE and the user's r2 and r13 survive preemption; every CPU
 * keeps the kernel from running user pages (IAMR). Each case checks that the process left no
 * page behind (ktest_user.c, the runner the three ports share). */
#include "arch/ppc64/ppc64.h"
#include "kernel/ktest.h"
#include "kernel/smp.h"
#include "lib/string.h"
#include "tests/kernel/ktest_user.h"

KTEST_USER_BLOB(ublob_hello);
KTEST_USER_BLOB(ublob_kernel_ptr);
KTEST_USER_BLOB(ublob_read_kernel);
KTEST_USER_BLOB(ublob_jump_kernel);
KTEST_USER_BLOB(ublob_exec_stack);
KTEST_USER_BLOB(ublob_write_code);
KTEST_USER_BLOB(ublob_privileged);
KTEST_USER_BLOB(ublob_privileged_spr);
KTEST_USER_BLOB(ublob_vsx_keep);

#define RUN(t, blob, code, reason) KTEST_USER_RUN(t, blob, KTEST_USER_CODE_AT, code, reason)

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
	ktest_user_run_together(t, "vsx", ublob_vsx_keep, ublob_vsx_keep_end,
				MIN(nr_cpus_online + 1, 3u));
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

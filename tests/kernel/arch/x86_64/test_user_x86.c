/* x86_64 user mode from hand-made ring-3 code (user_blobs.S), suite "user_x86_64": a program
 * reaches the console and exits with its status; a kernel pointer handed to a system call is
 * -EFAULT; reading, writing or jumping where it may not, and privileged instructions, kill the
 * process with one report line and the kernel runs on; a SYSCALL at the very end of the user half
 * (SYSRET's non-canonical return) is a kill, not a ring-0 #GP; SSE registers survive preemption.
 * Each case checks how the process ended and that it left no page behind (ktest_user.c). */
#include "kernel/ktest.h"
#include "kernel/percpu.h"
#include "tests/kernel/ktest_user.h"

KTEST_USER_BLOB(ublob_hello);
KTEST_USER_BLOB(ublob_kernel_ptr);
KTEST_USER_BLOB(ublob_read_kernel);
KTEST_USER_BLOB(ublob_jump_kernel);
KTEST_USER_BLOB(ublob_exec_stack);
KTEST_USER_BLOB(ublob_write_code);
KTEST_USER_BLOB(ublob_privileged);
KTEST_USER_BLOB(ublob_sysret_noncanon);
KTEST_USER_BLOB(ublob_sse_keep);

#define CODE_AT KTEST_USER_CODE_AT
#define RUN KTEST_USER_RUN

KTEST(user_x86_64, hello_exits_with_status)
{
	RUN(t, ublob_hello, CODE_AT, 42, NULL);
}

KTEST(user_x86_64, kernel_pointer_is_efault)
{
	RUN(t, ublob_kernel_ptr, CODE_AT, 14, NULL);
}

KTEST(user_x86_64, read_kernel_killed)
{
	RUN(t, ublob_read_kernel, CODE_AT, 139, "read");
}

KTEST(user_x86_64, jump_kernel_killed)
{
	RUN(t, ublob_jump_kernel, CODE_AT, 139, "exec");
}

KTEST(user_x86_64, exec_stack_killed)
{
	RUN(t, ublob_exec_stack, CODE_AT, 139, "exec");
}

KTEST(user_x86_64, write_code_killed)
{
	RUN(t, ublob_write_code, CODE_AT, 139, "write");
}

KTEST(user_x86_64, privileged_instruction_killed)
{
	RUN(t, ublob_privileged, CODE_AT, 139, "#GP general protection");
}

/* Under QEMU a SYSRET to a non-canonical rip faults in ring 3 (AMD's behaviour), which would
 * also end in a kill; Intel's CPUs raise the #GP in ring 0 on the user's stack. So the kill must
 * come from the exit path's own check, before SYSRET or IRET. */
KTEST(user_x86_64, sysret_noncanonical_killed)
{
	RUN(t, ublob_sysret_noncanon, USER_VA_END - PAGE_SIZE, 139,
	    "return to a non-canonical address");
}

/* Processes spinning with a pattern in xmm0 and xmm1, one more than there are CPUs, so that the
 * tick preempts them and their registers are saved and restored. (Leaks are the other cases'.) */
KTEST(user_x86_64, sse_survives_preemption)
{
	ktest_user_run_together(t, "sse", ublob_sse_keep, ublob_sse_keep_end,
				MIN(nr_cpus_online + 1, 3u));
}

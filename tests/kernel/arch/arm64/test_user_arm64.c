/* arm64 user mode from hand-made EL0 code (user_blobs.S), suite "user_arm64": a program reaches
 * the console and exits with its status; a kernel pointer handed to a system call is -EFAULT;
 * loading from, branching to or storing where it may not, and privileged instructions, kill the
 * process with one report line and the kernel runs on; FP/SIMD registers, FPCR, FPSR, TPIDR_EL0
 * and x18 survive a system call and preemption; arch_copy_user stops at the exact byte that
 * faults; every CPU runs with PAN set where it has PAN. Each blob case checks how the process
 * ended and that it left no page behind (ktest_user.c). */
#include "arch/arm64/arm64.h"
#include "kernel/ktest.h"
#include "kernel/smp.h"
#include "lib/string.h"
#include "tests/kernel/ktest_mm.h"
#include "tests/kernel/ktest_user.h"

KTEST_USER_BLOB(ublob_hello);
KTEST_USER_BLOB(ublob_kernel_ptr);
KTEST_USER_BLOB(ublob_read_kernel);
KTEST_USER_BLOB(ublob_jump_kernel);
KTEST_USER_BLOB(ublob_exec_stack);
KTEST_USER_BLOB(ublob_write_code);
KTEST_USER_BLOB(ublob_privileged);
KTEST_USER_BLOB(ublob_privileged_sysreg);
KTEST_USER_BLOB(ublob_fp_keep);

#define CODE_AT KTEST_USER_CODE_AT
#define RUN KTEST_USER_RUN

KTEST(user_arm64, hello_exits_with_status)
{
	RUN(t, ublob_hello, CODE_AT, 42, NULL);
}

KTEST(user_arm64, kernel_pointer_is_efault)
{
	RUN(t, ublob_kernel_ptr, CODE_AT, 14, NULL);
}

/* 128 + SIGSEGV */
KTEST(user_arm64, read_kernel_killed)
{
	RUN(t, ublob_read_kernel, CODE_AT, 139, "read");
}

KTEST(user_arm64, jump_kernel_killed)
{
	RUN(t, ublob_jump_kernel, CODE_AT, 139, "exec");
}

KTEST(user_arm64, exec_stack_killed)
{
	RUN(t, ublob_exec_stack, CODE_AT, 139, "exec");
}

KTEST(user_arm64, write_code_killed)
{
	RUN(t, ublob_write_code, CODE_AT, 139, "write");
}

/* 128 + SIGILL. MSR DAIFSet at EL0 with SCTLR_EL1.UMA clear is trapped to EL1 as a system
 * instruction (EC 0x18); an EL1 register read at EL0 is an undefined instruction (EC 0x00). */
KTEST(user_arm64, privileged_instruction_killed)
{
	RUN(t, ublob_privileged, CODE_AT, 132, "system register access trapped");
}

KTEST(user_arm64, privileged_sysreg_killed)
{
	RUN(t, ublob_privileged_sysreg, CODE_AT, 132, "undefined instruction");
}

/* Processes spinning with a pattern of their own, one more than there are CPUs, so that the
 * tick preempts them and their registers are saved and restored. (Leaks are the other cases'.) */
KTEST(user_arm64, fp_simd_survive_preemption)
{
	ktest_user_run_together(t, "fpkeep", ublob_fp_keep, ublob_fp_keep_end,
				MIN(nr_cpus_online + 1, 3u));
}

/* A copy that runs into an unmapped page returns exactly the bytes it did not copy, from either
 * side and from any alignment (the doubleword loop's fault goes on in bytes), and copies every
 * byte before the hole. */
KTEST(user_arm64, copy_user_stops_at_the_fault)
{
	struct mm *mm = mt_setup(t);
	if (!mm)
		return;
	uintptr_t page = (uintptr_t)mt_map(t, mm, 0, 1, PROT_READ | PROT_WRITE, 0);
	uintptr_t hole = page + PG;   /* page 1 of the range: nothing mapped */
	u8 src[64], dst[64];
	for (unsigned i = 0; i < sizeof(src); i++)
		src[i] = (u8)(i * 7 + 1);
	for (unsigned before = 0; before <= 17; before++) {
		u8 *user = (u8 *)(hole - before);
		KEXPECT_EQ(t, arch_copy_user(user, src, sizeof(src)), sizeof(src) - before);
		memset(dst, 0, sizeof(dst));
		KEXPECT_EQ(t, arch_copy_user(dst, user, sizeof(dst)), sizeof(dst) - before);
		KEXPECT(t, !memcmp(dst, src, before));
	}
	mt_teardown(t, mm);
}

/* PAN: set on every CPU (SCTLR_EL1.SPAN clear, so every exception sets it again) where the CPU
 * has it; the kernel clears it only inside arch_copy_user and the probes. */
static u64 pan_state[MAX_CPUS], sctlr[MAX_CPUS];
static void read_pan(void *arg)
{
	(void)arg;
	pan_state[smp_processor_id()] = sysreg_read(S3_0_C4_C2_3);   /* PAN, ARMv8.1 */
	sctlr[smp_processor_id()] = sysreg_read(sctlr_el1);
}

KTEST(user_arm64, pan_on_every_cpu)
{
	if (!arm64_pan_on)
		KSKIP(t, "the CPU has no PAN (ARMv8.1): boot with --cpu max");
	KEXPECT_EQ(t, sysreg_read(S3_0_C4_C2_3), PSR_PAN);   /* here, in a thread */
	memset(pan_state, 0, sizeof(pan_state));
	smp_call_function(cpu_online_mask, read_pan, NULL, true);
	for (unsigned c = 0; c < nr_cpus_online; c++) {
		KEXPECT_EQ(t, pan_state[c], PSR_PAN);
		KEXPECT_EQ(t, sctlr[c] & (1ul << 23), 0);   /* SPAN */
	}
}

/* Manual, ends the boot: a plain kernel store to a present user page, outside arch_copy_user,
 * must panic naming PAN (tools/qemu-run arm64 --cpu max --expect panic --expect-output 'PAN:'
 * -- test=user_arm64.pan_stops_kernel_access), not be handled and retried for ever. */
KTEST_FLAGS(user_arm64, pan_stops_kernel_access, KTEST_MANUAL)
{
	if (!arm64_pan_on)
		KSKIP(t, "the CPU has no PAN (ARMv8.1): boot with --cpu max");
	struct mm *mm = mt_setup(t);
	if (!mm)
		return;
	uintptr_t page = (uintptr_t)mt_map(t, mm, 0, 1, PROT_READ | PROT_WRITE, 0);
	u64 one = 1;
	KASSERT(t, arch_copy_user((void *)page, &one, sizeof(one)) == 0);   /* present now */
	*(volatile u64 *)page = 2;
	ktest_fail(t, __FILE__, __LINE__, "the kernel wrote a user page with PAN set");
	mt_teardown(t, mm);
}

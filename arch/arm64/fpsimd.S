/*
 * A user thread's FP/SIMD registers (struct arch_thread_state, arch_defs.h): V0-V31 as 32
 * quadwords, then FPCR and FPSR. Only user.c calls these, with interrupts off; CPACR_EL1.FPEN
 * lets EL1 use the registers (user.c), and nothing else in the kernel does
 * (-mgeneral-regs-only). Writes to FPCR and FPSR need no ISB: they are not System registers
 * with a synchronisation requirement, and the return to EL0 is an ERET, context-synchronising
 * in any case (ARM ARM, "Context synchronization event").
 */
#define TS_FPCR 512
#define TS_FPSR 520

	.text
	.globl arm64_fpsimd_save
arm64_fpsimd_save:                      /* (struct arch_thread_state *x0) */
	stp	q0, q1, [x0, #0]
	stp	q2, q3, [x0, #32]
	stp	q4, q5, [x0, #64]
	stp	q6, q7, [x0, #96]
	stp	q8, q9, [x0, #128]
	stp	q10, q11, [x0, #160]
	stp	q12, q13, [x0, #192]
	stp	q14, q15, [x0, #224]
	stp	q16, q17, [x0, #256]
	stp	q18, q19, [x0, #288]
	stp	q20, q21, [x0, #320]
	stp	q22, q23, [x0, #352]
	stp	q24, q25, [x0, #384]
	stp	q26, q27, [x0, #416]
	stp	q28, q29, [x0, #448]
	stp	q30, q31, [x0, #480]
	mrs	x1, fpcr
	mrs	x2, fpsr
	str	x1, [x0, #TS_FPCR]
	str	x2, [x0, #TS_FPSR]
	ret

	.globl arm64_fpsimd_restore
arm64_fpsimd_restore:                   /* (const struct arch_thread_state *x0) */
	ldr	x1, [x0, #TS_FPCR]
	ldr	x2, [x0, #TS_FPSR]
	msr	fpcr, x1
	msr	fpsr, x2
	ldp	q0, q1, [x0, #0]
	ldp	q2, q3, [x0, #32]
	ldp	q4, q5, [x0, #64]
	ldp	q6, q7, [x0, #96]
	ldp	q8, q9, [x0, #128]
	ldp	q10, q11, [x0, #160]
	ldp	q12, q13, [x0, #192]
	ldp	q14, q15, [x0, #224]
	ldp	q16, q17, [x0, #256]
	ldp	q18, q19, [x0, #288]
	ldp	q20, q21, [x0, #320]
	ldp	q22, q23, [x0, #352]
	ldp	q24, q25, [x0, #384]
	ldp	q26, q27, [x0, #416]
	ldp	q28, q29, [x0, #448]
	ldp	q30, q31, [x0, #480]
	ret

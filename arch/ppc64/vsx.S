/*
 * A user thread's FP, VMX and VSX registers (struct arch_thread_state, TS_* in regs.h): the 64
 * VSX registers, whose VSR0-31 hold FPR0-31 in their first doubleword and whose VSR32-63 are
 * VR0-31 (Book I, 7.2.1), then VSCR, FPSCR and VRSAVE. The kernel runs with MSR[FP,VEC,VSX]
 * off; these turn them on for the copy and back off after. Interrupts off (the caller's).
 */
#include "arch/ppc64/regs.h"
#include "arch/ppc64/asm.h"

	.abiversion 2
	.machine power9                 /* lxv/stxv and the 4-operand mtfsf are ISA 3.0 */
	.text

/* r6 = the MSR as it was, r7 = with FP, VEC and VSX. mtmsrd with L=0 replaces the MSR; isync,
 * context-synchronising, makes every following instruction see the facilities on (Book III,
 * mtmsrd, and the definition of context synchronisation in Book III, chapter 1). */
.macro FACILITIES_ON
	mfmsr r6
	ori r7, r6, MSR_FP
	oris r7, r7, (MSR_VEC | MSR_VSX) >> 16
	mtmsrd r7, 0
	isync
.endm
.macro FACILITIES_OFF
	mtmsrd r6, 0
	isync
.endm

	.globl ppc64_vsx_save
	.type ppc64_vsx_save, @function
ppc64_vsx_save:                         /* (struct arch_thread_state *r3) */
	FACILITIES_ON
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, \
		23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, \
		44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63
	stxv \n, TS_VSR + \n*16(r3)
	.endr
	/* Saved above, so free: FPR0 for FPSCR, VR0 (VSR32) for VSCR. */
	mffs 0
	stfd 0, TS_FPSCR(r3)
	mfvscr 0
	stxv 32, TS_VSCR(r3)
	mfspr r5, SPR_VRSAVE
	stw r5, TS_VRSAVE(r3)
	/* The live registers stay the thread's: clone saves the running thread and returns to it
	 * without a restore, and the system-call ABI keeps every FP and vector register. */
	lxv 0, TS_VSR(r3)
	lxv 32, TS_VSR + 32*16(r3)
	FACILITIES_OFF
	blr

	.globl ppc64_vsx_restore
	.type ppc64_vsx_restore, @function
ppc64_vsx_restore:                      /* (const struct arch_thread_state *r3) */
	FACILITIES_ON
	lxv 32, TS_VSCR(r3)
	mtvscr 0
	lfd 0, TS_FPSCR(r3)
	mtfsf 0xff, 0, 1, 0             /* L = 1: all 64 bits of FPSCR (ISA 3.0) */
	lwz r5, TS_VRSAVE(r3)
	mtspr SPR_VRSAVE, r5
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, \
		23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, \
		44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63
	lxv \n, TS_VSR + \n*16(r3)
	.endr
	FACILITIES_OFF
	blr

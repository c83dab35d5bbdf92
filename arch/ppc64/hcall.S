/* Hypervisor calls (PAPR 14.5.3): r3 = the opcode, r4..r12 = arguments, `sc 1`; r3 = the status
 * and r4.. = return values. The hypervisor may change the volatile registers and CR; these
 * wrappers save CR anyway (QEMU does not touch it, a real hypervisor may). */
#include "arch/ppc64/regs.h"
#include "arch/ppc64/asm.h"
	.abiversion 2
	.text

	/* long ppc64_hcall(op, a1..a6) */
	.globl ppc64_hcall
	.type ppc64_hcall, @function
ppc64_hcall:
	mfcr r0
	stw r0, 8(r1)
	sc 1
	lwz r0, 8(r1)
	mtcrf 0xff, r0
	blr

	/* long ppc64_hcall_ret(u64 ret[4], op, a1..a5) */
	.globl ppc64_hcall_ret
	.type ppc64_hcall_ret, @function
ppc64_hcall_ret:
	mfcr r0
	stw r0, 8(r1)
	std r3, -8(r1)           /* in the red zone: this is a leaf */
	mr r3, r4
	mr r4, r5
	mr r5, r6
	mr r6, r7
	mr r7, r8
	mr r8, r9
	sc 1
	ld r12, -8(r1)
	std r4, 0(r12)
	std r5, 8(r12)
	std r6, 16(r12)
	std r7, 24(r12)
	lwz r0, 8(r1)
	mtcrf 0xff, r0
	blr

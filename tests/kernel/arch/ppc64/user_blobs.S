/* Hand-made ppc64 user programs for test_user_ppc64.c: position-independent code (no TOC; a
 * blob finds its own data with bcl 20,31 / mflr) copied into a process and run in problem state.
 * Each is bracketed by NAME and NAME_end. Linux's numbers: write 4, getpid 20, exit_group 234;
 * `sc` with the number in r0, arguments from r3, the result in r3 and CR0.SO set on error. */
#include "arch/ppc64/asm.h"

	.machine power9                 /* mtvsrdd, mfvsrld (ISA 3.0) */

.macro BLOB name
	.globl \name, \name\()_end
	.balign 16
\name:
.endm

/* r = a kernel address: the image's base, 0xc008000000000000. */
.macro KERNEL_ADDR r
	lis \r, 0xc008
	sldi \r, \r, 32
.endm

.macro EXIT_GROUP status
	li r3, \status
	li r0, 234
	sc
.endm

	.section .rodata, "a"

/* write(1, msg, len); exit_group(42) */
BLOB ublob_hello
	bcl 20, 31, 1f
1:	mflr r4
	addi r4, r4, 2f - 1b
	li r3, 1
	li r5, 3f - 2f
	li r0, 4
	sc
	EXIT_GROUP 42
	trap
2:	.ascii "user: hello from problem state\n"
3:
	.balign 4
ublob_hello_end:

/* write(1, <kernel address>, 16): an error (CR0.SO) with EFAULT (14) in r3 is the exit status;
 * a write that succeeded, or an error without SO, exits 1 or 2. */
BLOB ublob_kernel_ptr
	KERNEL_ADDR r4
	li r3, 1
	li r5, 16
	li r0, 4
	sc
	bns 1f
	li r0, 234                      /* r3: the errno */
	sc
1:	cmpdi r3, 14
	beq 2f
	EXIT_GROUP 1                    /* the write went through */
2:	EXIT_GROUP 2                    /* EFAULT, but SO not set */
ublob_kernel_ptr_end:

/* Load from a kernel address: killed. */
BLOB ublob_read_kernel
	KERNEL_ADDR r4
	ld r5, 0(r4)
	EXIT_GROUP 0
ublob_read_kernel_end:

/* Branch to a kernel address: killed. */
BLOB ublob_jump_kernel
	KERNEL_ADDR r4
	mtctr r4
	bctr
ublob_jump_kernel_end:

/* Execute from the stack (no-exec): a blr stored below r1 (in the red zone), then called. */
BLOB ublob_exec_stack
	lis r5, 0x4e80
	ori r5, r5, 0x0020              /* blr */
	stw r5, -16(r1)
	addi r6, r1, -16
	mtctr r6
	bctrl
	EXIT_GROUP 0
ublob_exec_stack_end:

/* Store into its own code (read-only): killed. */
BLOB ublob_write_code
	bcl 20, 31, 1f
1:	mflr r4
	stw r4, 0(r4)
	EXIT_GROUP 0
ublob_write_code_end:

/* A privileged instruction (mtmsrd): a program interrupt in problem state, killed. */
BLOB ublob_privileged
	li r3, 0
	mtmsrd r3, 1
	EXIT_GROUP 0
ublob_privileged_end:

/* Reading a privileged SPR (SPRG0: the kernel's per-CPU area): killed the same way. */
BLOB ublob_privileged_spr
	mfspr r3, 272
	EXIT_GROUP 0
ublob_privileged_spr_end:

/*
 * FP/VMX/VSX registers, FPSCR, VRSAVE and the user's r2 and r13 survive system calls and
 * preemption. The pattern is the process's own, from getpid: r31 = pid * 0x0101010101010101 ^
 * 0x1234567890abcdef. Both doublewords of VSR0 (FPR0), VSR31, VSR32 (VR0) and VSR63 hold it,
 * VRSAVE its low word, FPSCR[RN] the pid's low two bits (a rounding mode), r2 and r13 the
 * pattern and its complement. The thread spins (preempted by the tick beside the other
 * instances), then compares: exit_group(0) if intact, 1 if not.
 */
BLOB ublob_vsx_keep
	li r0, 20                       /* getpid */
	sc
	mr r30, r3
	lis r5, 0x0101
	ori r5, r5, 0x0101
	sldi r6, r5, 32
	or r5, r5, r6                   /* 0x0101010101010101 */
	mulld r31, r3, r5
	lis r5, 0x1234
	ori r5, r5, 0x5678
	sldi r5, r5, 32
	oris r5, r5, 0x90ab
	ori r5, r5, 0xcdef
	xor r31, r31, r5
	mtvsrdd 0, r31, r31
	mtvsrdd 31, r31, r31
	mtvsrdd 32, r31, r31
	mtvsrdd 63, r31, r31
	mtspr 256, r31                  /* VRSAVE */
	andi. r5, r30, 3
	mtvsrd 1, r5
	mtfsf 0x01, 1                   /* FPSCR field 7: XE = NI = 0, RN = pid & 3 */
	mr r2, r31
	not r13, r31
	li r0, 20                       /* a system call in between */
	sc
	lis r5, 0x0200                  /* 33.5 M turns */
	mtctr r5
1:	bdnz 1b
	li r0, 20
	sc
	.irp v, 0, 31, 32, 63
	mfvsrd r5, \v
	cmpd r5, r31
	bne 9f
	mfvsrld r5, \v
	cmpd r5, r31
	bne 9f
	.endr
	mfspr r5, 256
	clrldi r5, r5, 32
	clrldi r6, r31, 32
	cmpd r5, r6
	bne 9f
	mffs 2
	mfvsrd r5, 2
	andi. r5, r5, 3
	andi. r6, r30, 3
	cmpd r5, r6
	bne 9f
	cmpd r2, r31
	bne 9f
	not r5, r13
	cmpd r5, r31
	bne 9f
	EXIT_GROUP 0
9:	EXIT_GROUP 1
ublob_vsx_keep_end:

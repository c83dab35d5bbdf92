/*
 * ppc64 trap entry and exit, probes, stack switching and context switch.
 *
 * An interrupt saves PC and MSR in SRR0/SRR1 and vectors to real address 0 + offset with
 * translation off (Book III, 7.5). The kernel runs with translation on at 0xc008..., which real
 * mode cannot reach, so each vector holds a short stub (copied there at boot) that saves a few
 * registers in this CPU's area (SPRG0 holds its direct-map address, which real mode also
 * resolves), then rfids into ppc64_trap_entry with translation on. That builds a struct
 * trap_frame on the kernel stack, or on the CPU's emergency stack if the frame would fall into a
 * stack guard page, and calls ppc64_trap(frame). Per-CPU state only; no locks.
 */
#include "arch/ppc64/layout.h"
#include "arch/ppc64/regs.h"
#include "arch/ppc64/asm.h"

	.abiversion 2

/* ---- The low-memory stubs: assembled here, copied to real 0x100.. by ppc64_vectors_install */
	.section .text.ppc64_vectors, "ax"
	.balign 128
	.globl ppc64_vectors_start, ppc64_vectors_end
ppc64_vectors_start:

.macro VECTOR n
	.org ppc64_vectors_start + \n
	mtspr SPR_SPRG1, r13            /* 5 instructions: fits the 0x20 spacing of 0xf00.. */
	mfspr r13, SPR_SPRG0
	std r12, PC_R12(r13)
	li r12, \n
	b vec_common
.endm

	.set vec, 0x100
	.rept (VEC_STUBS_END - 0x100) / 0x20
	VECTOR vec
	.set vec, vec + 0x20
	.endr

	.org ppc64_vectors_start + VEC_STUBS_END
vec_common:                             /* real mode; r13 = this CPU's area, r12 = the vector */
	std r11, PC_R11(r13)
	std r12, PC_VEC(r13)
	mfcr r11                        /* before any compare below changes it */
	std r11, PC_CR(r13)
	mfsrr0 r11
	std r11, PC_SRR0(r13)
	mfsrr1 r11
	std r11, PC_SRR1(r13)
	ld r11, PC_KMSR(r13)
	ld r12, PC_ENTRY(r13)
	mtsrr0 r12
	mtsrr1 r11
	rfid
ppc64_vectors_end:

/* ---- Translation on from here ---- */
	.text
	.globl ppc64_trap_entry
	.type ppc64_trap_entry, @function
ppc64_trap_entry:
	std r9, PC_R9(r13)
	std r10, PC_R10(r13)
	/* From problem state (SRR1[PR]) r1 is the user's, nothing to build on: the frame is the
	 * running user thread's user frame, at the top of its kernel stack (arch_user_switch keeps
	 * it in the area). CR was saved by the stub, so compares are free from here. */
	ld r12, PC_SRR1(r13)
	andi. r12, r12, MSR_PR
	beq 3f
	ld r12, PC_UFRAME(r13)
	b 2f
	/* From the kernel: below the interrupted stack's red zone. */
3:	addi r12, r1, -(RED_ZONE + TF_SIZE + MIN_FRAME)
	clrrdi r12, r12, 4
	/* A frame in a kernel stack's guard page would fault again, for ever: a stack overflow.
	 * Use this CPU's emergency stack instead, so the overflow can be reported. */
	LOAD_IMM64(r11, KSTACK_AREA_BASE)
	subf r11, r11, r12
	LOAD_IMM64(r10, KSTACK_AREA_SIZE)
	cmpld r11, r10
	bge 1f
	li r10, KSTACK_SLOT_SIZE
	divdu r9, r11, r10
	mulld r9, r9, r10
	subf r11, r9, r11               /* offset in the slot; the guard page comes first */
	cmpldi r11, 4096
	bge 1f
	ld r12, PC_EMERG_SP(r13)
	addi r12, r12, -(TF_SIZE + MIN_FRAME)
1:	addi r12, r12, MIN_FRAME        /* r12: the trap frame */
2:	std r0, TF_GPR + 0*8(r12)
	std r1, TF_GPR + 1*8(r12)
	std r2, TF_GPR + 2*8(r12)
	std r3, TF_GPR + 3*8(r12)
	std r4, TF_GPR + 4*8(r12)
	std r5, TF_GPR + 5*8(r12)
	std r6, TF_GPR + 6*8(r12)
	std r7, TF_GPR + 7*8(r12)
	std r8, TF_GPR + 8*8(r12)
	ld r9, PC_R9(r13)
	std r9, TF_GPR + 9*8(r12)
	ld r9, PC_R10(r13)
	std r9, TF_GPR + 10*8(r12)
	ld r9, PC_R11(r13)
	std r9, TF_GPR + 11*8(r12)
	ld r9, PC_R12(r13)
	std r9, TF_GPR + 12*8(r12)
	mfspr r9, SPR_SPRG1
	std r9, TF_GPR + 13*8(r12)
	.irp n, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	std %r\n, TF_GPR + \n*8(r12)
	.endr
	ld r9, PC_SRR0(r13)
	std r9, TF_NIP(r12)
	std r9, TF_LR_SAVE(r12)
	ld r9, PC_SRR1(r13)
	std r9, TF_MSR(r12)
	mflr r9
	std r9, TF_LR(r12)
	mfctr r9
	std r9, TF_CTR(r12)
	ld r9, PC_CR(r13)
	std r9, TF_CR(r12)
	mfxer r9
	std r9, TF_XER(r12)
	mfspr r9, SPR_DAR
	std r9, TF_DAR(r12)
	mfspr r9, SPR_DSISR
	std r9, TF_DSISR(r12)
	ld r9, PC_VEC(r13)
	std r9, TF_VECTOR(r12)
	/* Two frames for the unwinder: the trap frame's header stands for the interrupted function
	 * (back chain = its r1, LR save = its ip), and a minimal frame below it for our call. */
	std r1, TF_BACKCHAIN(r12)
	ld r9, TF_MSR(r12)
	andi. r9, r9, MSR_PR
	beq 4f
	li r9, 0
	std r9, TF_BACKCHAIN(r12)       /* from user mode: backtraces end at the trap */
4:	li r9, 0
	std r9, 8(r12)
	std r9, 24(r12)
	addi r1, r12, -MIN_FRAME
	std r12, 0(r1)
	ld r2, PC_TOC(r13)
	ld r13, PC_PERCPU(r13)
	mr r3, r12
	bl ppc64_trap
	nop

	.globl ppc64_trap_return
	.type ppc64_trap_return, @function
ppc64_trap_return:                      /* r1 = MIN_FRAME below a trap frame */
	addi r12, r1, MIN_FRAME
	li r0, 0
	mtmsrd r0, 1                    /* EE and RI off: SRR0/SRR1 are live from here */
	ld r0, TF_LR(r12)
	mtlr r0
	ld r0, TF_CTR(r12)
	mtctr r0
	ld r0, TF_XER(r12)
	mtxer r0
	ld r0, TF_NIP(r12)
	mtsrr0 r0
	ld r0, TF_MSR(r12)
	mtsrr1 r0
	/* Drop any reservation (lwarx) the handler left, so that a stwcx. of the interrupted code,
	 * possibly another thread's, cannot succeed on it (Book II, 4.6.2). */
	addi r0, r12, TF_PAD
	stdcx. r0, 0, r0
	ld r0, TF_MSR(r12)
	/* In the kernel r13 is this CPU's struct percpu: a thread may have moved since the trap.
	 * In user mode it is the user's (its thread pointer), as are r1 and r2, all from the frame;
	 * rfid puts SRR1's PR, FP, VEC and VSX back with the rest of the user's MSR (Book III,
	 * rfid), and is context-synchronising, so nothing of the kernel's MSR leaks past it. */
	andi. r0, r0, MSR_PR
	mfspr r13, SPR_SPRG0
	ld r13, PC_PERCPU(r13)
	beq 2f
	ld r13, TF_GPR + 13*8(r12)
2:	ld r0, TF_CR(r12)
	mtcrf 0xff, r0
	ld r0, TF_GPR + 0*8(r12)
	.irp n, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, \
		26, 27, 28, 29, 30, 31
	ld %r\n, TF_GPR + \n*8(r12)
	.endr
	ld r1, TF_GPR + 1*8(r12)
	ld r12, TF_GPR + 12*8(r12)
	rfid

/* void arch_enter_user(struct trap_frame *f): f is the current thread's user frame, at the top
 * of its kernel stack; interrupts off. The trap exit restores it and rfids to problem state. */
	.globl arch_enter_user
	.type arch_enter_user, @function
arch_enter_user:
	addi r1, r3, -MIN_FRAME
	b ppc64_trap_return

/*
 * size_t arch_copy_user(void *dst, const void *src, size_t n): doublewords while 8 or more
 * bytes are left, then bytes. Every load and store has an __ex_table entry. A fault in the
 * doubleword loop has copied nothing of that doubleword (a single ld or std either performs or
 * raises the interrupt: Book III, storage interrupts are precise), so it goes on byte by byte
 * from the same place, which copies what can be copied and stops at the exact first byte that
 * faults: the count of bytes not copied is then CTR. No KUAP: AMR leaves user pages open to the
 * kernel (user.c).
 */
	.globl arch_copy_user
	.type arch_copy_user, @function
arch_copy_user:
	srdi. r6, r5, 3
	beq 5f
	mtctr r6
1:	ld r7, 0(r4)
2:	std r7, 0(r3)
	addi r4, r4, 8
	addi r3, r3, 8
	addi r5, r5, -8
	bdnz 1b
5:	cmpdi r5, 0                     /* the rest, or everything after a fault above */
	beq 8f
	mtctr r5
3:	lbz r7, 0(r4)
4:	stb r7, 0(r3)
	addi r4, r4, 1
	addi r3, r3, 1
	bdnz 3b
8:	li r3, 0
	blr
9:	mfctr r3                        /* a byte access faulted: CTR bytes are left */
	blr
	.pushsection __ex_table, "a"
	.balign 8
	.quad 1b, 5b
	.quad 2b, 5b
	.quad 3b, 9b
	.quad 4b, 9b
	.popsection

/*
 * Probes that may fault. An entry of __ex_table pairs the address of the instruction that may
 * fault with where to continue; the fixup returns -EFAULT (-14).
 */
	.globl arch_probe_read
	.type arch_probe_read, @function
arch_probe_read:                        /* int arch_probe_read(const void *addr, u64 *val) */
1:	ld r5, 0(r3)
	std r5, 0(r4)
	li r3, 0
	blr
2:	li r3, -14
	blr
	.pushsection __ex_table, "a"
	.balign 8
	.quad 1b, 2b
	.popsection

	.globl arch_probe_write
	.type arch_probe_write, @function
arch_probe_write:                       /* int arch_probe_write(void *addr, u64 val) */
1:	std r4, 0(r3)
	li r3, 0
	blr
2:	li r3, -14
	blr
	.pushsection __ex_table, "a"
	.balign 8
	.quad 1b, 2b
	.popsection

	.globl arch_call_on_stack
	.type arch_call_on_stack, @function
arch_call_on_stack:                     /* (void *stack_top, void (*fn)(void *), void *arg) */
	clrrdi r1, r3, 4
	li r0, 0
	stdu r0, -MIN_FRAME(r1)         /* a zero back chain ends backtraces here */
	mr r3, r5
	mtctr r4
	mr r12, r4                      /* ELFv2: r12 = the address at a global entry point */
	bctrl
	b .

/*
 * Context switch (arch/arch.h): the callee-saved state of the ELFv2 ABI is r1, r2, r14-r31, CR
 * fields 2-4 and LR. It goes into a SWITCH_FRAME on the old stack:
 *   0 back chain | 8..31 ABI header | 32 r14 .. 168 r31 | 176 CR | 184 r2
 * and the return address into the caller's frame, as any call does. r13 is the CPU's, not the
 * thread's, and is left alone.
 */
#define SWITCH_FRAME 192
	.globl arch_context_switch
	.type arch_context_switch, @function
arch_context_switch:                    /* (void **save_sp, void *next_sp) */
	mflr r0
	std r0, 16(r1)
	stdu r1, -SWITCH_FRAME(r1)
	.irp n, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	std %r\n, 32 + (\n - 14)*8(r1)
	.endr
	mfcr r0
	std r0, 176(r1)
	std r2, 184(r1)
	std r1, 0(r3)
	mr r1, r4
	.irp n, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	ld %r\n, 32 + (\n - 14)*8(r1)
	.endr
	ld r0, 176(r1)
	mtcrf 0xff, r0
	ld r2, 184(r1)
	addi r1, r1, SWITCH_FRAME
	ld r0, 16(r1)
	mtlr r0
	blr

/* A new thread's first return from arch_context_switch lands here (arch_thread_stack_init put
 * the argument in r14 and the entry point in r15). */
	.globl ppc64_thread_start
	.type ppc64_thread_start, @function
ppc64_thread_start:
	li r0, MSR_RI
	mtmsrd r0, 1                    /* interrupts off, as the contract promises */
	mr r3, r14
	mtctr r15
	mr r12, r15
	bctrl
	b .

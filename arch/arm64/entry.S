/*
 * arm64 exception entry, and the small assembly pieces of the contract.
 *
 * VBAR_EL1 points at arm64_vectors: 16 entries of 0x80 bytes (ARM ARM D1.10.2), four groups of
 * {synchronous, IRQ, FIQ, SError}: from EL1 with SP_EL0 (never used: the kernel runs on SP_EL1),
 * from EL1 with SP_EL1 (the kernel), from EL0 in AArch64 and in AArch32 (never entered: the
 * kernel only returns to AArch64). Each entry saves every general register, SP, ELR, SPSR, ESR and
 * FAR as a struct trap_frame on the current stack, links it into the frame-pointer chain and
 * calls a C handler with it; the handler's return restores everything and ERETs. The kernel uses
 * no FP/SIMD registers (-mgeneral-regs-only), so there are none to save here: a user thread's
 * are switched by arch_user_switch (user.c).
 *
 * From EL0 (el0_common): SP_EL1 is then the top of the running user thread's kernel stack, since
 * every return to EL0 pops the user frame from there (el0_return), so the frame the entry builds
 * is that thread's user frame, arch_user_frame(). The user's sp is SP_EL0, saved in the frame's
 * sp; x18 is the user's too, saved with the others, and the kernel's (the running thread) is
 * loaded from this CPU's struct percpu before any C runs. The way back restores SP_EL0 and every
 * register, the user's x18 with them, and ERETs with the frame's SPSR (EL0t).
 *
 * Kernel stack overflow: a synchronous exception from EL1 first checks, with an address
 * translation (AT S1E1W), that the frame it is about to store is mapped and writable. If not, the
 * stack ran into its guard page: the entry moves to an emergency stack and reports. SP_EL0 is
 * the scratch register for that check (the kernel never runs on SP_EL0): so it holds the user's
 * sp only while EL0 runs, and the user frame holds it in between.
 *
 * PAN. Where the CPU has it (arm64_pan_on, user.c), PSTATE.PAN forbids the kernel's loads and
 * stores to pages EL0 may access; every exception to EL1 sets it (SCTLR_EL1.SPAN = 0). Only the
 * uaccess windows below clear it, and put it back; a fault inside one, which may sleep, runs
 * with PAN set and its ERET restores the window's PAN from SPSR_EL1.
 */
#include "arch/arm64/layout.h"

#define FRAME_SIZE  304     /* sizeof(struct trap_frame) */
#define FRAME_SP    248
#define FRAME_ELR   256
#define FRAME_ESR   272
#define FRAME_REC   288
#define PERCPU_CURRENT 8    /* struct percpu's current: PERCPU_CURRENT_OFFSET (arch/arch.h) */
#define EMERGENCY_STACK_SIZE 8192

/* x2..x29 into the frame at sp. */
.macro SAVE_X2_X29
	stp	x2, x3, [sp, #16 * 1]
	stp	x4, x5, [sp, #16 * 2]
	stp	x6, x7, [sp, #16 * 3]
	stp	x8, x9, [sp, #16 * 4]
	stp	x10, x11, [sp, #16 * 5]
	stp	x12, x13, [sp, #16 * 6]
	stp	x14, x15, [sp, #16 * 7]
	stp	x16, x17, [sp, #16 * 8]
	stp	x18, x19, [sp, #16 * 9]
	stp	x20, x21, [sp, #16 * 10]
	stp	x22, x23, [sp, #16 * 11]
	stp	x24, x25, [sp, #16 * 12]
	stp	x26, x27, [sp, #16 * 13]
	stp	x28, x29, [sp, #16 * 14]
.endm

/* ELR, SPSR, ESR and FAR into the frame at sp, and a frame record {x29, ELR} that x29 then points
 * at, so backtraces walk through the trap. Clobbers x2-x4. */
.macro SAVE_SYSREGS_LINK
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x2, x3, [sp, #FRAME_ELR]
	mrs	x3, esr_el1
	mrs	x4, far_el1
	stp	x3, x4, [sp, #FRAME_ESR]
	stp	x29, x2, [sp, #FRAME_REC]
	add	x29, sp, #FRAME_REC
.endm

/* x0..x30 from the frame at sp. */
.macro RESTORE_X0_X30
	ldp	x0, x1, [sp, #16 * 0]
	ldp	x2, x3, [sp, #16 * 1]
	ldp	x4, x5, [sp, #16 * 2]
	ldp	x6, x7, [sp, #16 * 3]
	ldp	x8, x9, [sp, #16 * 4]
	ldp	x10, x11, [sp, #16 * 5]
	ldp	x12, x13, [sp, #16 * 6]
	ldp	x14, x15, [sp, #16 * 7]
	ldp	x16, x17, [sp, #16 * 8]
	ldp	x18, x19, [sp, #16 * 9]
	ldp	x20, x21, [sp, #16 * 10]
	ldp	x22, x23, [sp, #16 * 11]
	ldp	x24, x25, [sp, #16 * 12]
	ldp	x26, x27, [sp, #16 * 13]
	ldp	x28, x29, [sp, #16 * 14]
	ldr	x30, [sp, #16 * 15]
.endm

/* The uaccess window: PSTATE.PAN cleared where the CPU has PAN, set again after. MSR PAN, #imm
 * (ARMv8.1, op1 0, op2 4, CRm the value) as words for an ARMv8.0 assembler; it is UNDEFINED
 * without FEAT_PAN, hence the test. PSTATE writes by MSR (immediate) are seen by the
 * instructions after them with no ISB (ARM ARM, MSR (immediate)). Clobbers x9. */
.macro UACCESS_BEGIN
	adrp	x9, arm64_pan_on
	ldrb	w9, [x9, :lo12:arm64_pan_on]
	cbz	w9, 98f
	.inst	0xd500409f                   /* msr pan, #0 */
98:
.endm
.macro UACCESS_END
	adrp	x9, arm64_pan_on
	ldrb	w9, [x9, :lo12:arm64_pan_on]
	cbz	w9, 99f
	.inst	0xd500419f                   /* msr pan, #1 */
99:
.endm

/* An EL1 (SP_EL1) synchronous exception: the stack check, then the common path. */
.macro VENTRY_EL1_SYNC
	.balign 0x80
	msr	sp_el0, x0
	sub	x0, sp, #FRAME_SIZE
	at	s1e1w, x0
	isb
	mrs	x0, par_el1
	tbnz	x0, #0, el1_stack_overflow     /* PAR_EL1.F: the translation failed */
	mrs	x0, sp_el0
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp]
	adrp	x1, arm64_sync
	add	x1, x1, :lo12:arm64_sync
	b	trap_common
.endm

/* Any exception from EL0: the user frame, then el0_common with handler `fn`. */
.macro VENTRY_EL0 fn
	.balign 0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp]
	adrp	x1, \fn
	add	x1, x1, :lo12:\fn
	b	el0_common
.endm

/* Any other vector: straight to the common path with handler `fn`. */
.macro VENTRY fn
	.balign 0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp]
	adrp	x1, \fn
	add	x1, x1, :lo12:\fn
	b	trap_common
.endm

	.text
	.balign 2048
	.globl arm64_vectors
arm64_vectors:
	VENTRY bad_vector_0          /* EL1t: synchronous */
	VENTRY bad_vector_1          /*       IRQ */
	VENTRY bad_vector_2          /*       FIQ */
	VENTRY bad_vector_3          /*       SError */
	VENTRY_EL1_SYNC              /* EL1h: synchronous */
	VENTRY arm64_irq             /*       IRQ */
	VENTRY bad_vector_6          /*       FIQ */
	VENTRY bad_vector_7          /*       SError */
	VENTRY_EL0 arm64_el0_sync    /* EL0 AArch64: synchronous */
	VENTRY_EL0 arm64_el0_irq     /*       IRQ */
	VENTRY_EL0 bad_vector_10     /*       FIQ */
	VENTRY_EL0 bad_vector_11     /*       SError */
	VENTRY_EL0 bad_vector_12     /* EL0 AArch32: synchronous */
	VENTRY_EL0 bad_vector_13     /*       IRQ */
	VENTRY_EL0 bad_vector_14     /*       FIQ */
	VENTRY_EL0 bad_vector_15     /*       SError */

/* x0 and x1 are in the frame at sp, x1 holds the handler. */
trap_common:
	SAVE_X2_X29
	add	x2, sp, #FRAME_SIZE
	stp	x30, x2, [sp, #16 * 15]        /* x30, and the interrupted sp */
	SAVE_SYSREGS_LINK
	mov	x0, sp
	blr	x1
	/* The handler may have enabled interrupts; one arriving now would overwrite ELR/SPSR. */
	msr	daifset, #0xf
	ldp	x2, x3, [sp, #FRAME_ELR]
	msr	elr_el1, x2
	msr	spsr_el1, x3
	RESTORE_X0_X30
	add	sp, sp, #FRAME_SIZE
	eret

/* From EL0: x0 and x1 are in the user frame at sp, x1 holds the handler. The handler returns
 * with interrupts off, having called user_return_work() (traps.c). */
el0_common:
	SAVE_X2_X29                            /* x18: the user's */
	mrs	x2, sp_el0
	stp	x30, x2, [sp, #16 * 15]        /* x30, and the user's sp */
	SAVE_SYSREGS_LINK
	str	xzr, [sp, #FRAME_REC]          /* the chain ends here: x29 was the user's */
	/* The running thread, as arch_current_thread() expects it: this CPU's current, which is
	 * the thread that was at EL0 (TPIDR_EL1 is privileged: EL0 can neither read nor change
	 * it). */
	mrs	x18, tpidr_el1
	ldr	x18, [x18, #PERCPU_CURRENT]
	mov	x0, sp
	blr	x1
	/* fall through */

/* Back to EL0 from the user frame at sp, which is the top of this thread's kernel stack:
 * popping it leaves SP_EL1 where the next entry from EL0 builds the same frame. Interrupts
 * masked first: one arriving now would overwrite ELR_EL1 and SPSR_EL1. ERET is a context
 * synchronisation event (ARM ARM, "Context synchronization event"), so the SP_EL0, ELR and SPSR
 * writes need no ISB before it. */
el0_return:
	msr	daifset, #0xf
	ldp	x2, x3, [sp, #FRAME_ELR]
	msr	elr_el1, x2
	msr	spsr_el1, x3
	ldr	x2, [sp, #FRAME_SP]
	msr	sp_el0, x2
	RESTORE_X0_X30                         /* x18: the user's again */
	add	sp, sp, #FRAME_SIZE
	eret

/* void arch_enter_user(struct trap_frame *f): f is the user frame at the top of this thread's
 * kernel stack, interrupts off. */
	.globl arch_enter_user
arch_enter_user:
	mov	sp, x0
	b	el0_return

/* The stack check failed: x0 is spoiled, the real x0 is in SP_EL0 and sp is where the frame
 * would have gone below. Fatal, so the EL0 thread-ID registers may serve as scratch: TPIDR_EL0
 * keeps sp, TPIDRRO_EL0 keeps x1. One emergency stack for the machine, taken with an exclusive
 * store; a second CPU overflowing at the same time waits (the first one's panic stops it). */
el1_stack_overflow:
	mov	x0, sp
	msr	tpidr_el0, x0
	msr	tpidrro_el0, x1
	adrp	x0, emergency_owner
	add	x0, x0, :lo12:emergency_owner
1:	ldaxr	x1, [x0]
	cbnz	x1, 1b
	stxr	w1, x0, [x0]
	cbnz	w1, 1b
	adrp	x0, emergency_stack + EMERGENCY_STACK_SIZE
	add	x0, x0, :lo12:emergency_stack + EMERGENCY_STACK_SIZE
	mov	sp, x0
	sub	sp, sp, #FRAME_SIZE
	SAVE_X2_X29
	mrs	x0, sp_el0
	mrs	x1, tpidrro_el0
	stp	x0, x1, [sp, #16 * 0]
	mrs	x2, tpidr_el0
	stp	x30, x2, [sp, #16 * 15]
	SAVE_SYSREGS_LINK
	mov	x0, sp
	bl	arm64_stack_overflow
2:	wfe
	b	2b

/* Unexpected vectors: arm64_bad_vector(frame, index). */
.irp n, 0, 1, 2, 3, 6, 7, 10, 11, 12, 13, 14, 15
bad_vector_\n:
	mov	x1, #\n
	b	arm64_bad_vector
.endr

/*
 * Probes that may fault. An entry of __ex_table pairs the address of the instruction that may
 * fault with where to continue; the fixup returns -EFAULT (-14).
 */
	.globl arch_probe_read
arch_probe_read:                        /* int arch_probe_read(const void *addr, u64 *val) */
	UACCESS_BEGIN
1:	ldr	x2, [x0]
	UACCESS_END
	str	x2, [x1]
	mov	w0, #0
	ret
2:	UACCESS_END
	mov	w0, #-14
	ret
	.pushsection __ex_table, "a"
	.balign 8
	.quad 1b, 2b
	.popsection

	.globl arch_probe_write
arch_probe_write:                       /* int arch_probe_write(void *addr, u64 val) */
	UACCESS_BEGIN
1:	str	x1, [x0]
	UACCESS_END
	mov	w0, #0
	ret
2:	UACCESS_END
	mov	w0, #-14
	ret
	.pushsection __ex_table, "a"
	.balign 8
	.quad 1b, 2b
	.popsection

/*
 * size_t arch_copy_user(void *dst, const void *src, size_t n): doublewords while 8 or more bytes
 * are left, then bytes. Every load and store has an exception-table entry (either side may be
 * the user's): a fault in the doubleword loop goes on byte by byte from the same place, so the
 * copy stops at the first byte that cannot be read or written and x2, the bytes left, is exact.
 * A doubleword store that faulted may have written part of its bytes (ARM ARM, alignment and
 * single-copy atomicity of unaligned accesses): the byte loop writes them again, the same.
 */
	.globl arch_copy_user
arch_copy_user:
	UACCESS_BEGIN
	cmp	x2, #8
	b.lo	3f
1:	ldr	x3, [x1]
2:	str	x3, [x0]
	add	x0, x0, #8
	add	x1, x1, #8
	sub	x2, x2, #8
	cmp	x2, #8
	b.hs	1b
3:	cbz	x2, 6f
4:	ldrb	w3, [x1]
5:	strb	w3, [x0]
	add	x0, x0, #1
	add	x1, x1, #1
	sub	x2, x2, #1
	b	3b
6:	UACCESS_END
	mov	x0, x2
	ret
	.pushsection __ex_table, "a"
	.balign 8
	.quad 1b, 3b
	.quad 2b, 3b
	.quad 4b, 6b
	.quad 5b, 6b
	.popsection

/* Semihosting SYS_EXIT (0x18) with x1 = {reason, status}: QEMU exits with the status when run
 * with -semihosting-config enable=on. Otherwise HLT is an undefined instruction: the fixup
 * returns -EFAULT and the caller powers off through PSCI. */
	.globl arm64_semihost_exit
arm64_semihost_exit:                    /* int arm64_semihost_exit(const u64 block[2]) */
	mov	x1, x0
	mov	w0, #0x18
1:	hlt	#0xf000
	ret
2:	mov	w0, #-14
	ret
	.pushsection __ex_table, "a"
	.balign 8
	.quad 1b, 2b
	.popsection

	.globl arch_call_on_stack
arch_call_on_stack:                     /* (void *stack_top, void (*fn)(void *), void *arg) */
	mov	sp, x0
	mov	x29, #0                       /* a zero frame pointer ends backtraces here */
	mov	x30, #0
	mov	x0, x2
	br	x1

/*
 * Context switch: the callee-saved registers x19-x28, the frame pointer and the return address
 * go on the old stack (96 bytes), its sp into *save_sp; then the same off the new stack.
 */
	.globl arch_context_switch
arch_context_switch:                    /* (void **save_sp, void *next_sp) */
	sub	sp, sp, #96
	stp	x19, x20, [sp, #16 * 0]
	stp	x21, x22, [sp, #16 * 1]
	stp	x23, x24, [sp, #16 * 2]
	stp	x25, x26, [sp, #16 * 3]
	stp	x27, x28, [sp, #16 * 4]
	stp	x29, x30, [sp, #16 * 5]
	mov	x2, sp
	str	x2, [x0]
	mov	sp, x1
	ldp	x19, x20, [sp, #16 * 0]
	ldp	x21, x22, [sp, #16 * 1]
	ldp	x23, x24, [sp, #16 * 2]
	ldp	x25, x26, [sp, #16 * 3]
	ldp	x27, x28, [sp, #16 * 4]
	ldp	x29, x30, [sp, #16 * 5]
	add	sp, sp, #96
	ret

/* A new thread's first context switch "returns" here with x19 = entry, x20 = arg (laid out by
 * arch_thread_stack_init in smp.c). */
	.globl arm64_thread_start
arm64_thread_start:
	mov	x0, x20
	mov	x29, #0
	mov	x30, #0
	blr	x19
	brk	#0x800                        /* entry returned: it must not */

	.bss
	.balign 16
emergency_stack:
	.skip EMERGENCY_STACK_SIZE
	.balign 8
emergency_owner:
	.skip 8

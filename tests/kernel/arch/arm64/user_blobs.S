/* Hand-made arm64 user programs for test_user_arm64.c: position-independent code (adr finds its
 * own data) copied into a process and run at EL0. Each is bracketed by NAME and NAME_end.
 * Linux's numbers (asm-generic): write 64, exit_group 94, getpid 172; `svc #0` with the number in
 * x8, arguments from x0, the result in x0. */
.macro BLOB name
	.globl \name, \name\()_end
	.balign 16
\name:
.endm

/* r = the kernel image's first byte, 0xffffffffc0080000: mapped, EL1 only. */
.macro KERNEL_ADDR r
	movz	\r, #0xc008, lsl #16
	movk	\r, #0xffff, lsl #32
	movk	\r, #0xffff, lsl #48
.endm

.macro EXIT_GROUP status
	mov	x0, #\status
	mov	x8, #94
	svc	#0
.endm

	.section .rodata, "a"

/* write(1, msg, len); exit_group(42) */
BLOB ublob_hello
	adr	x1, 1f
	mov	x0, #1
	mov	x2, #(2f - 1f)
	mov	x8, #64
	svc	#0
	EXIT_GROUP 42
	brk	#0
1:	.ascii "user: hello from EL0\n"
2:
	.balign 4
ublob_hello_end:

/* exit_group(-write(1, <kernel address>, 16)): 14, EFAULT, if the kernel refused the pointer */
BLOB ublob_kernel_ptr
	KERNEL_ADDR x1
	mov	x0, #1
	mov	x2, #16
	mov	x8, #64
	svc	#0
	neg	x0, x0
	mov	x8, #94
	svc	#0
	brk	#0
ublob_kernel_ptr_end:

/* Read a kernel address: killed. */
BLOB ublob_read_kernel
	KERNEL_ADDR x1
	ldr	x0, [x1]
	EXIT_GROUP 0
ublob_read_kernel_end:

/* Jump to a kernel address: killed. */
BLOB ublob_jump_kernel
	KERNEL_ADDR x1
	br	x1
ublob_jump_kernel_end:

/* Execute from the stack (not executable): a `ret` stored below sp, then called: killed. */
BLOB ublob_exec_stack
	movz	w0, #0x03c0
	movk	w0, #0xd65f, lsl #16           /* ret */
	sub	x1, sp, #16
	str	w0, [x1]
	blr	x1
	EXIT_GROUP 0
ublob_exec_stack_end:

/* Write to its own code (read-only): killed. */
BLOB ublob_write_code
	adr	x1, ublob_write_code
	str	wzr, [x1]
	EXIT_GROUP 0
ublob_write_code_end:

/* Mask interrupts: EL0 may not touch DAIF (SCTLR_EL1.UMA = 0), so the MSR traps: killed. */
BLOB ublob_privileged
	msr	daifset, #2
	EXIT_GROUP 0
ublob_privileged_end:

/* Read an EL1 system register: undefined at EL0, killed. */
BLOB ublob_privileged_sysreg
	mrs	x0, sctlr_el1
	EXIT_GROUP 0
ublob_privileged_sysreg_end:

/*
 * FP/SIMD registers, FPCR, FPSR, TPIDR_EL0 and x18 survive a system call and preemption: a
 * pattern of the process's own (from getpid) in V0, V31 (both halves), FPCR's RMode, FZ and DN,
 * FPSR's cumulative flags, TPIDR_EL0 and x18, kept while the thread spins (preempted by the tick
 * beside the other processes) with a getpid halfway, then compared. exit_group(0) if intact, else
 * the first register found wrong: 1 V0, 2 V31, 3 FPCR, 4 FPSR, 5 TPIDR_EL0, 6 x18, 7 getpid.
 * The expected values wait in x19-x28, which the kernel restores like every other register.
 */
BLOB ublob_fp_keep
	mov	x8, #172                       /* getpid */
	svc	#0
	mov	x19, x0                        /* the pid */
	movz	x1, #0x0101
	movk	x1, #0x0101, lsl #16
	movk	x1, #0x0101, lsl #32
	movk	x1, #0x0101, lsl #48
	mul	x20, x0, x1
	movz	x1, #0xcdef
	movk	x1, #0x90ab, lsl #16
	movk	x1, #0x5678, lsl #32
	movk	x1, #0x1234, lsl #48
	eor	x20, x20, x1                   /* the pattern */
	mvn	x21, x20                       /* its complement */
	ror	x22, x20, #17
	ror	x23, x20, #43
	and	x24, x19, #0xf
	lsl	x24, x24, #22                  /* FPCR: RMode (23:22), FZ (24), DN (25) */
	and	x25, x19, #0x1f                /* FPSR: IOC, DZC, OFC, UFC, IXC */
	add	x26, x20, #1                   /* TPIDR_EL0 */
	eor	x27, x20, #0xff00              /* x18 */
	fmov	d0, x20
	mov	v0.d[1], x21
	fmov	d31, x22
	mov	v31.d[1], x23
	msr	fpcr, x24
	msr	fpsr, x25
	msr	tpidr_el0, x26
	mov	x18, x27
	movz	x9, #0x2d00
	movk	x9, #0x0131, lsl #16           /* 20 000 000 */
1:	subs	x9, x9, #1
	b.ne	1b
	mov	x8, #172
	svc	#0
	mov	x28, x0
	movz	x9, #0x2d00
	movk	x9, #0x0131, lsl #16
2:	subs	x9, x9, #1
	b.ne	2b
	mov	x0, #1
	fmov	x1, d0
	cmp	x1, x20
	b.ne	9f
	mov	x1, v0.d[1]
	cmp	x1, x21
	b.ne	9f
	mov	x0, #2
	fmov	x1, d31
	cmp	x1, x22
	b.ne	9f
	mov	x1, v31.d[1]
	cmp	x1, x23
	b.ne	9f
	mov	x0, #3
	mrs	x1, fpcr
	cmp	x1, x24
	b.ne	9f
	mov	x0, #4
	mrs	x1, fpsr
	cmp	x1, x25
	b.ne	9f
	mov	x0, #5
	mrs	x1, tpidr_el0
	cmp	x1, x26
	b.ne	9f
	mov	x0, #6
	cmp	x18, x27
	b.ne	9f
	mov	x0, #7
	cmp	x28, x19
	b.ne	9f
	mov	x0, #0
9:	mov	x8, #94
	svc	#0
	brk	#0
ublob_fp_keep_end:

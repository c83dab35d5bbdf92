/*
 * x86_64 trap entry. Every IDT vector has a small stub that makes the stack look the same (an
 * error code, real or 0, then the vector number) and jumps to trap_common, which saves the
 * general registers as a struct trap_frame and calls x86_trap(frame).
 * Vectors 8, 10-14, 17, 21, 29 and 30 get an error code from the CPU (SDM vol. 3A, 6.13).
 */
	.text

.macro TRAP_STUB n
	.balign 16
trap_stub_\n:
	.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || \
	    (\n == 29) || (\n == 30)
	.else
	pushq $0
	.endif
	pushq $\n
	jmp trap_common
.endm

	.globl x86_trap_stubs
	.balign 16
x86_trap_stubs:
.altmacro
.set i, 0
.rept 256
	TRAP_STUB %i
	.set i, i + 1
.endr

trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	/* Link the trap into the frame-pointer chain so backtraces walk through it. */
	movq 17*8(%rsp), %rax      /* interrupted rip */
	pushq %rax
	pushq %rbp
	movq %rsp, %rbp
	call x86_trap
	addq $16, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp             /* vector and error code */
	iretq

/*
 * Probes that may fault. An entry of __ex_table pairs the address of the instruction that may
 * fault with where to continue; the fixup returns -EFAULT (-14).
 */
	.globl arch_probe_read
arch_probe_read:                    /* int arch_probe_read(const void *addr, u64 *val) */
1:	movq (%rdi), %rax
	movq %rax, (%rsi)
	xorl %eax, %eax
	ret
2:	movl $-14, %eax
	ret
	.pushsection __ex_table, "a"
	.balign 8
	.quad 1b, 2b
	.popsection

	.globl arch_probe_write
arch_probe_write:                   /* int arch_probe_write(void *addr, u64 val) */
1:	movq %rsi, (%rdi)
	xorl %eax, %eax
	ret
2:	movl $-14, %eax
	ret
	.pushsection __ex_table, "a"
	.balign 8
	.quad 1b, 2b
	.popsection

	.globl arch_call_on_stack
arch_call_on_stack:                 /* (void *stack_top, void (*fn)(void *), void *arg) */
	movq %rdi, %rsp
	xorl %ebp, %ebp
	movq %rdx, %rdi
	pushq $0                    /* a zero return address ends backtraces here */
	jmp *%rsi

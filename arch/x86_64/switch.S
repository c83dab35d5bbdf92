/* Switching kernel threads. Only the callee-saved registers need saving: the switch is an
 * ordinary function call as far as the compiler is concerned (System V ABI: rbx, rbp, r12-r15). */

	.text
	.globl arch_context_switch
arch_context_switch:            /* void arch_context_switch(void **save_sp, void *next_sp) */
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	/* A new thread's first "return" lands here with [entry, arg, 0] on the stack. */
	.globl x86_thread_trampoline
x86_thread_trampoline:
	popq %rax
	popq %rdi
	jmpq *%rax

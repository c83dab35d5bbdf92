/* long user_clone(ulong flags, void *stack, int *ptid, int *ctid, ulong tls,
 *                 int (*fn)(void *), void *arg): clone(2) for a thread on x86_64, whose order is
 * clone(flags, stack, parent_tid, child_tid, tls). The child starts on `stack` with fn and arg
 * stored just below it, calls fn(arg) and exit(2)s with what it returns; the parent gets the tid
 * or -errno. */
	.text
	.globl user_clone
	.type user_clone, @function
user_clone:
	subq $16, %rsi
	movq %r9, (%rsi)           /* fn */
	movq 8(%rsp), %rax
	movq %rax, 8(%rsi)         /* arg */
	movq %rcx, %r10            /* child_tid: the fourth system-call argument */
	movl $56, %eax             /* clone */
	syscall
	testq %rax, %rax
	jnz 1f
	/* the child, on stack - 16 */
	popq %rax
	popq %rdi
	xorl %ebp, %ebp
	call *%rax
	movl %eax, %edi
	movl $60, %eax             /* exit */
	syscall
	ud2
1:	ret
	.size user_clone, . - user_clone
	.section .note.GNU-stack, "", @progbits

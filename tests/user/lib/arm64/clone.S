/* long user_clone(ulong flags, void *stack, int *ptid, int *ctid, ulong tls,
 *                 int (*fn)(void *), void *arg): clone(2) for a thread on arm64, whose order is
 * clone(flags, stack, parent_tid, tls, child_tid). The child starts on `stack` with fn and arg
 * stored just below it, calls fn(arg) and exit(2)s with what it returns; the parent gets the tid
 * or -errno. */
	.text
	.globl user_clone
	.type user_clone, %function
user_clone:
	stp x5, x6, [x1, #-16]!    /* fn, arg below the child's stack; x1 = stack - 16 */
	mov x9, x3
	mov x3, x4                 /* tls */
	mov x4, x9                 /* child_tid */
	mov x8, #220               /* clone */
	svc #0
	cbnz x0, 1f
	/* the child, on stack - 16 */
	ldp x5, x0, [sp], #16
	mov x29, #0
	mov x30, #0
	blr x5
	mov x8, #93                /* exit */
	svc #0
	brk #0
1:	ret
	.size user_clone, . - user_clone
	.section .note.GNU-stack, "", %progbits

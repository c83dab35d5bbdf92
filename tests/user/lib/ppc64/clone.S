/* long user_clone(ulong flags, void *stack, int *ptid, int *ctid, ulong tls,
 *                 int (*fn)(void *), void *arg): clone(2) for a thread on ppc64 (ELFv2), whose
 * order is clone(flags, stack, parent_tid, tls, child_tid). The child starts on `stack` with fn
 * and arg stored just below it, calls fn(arg) on a fresh minimal frame and exit(2)s with what it
 * returns; the parent gets the tid or -errno (the kernel flags an error in CR0.SO with a positive
 * errno). r2 (the TOC) is the parent's in the child too. */
	.abiversion 2
	.text
	.globl user_clone
	.type user_clone, @function
user_clone:
	std 8, -16(4)              /* fn */
	std 9, -8(4)               /* arg */
	mr 10, 6
	mr 6, 7                    /* tls */
	mr 7, 10                   /* child_tid */
	li 0, 120                  /* clone */
	sc
	bns+ 1f
	neg 3, 3
	blr
1:	cmpdi 3, 0
	bnelr
	/* the child: r1 = stack */
	ld 12, -16(1)
	ld 3, -8(1)
	li 0, 0
	stdu 0, -64(1)             /* a minimal ELFv2 frame with a null back chain */
	mtctr 12
	bctrl
	li 0, 1                    /* exit */
	sc
	trap
	.size user_clone, . - user_clone
	.section .note.GNU-stack, "", @progbits

/* ppc64 ELFv2 program entry: r1 points at argc, 16-byte aligned. The TOC pointer r2 is computed
 * from this code's own address (bcl/mflr), so it needs nothing from the kernel (Linux also puts
 * the entry address in r12, which this does not rely on) and works linked at any address, for
 * static PIE as well. Then a minimal frame (32 bytes, back chain 0) below argc, as the ABI
 * requires before any call. */
	.abiversion 2
	.text
	.globl _start
	.type _start, @function
_start:
	bcl 20, 31, 1f
1:	mflr 12
	addis 2, 12, (.TOC. - 1b)@ha
	addi 2, 2, (.TOC. - 1b)@l
	mr 3, 1                 /* __start_c(sp) */
	clrrdi 1, 1, 4
	li 0, 0
	stdu 0, -32(1)
	bl __start_c
	nop
	trap                    /* __start_c does not return */
	.size _start, . - _start
	.section .note.GNU-stack, "", @progbits

/* x86_64 program entry (System V psABI 3.4.1): %rsp points at argc, 16-byte aligned; no return
 * address. %rbp = 0 ends frame-pointer backtraces; %rdx (a function for atexit, 0 from Linux) is
 * ignored. */
	.text
	.globl _start
	.type _start, @function
_start:
	xor %ebp, %ebp
	mov %rsp, %rdi          /* __start_c(sp) */
	and $-16, %rsp          /* already aligned at entry; a call needs it so */
	call __start_c
	hlt                     /* __start_c does not return */
	.size _start, . - _start
	.section .note.GNU-stack, "", @progbits

/* arm64 program entry (Linux's arm64 ELF ABI, AAPCS64 6.4.5.1): sp points at argc, 16-byte
 * aligned. x29 = x30 = 0 end frame-record backtraces. */
	.text
	.globl _start
	.type _start, %function
_start:
	mov x29, #0
	mov x30, #0
	mov x0, sp              /* __start_c(sp) */
	bl __start_c
	brk #0                  /* __start_c does not return */
	.size _start, . - _start
	.section .note.GNU-stack, "", %progbits

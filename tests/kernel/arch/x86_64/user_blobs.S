/* Hand-made x86_64 user programs for test_user_x86.c: position-independent code copied into a
 * process and run in ring 3. Each is bracketed by NAME and NAME_end. Linux's numbers: write 1,
 * getpid 39, exit_group 231. */
.macro BLOB name
	.globl \name, \name\()_end
	.balign 16
\name:
.endm

	.section .rodata, "a"

/* write(1, msg, len); exit_group(42) */
BLOB ublob_hello
	lea 1f(%rip), %rsi
	mov $1, %edi
	mov $(2f - 1f), %edx
	mov $1, %eax
	syscall
	mov $42, %edi
	mov $231, %eax
	syscall
	ud2
1:	.ascii "user: hello from ring 3\n"
2:
ublob_hello_end:

/* exit_group(-write(1, <kernel address>, 16)): 14, EFAULT, if the kernel refused the pointer */
BLOB ublob_kernel_ptr
	movabs $0xffffffff80100000, %rsi
	mov $1, %edi
	mov $16, %edx
	mov $1, %eax
	syscall
	neg %rax
	mov %rax, %rdi
	mov $231, %eax
	syscall
	ud2
ublob_kernel_ptr_end:

/* Read a kernel address: killed. */
BLOB ublob_read_kernel
	movabs $0xffffffff80100000, %rax
	mov (%rax), %rax
	mov $0, %edi
	mov $231, %eax
	syscall
ublob_read_kernel_end:

/* Jump to a kernel address: killed. */
BLOB ublob_jump_kernel
	movabs $0xffffffff80100000, %rax
	jmp *%rax
ublob_jump_kernel_end:

/* Execute from the stack (no-exec): killed. */
BLOB ublob_exec_stack
	movl $0xc3c3c3c3, -16(%rsp)   /* ret */
	lea -16(%rsp), %rax
	call *%rax
	mov $0, %edi
	mov $231, %eax
	syscall
ublob_exec_stack_end:

/* Write to its own code (read-only): killed. */
BLOB ublob_write_code
	lea ublob_write_code(%rip), %rax
	movl $0, (%rax)
	mov $0, %edi
	mov $231, %eax
	syscall
ublob_write_code_end:

/* A privileged instruction (cli): #GP in ring 3, killed. */
BLOB ublob_privileged
	cli
	mov $0, %edi
	mov $231, %eax
	syscall
ublob_privileged_end:

/* One page whose last two bytes are SYSCALL: it returns to 0x800000000000 when the page is the
 * last of the user half. SYSRET must not be used there (#GP in ring 0 on the user's stack). */
BLOB ublob_sysret_noncanon
	mov $39, %eax              /* getpid */
	jmp 1f
	.fill 4096 - 2 - (. - ublob_sysret_noncanon), 1, 0x90
1:	syscall
ublob_sysret_noncanon_end:

/* SSE registers survive preemption: xmm0 holds a pattern while the thread spins for a while
 * (preempted by the tick beside the other instance), then is compared; exit_group(0) if intact,
 * 1 if not. */
BLOB ublob_sse_keep
	mov $39, %eax              /* getpid: a pattern of its own, unlike the other processes' */
	syscall
	mov $0x0101010101010101, %rcx
	imul %rcx, %rax
	mov $0x1234567890abcdef, %rcx
	xor %rcx, %rax
	movq %rax, %xmm0
	pshufd $0x44, %xmm0, %xmm0
	mov $50000000, %rcx
1:	dec %rcx
	jnz 1b
	movq %xmm0, %rbx
	pshufd $0xee, %xmm0, %xmm1
	movq %xmm1, %rdx
	xor %edi, %edi
	cmp %rax, %rbx
	setne %dil
	cmp %rax, %rdx
	jne 2f
	mov $231, %eax
	syscall
2:	mov $1, %edi
	mov $231, %eax
	syscall
ublob_sse_keep_end:

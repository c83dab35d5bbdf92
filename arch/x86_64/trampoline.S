/*
 * Where an application processor starts. A STARTUP IPI makes the AP begin in real mode at
 * CS:IP = (vector << 8):0, so this code is copied to TRAMPOLINE_PHYS (page-aligned, below 1 MiB)
 * and written to run there: every address is TRAMPOLINE_PHYS + its offset in this blob.
 * It climbs 16 -> 32 -> 64 bits with page tables that identity-map the low 2 MiB (for this
 * code) and share the kernel's upper half, then jumps to x86_ap_entry(cpu) on its own stack.
 * The boot CPU fills in the parameters at the end before each start (smpboot.c).
 */
#include "arch/x86_64/smpboot.h"

#define REL(x) (TRAMPOLINE_PHYS + ((x) - trampoline_start))

	.section .rodata
	.balign 16
	.globl trampoline_start, trampoline_end
	.globl tramp_cr3, tramp_stack, tramp_entry, tramp_cpu
	.code16
trampoline_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl REL(tramp_gdt_ptr)
	movl %cr0, %eax
	orl $1, %eax                        /* protected mode */
	movl %eax, %cr0
	ljmpl $0x08, $REL(tramp32)

	.code32
tramp32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $((1 << 5) | (1 << 7)), %eax    /* PAE, PGE */
	movl %eax, %cr4
	movl REL(tramp_cr3), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx              /* EFER: long mode, no-execute */
	rdmsr
	orl $((1 << 8) | (1 << 11)), %eax
	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16)), %eax  /* paging, write protect */
	movl %eax, %cr0
	ljmpl $0x18, $REL(tramp64)

	.code64
tramp64:
	movq REL(tramp_stack), %rsp
	movl REL(tramp_cpu), %edi
	xorl %ebp, %ebp
	pushq $0                            /* return address 0 ends backtraces */
	jmpq *REL(tramp_entry)

	.balign 8
tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff            /* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff            /* 0x10: data */
	.quad 0x00af9a000000ffff            /* 0x18: 64-bit code */
tramp_gdt_ptr:
	.word tramp_gdt_ptr - tramp_gdt - 1
	.long REL(tramp_gdt)
	.balign 8
tramp_cr3:   .quad 0
tramp_stack: .quad 0
tramp_entry: .quad 0
tramp_cpu:   .quad 0
trampoline_end:

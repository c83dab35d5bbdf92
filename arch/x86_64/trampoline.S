/*
 * Where an application processor starts. A STARTUP IPI makes the AP begin in real mode at
 * CS:IP = (vector << 8):0, so this code is copied to TRAMPOLINE_PHYS (page-aligned, below 1 MiB)
 * and written to run there: every address is TRAMPOLINE_PHYS + its offset in this blob.
 * It climbs 16 -> 32 -> 64 bits with page tables that identity-map the low 2 MiB (for this
 * code) and share the kernel's upper half, then jumps to x86_ap_entry(start) on its own stack.
 *
 * Every AP runs this one copy, and one may arrive long after the boot CPU gave up on it and
 * started the next: so nothing here changes from one start to the next (the parameters at the
 * end are written once). An AP finds its own start record in x86_ap_boots[] by its APIC id;
 * each record is written once, before that AP's STARTUP, and never reused (smpboot.c).
 */
#include "arch/x86_64/smpboot.h"

#define REL(x) (TRAMPOLINE_PHYS + ((x) - trampoline_start))

	.section .rodata
	.balign 16
	.globl trampoline_start, trampoline_end
	.globl tramp_cr3, tramp_entry, tramp_boots, tramp_nr_boots
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
	/* This CPU's APIC id (Intel SDM vol. 2A, CPUID): leaf 0BH's EDX is the full x2APIC id where
	 * the leaf exists (EBX != 0 for sub-leaf 0); else leaf 01H's EBX[31:24], the 8-bit id. */
	xorl %eax, %eax
	cpuid
	cmpl $0xb, %eax
	jb 1f
	movl $0xb, %eax
	xorl %ecx, %ecx
	cpuid
	testl %ebx, %ebx
	jz 1f
	movl %edx, %ebx
	jmp 2f
1:	movl $1, %eax
	cpuid
	shrl $24, %ebx
2:	/* Find the record with that id among the ones written so far: {hwid, stack_top, start}. */
	movq REL(tramp_boots), %rsi
	movq REL(tramp_nr_boots), %rcx
	movl (%rcx), %ecx
3:	testl %ecx, %ecx
	jz park                             /* none: not a CPU we started */
	cmpq (%rsi), %rbx
	je 4f
	addq $24, %rsi
	decl %ecx
	jmp 3b
4:	movq 8(%rsi), %rsp
	movq 16(%rsi), %rdi                 /* struct cpu_start *: x86_ap_entry's argument */
	xorl %ebp, %ebp
	pushq $0                            /* return address 0 ends backtraces */
	jmpq *REL(tramp_entry)
park:
	cli
	hlt
	jmp park

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
tramp_cr3:      .quad 0                  /* physical address of tramp_pml4 */
tramp_entry:    .quad 0                  /* x86_ap_entry */
tramp_boots:    .quad 0                  /* x86_ap_boots[] */
tramp_nr_boots: .quad 0                  /* &x86_nr_ap_boots: records written so far */
trampoline_end:

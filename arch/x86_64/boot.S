/*
 * x86_64 entry from a multiboot2 loader (GRUB), for a student to read top to bottom.
 *
 * GRUB leaves us in 32-bit protected mode with paging off, EAX = 0x36d76289 and EBX = the
 * physical address of the boot information (Multiboot2 spec, "I386 machine state"). This file
 * lives in low memory (.boot sections are linked at their physical address) and:
 *   1. builds page tables mapping the first 4 GiB twice, identity (so the next instruction after
 *      enabling paging still exists) and at DIRECT_MAP_BASE (so C can reach RAM), and the first
 *      GiB a third time at KERNEL_VIRT_BASE (where the kernel image is linked);
 *   2. enables PAE, long mode, no-execute and write protection, then paging;
 *   3. loads a 64-bit GDT, far-jumps into 64-bit code and jumps to the high half, x86_boot().
 * mm_init() later replaces these tables with the kernel's real ones, without the identity map.
 */
#include "arch/x86_64/layout.h"

#define MB2_MAGIC     0xe85250d6
#define MB2_ARCH_I386 0

	.section .multiboot, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* end tag */
	.word 0, 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	movl $boot_stack32_top, %esp
	movl %eax, boot_magic
	movl %ebx, boot_mbi

	/* Long mode needs CPUID leaf 0x80000001 with the LM bit; say so on the serial port if
	 * not. */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode

	/* Four page directories of 2 MiB pages: 4 GiB. Flags 0x83 = present, writable, PS. */
	movl $boot_pd, %edi
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax
	movl %eax, (%edi,%ecx,8)
	movl %ecx, %eax
	shrl $11, %eax                  /* the high dword: address bits 32..35 */
	movl %eax, 4(%edi,%ecx,8)
	incl %ecx
	cmpl $2048, %ecx
	jne 1b

	/* The low PDPT points at the four directories; so does the high one, for the image. */
	movl $boot_pd + 0x0003, %eax
	movl %eax, boot_pdpt_low + 0
	addl $0x1000, %eax
	movl %eax, boot_pdpt_low + 8
	addl $0x1000, %eax
	movl %eax, boot_pdpt_low + 16
	addl $0x1000, %eax
	movl %eax, boot_pdpt_low + 24
	movl $boot_pd + 0x0003, %eax
	movl %eax, boot_pdpt_high + 510 * 8   /* 0xffffffff80000000 -> physical 0 */

	movl $boot_pdpt_low + 0x0003, %eax
	movl %eax, boot_pml4 + 0              /* identity */
	movl %eax, boot_pml4 + 256 * 8        /* DIRECT_MAP_BASE */
	movl $boot_pdpt_high + 0x0003, %eax
	movl %eax, boot_pml4 + 511 * 8        /* kernel image */

	movl %cr4, %eax
	orl $(1 << 5), %eax                   /* PAE */
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx                /* EFER */
	rdmsr
	orl $((1 << 8) | (1 << 11)), %eax     /* LME, NXE */
	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16) | 1), %eax   /* PG, WP, PE */
	movl %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $long_mode_low

no_long_mode:
	movl $no_lm_msg, %esi
2:	lodsb
	testb %al, %al
	jz 3f
	movw $0x3f8, %dx
	outb %al, %dx
	jmp 2b
3:	hlt
	jmp 3b

	.code64
long_mode_low:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $x86_start64, %rax
	jmp *%rax

	.section .boot.data, "aw"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff        /* 0x10: data */
boot_gdt_ptr:
	.word boot_gdt_ptr - boot_gdt - 1
	.long boot_gdt
	.globl boot_magic, boot_mbi
boot_magic: .long 0
boot_mbi:   .long 0
no_lm_msg:  .asciz "faultline: this CPU has no long mode (x86_64); cannot boot\r\n"

	.section .boot.bss, "aw", @nobits
	.balign 4096
	.globl boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4 * 4096
boot_stack32:   .skip 1024
boot_stack32_top:

	/* ---- From here on: 64-bit code in the high half. ---- */
	.text
	.globl x86_start64
x86_start64:
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl boot_magic, %edi
	movl boot_mbi, %esi
	call x86_boot
1:	cli
	hlt
	jmp 1b

	.bss
	.balign 16
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip BOOT_STACK_SIZE
boot_stack_top:

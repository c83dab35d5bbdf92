/*
 * ppc64 entry, for a student to read top to bottom. Owns the boot CPU's and the secondaries'
 * path from firmware to C; runs on one CPU at a time, before anything else.
 *
 * QEMU loads the image at 0x400000 (its kernel-addr; the link-time physical base is 0) and the
 * firmware (the -bios stub, SLOF or VOF) jumps to the image's first byte, big-endian, in 32-bit
 * mode, translation off, with r3 = the device tree (the -bios stub) or r5 = the Open Firmware
 * client interface (SLOF). This code is position-independent and lives in .boot.text, linked at
 * its physical offset. It:
 *   1. switches the CPU to little-endian (the endian trampoline) and 64-bit mode; under Open
 *      Firmware, fetches the device tree from it;
 *   2. checks that the CPU has radix translation (POWER9 and later), or says that it needs it
 *      and powers off with the failing status; clears .bss, found relative to where the image
 *      runs;
 *   3. builds a minimal radix tree: 1 GiB leaves mapping the first EARLY_MAP_GIB GiB of RAM at
 *      DIRECT_MAP_BASE and 2 MiB leaves mapping the image at KERNEL_VIRT_BASE, registers the
 *      process table (H_REGISTER_PROC_TBL) and makes interrupts little-endian (H_SET_MODE);
 *   4. turns translation on and continues at the link address in .text: from then on absolute
 *      addresses in the image are right and nothing needs relocating;
 *   5. sets the TOC pointer (r2) and the boot stack, and calls ppc64_boot(fdt, image_phys).
 * mm_init() later replaces the tree with the kernel's real one (W^X, 4 KiB pages, vmemmap).
 * Secondary CPUs, started by RTAS start-cpu, enter at ppc64_secondary_real with r3 = the index of
 * their start attempt (platform.c), which names their stack and start record.
 */
#include "arch/ppc64/layout.h"
#include "arch/ppc64/regs.h"
#include "arch/ppc64/asm.h"

	.abiversion 2
/* Physical address of image symbol `sym`, given r30 = the physical address of _start. */
#define PHYS(r, sym)                             \
	LOAD_IMM64(r, (sym) - KERNEL_VIRT_BASE); \
	add r, r, r30

/* An instruction emitted big-endian, for the CPU to run before it is little-endian. */
#define BE_INSN(x) .long ((((x) >> 24) & 0xff) | (((x) >> 8) & 0xff00) | \
			  (((x) << 8) & 0xff0000) | (((x) & 0xff) << 24))

/*
 * The endian trampoline. Its first word, `tdi 0,0,0x48`, never traps when read little-endian;
 * read big-endian the same bytes are 0x48000008, `b .+8`, which lands on the big-endian block:
 * flip MSR[LE] and rfid to the instruction after the block. A little-endian CPU branches over it.
 */
.macro FIXUP_ENDIAN
	tdi 0, 0, 0x48
	b 191f
	BE_INSN(0x7d6000a6)     /* mfmsr  r11 */
	BE_INSN(0x696b0001)     /* xori   r11, r11, MSR_LE */
	BE_INSN(0x429f0005)     /* bcl    20, 31, .+4 */
	BE_INSN(0x7d4802a6)     /* mflr   r10 */
	BE_INSN(0x394a0014)     /* addi   r10, r10, 20: the word after rfid */
	BE_INSN(0x7d5a03a6)     /* mtsrr0 r10 */
	BE_INSN(0x7d7b03a6)     /* mtsrr1 r11 */
	BE_INSN(0x4c000024)     /* rfid */
191:
.endm

/* MSR[SF]: 64-bit mode. */
.macro ENABLE_64BIT
	mfmsr r11
	li r12, 1
	rldicr r12, r12, 63, 0
	or r11, r11, r12
	mtmsrd r11
	isync
.endm

	.section .boot.text, "ax"
	.globl _start
	.type _start, @function
_start:
	FIXUP_ENDIAN
	ENABLE_64BIT
	mr r31, r3                      /* the device tree's physical address */
	bcl 20, 31, 1f
1:	mflr r30
	addi r30, r30, _start - 1b      /* r30: where the image runs */

	/* Open Firmware (SLOF) passes no device tree, only its client interface in r5, and in
	 * r3 and r4 the initrd's start and size (0 without one: Linux's convention); QEMU's reset
	 * and the -bios stub pass the device tree in r3 and 0 in r5. So r5 decides. */
	cmpdi r5, 0
	bne of_fetch_fdt
have_fdt:
	/* Radix translation is the only kind this kernel knows. A CPU without it (POWER8 and
	 * older: the hashed page table only) would fault at the first instruction after
	 * translation goes on, with no vectors to take it: refuse it here, where the console
	 * still works. The firmware says which MMUs the CPU has in each CPU node's
	 * ibm,pa-features (PAPR, as Linux reads it): after a two-byte header {count of attribute
	 * bytes, type 0}, attribute byte 40's most significant bit is radix. */
	bcl 20, 31, 1f
	.asciz "ibm,pa-features"
	.balign 4
1:	mflr r3
	bl fdt_find_prop
	cmpdi r3, 0
	beq no_radix
	cmpldi r4, 2 + 41               /* the property holds attribute byte 40 */
	blt no_radix
	lbz r5, 0(r3)
	cmpldi r5, 41                   /* ... and its header says that it does */
	blt no_radix
	lbz r5, 1(r3)
	cmpldi r5, 0
	bne no_radix
	lbz r5, 2 + 40(r3)
	andi. r5, r5, 0x80
	beq no_radix

	/* The image is mapped with 2 MiB leaves below: it must be loaded 2 MiB-aligned. */
	clrldi. r0, r30, 43
	bne bad_load

	/* Clear .bss. */
	PHYS(r4, __bss_start)
	PHYS(r5, __bss_end)
	li r0, 0
2:	cmpld r4, r5
	bge 3f
	std r0, 0(r4)
	addi r4, r4, 8
	b 2b
3:
	/* The early radix tree (entry formats in arch_inline.h; stdbrx stores big-endian). */
	PHYS(r4, early_root)
	PHYS(r5, early_pud_direct)
	PHYS(r6, early_pud_image)
	PHYS(r7, early_pmd_image)
	LOAD_IMM64(r8, 0x8000000000000009)     /* V | NLS=9 */
	or r9, r5, r8
	stdbrx r9, 0, r4                       /* root[0]: DIRECT_MAP_BASE */
	or r9, r6, r8
	LOAD_IMM64(r10, ((KERNEL_VIRT_BASE >> 39) & 0x1fff) * 8)
	stdbrx r9, r4, r10                     /* root[4096]: KERNEL_VIRT_BASE */
	or r9, r7, r8
	stdbrx r9, 0, r6

	LOAD_IMM64(r8, 0xc00000000000018e)     /* V L R C PRIV READ RW: data */
	li r9, 0
	li r10, EARLY_MAP_GIB
	mtctr r10
	mr r11, r5
4:	or r12, r9, r8
	stdbrx r12, 0, r11
	addi r11, r11, 8
	addis r9, r9, 0x4000                   /* + 1 GiB */
	bdnz 4b

	LOAD_IMM64(r8, 0xc00000000000018f)     /* ... and EXEC: the image */
	mr r9, r30
	li r10, EARLY_IMAGE_2M
	mtctr r10
	mr r11, r7
5:	or r12, r9, r8
	stdbrx r12, 0, r11
	addi r11, r11, 8
	addis r9, r9, 0x20                     /* + 2 MiB */
	bdnz 5b

	/* Process-table entry 0 (quadrant 3): RTS = 52 - 31 = 0b10101 split over bits 62..61 and
	 * 7..5, the root's address, RPDS = 13 (log2 of the root's entries). Book III, 5.7.6.2. */
	PHYS(r5, ppc64_process_table)
	LOAD_IMM64(r8, 0x40000000000000ad)
	or r9, r4, r8
	stdbrx r9, 0, r5
	ptesync

	li r3, H_REGISTER_PROC_TBL
	li r4, PROC_TBL_FLAGS
	li r6, 0                               /* r5: the table; page size 0 */
	li r7, 4                               /* size: 2^(12 + 4) bytes, 4096 PIDs */
	sc 1
	cmpdi r3, 0
	bne bad_hcall
	li r3, H_SET_MODE
	li r4, H_SET_MODE_ENDIAN_LE
	li r5, H_SET_MODE_RESOURCE_LE
	li r6, 0
	li r7, 0
	sc 1
	cmpdi r3, 0
	bne bad_hcall

	LOAD_IMM64(r3, ppc64_start_virtual)
	b enable_translation

/*
 * Secondary CPUs: RTAS start-cpu enters here big-endian, 64-bit, translation off, r3 = the start
 * attempt's index. The process table and the little-endian interrupt mode are already set for all
 * CPUs.
 */
	.globl ppc64_secondary_real
	.type ppc64_secondary_real, @function
ppc64_secondary_real:
	FIXUP_ENDIAN
	ENABLE_64BIT
	mr r31, r3
	LOAD_IMM64(r3, ppc64_secondary_virtual)

enable_translation:                     /* rfid to r3 with IR, DR and RI set */
	mfmsr r4
	ori r4, r4, MSR_IR | MSR_DR | MSR_RI
	mtsrr0 r3
	mtsrr1 r4
	rfid

/*
 * Ask Open Firmware for a flattened copy of its device tree: SLOF's client-interface service
 * "fdt-fetch" (buf, len -- ret). OF is called big-endian in 32-bit mode with r3 = an argument
 * array of big-endian 32-bit cells {service, nargs, nret, args..., rets...}, and returns with blr
 * in that mode, to the endian trampoline. The array and the tree go just past the image, which
 * nothing else uses yet, or past the initrd (r31, r4) when QEMU put that right after the image;
 * the tree is reserved as "device tree" once parsed. Addresses here are below 4 GiB: r28 keeps
 * its low half across the 32-bit call, as the ABI keeps non-volatile registers.
 */
#define OF_FDT_MAX 0x100000
of_fetch_fdt:
	mr r29, r5
	PHYS(r28, __image_end)
	clrldi r12, r31, 32             /* entered in 32-bit mode: upper halves are not ours */
	cmpdi r12, 0
	beq 14f
	clrldi r4, r4, 32
	add r12, r12, r4
	addi r12, r12, 7
	clrrdi r12, r12, 3              /* the initrd's end, 8-byte aligned */
	cmpld r12, r28
	ble 14f
	mr r28, r12
14:
	bcl 20, 31, 11f
	.asciz "fdt-fetch"
	.balign 4
11:	mflr r4
	stwbrx r4, 0, r28               /* service */
	li r4, 2
	addi r5, r28, 4
	stwbrx r4, 0, r5                /* nargs */
	li r4, 1
	addi r5, r28, 8
	stwbrx r4, 0, r5                /* nret */
	addi r4, r28, 64
	addi r5, r28, 12
	stwbrx r4, 0, r5                /* buf */
	lis r4, OF_FDT_MAX@h
	addi r5, r28, 16
	stwbrx r4, 0, r5                /* len */
	mr r3, r28
	mtsrr0 r29
	mfmsr r11
	LOAD_IMM64(r12, MSR_SF | MSR_LE)
	andc r11, r11, r12
	mtsrr1 r11
	bcl 20, 31, 12f
12:	mflr r4
	addi r4, r4, of_return - 12b
	mtlr r4
	rfid
of_return:
	FIXUP_ENDIAN
	ENABLE_64BIT
	/* OF ran in 32-bit mode: the registers' upper halves may be gone. Recompute. */
	bcl 20, 31, 13f
13:	mflr r30
	addi r30, r30, _start - 13b
	clrldi r28, r28, 32
	addi r31, r28, 64
	lwbrx r4, 0, r31
	LOAD_IMM64(r5, 0xd00dfeed)
	cmpw r4, r5
	beq have_fdt
	bcl 20, 31, 6f
	.asciz "faultline: no device tree in r3, and Open Firmware's fdt-fetch gave none\r\n"
	.balign 4

/* Stop with a message: nothing else can be reported this early. */
bad_hcall:
	bcl 20, 31, 6f
	.asciz "faultline: an hcall failed at boot (radix or little-endian interrupts refused)\r\n"
	.balign 4
bad_load:
	bcl 20, 31, 6f
	.asciz "faultline: the image must be loaded at a 2 MiB-aligned address\r\n"
	.balign 4
6:	mflr r3
	bl early_puts
8:	b 8b

/* A CPU without radix translation: say so, end the run as a failed one (the summary line that
 * tools/qemu-run reads, as a bad boot parameter does) and power off with the failing status,
 * RTAS ibm,os-term, as arch_power_off does. */
no_radix:
	bcl 20, 31, 1f
	.ascii "faultline: this CPU has no radix MMU (the device tree's ibm,pa-features); "
	.asciz "the ppc64 port needs POWER9 or later\r\n"
	.balign 4
1:	mflr r27                        /* the message, also for ibm,os-term */
	mr r3, r27
	bl early_puts
	bcl 20, 31, 1f
	.asciz "faultline: done pass=0 fail=1 skip=0\r\n"
	.balign 4
1:	mflr r3
	bl early_puts
	bcl 20, 31, 1f
	.asciz "ibm,os-term"
	.balign 4
1:	mflr r3
	bl fdt_find_prop
	cmpdi r3, 0
	beq 8b                          /* no RTAS token: stop here */
	/* The RTAS argument buffer, big-endian cells {token, nargs 1, nret 1, message, status},
	 * on the boot stack: nothing runs on it yet. */
	lwbrx r7, 0, r3
	PHYS(r8, boot_stack)
	stwbrx r7, 0, r8
	li r9, 1
	addi r10, r8, 4
	stwbrx r9, 0, r10
	addi r10, r8, 8
	stwbrx r9, 0, r10
	addi r10, r8, 12
	stwbrx r27, 0, r10
	li r9, 0
	stw r9, 16(r8)
	LOAD_IMM64(r3, KVMPPC_H_RTAS)
	mr r4, r8
	sc 1
	b 8b

/* Print the NUL-terminated string at r3 through H_PUT_TERM_CHAR, a byte at a time. Keeps
 * r27, r30 and r31; uses r28 and r29, which the hcall keeps. */
early_puts:
	mflr r28
	mr r29, r3
1:	lbz r6, 0(r29)
	cmpdi r6, 0
	beq 2f
	sldi r6, r6, 56
	li r3, H_PUT_TERM_CHAR
	li r4, 0
	li r5, 1
	sc 1
	addi r29, r29, 1
	b 1b
2:	mtlr r28
	blr

/*
 * Find the first property named by the string at r3 in the flattened device tree at r31, in
 * any node: r3 = its value (0 if there is none), r4 = its length. Good enough for the two
 * looked for before C runs, which hold the same value wherever they appear ("ibm,pa-features",
 * in every CPU node) or appear once ("ibm,os-term", in /rtas). The tree is big-endian
 * (Devicetree Specification, 5.4): a header of 32-bit words, then the structure block, a
 * sequence of tokens: BEGIN_NODE with the node's name, PROP {len, name offset in the strings
 * block} with its value, END_NODE, NOP, END, each padded to 4 bytes. Uses r5-r12 only.
 */
#define FDT_BEGIN_NODE  1
#define FDT_END_NODE    2
#define FDT_PROP        3
#define FDT_NOP         4
fdt_find_prop:
	addi r8, r31, 8
	lwbrx r5, 0, r8                 /* off_dt_struct */
	addi r8, r31, 12
	lwbrx r6, 0, r8                 /* off_dt_strings */
	addi r8, r31, 36
	lwbrx r7, 0, r8                 /* size_dt_struct */
	add r5, r5, r31
	add r6, r6, r31
	add r7, r7, r5                  /* the end of the structure block */
1:	cmpld r5, r7
	bge 9f
	lwbrx r8, 0, r5
	addi r5, r5, 4
	cmpwi r8, FDT_BEGIN_NODE
	beq 4f
	cmpwi r8, FDT_END_NODE
	beq 1b
	cmpwi r8, FDT_NOP
	beq 1b
	cmpwi r8, FDT_PROP
	bne 9f                          /* END, or a token this does not know */
	lwbrx r4, 0, r5                 /* the value's length */
	addi r8, r5, 4
	lwbrx r9, 0, r8
	add r9, r9, r6                  /* the property's name */
	addi r5, r5, 8                  /* its value */
	mr r10, r3
2:	lbz r11, 0(r9)
	lbz r12, 0(r10)
	cmpw r11, r12
	bne 3f
	addi r9, r9, 1
	addi r10, r10, 1
	cmpwi r11, 0
	bne 2b
	mr r3, r5                       /* found */
	blr
3:	add r5, r5, r4                  /* not this one: past the value */
	addi r5, r5, 3
	clrrdi r5, r5, 2
	b 1b
4:	lbz r8, 0(r5)                   /* past the node's name */
	addi r5, r5, 1
	cmpwi r8, 0
	bne 4b
	addi r5, r5, 3
	clrrdi r5, r5, 2
	b 1b
9:	li r3, 0
	blr

/* ---- From here on: the link address, translation on. ---- */
	.text
ppc64_start_virtual:
	LOAD_IMM64(r2, .TOC.)
	LOAD_IMM64(r1, boot_stack_top)
	li r0, 0
	stdu r0, -MIN_FRAME(r1)              /* a zero back chain ends backtraces */
	mr r3, r31
	mr r4, r30
	bl ppc64_boot
	nop
9:	b 9b

ppc64_secondary_virtual:
	LOAD_IMM64(r2, .TOC.)
	LOAD_IMM64(r4, ppc64_secondary_stacks)
	sldi r5, r31, 3
	ldx r1, r4, r5
	li r0, 0
	stdu r0, -MIN_FRAME(r1)
	mr r3, r31
	bl ppc64_secondary_boot
	nop
	b 9b

	.section .rodata
	.balign 8
	.globl ppc64_secondary_real_offset
ppc64_secondary_real_offset:            /* for start-cpu: add the image's physical address */
	.quad ppc64_secondary_real - _start

	.bss
	.balign 65536
	.globl ppc64_process_table
early_root:          .skip 65536        /* 2^13 entries: aligned to its size */
ppc64_process_table: .skip 65536        /* 4096 entries of 16 bytes, aligned to its size:
                                         * 0 the kernel's, 1 PID_NONE's, then address spaces' */
early_pud_direct:    .skip 4096
early_pud_image:     .skip 4096
early_pmd_image:     .skip 4096
	.balign 16
	.globl boot_stack, boot_stack_top
boot_stack:          .skip BOOT_STACK_SIZE
boot_stack_top:

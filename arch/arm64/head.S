/*
 * arm64 entry from QEMU's -kernel loader (the Linux arm64 boot protocol), for a student to read
 * top to bottom.
 *
 * The raw image faultline.bin starts with the 64-byte arm64 Image header, so the loader puts it at
 * RAM base + TEXT_OFFSET (0x40080000 on QEMU's virt) and enters the first instruction at EL1 (or
 * EL2 with virtualization=on), MMU and caches off, with x0 = the physical address of the device
 * tree. Every data access is then to Device memory: aligned only, no caches. This file lives in
 * low memory (.boot sections are linked at their physical address) and:
 *   1. drops from EL2 to EL1 if it was entered at EL2 (PSCI then goes through smc);
 *   2. builds boot page tables: TTBR0 maps the image's GiB to itself (so the instruction after
 *      "MMU on" still exists); TTBR1 maps RAM from the image's GiB up to EARLY_MAP_LIMIT at
 *      DIRECT_MAP_BASE, the image at KERNEL_VIRT_BASE + physical, and the fixmap's table;
 *   3. sets MAIR, TCR and SCTLR (values below) and turns the MMU on;
 *   4. jumps to the high half: zeroes .bss, takes the boot stack, installs the vector table and
 *      calls arm64_boot(device tree).
 * Secondary CPUs come in through arm64_secondary_head (PSCI CPU_ON) and reuse steps 1 and 3 with
 * the kernel's own TTBR1. mm_init() later replaces the boot tables; TTBR0 then holds an empty
 * table until user address spaces exist.
 */
#include "arch/arm64/layout.h"

/* SCTLR_EL1 (ARM ARM D17.2.118). RES1 bits of ARMv8.0: 29, 28, 23, 22, 20, 11. With the MMU on:
 * M (MMU), C (data caches), SA and SA0 (stack alignment checks), I (instruction caches). No A
 * (unaligned normal-memory accesses are fine once cached), no WXN (the boot map is RWX). */
#define SCTLR_EL1_RES1     0x30d00800
#define SCTLR_EL1_MMU_OFF  SCTLR_EL1_RES1
#define SCTLR_EL1_MMU_ON   (SCTLR_EL1_RES1 | (1 << 12) | (1 << 4) | (1 << 3) | (1 << 2) | 1)

/* MAIR_EL1: attribute index 0 normal write-back (0xff), 1 Device-nGnRE (0x04), 2 Device-nGnRnE
 * (0x00), 3 normal non-cacheable (0x44). arch_inline.h names the indices. */
#define MAIR_EL1_VALUE     0x440004ff

/* TCR_EL1 (D17.2.131): T0SZ = T1SZ = 16 (48-bit halves), 4 KiB granules (TG0 = 0, TG1 = 2),
 * table walks inner-shareable write-back (SH = 3, IRGN = ORGN = 1) for both halves, ASIDs from
 * TTBR0 (A1 = 0). cpu_setup adds IPS (physical address size, at most 48 bits) and AS (16-bit
 * ASIDs) from ID_AA64MMFR0_EL1. */
#define TCR_EL1_VALUE      0xb5103510
#define TCR_AS             (1 << 36)

/* Boot block descriptors: valid, AF, inner shareable, attribute 0 (normal); the direct map is
 * never executable (PXN | UXN); the image and the identity map are, for now (UXN only). */
#define BLOCK_RW_NX        0x0060000000000701
#define BLOCK_RWX          0x0040000000000701
#define TABLE              0x3

#define HCR_EL2_RW         (1 << 31)         /* EL1 is AArch64 */
#define SPSR_EL1H_MASKED   0x3c5             /* EL1h with D, A, I, F masked */

/* The fixmap's table hangs in the image's level-2 table: the image must sit in the last GiB. */
.if ((((KERNEL_LOAD_PHYS + KERNEL_VIRT_BASE) >> 30) & 511) != 511) || \
    ((FIXMAP_BASE >> 21) & 511) != 511
.error "layout.h: the image and the fixmap must share the last level-1 slot of TTBR1"
.endif

	.section .boot.head, "ax"
	.globl _start
_start:
	/* The arm64 Image header (Documentation/arch/arm64/booting.rst in Linux). */
	b	primary_entry                 /* code0 */
	.long	0                             /* code1 */
	.quad	TEXT_OFFSET                   /* where in a 2 MiB block the loader places us */
	.quad	__image_phys_end - KERNEL_LOAD_PHYS   /* image size, .bss included (non-zero!) */
	.quad	0x2                           /* flags: LE, 4 KiB pages, 2 MiB-aligned base */
	.quad	0, 0, 0                       /* reserved */
	.ascii	"ARM\x64"                     /* magic */
	.long	0                             /* reserved (PE/COFF header offset) */

	.section .boot.text, "ax"
primary_entry:
	mov	x21, x0                       /* the device tree's physical address */
	mrs	x22, CurrentEL
	lsr	x22, x22, #2                  /* 1 or 2: arm64_boot_el */
	cmp	x22, #2
	b.eq	1f
	cmp	x22, #1
	b.eq	2f
	adr	x0, msg_el3
	b	early_fail
1:	bl	el2_to_el1
2:	/* Linked for one physical address (layout.h): refuse to run anywhere else. */
	adr	x10, _start
	ldr	x0, =KERNEL_LOAD_PHYS
	cmp	x10, x0
	b.eq	3f
	adr	x0, msg_load
	b	early_fail
3:
	/* The boot tables live in .boot.bss, which the loader did not clear. */
	adr	x0, boot_tables_start
	adr	x1, boot_tables_end
4:	stp	xzr, xzr, [x0], #16
	cmp	x0, x1
	b.lo	4b

	/* Identity map: the 1 GiB block holding the image, at its own address. */
	adr	x0, boot_l0_id
	adr	x1, boot_l1_id
	lsr	x2, x10, #39
	orr	x3, x1, #TABLE
	str	x3, [x0, x2, lsl #3]
	ubfx	x2, x10, #30, #9
	lsr	x3, x10, #30
	lsl	x3, x3, #30
	ldr	x4, =BLOCK_RWX
	orr	x3, x3, x4
	str	x3, [x1, x2, lsl #3]

	/* Direct map: 1 GiB blocks from the image's GiB (RAM holds the image, so it starts no
	 * later) up to EARLY_MAP_LIMIT. Below is device space on QEMU's virt; it stays unmapped. */
	adr	x0, boot_l0_hi
	adr	x1, boot_l1_dm
	ldr	x5, =DIRECT_MAP_BASE
	ubfx	x2, x5, #39, #9
	orr	x3, x1, #TABLE
	str	x3, [x0, x2, lsl #3]
	lsr	x2, x10, #30
	ldr	x4, =BLOCK_RW_NX
5:	lsl	x3, x2, #30
	orr	x3, x3, x4
	str	x3, [x1, x2, lsl #3]
	add	x2, x2, #1
	cmp	x2, #(EARLY_MAP_LIMIT >> 30)
	b.lo	5b

	/* The image at KERNEL_VIRT_BASE + physical, in 2 MiB blocks, and the fixmap's table in the
	 * same level-2 table's last slot. */
	ldr	x5, =KERNEL_VIRT_BASE
	add	x6, x5, x10                   /* the image's virtual address */
	adr	x1, boot_l1_img
	ubfx	x2, x6, #39, #9
	orr	x3, x1, #TABLE
	str	x3, [x0, x2, lsl #3]
	adr	x7, boot_l2_img
	ubfx	x2, x6, #30, #9
	orr	x3, x7, #TABLE
	str	x3, [x1, x2, lsl #3]
	adr	x3, boot_l3_fixmap
	orr	x3, x3, #TABLE
	str	x3, [x7, #511 * 8]
	lsr	x2, x10, #21                  /* first 2 MiB block, by number */
	ldr	x8, =__image_phys_end
	ldr	x4, =BLOCK_RWX
6:	lsl	x3, x2, #21                   /* its physical address */
	add	x9, x3, x5
	ubfx	x9, x9, #21, #9               /* its level-2 index */
	orr	x3, x3, x4
	str	x3, [x7, x9, lsl #3]
	add	x2, x2, #1
	cmp	x8, x2, lsl #21
	b.hi	6b

	/* Drop whatever the caches held for the tables: they were written with caches off. */
	adr	x0, boot_tables_start
	adr	x1, boot_tables_end
	bl	dcache_inval_range

	bl	cpu_setup
	adr	x0, boot_l0_id
	msr	ttbr0_el1, x0
	adr	x0, boot_l0_hi
	msr	ttbr1_el1, x0
	isb
	bl	mmu_on
	ldr	x0, =primary_high
	br	x0

/* PSCI CPU_ON enters here with x0 = the physical address of this start's struct arm64_cpu_boot
 * (smp.c): {ttbr1, stack_top, start}. The MMU is off, so it is read as Device memory. */
	.globl arm64_secondary_head
arm64_secondary_head:
	mov	x19, x0
	mrs	x0, CurrentEL
	cmp	x0, #(2 << 2)
	b.ne	1f
	bl	el2_to_el1
1:	bl	cpu_setup
	ldr	x0, [x19, #0]
	msr	ttbr1_el1, x0
	adr	x0, boot_l0_id
	msr	ttbr0_el1, x0
	isb
	bl	mmu_on
	ldr	x1, [x19, #8]                 /* through the identity map now */
	mov	sp, x1
	mov	x0, x19
	ldr	x2, =secondary_high
	br	x2

/* From EL2 (as QEMU enters with virtualization=on) to EL1, returning to x30: EL1 is AArch64,
 * owns the physical counter and timer, the virtual counter has no offset, nothing traps to EL2
 * (FP, system registers, the GICv3 CPU interface), no stage 2. */
el2_to_el1:
	mov	x0, #HCR_EL2_RW
	msr	hcr_el2, x0
	mov	x0, #3                        /* CNTHCTL_EL2.EL1PCTEN | EL1PCEN */
	msr	cnthctl_el2, x0
	msr	cntvoff_el2, xzr
	mov	x0, #0x33ff                   /* CPTR_EL2: RES1 bits only; TFP = 0 */
	msr	cptr_el2, x0
	msr	hstr_el2, xzr
	msr	vttbr_el2, xzr
	mrs	x0, id_aa64pfr0_el1
	ubfx	x0, x0, #24, #4               /* GIC: 1 if the GICv3 system registers exist */
	cbz	x0, 1f
	mrs	x0, S3_4_C12_C9_5             /* ICC_SRE_EL2 */
	orr	x0, x0, #0x8                  /* Enable: EL1 may use ICC_SRE_EL1 */
	orr	x0, x0, #0x1                  /* SRE: the system-register interface */
	msr	S3_4_C12_C9_5, x0
	isb
	msr	S3_4_C12_C11_0, xzr           /* ICH_HCR_EL2: no virtual CPU interface */
1:	ldr	x0, =SCTLR_EL1_MMU_OFF
	msr	sctlr_el1, x0
	mov	x0, #SPSR_EL1H_MASKED
	msr	spsr_el2, x0
	msr	elr_el2, x30
	isb
	eret

/* The same on every CPU, MMU off: system registers for the translation regime (values above). */
cpu_setup:
	msr	cpacr_el1, xzr                /* FP/SIMD and SVE trap at EL1 and EL0 (see docs) */
	msr	mdscr_el1, xzr
	msr	tpidr_el1, xzr
	ldr	x0, =MAIR_EL1_VALUE
	msr	mair_el1, x0
	ldr	x0, =TCR_EL1_VALUE
	mrs	x1, id_aa64mmfr0_el1
	and	x2, x1, #0xf                  /* PARange */
	mov	x3, #5                        /* 48 bits: the most the 4 KiB format here holds */
	cmp	x2, x3
	csel	x2, x2, x3, lo
	bfi	x0, x2, #32, #3               /* IPS */
	ubfx	x3, x1, #4, #4                /* ASIDBits: 2 means 16 */
	cmp	x3, #2
	b.ne	1f
	orr	x0, x0, #TCR_AS
1:	msr	tcr_el1, x0
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	ret

mmu_on:
	ldr	x0, =SCTLR_EL1_MMU_ON
	msr	sctlr_el1, x0
	isb
	ic	iallu
	dsb	nsh
	isb
	ret

/* Invalidate the data cache lines covering [x0, x1) to the point of coherency. */
dcache_inval_range:
	mrs	x3, ctr_el0
	ubfx	x3, x3, #16, #4               /* DminLine: log2 of the line size in words */
	mov	x2, #4
	lsl	x2, x2, x3
	sub	x3, x2, #1
	bic	x0, x0, x3
1:	dc	ivac, x0
	add	x0, x0, x2
	cmp	x0, x1
	b.lo	1b
	dsb	sy
	ret

/* Called from the high half through its physical address, with interrupts off: the running
 * code is in TTBR0's identity map, so TTBR1 can go through an empty table while the TLB is
 * flushed (break-before-make), then to the new root. No memory access in between. */
	.globl arm64_idmap_replace_ttbr1
arm64_idmap_replace_ttbr1:
	adr	x1, boot_zero_table
	msr	ttbr1_el1, x1
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	msr	ttbr1_el1, x0
	isb
	ret

/* Nothing is known yet, not even the console: print on QEMU virt's PL011 (the only fallback
 * address in the kernel, used before the device tree can be read), then stop. */
early_fail:
	ldr	x1, =0x09000000
1:	ldrb	w2, [x0], #1
	cbz	w2, 3f
2:	ldr	w3, [x1, #0x18]               /* FR: wait while TXFF */
	tbnz	w3, #5, 2b
	str	w2, [x1]
	b	1b
3:	wfe
	b	3b

	.ltorg

	.section .boot.data, "a"
msg_el3:  .asciz "faultline: entered at EL3; boot at EL1 or EL2 (-M virt without secure=on)\r\n"
msg_load: .asciz "faultline: not loaded at 0x40080000; boot faultline.bin with -M virt -kernel\r\n"

	.section .boot.bss, "aw", @nobits
	.balign 4096
boot_tables_start:
	.globl boot_l3_fixmap
boot_l0_id:     .skip 4096            /* TTBR0 root: identity */
boot_l1_id:     .skip 4096
boot_l0_hi:     .skip 4096            /* TTBR1 root */
boot_l1_dm:     .skip 4096            /* direct map, 1 GiB blocks */
boot_l1_img:    .skip 4096
boot_l2_img:    .skip 4096            /* the image in 2 MiB blocks; slot 511: the fixmap */
boot_l3_fixmap: .skip 4096
boot_zero_table: .skip 4096           /* TTBR1 during arm64_idmap_replace_ttbr1 */
boot_tables_end:

	/* ---- From here on: the high half. ---- */
	.text
primary_high:
	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
1:	cmp	x0, x1
	b.hs	2f
	strb	wzr, [x0], #1
	b	1b
2:	adrp	x0, boot_stack_top
	add	x0, x0, :lo12:boot_stack_top
	mov	sp, x0
	mov	x29, #0
	mov	x30, #0
	adrp	x0, arm64_vectors
	add	x0, x0, :lo12:arm64_vectors
	msr	vbar_el1, x0
	isb
	adrp	x0, arm64_boot_el
	str	x22, [x0, :lo12:arm64_boot_el]
	mov	x0, x21
	bl	arm64_boot
3:	wfe
	b	3b

secondary_high:
	adrp	x1, arm64_vectors
	add	x1, x1, :lo12:arm64_vectors
	msr	vbar_el1, x1
	isb
	mov	x29, #0
	mov	x30, #0
	bl	arm64_secondary_start
1:	wfe
	b	1b

	.bss
	.balign 16
	.globl boot_stack, boot_stack_top, arm64_boot_el
boot_stack:
	.skip BOOT_STACK_SIZE
boot_stack_top:
	.balign 8
arm64_boot_el:
	.skip 8

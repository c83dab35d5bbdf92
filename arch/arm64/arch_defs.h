/* arm64's constants and types for the arch contract (see arch/arch.h): page and page-table
 * sizes, the entry type, the trap frame and the features it has. Its functions are in
 * arch_inline.h. References are to the ARM ARM (DDI 0487). */
#ifndef ARCH_ARM64_ARCH_DEFS_H
#define ARCH_ARM64_ARCH_DEFS_H

#include "arch/arm64/layout.h"

#define PAGE_SHIFT     12
#define PT_LEVELS      4
#define PT_INDEX_BITS  9
/* TLBI ...IS reaches every CPU in the inner-shareable domain (mmu.c). */
#define ARCH_HAS_TLB_BROADCAST 1
/* Changing the block size of a live translation needs break-before-make (ARM ARM D8.14) unless
 * the CPU has FEAT_BBM level 2, which this kernel does not look for. */
#define ARCH_NEEDS_BREAK_BEFORE_MAKE 1

typedef u64 pte_t;

/* User addresses: TTBR0's half, 48 bits (TCR_EL1.T0SZ = 16). */
#define USER_VA_END    0x0001000000000000ul
#define ARCH_ELF_MACHINE 183   /* e_machine of the user programs it runs (EM_AARCH64) */
/* A user address space's ASID (asid.c): generation << asid bits | ASID, 0 until its first
 * switch. Read without a lock (__atomic loads), written under asid.c's lock. */
struct arch_mm_context {
	u64 id;
};

/* User mode (arch/arm64/user.c, entry.S): EL0, SVC, PXN on user pages, PAN where the CPU has
 * it; docs/user.md. */
#define ARCH_HAS_USER_MODE 1
/* What a user thread owns beyond its trap frame: the FP/SIMD registers V0-V31 with FPCR and
 * FPSR, saved at each switch away from it (the kernel is built -mgeneral-regs-only, so they are
 * the user's alone), and TPIDR_EL0, its TLS pointer, which EL0 may also write itself. Offsets in
 * user.S (TS_*). No alignment beyond struct thread's 8: SCTLR_EL1.A is clear, and SIMD loads
 * and stores to Normal memory need none then (ARM ARM B2.5.2). */
struct arch_thread_state {
	u64 v[32][2];      /* V0-V31, low doubleword first */
	u64 fpcr;
	u64 fpsr;
	u64 tpidr_el0;
};

/* Saved by arch/arm64/entry.S on every exception, lowest address first (304 bytes). */
struct trap_frame {
	u64 x[31];         /* x0..x30; x29 is the frame pointer, x30 the link register */
	u64 sp;            /* the interrupted stack pointer */
	u64 elr;           /* ELR_EL1: the instruction that trapped (or the next, for SVC/IRQ) */
	u64 spsr;          /* SPSR_EL1: the interrupted PSTATE */
	u64 esr;           /* ESR_EL1: why (exception class and syndrome) */
	u64 far;           /* FAR_EL1: the faulting address, for aborts */
	u64 frame_rec[2];  /* {x29, elr}: links the trap into the frame-pointer chain */
};

#endif

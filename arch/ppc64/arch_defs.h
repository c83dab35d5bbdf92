/* ppc64's constants and types for the arch contract (see arch/arch.h): page and page-table
 * sizes, the entry type, the trap frame and the features it has. Its functions are in
 * arch_inline.h. References are to the Power ISA 3.0B. */
#ifndef ARCH_PPC64_ARCH_DEFS_H
#define ARCH_PPC64_ARCH_DEFS_H

#include "arch/ppc64/layout.h"

#define PAGE_SHIFT          12
#define PT_LEVELS           4
#define PT_INDEX_BITS       9    /* levels 0..2: 512 entries, 4 KiB tables */
#define PT_ROOT_INDEX_BITS  13   /* level 3: 8192 entries, a 64 KiB root (52-bit tree) */
#define ARCH_HAS_TLB_BROADCAST 1   /* tlbie: arch/ppc64/mmu.c */
/* A valid leaf is replaced only through an invalid entry and a tlbie (Book III, 5.10.1.2,
 * "Modifying a Page Table Entry", general case). */
#define ARCH_NEEDS_BREAK_BEFORE_MAKE 1

/* The raw radix entry as it is in memory: big-endian (arch_inline.h). */
typedef u64 pte_t;

/* User addresses: quadrant 0, translated through the process-table entry PIDR names, whose
 * radix tree covers 52 bits like the kernel's. */
#define USER_VA_END    0x0010000000000000ul
#define ARCH_ELF_MACHINE 21   /* e_machine of the user programs it runs (EM_PPC64: ELFv2, little-endian) */
/* The address space's PID: its process-table entry, and the tag of its TLB entries. */
struct arch_mm_context {
	unsigned pid;
};

/* User mode (arch/ppc64/user.c): problem state, `sc`, KUEP through IAMR; docs/user.md. */
#define ARCH_HAS_USER_MODE 1
/* What a user thread owns beyond its trap frame (r13, its TLS pointer, is in the frame): the
 * FP, VMX and VSX registers, saved at each switch away from it (the kernel is built without
 * them and runs with MSR[FP,VEC,VSX] off, so they are the user's alone). Offsets in regs.h
 * (TS_*); the loads and stores used (lxv, stxv) need no alignment beyond struct thread's 8. */
struct arch_thread_state {
	u8 vsr[64][16];
	u8 vscr[16];
	u64 fpscr;
	u32 vrsave;
	u32 pad;
};

/* Saved by arch/ppc64/entry.S; offsets in regs.h (TF_*). */
struct trap_frame {
	u64 back_chain;   /* the interrupted r1 */
	u64 cr_save;
	u64 lr_save;      /* the interrupted ip, where an unwinder looks for a return address */
	u64 toc_save;
	u64 gpr[32];
	u64 nip, msr;     /* SRR0, SRR1 */
	u64 lr, ctr, cr, xer;
	u64 dar, dsisr;   /* storage interrupts: faulting address and cause */
	u64 vector;       /* the exception vector offset: 0x300, 0x900, ... */
	u64 pad;
};

#endif

/* arm64 half of the arch contract (see arch/arch.h): the inline functions, whose prototypes
 * arch.h declares (its constants and types are in arch_defs.h).
 * References are to the Arm Architecture Reference Manual for A-profile (DDI 0487, "ARM ARM"). */
#ifndef ARCH_ARM64_ARCH_INLINE_H
#define ARCH_ARM64_ARCH_INLINE_H

#include "arch/arm64/layout.h"
#include "arch/frame_record.h"

/* System registers by name; the names the assembler knows (or S3_x_Cy_Cz_w encodings). */
#define sysreg_read(r)                                                     \
	({                                                                 \
		u64 __v;                                                   \
		__asm__ __volatile__("mrs %0, " #r : "=r"(__v) :: "memory"); \
		__v;                                                       \
	})
#define sysreg_write(r, v) __asm__ __volatile__("msr " #r ", %x0" :: "rZ"((u64)(v)) : "memory")
#define isb() __asm__ __volatile__("isb" ::: "memory")

/* ---- CPU ---- */
#define DAIF_I (1ul << 7)   /* PSTATE.I: IRQs masked */

static inline void arch_irq_enable(void)  { __asm__ __volatile__("msr daifclr, #2" ::: "memory"); }
static inline void arch_irq_disable(void) { __asm__ __volatile__("msr daifset, #2" ::: "memory"); }
static inline unsigned long arch_irq_save(void)
{
	unsigned long f = sysreg_read(daif);
	arch_irq_disable();
	return f;
}
static inline void arch_irq_restore(unsigned long f) { sysreg_write(daif, f); }
static inline bool arch_irqs_enabled(void) { return !(sysreg_read(daif) & DAIF_I); }
static inline void arch_cpu_relax(void) { __asm__ __volatile__("yield" ::: "memory"); }
/* WFI wakes for a pending interrupt even while it is masked; unmask briefly to take it. */
static inline void arch_wait_for_interrupt(void)
{
	__asm__ __volatile__("dsb sy; wfi; msr daifclr, #2; isb; msr daifset, #2" ::: "memory");
}
static inline void arch_mb(void)  { __asm__ __volatile__("dmb ish" ::: "memory"); }
static inline void arch_rmb(void) { __asm__ __volatile__("dmb ishld" ::: "memory"); }
static inline void arch_wmb(void) { __asm__ __volatile__("dmb ishst" ::: "memory"); }
/* The virtual count (CNTVCT_EL0), ordered after earlier instructions by the ISB. */
static inline u64 arch_cycles(void)
{
	isb();
	return sysreg_read(cntvct_el0);
}
/* MPIDR_EL1 affinity fields Aff3 (39:32), Aff2, Aff1, Aff0 (23:0): the CPU's firmware id. */
#define MPIDR_HWID_MASK 0xff00fffffful
static inline u64 arm64_mpidr(void) { return sysreg_read(mpidr_el1) & MPIDR_HWID_MASK; }
/* TPIDR_EL1 holds this CPU's struct percpu (arch_percpu_set); EL0 cannot read it. */
struct percpu;
static inline struct percpu *arch_this_cpu(void)
{
	struct percpu *pc;
	__asm__ __volatile__("mrs %0, tpidr_el1" : "=r"(pc));
	return pc;
}
/* x18 (the AAPCS64 platform register; the kernel is built with -ffixed-x18, so the compiler
 * never uses it) holds the running thread. It belongs to the thread: trap entry from EL1 saves
 * and restores it with the other registers, and the scheduler sets it before each switch.
 * Reading TPIDR_EL1 and then the block's field would be two steps an interrupt could split. At
 * EL0 x18 is the user's: entry from EL0 saves it in the frame and loads the kernel's from the
 * per-CPU block's `current` (TPIDR_EL1 + PERCPU_CURRENT_OFFSET) before any C runs; the return
 * to EL0 puts the user's back (entry.S). */
static inline struct thread *arch_current_thread(void)
{
	struct thread *t;
	__asm__ __volatile__("mov %0, x18" : "=r"(t));
	return t;
}
static inline void arch_current_set(struct thread *t)
{
	__asm__ __volatile__("mov x18, %0" :: "r"(t) : "memory");
}
/* arch_context_switch saved x19-x28, then x29 and x30 at sp[10] and sp[11]. */
static inline void arch_switched_frame(void *sp, uintptr_t *fp, uintptr_t *ip)
{
	*fp = ((const uintptr_t *)sp)[10];
	*ip = ((const uintptr_t *)sp)[11];
}

/* ---- Trap frames and unwinding ---- */
static inline uintptr_t arch_frame_ip(const struct trap_frame *f) { return f->elr; }
static inline uintptr_t arch_frame_fp(const struct trap_frame *f) { return f->x[29]; }
static inline void arch_frame_set_ip(struct trap_frame *f, uintptr_t ip) { f->elr = ip; }
/* SPSR_EL1 holds PSTATE.DAIF at the same bit positions as the DAIF register. */
static inline bool arch_frame_irqs_enabled(const struct trap_frame *f)
{
	return !(f->spsr & DAIF_I);
}
static inline uintptr_t arch_current_fp(void) { return (uintptr_t)__builtin_frame_address(0); }
/* AAPCS64 frame records: [x29] is the caller's x29, [x29+8] the return address (x30). */
static inline bool arch_unwind(uintptr_t *fp, uintptr_t *ip) { return frame_record_unwind(fp, ip); }

/* ---- User mode (arch/arm64/user.c, entry.S) ---- */
/* SPSR_EL1 as PSTATE is saved in it (ARM ARM, SPSR_EL1): M[3:0] 0 is EL0t, M[4] AArch32, and
 * PAN is bit 22. */
#define PSR_MODE_MASK 0xful
#define PSR_MODE_EL0T 0x0ul
#define PSR_PAN       (1ul << 22)

static inline struct trap_frame *arch_user_frame(void *stack_top)
{
	return (struct trap_frame *)stack_top - 1;
}
/* M[4] (AArch32) is never set: the kernel only ever returns to EL0 in AArch64. */
static inline bool arch_frame_from_user(const struct trap_frame *f)
{
	return (f->spsr & 0x1f) == PSR_MODE_EL0T;
}
/* The user's sp is SP_EL0 while it runs; the frame holds it in between (entry.S). */
static inline uintptr_t arch_frame_sp(const struct trap_frame *f) { return f->sp; }
static inline void arch_frame_set_sp(struct trap_frame *f, uintptr_t sp) { f->sp = sp; }
/* Linux arm64: `svc #0`, x8 the number, x0-x5 the arguments, x0 the result (ELR_EL1 already
 * points past the svc: the return resumes after it). */
static inline unsigned long arch_syscall_nr(const struct trap_frame *f) { return f->x[8]; }
static inline unsigned long arch_syscall_arg(const struct trap_frame *f, unsigned i)
{
	return f->x[i];
}
static inline void arch_syscall_set_return(struct trap_frame *f, long ret) { f->x[0] = (u64)ret; }

/* ---- Page-table entries (ARM ARM D8.3, VMSAv8-64 descriptors, 4 KiB granule) ----
 *  63..59     58..55  54  53  52  51..48  47..12   11  10  9..8  7..6  5   4..2      1     0
 *  table attr  sw     UXN PXN Cont  res   address  nG  AF  SH    AP    NS  AttrIndx  type  valid
 * type = 1: table (levels 3..1) or page (level 0); type = 0: block (levels 2 and 1: 1 GiB, 2 MiB).
 * AP[2:1]: 00 EL1 read-write, 01 EL1+EL0 read-write, 10 EL1 read-only, 11 EL1+EL0 read-only.
 * AttrIndx selects a byte of MAIR_EL1 (set in head.S): */
#define MAIR_IDX_NORMAL    0   /* 0xff: normal, write-back read/write-allocate */
#define MAIR_IDX_DEVICE    1   /* 0x04: Device-nGnRE */
#define MAIR_IDX_DEVICE_NE 2   /* 0x00: Device-nGnRnE */
#define MAIR_IDX_NORMAL_NC 3   /* 0x44: normal, non-cacheable */

#define ARM64_PTE_VALID     (1ull << 0)
#define ARM64_PTE_TYPE      (1ull << 1)    /* table or page (not block) */
#define ARM64_PTE_ATTR(i)   ((u64)(i) << 2)
#define ARM64_PTE_ATTR_MASK (7ull << 2)
#define ARM64_PTE_USER      (1ull << 6)    /* AP[1]: EL0 may access */
#define ARM64_PTE_RDONLY    (1ull << 7)    /* AP[2] */
#define ARM64_PTE_SH_INNER  (3ull << 8)
#define ARM64_PTE_AF        (1ull << 10)
#define ARM64_PTE_NG        (1ull << 11)   /* not global: tagged with the ASID */
#define ARM64_PTE_PXN       (1ull << 53)
#define ARM64_PTE_UXN       (1ull << 54)
#define ARM64_PTE_ADDR      0x0000fffffffff000ull

static inline bool arch_pt_leaf_ok(int level) { return level <= 2; }
static inline pte_t pte_mk_table(phys_addr_t pa)
{
	/* No table attributes: the leaf decides. */
	return (pa & ARM64_PTE_ADDR) | ARM64_PTE_TYPE | ARM64_PTE_VALID;
}
static inline pte_t pte_mk_leaf(phys_addr_t pa, unsigned prot, int level)
{
	pte_t e = (pa & ARM64_PTE_ADDR) | ARM64_PTE_VALID | ARM64_PTE_AF;
	if (level == 0)
		e |= ARM64_PTE_TYPE;
	if (prot & MMU_DEVICE)
		e |= ARM64_PTE_ATTR(MAIR_IDX_DEVICE);
	else
		e |= ARM64_PTE_ATTR(MAIR_IDX_NORMAL) | ARM64_PTE_SH_INNER;
	if (!(prot & MMU_WRITE))
		e |= ARM64_PTE_RDONLY;
	if (prot & MMU_USER)
		e |= ARM64_PTE_USER;
	if (!(prot & MMU_GLOBAL))
		e |= ARM64_PTE_NG;
	/* The kernel never runs user pages (PXN); user code never runs kernel pages (UXN). */
	if (!(prot & MMU_EXEC) || (prot & MMU_USER) || (prot & MMU_DEVICE))
		e |= ARM64_PTE_PXN;
	if (!(prot & MMU_EXEC) || !(prot & MMU_USER) || (prot & MMU_DEVICE))
		e |= ARM64_PTE_UXN;
	return e;
}
static inline bool pte_present(pte_t e) { return e & ARM64_PTE_VALID; }
static inline bool pte_is_table(pte_t e, int level)
{
	const pte_t table = ARM64_PTE_VALID | ARM64_PTE_TYPE;
	return level > 0 && (e & table) == table;
}
static inline phys_addr_t pte_addr(pte_t e, int level)
{
	(void)level;
	return e & ARM64_PTE_ADDR;
}
static inline unsigned pte_prot(pte_t e, int level)
{
	(void)level;
	unsigned p = MMU_READ;
	if (!(e & ARM64_PTE_RDONLY))
		p |= MMU_WRITE;
	if (e & ARM64_PTE_USER)
		p |= MMU_USER;
	if (!(e & (e & ARM64_PTE_USER ? ARM64_PTE_UXN : ARM64_PTE_PXN)))
		p |= MMU_EXEC;
	if (!(e & ARM64_PTE_NG))
		p |= MMU_GLOBAL;
	if ((e & ARM64_PTE_ATTR_MASK) == ARM64_PTE_ATTR(MAIR_IDX_DEVICE))
		p |= MMU_DEVICE;
	return p;
}
/* Where the image sits in physical memory is fixed at link time (layout.h), as on x86_64. */
static inline phys_addr_t arch_image_virt_to_phys(uintptr_t va) { return va - KERNEL_VIRT_BASE; }
static inline pte_t pte_cmpxchg(pte_t *p, pte_t old, pte_t new)
{
	__atomic_compare_exchange_n(p, &old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return old;
}
static inline pte_t pte_read_once(const pte_t *p) { return READ_ONCE(*p); }
/* A new valid entry must be visible to the table walker before the next instruction uses it:
 * DSB for the store, ISB for this CPU's pipeline (ARM ARM D8.2.8; Linux's set_pte). */
static inline void pte_write(pte_t *p, pte_t e)
{
	WRITE_ONCE(*p, e);
	if (e & ARM64_PTE_VALID)
		__asm__ __volatile__("dsb ishst; isb" ::: "memory");
}
/* A table walk is not an explicit access that a DMB orders: stores to translation tables are
 * guaranteed visible to the walkers (this CPU's and the others' in the inner-shareable domain)
 * only once a DSB has completed them (ARM ARM D8.2.8, as for pte_write). So DSB ISHST, not
 * DMB, between filling a table and the store that links it; Linux's set_pmd does the same. */
static inline void pte_publish_barrier(void) { __asm__ __volatile__("dsb ishst" ::: "memory"); }
/* Bit 0 clear: an invalid descriptor, whose other bits the walker ignores (ARM ARM D8.3). */
static inline pte_t pte_mk_soft(u64 val) { return (val << 2) | 2; }
static inline u64 pte_soft_val(pte_t e) { return e >> 2; }
static inline u64 pte_value(pte_t e) { return e; }
/* ARM ARM D8.3: a table descriptor is bits 1:0 = 0b11 (its upper attributes, unused here, are
 * NSTable, APTable, UXNTable, PXNTable); a page (level 0) is 0b11 too, a block 0b01. */
static inline const struct pte_field *pte_fields(bool table, unsigned *n)
{
	static const struct pte_field tf[] = {
		{ ARM64_PTE_VALID, ARM64_PTE_VALID, "valid" },
		{ ARM64_PTE_TYPE, ARM64_PTE_TYPE, "table" },
	};
	static const struct pte_field f[] = {
		{ ARM64_PTE_VALID, ARM64_PTE_VALID, "valid" },
		{ ARM64_PTE_TYPE, ARM64_PTE_TYPE, "page" },
		{ ARM64_PTE_TYPE, 0, "block" },
		{ ARM64_PTE_ATTR_MASK, ARM64_PTE_ATTR(MAIR_IDX_NORMAL), "AttrIndx=0(normal)" },
		{ ARM64_PTE_ATTR_MASK, ARM64_PTE_ATTR(MAIR_IDX_DEVICE), "AttrIndx=1(device)" },
		{ ARM64_PTE_USER, ARM64_PTE_USER, "AP[1](EL0)" },
		{ ARM64_PTE_RDONLY, ARM64_PTE_RDONLY, "AP[2](read-only)" },
		{ ARM64_PTE_SH_INNER, ARM64_PTE_SH_INNER, "SH=inner" },
		{ ARM64_PTE_AF, ARM64_PTE_AF, "AF" },
		{ ARM64_PTE_NG, ARM64_PTE_NG, "nG" },
		{ ARM64_PTE_PXN, ARM64_PTE_PXN, "PXN" },
		{ ARM64_PTE_UXN, ARM64_PTE_UXN, "UXN" },
	};
	*n = table ? ARRAY_SIZE(tf) : ARRAY_SIZE(f);
	return table ? tf : f;
}

#endif

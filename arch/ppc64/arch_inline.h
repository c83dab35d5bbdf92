/* ppc64 half of the arch contract (see arch/arch.h): the inline functions, whose prototypes
 * arch.h declares (its constants and types are in arch_defs.h).
 * Radix page-table entries follow Power ISA 3.0B, Book III, 5.7.10 (Radix Tree Translation).
 * They are big-endian in memory while this kernel runs little-endian: pte_t holds the raw
 * in-memory (big-endian) value, the encoders swap once, and decoders swap back. */
#ifndef ARCH_PPC64_ARCH_INLINE_H
#define ARCH_PPC64_ARCH_INLINE_H

#include "arch/ppc64/layout.h"
#include "arch/ppc64/regs.h"

/* Per-CPU state. In the kernel r13 (reserved by the ABI; built with -ffixed-r13) holds the
 * generic struct percpu, so arch_this_cpu() is one register move. SPRG0 holds this arch area, as
 * a direct-map address that also works with translation off: the exception stubs' scratch space.
 * Offsets in regs.h (PC_*). Only its own CPU writes it. */
struct percpu;
struct ppc64_cpu {
	u64 scratch[4];            /* exception entry: r9..r12 */
	u64 srr0, srr1, vector;
	u64 kernel_msr, entry, toc, emergency_sp;
	struct percpu *percpu;     /* arch_percpu_set() */
	u64 cr;                    /* exception entry: the interrupted CR */
	unsigned cpu;              /* index, 0 = boot CPU */
	u32 hwid;                  /* interrupt-server number (what XICS and start-cpu take) */
	u64 user_frame;            /* the running user thread's user frame: where a trap from
				    * problem state builds its frame (arch_user_switch) */
};

/* ---- CPU ---- */
static inline unsigned long ppc64_mfmsr(void)
{
	unsigned long m;
	__asm__ __volatile__("mfmsr %0" : "=r"(m) :: "memory");
	return m;
}
/* mtmsrd with L=1 changes only EE and RI (Book III, 4.4.3). */
static inline void arch_irq_enable(void)
{
	__asm__ __volatile__("mtmsrd %0, 1" :: "r"(MSR_EE | MSR_RI) : "memory");
}
static inline void arch_irq_disable(void)
{
	__asm__ __volatile__("mtmsrd %0, 1" :: "r"(MSR_RI) : "memory");
}
static inline unsigned long arch_irq_save(void)
{
	unsigned long m = ppc64_mfmsr();
	arch_irq_disable();
	return m & MSR_EE;
}
static inline void arch_irq_restore(unsigned long f)
{
	if (f & MSR_EE)
		arch_irq_enable();
}
static inline bool arch_irqs_enabled(void) { return ppc64_mfmsr() & MSR_EE; }
/* Lower, then restore, this hardware thread's priority (Book II, 3.2 "or" hints). */
static inline void arch_cpu_relax(void) { __asm__ __volatile__("or 1,1,1; or 2,2,2" ::: "memory"); }
void ppc64_cede(void);   /* H_CEDE: arch/ppc64/cpu.c */
static inline void arch_wait_for_interrupt(void) { ppc64_cede(); }
static inline void arch_mb(void)  { __asm__ __volatile__("sync" ::: "memory"); }
static inline void arch_rmb(void) { __asm__ __volatile__("lwsync" ::: "memory"); }
static inline void arch_wmb(void) { __asm__ __volatile__("lwsync" ::: "memory"); }
static inline u64 arch_cycles(void)
{
	u64 tb;
	__asm__ __volatile__("mftb %0" : "=r"(tb));
	return tb;
}
/* Volatile: a thread that slept may wake on another CPU, where r13 differs. */
static inline struct percpu *arch_this_cpu(void)
{
	struct percpu *pc;
	__asm__ __volatile__("mr %0, 13" : "=r"(pc));
	return pc;
}
/* One r13-relative load: an interrupt lands before or after it, never between address and use
 * (after a move r13 is the new CPU's block, and so is the field read through it). */
static inline struct thread *arch_current_thread(void)
{
	struct thread *t;
	__asm__ __volatile__("ld %0, %1(13)" : "=r"(t) : "i"(PERCPU_CURRENT_OFFSET));
	return t;
}
static inline void arch_current_set(struct thread *t) { (void)t; }   /* the block's field is it */
/* sp is arch_context_switch's own frame; its back chain leads to the caller's, which holds the
 * return address, so the unwinder starts from sp itself. */
static inline void arch_switched_frame(void *sp, uintptr_t *fp, uintptr_t *ip)
{
	*fp = (uintptr_t)sp;
	*ip = 0;
}

/* ---- Trap frames and unwinding ---- */
static inline uintptr_t arch_frame_ip(const struct trap_frame *f) { return f->nip; }
static inline uintptr_t arch_frame_fp(const struct trap_frame *f) { return f->gpr[1]; }
static inline void arch_frame_set_ip(struct trap_frame *f, uintptr_t ip) { f->nip = ip; }
static inline bool arch_frame_irqs_enabled(const struct trap_frame *f) { return f->msr & MSR_EE; }
static inline uintptr_t arch_current_fp(void)
{
	uintptr_t sp;
	__asm__ __volatile__("mr %0, 1" : "=r"(sp));
	return sp;
}
/* ELFv2 frames (ABI 2.2.2): 0(r1) holds the caller's r1, and a function saves its return address
 * at 16 bytes into its caller's frame. So the return address of the function owning frame fp is
 * at 16(*fp). */
static inline bool arch_unwind(uintptr_t *fp, uintptr_t *ip)
{
	const uintptr_t *frame = (const uintptr_t *)*fp;
	if (!frame || ((uintptr_t)frame & 7) || (uintptr_t)frame < DIRECT_MAP_BASE)
		return false;
	const uintptr_t *caller = (const uintptr_t *)frame[0];
	if (!caller || ((uintptr_t)caller & 7) || caller <= frame)
		return false;
	*ip = caller[2];
	*fp = (uintptr_t)caller;
	return *ip != 0;
}

/* ---- User mode (arch/ppc64/user.c, entry.S) ---- */
#define CR0_SO 0x10000000ul   /* CR bit 35 (IBM; CR0's summary overflow): a failed system call */

static inline struct trap_frame *arch_user_frame(void *stack_top)
{
	return (struct trap_frame *)stack_top - 1;
}
static inline bool arch_frame_from_user(const struct trap_frame *f) { return f->msr & MSR_PR; }
static inline uintptr_t arch_frame_sp(const struct trap_frame *f) { return f->gpr[1]; }
static inline void arch_frame_set_sp(struct trap_frame *f, uintptr_t sp) { f->gpr[1] = sp; }
/* Linux ppc64: r0 the number, r3-r8 the arguments, r3 the result. An error comes back as the
 * positive errno in r3 with CR0.SO set; success clears SO (Linux's system_call convention, which
 * libcs test with `bns`). */
static inline unsigned long arch_syscall_nr(const struct trap_frame *f) { return f->gpr[0]; }
static inline unsigned long arch_syscall_arg(const struct trap_frame *f, unsigned i)
{
	return f->gpr[3 + i];
}
static inline void arch_syscall_set_return(struct trap_frame *f, long ret)
{
	if ((unsigned long)ret >= (unsigned long)-4095) {   /* -errno: Linux's MAX_ERRNO */
		f->gpr[3] = (u64)-ret;
		f->cr |= CR0_SO;
	} else {
		f->gpr[3] = (u64)ret;
		f->cr &= ~CR0_SO;
	}
}

/* ---- Byte order ---- */
static inline u64 cpu_to_be64(u64 v) { return __builtin_bswap64(v); }
static inline u64 be64_to_cpu(u64 v) { return __builtin_bswap64(v); }
static inline u32 cpu_to_be32(u32 v) { return __builtin_bswap32(v); }
static inline u32 be32_to_cpu(u32 v) { return __builtin_bswap32(v); }

/* ---- Radix page-table entries (values before byte-swapping) ----
 * Directory entry (levels 1..3):           Leaf (levels 0..2):
 *   63 V=1   62 L=0                           63 V=1   62 L=1   61..60 SW
 *   59..8 NLB: next table's address           56..12 RPN: the frame's address
 *    4..0 NLS: log2(entries of next table)    11 SW (here: MMU_GLOBAL)   8 R   7 C
 *                                              5..4 ATT: 00 memory, 10 non-idempotent I/O
 *                                              3 privileged only, 2 read, 1 read/write, 0 exec
 */
#define RPTE_V      (1ull << 63)
#define RPTE_L      (1ull << 62)
#define RPTE_NLB    0x0fffffffffffff00ull
#define RPTE_RPN    0x01fffffffffff000ull
#define RPTE_GLOBAL (1ull << 11)   /* software: the kernel's own mappings */
#define RPTE_R      (1ull << 8)    /* referenced and changed: preset, since the guest, not the */
#define RPTE_C      (1ull << 7)    /* MMU, maintains them (QEMU raises a fault otherwise) */
#define RPTE_ATT_IO (2ull << 4)
#define RPTE_PRIV   (1ull << 3)
#define RPTE_READ   (1ull << 2)
#define RPTE_RW     (1ull << 1)
#define RPTE_EXEC   (1ull << 0)

static inline bool arch_pt_leaf_ok(int level) { return level <= 2; }   /* 4K, 2M, 1G */
static inline pte_t pte_mk_table(phys_addr_t pa)
{
	return cpu_to_be64(RPTE_V | (pa & RPTE_NLB) | PT_INDEX_BITS);
}
static inline pte_t pte_mk_leaf(phys_addr_t pa, unsigned prot, int level)
{
	(void)level;
	u64 e = RPTE_V | RPTE_L | (pa & RPTE_RPN) | RPTE_R | RPTE_C | RPTE_READ;
	if (prot & MMU_WRITE)
		e |= RPTE_RW;
	if (prot & MMU_EXEC)
		e |= RPTE_EXEC;
	if (!(prot & MMU_USER))
		e |= RPTE_PRIV;
	if (prot & MMU_GLOBAL)
		e |= RPTE_GLOBAL;
	if (prot & MMU_DEVICE)
		e |= RPTE_ATT_IO;
	return cpu_to_be64(e);
}
static inline bool pte_present(pte_t e) { return be64_to_cpu(e) & RPTE_V; }
static inline bool pte_is_table(pte_t e, int level)
{
	u64 v = be64_to_cpu(e);
	return (v & RPTE_V) && !(v & RPTE_L) && level > 0;
}
static inline phys_addr_t pte_addr(pte_t e, int level)
{
	(void)level;
	u64 v = be64_to_cpu(e);
	return v & (v & RPTE_L ? RPTE_RPN : RPTE_NLB);
}
static inline unsigned pte_prot(pte_t e, int level)
{
	(void)level;
	u64 v = be64_to_cpu(e);
	unsigned p = MMU_READ;
	if (v & RPTE_RW)      p |= MMU_WRITE;
	if (v & RPTE_EXEC)    p |= MMU_EXEC;
	if (!(v & RPTE_PRIV)) p |= MMU_USER;
	if (v & RPTE_GLOBAL)  p |= MMU_GLOBAL;
	if ((v & (3ull << 4)) == RPTE_ATT_IO) p |= MMU_DEVICE;
	return p;
}
static inline pte_t pte_cmpxchg(pte_t *p, pte_t old, pte_t new)
{
	__atomic_compare_exchange_n(p, &old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return old;
}
static inline pte_t pte_read_once(const pte_t *p) { return READ_ONCE(*p); }
/* The store, then ptesync so the table walker sees it before any later access (Book III, 5.9.2). */
static inline void pte_write(pte_t *p, pte_t e)
{
	WRITE_ONCE(*p, e);
	__asm__ __volatile__("ptesync" ::: "memory");
}
/* lwsync orders stores for other processors' explicit loads, not for the table walks of the
 * translation mechanism; ptesync does both (Book III, 5.9.2 and the page-table update
 * synchronisation rules of 5.10): the table's contents are performed for every walker before
 * the entry that links it. */
static inline void pte_publish_barrier(void) { __asm__ __volatile__("ptesync" ::: "memory"); }
/* V (the top bit, big-endian) clear: the walker treats the entry as invalid whatever else it
 * holds (Book III, 5.7.10.2); val < 2^52 keeps V clear. */
static inline pte_t pte_mk_soft(u64 val) { return cpu_to_be64((val << 2) | 2); }
static inline u64 pte_soft_val(pte_t e) { return be64_to_cpu(e) >> 2; }
static inline u64 pte_value(pte_t e) { return be64_to_cpu(e); }
/* Power ISA 3.0 Book III, 5.7.10.2 (the radix entries described above). */
static inline const struct pte_field *pte_fields(bool table, unsigned *n)
{
	static const struct pte_field tf[] = {
		{ RPTE_V, RPTE_V, "V" },
		{ 0x1full, PT_INDEX_BITS, "NLS=9" },
	};
	static const struct pte_field f[] = {
		{ RPTE_V, RPTE_V, "V" },          { RPTE_L, RPTE_L, "L" },
		{ RPTE_GLOBAL, RPTE_GLOBAL, "SW(global)" },
		{ RPTE_R, RPTE_R, "R" },          { RPTE_C, RPTE_C, "C" },
		{ 3ull << 4, 0, "ATT=memory" },  { 3ull << 4, RPTE_ATT_IO, "ATT=io" },
		{ RPTE_PRIV, RPTE_PRIV, "EAA.priv" }, { RPTE_READ, RPTE_READ, "EAA.read" },
		{ RPTE_RW, RPTE_RW, "EAA.rw" },   { RPTE_EXEC, RPTE_EXEC, "EAA.exec" },
	};
	*n = table ? ARRAY_SIZE(tf) : ARRAY_SIZE(f);
	return table ? tf : f;
}

/* The image is linked at KERNEL_VIRT_BASE and runs wherever QEMU loaded it (head.S). */
extern phys_addr_t ppc64_image_phys;
static inline phys_addr_t arch_image_virt_to_phys(uintptr_t va)
{
	return va - KERNEL_VIRT_BASE + ppc64_image_phys;
}

#endif

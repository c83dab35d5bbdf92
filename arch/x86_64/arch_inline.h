/* x86_64 half of the arch contract (see arch/arch.h): the inline functions, whose prototypes
 * arch.h declares (its constants and types are in arch_defs.h).
 * Page-table entries follow the Intel SDM vol. 3A, section 4.5 (4-level paging). */
#ifndef ARCH_X86_64_ARCH_INLINE_H
#define ARCH_X86_64_ARCH_INLINE_H

#include "arch/x86_64/layout.h"
#include "arch/frame_record.h"

/* ---- CPU ---- */
static inline void arch_irq_enable(void)  { __asm__ __volatile__("sti" ::: "memory"); }
static inline void arch_irq_disable(void) { __asm__ __volatile__("cli" ::: "memory"); }
static inline unsigned long arch_irq_save(void)
{
	unsigned long f;
	__asm__ __volatile__("pushfq; popq %0; cli" : "=r"(f) :: "memory");
	return f;
}
static inline void arch_irq_restore(unsigned long f)
{
	if (f & (1ul << 9))
		arch_irq_enable();
}
static inline bool arch_irqs_enabled(void)
{
	unsigned long f;
	__asm__ __volatile__("pushfq; popq %0" : "=r"(f) :: "memory");
	return f & (1ul << 9);
}
static inline void arch_cpu_relax(void) { __asm__ __volatile__("pause" ::: "memory"); }
static inline void arch_wait_for_interrupt(void)
{
	__asm__ __volatile__("sti; hlt; cli" ::: "memory");
}
static inline void arch_mb(void)  { __asm__ __volatile__("mfence" ::: "memory"); }
static inline void arch_rmb(void) { __asm__ __volatile__("" ::: "memory"); }  /* TSO */
static inline void arch_wmb(void) { __asm__ __volatile__("" ::: "memory"); }  /* TSO */
static inline u64 arch_cycles(void)
{
	u32 lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}
/* The per-CPU block's first word points at itself, so one GS-relative load finds it. */
struct percpu;
static inline struct percpu *arch_this_cpu(void)
{
	struct percpu *pc;
	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(pc));
	return pc;
}
/* One %gs-relative load: an interrupt lands before or after it, never between address and use. */
static inline struct thread *arch_current_thread(void)
{
	struct thread *t;
	__asm__ __volatile__("movq %%gs:%c1, %0" : "=r"(t) : "i"(PERCPU_CURRENT_OFFSET));
	return t;
}
static inline void arch_current_set(struct thread *t) { (void)t; }   /* the block's field is it */
/* arch_context_switch pushed rbp, rbx, r12-r15 below its return address. */
static inline void arch_switched_frame(void *sp, uintptr_t *fp, uintptr_t *ip)
{
	*fp = ((const uintptr_t *)sp)[5];
	*ip = ((const uintptr_t *)sp)[6];
}


/* ---- Port I/O ---- */
static inline void outb(u16 port, u8 v)
{
	__asm__ __volatile__("outb %0, %1" :: "a"(v), "Nd"(port));
}
static inline void outw(u16 port, u16 v)
{
	__asm__ __volatile__("outw %0, %1" :: "a"(v), "Nd"(port));
}
static inline void outl(u16 port, u32 v)
{
	__asm__ __volatile__("outl %0, %1" :: "a"(v), "Nd"(port));
}
static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* ---- Trap frames and unwinding ---- */
static inline uintptr_t arch_frame_ip(const struct trap_frame *f) { return f->rip; }
static inline uintptr_t arch_frame_fp(const struct trap_frame *f) { return f->rbp; }
static inline void arch_frame_set_ip(struct trap_frame *f, uintptr_t ip) { f->rip = ip; }
static inline bool arch_frame_irqs_enabled(const struct trap_frame *f)
{
	return f->rflags & (1ul << 9);   /* RFLAGS.IF */
}
static inline uintptr_t arch_current_fp(void) { return (uintptr_t)__builtin_frame_address(0); }
/* With frame pointers, [rbp] is the caller's rbp and [rbp+8] the return address. */
static inline bool arch_unwind(uintptr_t *fp, uintptr_t *ip) { return frame_record_unwind(fp, ip); }

/* ---- User mode (arch/x86_64/user.c, entry.S) ---- */
#define X86_USER_CS  0x2b   /* GDT slot 5, RPL 3: 64-bit user code (cpu.c) */
#define X86_USER_DS  0x23   /* GDT slot 4, RPL 3: user data, SYSRET's SS */
#define X86_VEC_SYSCALL 0x100   /* trap_frame.vector of a system call: above every IDT vector */

static inline struct trap_frame *arch_user_frame(void *stack_top)
{
	return (struct trap_frame *)stack_top - 1;
}
static inline bool arch_frame_from_user(const struct trap_frame *f) { return f->cs & 3; }
static inline uintptr_t arch_frame_sp(const struct trap_frame *f) { return f->rsp; }
static inline void arch_frame_set_sp(struct trap_frame *f, uintptr_t sp) { f->rsp = sp; }
/* Linux x86_64: rax the number; rdi, rsi, rdx, r10, r8, r9 (rcx and r11 are SYSCALL's); rax
 * the result. */
static inline unsigned long arch_syscall_nr(const struct trap_frame *f) { return f->rax; }
static inline unsigned long arch_syscall_arg(const struct trap_frame *f, unsigned i)
{
	switch (i) {
	case 0: return f->rdi;
	case 1: return f->rsi;
	case 2: return f->rdx;
	case 3: return f->r10;
	case 4: return f->r8;
	default: return f->r9;
	}
}
static inline void arch_syscall_set_return(struct trap_frame *f, long ret) { f->rax = (u64)ret; }

/* ---- Page-table entries ----
 *  63  62..52  51..12   11..9  8  7   6  5  4   3   2  1  0
 *  NX  avail   address  avail  G  PS  D  A  PCD PWT US RW P     (PS only at levels 1 and 2)
 */
#define X86_PTE_P    (1ull << 0)
#define X86_PTE_RW   (1ull << 1)
#define X86_PTE_US   (1ull << 2)
#define X86_PTE_PWT  (1ull << 3)
#define X86_PTE_PCD  (1ull << 4)
#define X86_PTE_A    (1ull << 5)
#define X86_PTE_D    (1ull << 6)
#define X86_PTE_PS   (1ull << 7)
#define X86_PTE_G    (1ull << 8)
#define X86_PTE_NX   (1ull << 63)
#define X86_PTE_ADDR 0x000ffffffffff000ull

extern bool x86_has_1g_pages;

static inline bool arch_pt_leaf_ok(int level)
{
	return level == 0 || level == 1 || (level == 2 && x86_has_1g_pages);
}
static inline pte_t pte_mk_table(phys_addr_t pa)
{
	/* Permissive at the upper levels; the leaf decides. */
	return (pa & X86_PTE_ADDR) | X86_PTE_P | X86_PTE_RW | X86_PTE_US;
}
static inline pte_t pte_mk_leaf(phys_addr_t pa, unsigned prot, int level)
{
	pte_t e = (pa & X86_PTE_ADDR) | X86_PTE_P | X86_PTE_A;
	if (prot & MMU_WRITE)
		e |= X86_PTE_RW | X86_PTE_D;
	if (!(prot & MMU_EXEC))
		e |= X86_PTE_NX;
	if (prot & MMU_USER)
		e |= X86_PTE_US;
	if (prot & MMU_GLOBAL)
		e |= X86_PTE_G;
	if (prot & MMU_DEVICE)
		e |= X86_PTE_PCD | X86_PTE_PWT;
	if (level > 0)
		e |= X86_PTE_PS;
	return e;
}
static inline bool pte_present(pte_t e) { return e & X86_PTE_P; }
static inline bool pte_is_table(pte_t e, int level)
{
	return (e & X86_PTE_P) && level > 0 && !(e & X86_PTE_PS);
}
static inline phys_addr_t pte_addr(pte_t e, int level)
{
	(void)level;
	return e & X86_PTE_ADDR;
}
static inline unsigned pte_prot(pte_t e, int level)
{
	(void)level;
	unsigned p = MMU_READ;
	if (e & X86_PTE_RW)  p |= MMU_WRITE;
	if (!(e & X86_PTE_NX)) p |= MMU_EXEC;
	if (e & X86_PTE_US)  p |= MMU_USER;
	if (e & X86_PTE_G)   p |= MMU_GLOBAL;
	if (e & X86_PTE_PCD) p |= MMU_DEVICE;
	return p;
}
static inline phys_addr_t arch_image_virt_to_phys(uintptr_t va) { return va - KERNEL_VIRT_BASE; }
static inline pte_t pte_cmpxchg(pte_t *p, pte_t old, pte_t new)
{
	__atomic_compare_exchange_n(p, &old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return old;
}
static inline pte_t pte_read_once(const pte_t *p) { return READ_ONCE(*p); }
static inline void pte_write(pte_t *p, pte_t e) { WRITE_ONCE(*p, e); }
/* Stores become visible in program order, to other CPUs' page walks too (SDM vol. 3A, memory
 * ordering: "writes are not reordered with other writes", 8.2.2, 9.2.2 in recent editions):
 * only the compiler must keep the table's stores before the entry's. */
static inline void pte_publish_barrier(void) { barrier(); }
/* P clear: the CPU ignores every other bit (SDM vol. 3A, 4.5). Bit 1 keeps the entry non-zero. */
static inline pte_t pte_mk_soft(u64 val) { return (val << 2) | 2; }
static inline u64 pte_soft_val(pte_t e) { return e >> 2; }
static inline u64 pte_value(pte_t e) { return e; }
/* Intel SDM vol. 3A, 4.5: the same bits in tables and leaves, but for PS (a leaf above level 0;
 * at level 0 bit 7 is PAT, never set here) and D and G (leaves only). */
static inline const struct pte_field *pte_fields(bool table, unsigned *n)
{
	static const struct pte_field f[] = {
		{ X86_PTE_P, X86_PTE_P, "P" },       { X86_PTE_RW, X86_PTE_RW, "RW" },
		{ X86_PTE_US, X86_PTE_US, "US" },    { X86_PTE_PWT, X86_PTE_PWT, "PWT" },
		{ X86_PTE_PCD, X86_PTE_PCD, "PCD" }, { X86_PTE_A, X86_PTE_A, "A" },
		{ X86_PTE_NX, X86_PTE_NX, "XD" },
		{ X86_PTE_D, X86_PTE_D, "D" },       { X86_PTE_PS, X86_PTE_PS, "PS" },
		{ X86_PTE_G, X86_PTE_G, "G" },
	};
	*n = table ? 7 : ARRAY_SIZE(f);
	return f;
}

#endif

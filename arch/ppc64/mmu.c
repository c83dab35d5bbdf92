/* ppc64 MMU operations of the contract: the process table and TLB invalidation for radix
 * (Power ISA 3.0B, Book III, 5.7 and 5.10). Entry encoding is in arch_inline.h.
 * The process table is the guest's, registered once by head.S; entry 0 translates quadrant 3
 * (the kernel) on every CPU. Writers of entry 0 are serialised by the caller (mm_init, once). */
#include "arch/ppc64/ppc64.h"

/* head.S: 256 entries of two big-endian doublewords. Entry 0, doubleword 0:
 *   62..61 RTS1 | 59..8 RPDB: the root's address | 7..5 RTS2 | 4..0 RPDS: log2(root entries) */
extern u64 ppc64_process_table[];
#define PRTB_RPDB 0x0fffffffffffff00ull

/* PID for quadrant 0 while there is no user address space: entry 1 stays empty, so a low
 * address faults instead of aliasing the kernel's tree (PID 0). */
#define PID_NONE 1

void ppc64_mmu_cpu_init(void)
{
	mtspr(SPR_PIDR, PID_NONE);
	__asm__ __volatile__("isync" ::: "memory");
}

/* tlbie/tlbiel operands (Book III, 5.10.1): RB = EPN | IS (bits 11..10) | AP (7..5: 0 = 4 KiB),
 * RS = PID in the upper word; RIC 0 = TLB, 2 = TLB, page-walk cache and table-entry caches;
 * PRS = 1 process-scoped; R = 1 radix. */
#define TLBI_IS_VA  (0ul << 10)
#define TLBI_IS_PID (1ul << 10)
#define TLB_SETS    128   /* congruence classes tlbiel walks for a whole-PID flush (POWER9) */
/* The five-operand forms are ISA 3.0; the compiler asks the assembler for POWER8 only. */
#define ISA300(insn) ".machine push\n.machine power9\n" insn "\n.machine pop"

static inline void tlbiel_va(uintptr_t va, u64 pid)
{
	__asm__ __volatile__(ISA300("tlbiel %0, %1, 0, 1, 1") :: "r"((va & PAGE_MASK) | TLBI_IS_VA),
			     "r"(pid << 32) : "memory");
}

static inline void tlbie_va(uintptr_t va, u64 pid)
{
	__asm__ __volatile__(ISA300("tlbie %0, %1, 0, 1, 1") :: "r"((va & PAGE_MASK) | TLBI_IS_VA),
			     "r"(pid << 32) : "memory");
}

void arch_tlb_flush_page_local(uintptr_t va)
{
	__asm__ __volatile__("ptesync" ::: "memory");
	tlbiel_va(va, 0);
	__asm__ __volatile__("ptesync" ::: "memory");
}

void arch_tlb_flush_all_local(void)
{
	__asm__ __volatile__("ptesync" ::: "memory");
	__asm__ __volatile__(ISA300("tlbiel %0, %1, 2, 1, 1") :: "r"(TLBI_IS_PID), "r"(0ul) : "memory");
	for (unsigned long set = 1; set < TLB_SETS; set++)
		__asm__ __volatile__(ISA300("tlbiel %0, %1, 0, 1, 1") :: "r"((set << 12) | TLBI_IS_PID),
				     "r"(0ul) : "memory");
	__asm__ __volatile__("ptesync" ::: "memory");
}

/* Broadcast (every CPU): tlbie, then eieio; tlbsync; ptesync wait until all have done it
 * (Book III, 5.10.1.2). The guest may use tlbie because the process table was registered with
 * GTSE. IS = 2 selects every PID of this partition. */
#define TLBI_IS_LPID (2ul << 10)

void arch_tlb_flush_page_broadcast(uintptr_t va)
{
	__asm__ __volatile__("ptesync" ::: "memory");
	tlbie_va(va, 0);
	__asm__ __volatile__("eieio; tlbsync; ptesync" ::: "memory");
}

static void tlbie_all(u64 is, u64 pid)
{
	__asm__ __volatile__("ptesync" ::: "memory");
	__asm__ __volatile__(ISA300("tlbie %0, %1, 2, 1, 1") :: "r"(is), "r"(pid << 32) : "memory");
	__asm__ __volatile__("eieio; tlbsync; ptesync" ::: "memory");
}

void arch_tlb_flush_all_broadcast(void) { tlbie_all(TLBI_IS_LPID, 0); }

/* The kernel's root lives in process-table entry 0, which all CPUs share: switching it is global,
 * and every CPU's cached copy of the entry and of the old tree goes (RIC=2, broadcast). */
void arch_mmu_switch(phys_addr_t root)
{
	u64 e = be64_to_cpu(ppc64_process_table[0]);
	WRITE_ONCE(ppc64_process_table[0], cpu_to_be64((e & ~PRTB_RPDB) | (root & PRTB_RPDB)));
	tlbie_all(TLBI_IS_PID, 0);
}

phys_addr_t arch_mmu_current_root(void)
{
	return be64_to_cpu(READ_ONCE(ppc64_process_table[0])) & PRTB_RPDB;
}

void arch_mmu_init_kernel_root(phys_addr_t root) { (void)root; }

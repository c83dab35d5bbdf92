/* ppc64 MMU operations of the contract: the process table and TLB invalidation for radix
 * (Power ISA 3.0B, Book III, 5.7 and 5.10). Entry encoding is in arch_inline.h.
 * The process table is the guest's, registered once by head.S; entry 0 translates quadrant 3
 * (the kernel) on every CPU. Writers of entry 0 are serialised by the caller (mm_init, once). */
#include "arch/ppc64/ppc64.h"
#include "kernel/errno.h"
#include "kernel/locking/spinlock.h"
#include "mm/mm.h"
#include "mm/page.h"

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

/* tlbie/tlbiel operands (Book III, 5.10.1): RB = EPN | IS (bits 11..10) | AP (7..5),
 * RS = PID in the upper word; RIC 0 = TLB, 2 = TLB, page-walk cache and table-entry caches;
 * PRS = 1 process-scoped; R = 1 radix. */
#define TLBI_IS_VA  (0ul << 10)
#define TLBI_IS_PID (1ul << 10)
#define TLBI_IS_LPID (2ul << 10)
#define TLBI_AP_SHIFT 5
#define TLB_SETS    128   /* congruence classes tlbiel walks for a whole-PID flush (POWER9) */
/* The five-operand forms are ISA 3.0; the compiler asks the assembler for POWER8 only. */
#define ISA300(insn) ".machine push\n.machine power9\n" insn "\n.machine pop"

/* RB[AP] is the actual page size of the entries a by-address (IS = 0) invalidation removes:
 * with radix, tlbie and tlbiel invalidate a TLB entry only if its page size equals AP (Book III,
 * chapter 5, the tlbie and tlbiel instruction descriptions, whose RTL compares
 * entry_actual_pg_size with the size in (RB)56:58). So a 4 KiB tlbie at an address inside a
 * 2 MiB leaf leaves the 2 MiB translation cached; only a PID- or LPID-wide form (IS = 1, 2)
 * removes every size. The codes, by leaf level, are those of the device tree's
 * ibm,processor-radix-AP-encodings (the top three bits of each cell; QEMU's POWER9 and POWER10
 * list 4K 0, 64K 5, 2M 1, 1G 2). */
static const u8 radix_ap[] = { 0, 1, 2 };   /* level 0: 4 KiB, 1: 2 MiB, 2: 1 GiB */

/* RB naming the leaf of `level` that maps va; false for a level with no radix page size. */
static bool tlbi_rb(uintptr_t va, int level, u64 *rb)
{
	if (level < 0 || level >= (int)ARRAY_SIZE(radix_ap))
		return false;
	uintptr_t page = ALIGN_DOWN(va, 1ul << (PAGE_SHIFT + level * PT_INDEX_BITS));
	*rb = page | TLBI_IS_VA | (u64)radix_ap[level] << TLBI_AP_SHIFT;
	return true;
}

/* Broadcast (every CPU): tlbie, then eieio; tlbsync; ptesync wait until all have done it
 * (Book III, 5.10.1.2). The guest may use tlbie because the process table was registered with
 * GTSE. IS = 2 selects every PID of this partition. */
static void tlbie_all(u64 is, u64 pid)
{
	__asm__ __volatile__("ptesync" ::: "memory");
	__asm__ __volatile__(ISA300("tlbie %0, %1, 2, 1, 1") :: "r"(is), "r"(pid << 32)
			     : "memory");
	__asm__ __volatile__("eieio; tlbsync; ptesync" ::: "memory");
}

/* A level without a radix page size cannot be named by AP: the whole PID (the kernel's, 0) goes
 * instead, which removes translations of every size. */
void arch_tlb_flush_page_local(uintptr_t va, int level)
{
	u64 rb;
	if (!tlbi_rb(va, level, &rb)) {
		arch_tlb_flush_all_local();
		return;
	}
	__asm__ __volatile__("ptesync" ::: "memory");
	__asm__ __volatile__(ISA300("tlbiel %0, %1, 0, 1, 1") :: "r"(rb), "r"(0ul) : "memory");
	__asm__ __volatile__("ptesync" ::: "memory");
}

/* Every entry of `pid` in this CPU's TLB, page-walk cache and process-table cache: RIC = 2
 * removes all three but only for one congruence class of the TLB, so the other classes follow
 * with RIC = 0 (POWER9 has TLB_SETS of them). */
static void tlbiel_pid(u64 pid)
{
	__asm__ __volatile__("ptesync" ::: "memory");
	__asm__ __volatile__(ISA300("tlbiel %0, %1, 2, 1, 1")
			     :: "r"(TLBI_IS_PID), "r"(pid << 32) : "memory");
	for (unsigned long set = 1; set < TLB_SETS; set++)
		__asm__ __volatile__(ISA300("tlbiel %0, %1, 0, 1, 1")
				     :: "r"((set << 12) | TLBI_IS_PID), "r"(pid << 32) : "memory");
	__asm__ __volatile__("ptesync" ::: "memory");
}

void arch_tlb_flush_all_local(void) { tlbiel_pid(0); }

void arch_tlb_flush_page_broadcast(uintptr_t va, int level)
{
	u64 rb;
	if (!tlbi_rb(va, level, &rb)) {
		tlbie_all(TLBI_IS_PID, 0);
		return;
	}
	__asm__ __volatile__("ptesync" ::: "memory");
	__asm__ __volatile__(ISA300("tlbie %0, %1, 0, 1, 1") :: "r"(rb), "r"(0ul) : "memory");
	__asm__ __volatile__("eieio; tlbsync; ptesync" ::: "memory");
}

void arch_tlb_flush_all_broadcast(void) { tlbie_all(TLBI_IS_LPID, 0); }

/* ---- User address spaces: one PID each, its process-table entry naming its root. PIDs are
 * global (tlbie by PID reaches every CPU), so a PID is taken when the address space is made
 * and given back when it goes, after every CPU's cached entries of it are gone. ---- */

#define PID_FIRST 2                   /* 0: the kernel's (quadrant 3), 1: PID_NONE */
#define NR_PIDS   4096                /* entries in head.S's process table */
static u64 pids_used[NR_PIDS / 64];
static spinlock_t pids_lock = SPINLOCK_INIT;

int arch_mm_init(struct mm *mm)
{
	unsigned long flags = raw_spin_lock_irqsave(&pids_lock);
	unsigned pid = PID_FIRST;
	while (pid < NR_PIDS && (pids_used[pid / 64] >> (pid % 64) & 1))
		pid++;
	if (pid < NR_PIDS)
		pids_used[pid / 64] |= 1ull << (pid % 64);
	raw_spin_unlock_irqrestore(&pids_lock, flags);
	if (pid == NR_PIDS)
		return -ENOSPC;
	mm->context.pid = pid;
	/* The same tree shape as the kernel's entry (RTS, RPDS), with this root. The ptesync
	 * orders the entry before any translation through it (Book III, 5.7.6.2). */
	u64 e = be64_to_cpu(READ_ONCE(ppc64_process_table[0]));
	WRITE_ONCE(ppc64_process_table[2 * pid + 1], 0);
	WRITE_ONCE(ppc64_process_table[2 * pid],
		   cpu_to_be64((e & ~PRTB_RPDB) | (mm->pgd & PRTB_RPDB)));
	__asm__ __volatile__("ptesync" ::: "memory");
	return 0;
}

/* Empty the entry, then take every CPU's cached translations, walk-cache entries and copy of the
 * entry for this PID (RIC = 2, broadcast); only then may the PID name another tree. */
void arch_mm_destroy(struct mm *mm)
{
	unsigned pid = mm->context.pid;
	WRITE_ONCE(ppc64_process_table[2 * pid], 0);
	tlbie_all(TLBI_IS_PID, pid);
	unsigned long flags = raw_spin_lock_irqsave(&pids_lock);
	pids_used[pid / 64] &= ~(1ull << (pid % 64));
	raw_spin_unlock_irqrestore(&pids_lock, flags);
}

/* init_mm: the kernel's root lives in process-table entry 0, which all CPUs share. The first
 * switch (mm_init) installs it, and every CPU's cached copy of the entry and of the boot tree
 * goes (RIC = 2, broadcast); after that it never changes. Quadrant 0 gets PID_NONE, whose empty
 * entry makes every user address fault. */
void arch_mmu_switch(struct mm *mm)
{
	if (mm == &init_mm) {
		u64 e = be64_to_cpu(READ_ONCE(ppc64_process_table[0]));
		if ((e & PRTB_RPDB) != (mm->pgd & PRTB_RPDB)) {
			WRITE_ONCE(ppc64_process_table[0],
				   cpu_to_be64((e & ~PRTB_RPDB) | (mm->pgd & PRTB_RPDB)));
			tlbie_all(TLBI_IS_PID, 0);
		}
		mtspr(SPR_PIDR, PID_NONE);
	} else {
		mtspr(SPR_PIDR, mm->context.pid);
	}
	__asm__ __volatile__("isync" ::: "memory");   /* the new PID for what follows */
}

void arch_tlb_flush_user_page_local(struct mm *mm, uintptr_t va, int level)
{
	u64 rb;
	if (!tlbi_rb(va, level, &rb)) {
		tlbiel_pid(mm->context.pid);
		return;
	}
	__asm__ __volatile__("ptesync" ::: "memory");
	__asm__ __volatile__(ISA300("tlbiel %0, %1, 0, 1, 1")
			     :: "r"(rb), "r"((u64)mm->context.pid << 32) : "memory");
	__asm__ __volatile__("ptesync" ::: "memory");
}

void arch_tlb_flush_user_all_local(struct mm *mm) { tlbiel_pid(mm->context.pid); }

void arch_tlb_flush_user_page_broadcast(struct mm *mm, uintptr_t va, int level)
{
	u64 rb;
	if (!tlbi_rb(va, level, &rb)) {
		tlbie_all(TLBI_IS_PID, mm->context.pid);
		return;
	}
	__asm__ __volatile__("ptesync" ::: "memory");
	__asm__ __volatile__(ISA300("tlbie %0, %1, 0, 1, 1")
			     :: "r"(rb), "r"((u64)mm->context.pid << 32) : "memory");
	__asm__ __volatile__("eieio; tlbsync; ptesync" ::: "memory");
}

void arch_tlb_flush_user_all_broadcast(struct mm *mm) { tlbie_all(TLBI_IS_PID, mm->context.pid); }

phys_addr_t arch_mmu_current_root(void)
{
	return be64_to_cpu(READ_ONCE(ppc64_process_table[0])) & PRTB_RPDB;
}

void arch_mmu_init_kernel_root(phys_addr_t root) { (void)root; }

/* By the direct map (Power caches are physically tagged): dcbst each block, sync, icbi each
 * block, sync, isync (Book II, 1.8, "Instruction Storage"). */
void arch_sync_icache_page(phys_addr_t pa)
{
	uintptr_t va = (uintptr_t)phys_to_virt(pa);
	for (uintptr_t a = va; a < va + PAGE_SIZE; a += 32)
		__asm__ __volatile__("dcbst 0,%0" :: "r"(a) : "memory");
	__asm__ __volatile__("sync" ::: "memory");
	for (uintptr_t a = va; a < va + PAGE_SIZE; a += 32)
		__asm__ __volatile__("icbi 0,%0" :: "r"(a) : "memory");
	__asm__ __volatile__("sync\n\tisync" ::: "memory");
}

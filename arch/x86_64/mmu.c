/* x86_64 MMU operations of the contract: CR3, INVLPG, and user address spaces. Entry encoding is
 * in arch_inline.h.
 *
 * A user root holds the kernel half too: CR3 names one tree for the whole address space, so
 * every root's entries 256..511 are the kernel's. They are copied when the root is made, so the
 * kernel's top level must never change afterwards: arch_mmu_init_kernel_root gives every kernel
 * area its top-level entry before any user root exists (the direct map, image and vmemmap have
 * theirs already; the stack and device areas, filled in at run time, get them there).
 *
 * Loading an address space: without PCIDs each CR3 load flushes this CPU's non-global
 * entries, so a CPU keeps no translation of an address space it has left. With them (pcid.c)
 * it keeps those of a few, each under its own PCID, and flushes one when it loads it again if
 * a shootdown happened meanwhile. Either way only the CPUs that have an address space loaded
 * (its cpumask) are asked to flush it. */
#include "arch/x86_64/pcid.h"
#include "arch/x86_64/x86.h"
#include "mm/kernel_map.h"
#include "mm/mm.h"
#include "mm/page.h"
#include "mm/pgtable.h"
#include "kernel/panic.h"

#define KERNEL_HALF_FIRST 256   /* root index of the first kernel address */

phys_addr_t arch_mmu_current_root(void) { return x86_read_cr3() & X86_PTE_ADDR; }

static void fill_top_level(pte_t *root, uintptr_t start, u64 size)
{
	for (unsigned i = pt_index(start, PT_LEVELS - 1);
	     i <= pt_index(start + size - 1, PT_LEVELS - 1); i++) {
		if (pte_present(root[i]))
			continue;
		phys_addr_t t = pgtable_page_alloc();
		if (!t)
			panic("x86: no memory for the kernel's top-level tables");
		pte_write(&root[i], pte_mk_table(t));
	}
}

void arch_mmu_init_kernel_root(phys_addr_t root)
{
	pte_t *r = phys_to_virt(root);
	fill_top_level(r, KSTACK_AREA_BASE, KSTACK_AREA_SIZE);
	fill_top_level(r, MMIO_AREA_BASE, MMIO_AREA_SIZE);
}

int arch_mm_init(struct mm *mm)
{
	const pte_t *k = phys_to_virt(kernel_pt_root);
	pte_t *u = phys_to_virt(mm->pgd);
	for (unsigned i = KERNEL_HALF_FIRST; i < pt_level_entries(PT_LEVELS - 1); i++)
		pte_write(&u[i], pte_read_once(&k[i]));
	x86_pcid_mm_init(mm);
	return 0;
}

/* Nothing to give back: slots that still name the mm never match another (its id is never
 * reused), and the entries they hold for it are flushed when the slot goes to another mm; until
 * then their PCID is never current, so no walk uses them (pcid.c). */
void arch_mm_destroy(struct mm *mm) { (void)mm; }

void arch_mmu_switch(struct mm *mm) { x86_write_cr3(x86_pcid_cr3(mm)); }

/* INVLPG removes the TLB entries for va's page whatever size they translate, 4 KiB, 2 MiB or
 * 1 GiB (SDM vol. 3A, 4.10.4.1; 4.10.2.3 for large pages): the level is not needed. */
void arch_tlb_flush_page_local(uintptr_t va, int level)
{
	(void)level;
	__asm__ __volatile__("invlpg (%0)" :: "r"(va) : "memory");
}

void arch_tlb_flush_all_local(void)
{
	/* Toggling CR4.PGE flushes global entries too (SDM vol. 3A, 4.10.4.1). */
	u64 cr4 = x86_read_cr4();
	x86_write_cr4(cr4 & ~X86_CR4_PGE);
	x86_write_cr4(cr4);
}

/* Called with interrupts off (an IPI, or the shootdown's own CPU inside smp_call_function), on
 * the CPUs that had mm loaded when the shootdown read its cpumask. If mm is loaded here, its
 * PCID (or, without PCIDs, the only one) is the current one, which is what INVLPG and a CR3
 * load without bit 63 flush (SDM vol. 3A, 4.10.4.1). If the CPU has switched away since, mm's
 * entries may still sit under a slot's PCID, but the shootdown bumped mm->tlb_gen before it
 * read the mask: that slot flushes when mm is loaded here again, unless a load after the bump
 * flushed it already (pcid.c). So there is nothing to do. */
void arch_tlb_flush_user_page_local(struct mm *mm, uintptr_t va, int level)
{
	if (*this_cpu_ptr(&loaded_mm) == mm)
		arch_tlb_flush_page_local(va, level);
}

void arch_tlb_flush_user_all_local(struct mm *mm)
{
	/* CR3 reads back without bit 63: this reloads the current PCID, flushing it. */
	if (*this_cpu_ptr(&loaded_mm) == mm)
		x86_write_cr3(x86_read_cr3());
}

void arch_sync_icache_page(phys_addr_t pa)
{
	(void)pa;   /* SDM vol. 3A, 11.6: instruction fetch is coherent with stores */
}

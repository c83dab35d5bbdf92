/* x86_64 MMU operations of the contract: CR3 and INVLPG. Entry encoding is in arch_inline.h. */
#include "arch/x86_64/x86.h"

void arch_mmu_switch(phys_addr_t root) { x86_write_cr3(root); }

phys_addr_t arch_mmu_current_root(void) { return x86_read_cr3() & X86_PTE_ADDR; }

void arch_mmu_init_kernel_root(phys_addr_t root) { (void)root; }

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

/* arm64 MMU operations of the contract: the two translation tables, ASIDs, TLB maintenance and
 * the fixmap. Entry encoding is in arch_inline.h.
 *
 * TTBR1_EL1 holds the kernel's root (kernel_pt_root) on every CPU, for good. TTBR0_EL1 holds the
 * running user address space, tagged with an ASID (TCR_EL1.A1 = 0: the ASID is TTBR0's); with
 * none, it holds an empty table and ASID 0, so a stray low pointer takes a translation fault.
 * Kernel mappings are global (nG = 0) and survive ASID changes.
 *
 * ASIDs, for now: every user address space runs as ASID 1, and switching a CPU to a different
 * root than it last ran invalidates that CPU's ASID-1 entries, with the empty table in TTBR0
 * meanwhile. User flushes are broadcast by ASID, so they reach every CPU that may still hold
 * entries of the address space, loaded or not; a freed one's entries go everywhere before its
 * root can come back as another's. A per-address-space allocator with generations (Linux's
 * arch/arm64/mm/context.c) replaces this. */
#include "mm/mm.h"
#include "arch/arm64/arm64.h"
#include "mm/kernel_map.h"
#include "mm/pgtable.h"
#include "kernel/panic.h"

#define TTBR_ASID_SHIFT 48
#define USER_ASID       1ull

static pte_t reserved_ttbr0_table[PT_ENTRIES] __aligned(4096);   /* all zero: nothing mapped */
phys_addr_t arm64_reserved_ttbr0;
static phys_addr_t kernel_root;
static phys_addr_t fixmap_pa[8];
static DEFINE_PER_CPU(phys_addr_t, last_user_root);   /* the tree ASID 1 last named here */

/* ---- The fixmap ---- */

/* Map one device page at FIXMAP_BASE + slot pages: in the boot tables before mm_init, in the
 * kernel's afterwards; either way at the same address. */
void *arm64_fixmap_set(unsigned slot, phys_addr_t pa)
{
	uintptr_t va = FIXMAP_BASE + slot * PAGE_SIZE, offset = pa & ~PAGE_MASK;
	unsigned prot = MMU_READ | MMU_WRITE | MMU_DEVICE | MMU_GLOBAL;
	BUG_ON(slot >= ARRAY_SIZE(fixmap_pa));
	pa -= offset;
	if (kernel_root) {
		kernel_unmap(va, PAGE_SIZE);
		if (kernel_map(va, pa, PAGE_SIZE, prot))
			panic("arm64: cannot map fixmap slot %u", slot);
	} else {
		/* boot_l3_fixmap is in .boot.bss, linked at its physical address: reach it through
		 * the direct map, which the boot tables already have. */
		pte_t *l3 = phys_to_virt((phys_addr_t)(uintptr_t)boot_l3_fixmap);
		pte_write(&l3[slot], pte_mk_leaf(pa, prot, 0));
		arch_tlb_flush_page_local(va, 0);
	}
	fixmap_pa[slot] = pa;
	return (void *)(va + offset);
}

/* ---- Roots ---- */

void arch_mmu_init_kernel_root(phys_addr_t root)
{
	kernel_root = root;
	arm64_reserved_ttbr0 = arch_image_virt_to_phys((uintptr_t)reserved_ttbr0_table);
	for (unsigned s = 0; s < ARRAY_SIZE(fixmap_pa); s++) {
		if (!fixmap_pa[s])
			continue;
		int err = pt_map(root, FIXMAP_BASE + s * PAGE_SIZE, fixmap_pa[s], PAGE_SIZE,
				 MMU_READ | MMU_WRITE | MMU_DEVICE | MMU_GLOBAL, 0);
		if (err)
			panic("arm64: cannot carry fixmap slot %u into the kernel's tables", s);
	}
}

int arch_mm_init(struct mm *mm)
{
	mm->context.asid = USER_ASID;
	return 0;
}

static inline u64 tlbi_asid(u16 asid) { return (u64)asid << TTBR_ASID_SHIFT; }

/* Its root may come back as another address space's, which this CPU's last_user_root would
 * then take for the same tree: none of its entries may survive anywhere. */
void arch_mm_destroy(struct mm *mm)
{
	__asm__ __volatile__("dsb ishst; tlbi aside1is, %0; dsb ish; isb"
			     :: "r"(tlbi_asid(mm->context.asid)) : "memory");
}

void arch_mmu_switch(struct mm *mm)
{
	phys_addr_t root = mm->pgd;
	if (mm == &init_mm) {
		/* First time on the boot CPU (mm_init): replace the boot tables in TTBR1 while
		 * running from the identity map, then let the identity map go. */
		if ((sysreg_read(ttbr1_el1) & ARM64_PTE_ADDR) != root)
			arm64_idmap_replace_ttbr1(root);
		sysreg_write(ttbr0_el1, arm64_reserved_ttbr0);
		isb();
		return;
	}
	phys_addr_t *last = this_cpu_ptr(&last_user_root);
	if (*last != root) {
		/* ASID 1 is about to name another tree. Its entries from the last one must be gone
		 * before any TTBR0 walks the new tree with it, or the TLB may hold entries of both
		 * trees for one address and ASID (a TLB conflict abort, or a stale translation).
		 * So invalidate while TTBR0 holds the empty table with ASID 0, where no walk can
		 * make ASID-1 entries: the ISB puts the reserved value in force first, the DSB
		 * completes the TLBI before the new root is loaded (ARM ARM D8.13, TLB
		 * maintenance, and its rules for changing ASID and TTBR together). Linux likewise
		 * flushes a reused ASID while no TTBR holds it, before cpu_switch_mm. */
		sysreg_write(ttbr0_el1, arm64_reserved_ttbr0);
		isb();
		__asm__ __volatile__("dsb nshst; tlbi aside1, %0; dsb nsh"
				     :: "r"(tlbi_asid(mm->context.asid)) : "memory");
		*last = root;
	}
	sysreg_write(ttbr0_el1, root | tlbi_asid(mm->context.asid));
	isb();
}

phys_addr_t arch_mmu_current_root(void)
{
	phys_addr_t user = sysreg_read(ttbr0_el1) & ARM64_PTE_ADDR;
	return user == arm64_reserved_ttbr0 ? sysreg_read(ttbr1_el1) & ARM64_PTE_ADDR : user;
}

/* ---- TLB maintenance (ARM ARM D8.13). The DSB before makes the table updates visible to the
 * walkers; the one after waits for the invalidation to complete (everywhere, for ...IS); the ISB
 * makes this CPU's next instructions use the result. The operand of the by-VA forms is the page
 * number, VA[55:12], in bits 43:0. Without a TTL hint (FEAT_TTL, not used) a by-VA TLBI removes
 * entries from any level that map the address, blocks included: the level is not needed. ---- */

static inline u64 tlbi_va(uintptr_t va) { return (va >> PAGE_SHIFT) & ((1ull << 44) - 1); }

void arch_tlb_flush_page_local(uintptr_t va, int level)
{
	(void)level;
	__asm__ __volatile__("dsb nshst; tlbi vaae1, %0; dsb nsh; isb"
			     :: "r"(tlbi_va(va)) : "memory");
}

void arch_tlb_flush_all_local(void)
{
	__asm__ __volatile__("dsb nshst; tlbi vmalle1; dsb nsh; isb" ::: "memory");
}

void arch_tlb_flush_page_broadcast(uintptr_t va, int level)
{
	(void)level;
	__asm__ __volatile__("dsb ishst; tlbi vaae1is, %0; dsb ish; isb"
			     :: "r"(tlbi_va(va)) : "memory");
}

void arch_tlb_flush_all_broadcast(void)
{
	__asm__ __volatile__("dsb ishst; tlbi vmalle1is; dsb ish; isb" ::: "memory");
}

/* User entries: by VA within the ASID (VAE1: operand ASID in bits 63:48, the page number in
 * 43:0), or the whole ASID (ASIDE1). */
void arch_tlb_flush_user_page_local(struct mm *mm, uintptr_t va, int level)
{
	(void)level;
	__asm__ __volatile__("dsb nshst; tlbi vae1, %0; dsb nsh; isb"
			     :: "r"(tlbi_asid(mm->context.asid) | tlbi_va(va)) : "memory");
}

void arch_tlb_flush_user_all_local(struct mm *mm)
{
	__asm__ __volatile__("dsb nshst; tlbi aside1, %0; dsb nsh; isb"
			     :: "r"(tlbi_asid(mm->context.asid)) : "memory");
}

void arch_tlb_flush_user_page_broadcast(struct mm *mm, uintptr_t va, int level)
{
	(void)level;
	__asm__ __volatile__("dsb ishst; tlbi vae1is, %0; dsb ish; isb"
			     :: "r"(tlbi_asid(mm->context.asid) | tlbi_va(va)) : "memory");
}

void arch_tlb_flush_user_all_broadcast(struct mm *mm)
{
	__asm__ __volatile__("dsb ishst; tlbi aside1is, %0; dsb ish; isb"
			     :: "r"(tlbi_asid(mm->context.asid)) : "memory");
}

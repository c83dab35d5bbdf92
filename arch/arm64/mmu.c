/* arm64 MMU operations of the contract: the two translation tables, loading a user address
 * space with its ASID, TLB maintenance and the fixmap. Entry encoding is in arch_inline.h; the
 * ASID allocator is asid.c.
 *
 * TTBR1_EL1 holds the kernel's root (kernel_pt_root) on every CPU, for good. TTBR0_EL1 holds the
 * running user address space, tagged with its ASID (TCR_EL1.A1 = 0: the ASID is TTBR0's, so one
 * MSR changes root and ASID together); with none, it holds an empty table and ASID 0, so a stray
 * low pointer takes a translation fault. Kernel mappings are global (nG = 0) and survive ASID
 * changes.
 *
 * User flushes are broadcast by the number in the mm's id, of whatever generation: they reach
 * every CPU that may still use entries of the address space, loaded or not (asid.c, rule 3:
 * an mm runs under one number at a time). */
#include "mm/mm.h"
#include "arch/arm64/arm64.h"
#include "mm/kernel_map.h"
#include "mm/pgtable.h"
#include "kernel/panic.h"

#define TTBR_ASID_SHIFT 48

static pte_t reserved_ttbr0_table[PT_ENTRIES] __aligned(4096);   /* all zero: nothing mapped */
phys_addr_t arm64_reserved_ttbr0;
static phys_addr_t kernel_root;
static phys_addr_t fixmap_pa[8];

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

/* No ASID yet: the first switch gives it one (asid.c). */
int arch_mm_init(struct mm *mm)
{
	mm->context.id = 0;
	return 0;
}

static inline u64 tlbi_asid(u64 asid) { return asid << TTBR_ASID_SHIFT; }

/* Nothing to flush or give back. No CPU has mm loaded, so none walks its tables or uses its
 * entries; its number stays taken in asid.c's bitmap until the next rollover, so no other
 * address space gets it while entries tagged with it may remain; and every CPU flushes its whole
 * TLB before it loads a number of the next generation (asid.c, rules 1 and 2). */
void arch_mm_destroy(struct mm *mm)
{
	(void)mm;
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
	/* One write changes root and ASID together (TCR_EL1.A1 = 0), so no walk pairs the new
	 * root with the old ASID or the reverse; the ISB puts it in force for what follows
	 * (ARM ARM D8.13, changing the ASID and the translation table base). */
	u64 asid = arm64_asid_switch(mm);
	sysreg_write(ttbr0_el1, root | tlbi_asid(asid));
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
 * 43:0), or the whole ASID (ASIDE1). The ASID is the number in mm's id whatever its generation:
 * an id of an older generation may still be running, carried over by a rollover on a CPU that
 * has not switched since (asid.c, rule 3), and that CPU's entries must go. An id of 0 names
 * ASID 0, under which nothing is ever cached (the empty table): mm was never loaded.
 * The id is read after a DSB ISH, which completes the caller's table updates (as the DSB ISHST
 * of the kernel's flushes does) and also orders them before the read: a CPU giving mm a new
 * number at this moment either is seen here, or its walks see the updates (asid.c, the DSB
 * after the id changes). */
static u64 user_tlbi_asid(struct mm *mm)
{
	__asm__ __volatile__("dsb ish" ::: "memory");
	return tlbi_asid(arm64_asid_of(mm));
}

void arch_tlb_flush_user_page_local(struct mm *mm, uintptr_t va, int level)
{
	(void)level;
	u64 op = user_tlbi_asid(mm) | tlbi_va(va);
	__asm__ __volatile__("tlbi vae1, %0; dsb nsh; isb" :: "r"(op) : "memory");
}

void arch_tlb_flush_user_all_local(struct mm *mm)
{
	u64 op = user_tlbi_asid(mm);
	__asm__ __volatile__("tlbi aside1, %0; dsb nsh; isb" :: "r"(op) : "memory");
}

void arch_tlb_flush_user_page_broadcast(struct mm *mm, uintptr_t va, int level)
{
	(void)level;
	u64 op = user_tlbi_asid(mm) | tlbi_va(va);
	__asm__ __volatile__("tlbi vae1is, %0; dsb ish; isb" :: "r"(op) : "memory");
}

void arch_tlb_flush_user_all_broadcast(struct mm *mm)
{
	u64 op = user_tlbi_asid(mm);
	__asm__ __volatile__("tlbi aside1is, %0; dsb ish; isb" :: "r"(op) : "memory");
}

/* By the direct map: the data cache cleaned to the point of unification line by line (DC CVAU,
 * CTR_EL0.DminLine), then the whole instruction cache invalidated in the inner-shareable domain
 * (IC IALLUIS), not by this VA: a VIPT instruction cache could hold the user alias at another
 * index. DSB ISH after each, ISB for this CPU (ARM ARM, "Instruction cache maintenance"). */
void arch_sync_icache_page(phys_addr_t pa)
{
	uintptr_t va = (uintptr_t)phys_to_virt(pa);
	uintptr_t line = 4ul << ((sysreg_read(ctr_el0) >> 16) & 0xf);
	for (uintptr_t a = va; a < va + PAGE_SIZE; a += line)
		__asm__ __volatile__("dc cvau, %0" :: "r"(a) : "memory");
	__asm__ __volatile__("dsb ish\n\tic ialluis\n\tdsb ish\n\tisb" ::: "memory");
}

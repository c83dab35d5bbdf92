/*
 * Building the kernel's address space at boot (boot CPU, once, before any other CPU runs; the
 * run-time changes to it are kernel_map.c's):
 *   - the direct map: all RAM at DIRECT_MAP_BASE, read-write, no-execute, large pages;
 *   - the kernel image at its link address, W^X: text read+exec, rodata read-only, data and bss
 *     read-write no-execute, in base pages;
 *   - the vmemmap: struct page for each frame, backed in MAX_ORDER-aligned chunks around RAM.
 * Page-table pages and the vmemmap come from memblock, below EARLY_MAP_LIMIT, which the boot
 * tables already map. Then the new root is loaded (the boot identity map is gone) and the page
 * allocator takes over the rest of RAM.
 */
#include "mm/mm_init.h"
#include "mm/internal.h"
#include "mm/kernel_map.h"
#include "mm/memblock.h"
#include "mm/mm.h"
#include "mm/pgtable.h"
#include "mm/slab.h"
#include "mm/vma_tree.h"
#include "mm/vmap.h"
#include "boot/boot_info.h"
#include "kernel/sections.h"

static void *boot_stack_top;

static void __init map_or_panic(uintptr_t va, phys_addr_t pa, u64 size, unsigned prot, unsigned fl)
{
	int err = pt_map(kernel_pt_root, va, pa, size, prot, fl);
	if (err)
		panic("mm: cannot map [%#lx-%#lx) at %#lx: %s", pa, pa + size, va, errno_name(err));
}

static void __init map_direct(const struct boot_info *bi)
{
	/* RAM and the firmware's ACPI tables; never device holes. */
	static struct range_list ram __initdata;
	for (unsigned i = 0; i < bi->nr_memmap; i++) {
		const struct mem_range *m = &bi->memmap[i];
		if (m->type == MEM_AVAILABLE || m->type == MEM_ACPI_RECLAIM ||
		    m->type == MEM_ACPI_NVS)
			range_list_add(&ram, ALIGN_DOWN(m->start, PAGE_SIZE),
				       ALIGN_UP(m->end, PAGE_SIZE));
	}
	for (unsigned i = 0; i < ram.n; i++) {
		map_or_panic(DIRECT_MAP_BASE + ram.r[i].start, ram.r[i].start,
			     ram.r[i].end - ram.r[i].start, MMU_READ | MMU_WRITE | MMU_GLOBAL,
			     PT_MAP_LARGE);
		direct_map_size = MAX(direct_map_size, (u64)ram.r[i].end);
	}
}

static void __init map_image_part(char *start, char *end, unsigned prot)
{
	uintptr_t s = ALIGN_DOWN((uintptr_t)start, PAGE_SIZE);
	uintptr_t e = ALIGN_UP((uintptr_t)end, PAGE_SIZE);
	map_or_panic(s, arch_image_virt_to_phys(s), e - s, prot | MMU_GLOBAL, 0);
}

static void __init map_vmemmap(void)
{
	const pfn_t chunk = (pfn_t)1 << MAX_ORDER;
	for (unsigned i = 0; i < memblock_memory.n; i++) {
		pfn_t first = ALIGN_DOWN(memblock_memory.r[i].start >> PAGE_SHIFT, chunk);
		pfn_t last = ALIGN_UP(memblock_memory.r[i].end >> PAGE_SHIFT, chunk);
		uintptr_t s = ALIGN_DOWN((uintptr_t)pfn_to_page(first), PAGE_SIZE);
		uintptr_t e = ALIGN_UP((uintptr_t)pfn_to_page(last), PAGE_SIZE);
		for (uintptr_t va = s; va < e; va += PAGE_SIZE) {
			struct pt_mapping m;
			if (pt_query(kernel_pt_root, va, &m) == 0)
				continue;   /* shared with the previous range */
			phys_addr_t pa = memblock_alloc(PAGE_SIZE, PAGE_SIZE, EARLY_MAP_LIMIT);
			if (!pa)
				panic("mm: out of early memory for the vmemmap");
			map_or_panic(va, pa, PAGE_SIZE, MMU_READ | MMU_WRITE | MMU_GLOBAL, 0);
			/* Every struct page starts reserved; page_alloc_init frees the free
			 * ones. */
			struct page *p = phys_to_virt(pa);
			memset(p, 0, PAGE_SIZE);
			for (size_t k = 0; k < PAGE_SIZE / sizeof(*p); k++)
				p[k].flags = PG_reserved;
		}
	}
}

void __init mm_init(struct boot_info *bi)
{
	memblock_init(bi);
	u64 ram = memblock_total(&memblock_memory);

	kernel_pt_root = pgtable_root_alloc();
	map_direct(bi);
	map_image_part(__text_start, __text_end, MMU_READ | MMU_EXEC);
	map_image_part(__rodata_start, __rodata_end, MMU_READ);
	map_image_part(__data_start, __bss_end, MMU_READ | MMU_WRITE);
	map_vmemmap();
	arch_mmu_init_kernel_root(kernel_pt_root);
	init_mm.pgd = kernel_pt_root;
	arch_mmu_switch(&init_mm);   /* this CPU's loaded_mm starts as init_mm */
	arch_tlb_flush_all_local();

	page_alloc_init();
	unsigned long free = page_alloc_nr_free();
	pr_info("mm: %lu KiB of RAM, %lu pages free (%lu KiB); %lu KiB in use by firmware, boot "
		"modules, the image, page tables and the vmemmap\n",
		(unsigned long)(ram >> 10), free, free << (PAGE_SHIFT - 10),
		(unsigned long)((ram >> 10) - (free << (PAGE_SHIFT - 10))));
	slab_init();
	vma_tree_cache_init();
	mm_struct_init();
	void *stack = kstack_alloc();
	if (!stack)
		panic("mm: no memory for the boot thread's stack");
	boot_stack_top = (char *)stack + KSTACK_SIZE;
}

void *mm_boot_stack_top(void) { return boot_stack_top; }

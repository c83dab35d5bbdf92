/* The page-table walker on the live kernel tables, checked by the hardware: after each change
 * an access through the mapping either works or faults (caught by the probe's fixup). */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/sections.h"
#include "mm/kernel_map.h"
#include "mm/memblock.h"
#include "mm/page.h"
#include "mm/pgtable.h"
#include "mm/vmap.h"

/* Far from anything mmio_map hands out. */
#define SCRATCH_VA (MMIO_AREA_BASE + MMIO_AREA_SIZE / 2)

static const u64 rodata_word = 0x1234abcd;

KTEST(pgtable, map_query_unmap)
{
	struct page *p = alloc_page(GFP_ZERO);
	KASSERT(t, p != NULL);
	u64 v;
	KEXPECT_EQ(t, arch_probe_read((void *)SCRATCH_VA, &v), -EFAULT);
	KASSERT_EQ(t, kernel_map(SCRATCH_VA, page_to_phys(p), PAGE_SIZE, MMU_READ | MMU_WRITE), 0);
	struct pt_mapping m;
	KASSERT_EQ(t, pt_query(kernel_pt_root, SCRATCH_VA + 8, &m), 0);
	KEXPECT_EQ(t, m.pa, page_to_phys(p) + 8);
	KEXPECT_EQ(t, m.level, 0);
	KEXPECT_EQ(t, m.prot, MMU_READ | MMU_WRITE | MMU_GLOBAL);
	/* Writes through the new mapping land in the page, seen through the direct map. */
	KEXPECT_EQ(t, arch_probe_write((void *)(SCRATCH_VA + 16), 0xfeedface), 0);
	KEXPECT_EQ(t, ((u64 *)page_address(p))[2], 0xfeedface);
	KEXPECT_EQ(t, kernel_map(SCRATCH_VA, page_to_phys(p), PAGE_SIZE, MMU_READ), -EEXIST);
	kernel_unmap(SCRATCH_VA, PAGE_SIZE);
	KEXPECT_EQ(t, pt_query(kernel_pt_root, SCRATCH_VA, &m), -ENOENT);
	KEXPECT_EQ(t, arch_probe_read((void *)SCRATCH_VA, &v), -EFAULT);
	free_page(p);
}

KTEST(pgtable, read_only_and_protect)
{
	struct page *p = alloc_page(GFP_ZERO);
	KASSERT(t, p != NULL);
	KASSERT_EQ(t, kernel_map(SCRATCH_VA, page_to_phys(p), PAGE_SIZE, MMU_READ), 0);
	u64 v = 1;
	KEXPECT_EQ(t, arch_probe_read((void *)SCRATCH_VA, &v), 0);
	KEXPECT_EQ(t, v, 0);
	KEXPECT_EQ(t, arch_probe_write((void *)SCRATCH_VA, 7), -EFAULT);
	int level = -1;
	KEXPECT_EQ(t, pt_protect(kernel_pt_root, SCRATCH_VA, PAGE_SIZE,
				 MMU_READ | MMU_WRITE | MMU_GLOBAL, &level), 0);
	KEXPECT_EQ(t, level, 0);
	arch_tlb_flush_page_local(SCRATCH_VA, level);
	KEXPECT_EQ(t, arch_probe_write((void *)SCRATCH_VA, 7), 0);
	KEXPECT_EQ(t, *(u64 *)page_address(p), 7);
	kernel_unmap(SCRATCH_VA, PAGE_SIZE);
	free_page(p);
}

/* A 2 MiB leaf, then a hole punched in its middle: the rest must stay mapped, split finer. */
KTEST(pgtable, large_leaf_split)
{
	if (!arch_pt_leaf_ok(1))
		KSKIP(t, "no level-1 leaves on this arch");
	struct page *p = alloc_pages(9, 0);
	KASSERT(t, p != NULL);
	uintptr_t va = ALIGN_UP(SCRATCH_VA + MiB(4), MiB(2));
	KASSERT_EQ(t, pt_map(kernel_pt_root, va, page_to_phys(p), MiB(2), MMU_READ | MMU_WRITE,
			     PT_MAP_LARGE), 0);
	struct pt_mapping m;
	KASSERT_EQ(t, pt_query(kernel_pt_root, va + 0x1234, &m), 0);
	KEXPECT_EQ(t, m.level, 1);
	KEXPECT_EQ(t, m.size, MiB(2));
	KEXPECT_EQ(t, arch_probe_write((void *)(va + MiB(1)), 0xabc), 0);
	kernel_unmap(va + MiB(1), PAGE_SIZE);
	u64 v;
	KEXPECT_EQ(t, arch_probe_read((void *)(va + MiB(1)), &v), -EFAULT);
	KEXPECT_EQ(t, arch_probe_read((void *)(va + MiB(1) - 8), &v), 0);
	KEXPECT_EQ(t, arch_probe_read((void *)(va + MiB(1) + PAGE_SIZE), &v), 0);
	KEXPECT_EQ(t, pt_query(kernel_pt_root, va, &m), 0);
	KEXPECT_EQ(t, m.level, 0);
	kernel_unmap(va, MiB(2));
	KEXPECT_EQ(t, pt_query(kernel_pt_root, va + PAGE_SIZE, &m), -ENOENT);
	free_pages(p, 9);
}

static void expect_prot(struct ktest *t, const char *what, uintptr_t va, unsigned want)
{
	struct pt_mapping m;
	if (!KEXPECT_EQ(t, pt_query(kernel_pt_root, va, &m), 0))
		return;
	unsigned got = m.prot & (MMU_READ | MMU_WRITE | MMU_EXEC);
	if (got != want)
		ktest_fail(t, __FILE__, __LINE__, "%s at %#lx: prot %#x, want %#x", what, va, got,
			   want);
}

/* W^X: text is never writable, nothing else is executable; checked in the tables and by the
 * hardware (a write to text or rodata faults). */
KTEST(pgtable, kernel_wx_layout)
{
	expect_prot(t, "text", (uintptr_t)__text_start, MMU_READ | MMU_EXEC);
	expect_prot(t, "text end", (uintptr_t)__text_end - 1, MMU_READ | MMU_EXEC);
	expect_prot(t, "rodata", (uintptr_t)&rodata_word, MMU_READ);
	expect_prot(t, "data", (uintptr_t)__data_start, MMU_READ | MMU_WRITE);
	expect_prot(t, "bss", (uintptr_t)__bss_end - 1, MMU_READ | MMU_WRITE);
	/* The lowest page of RAM: 4 KiB on a PC, 1 GiB on arm64's virt. */
	expect_prot(t, "direct map", (uintptr_t)phys_to_virt(memblock_memory.r[0].start),
		    MMU_READ | MMU_WRITE);
	KEXPECT_EQ(t, arch_probe_write((void *)&rodata_word, 0), -EFAULT);
	KEXPECT_EQ(t, arch_probe_write((void *)__text_start, 0), -EFAULT);
	KEXPECT_EQ(t, rodata_word, 0x1234abcd);
	/* The boot identity map is gone: low virtual addresses fault. */
	u64 v;
	KEXPECT_EQ(t, arch_probe_read((void *)0x100000, &v), -EFAULT);
}

KTEST(pgtable, stack_guard_page)
{
	u8 *stack = kstack_alloc();
	KASSERT(t, stack != NULL);
	u64 v;
	KEXPECT_EQ(t, arch_probe_write(stack, 1), 0);
	KEXPECT_EQ(t, arch_probe_write(stack + KSTACK_SIZE - 8, 1), 0);
	KEXPECT_EQ(t, arch_probe_read(stack - 8, &v), -EFAULT);
	KEXPECT(t, kstack_in_guard((uintptr_t)stack - 8));
	KEXPECT(t, !kstack_in_guard((uintptr_t)stack));
	unsigned long before = page_alloc_nr_free();
	kstack_free(stack);
	KEXPECT_EQ(t, page_alloc_nr_free(), before + KSTACK_PAGES);
	KEXPECT_EQ(t, arch_probe_read(stack, &v), -EFAULT);
}

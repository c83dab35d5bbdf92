/*
 * The one page-table walker, for every arch. Levels are numbered PT_LEVELS-1 (the root) down
 * to 0 (the last level, whose entries map base pages); the arch says which levels may hold
 * leaves (large pages) and how entries are encoded (arch/arch.h).
 *
 * These functions change tables only: the caller holds the lock that serialises writers of this
 * tree (kernel_pt_lock for the kernel's) and does the TLB maintenance afterwards. On failure
 * (-ENOMEM), whatever was already changed stays changed; the caller undoes it if it must.
 *
 * pt_unmap and pt_protect report in *max_level (when not NULL; also on failure) the largest
 * level of a leaf they removed, changed or split. The TLB maintenance must cover translations
 * of every size up to that one (mm/tlb.h): a ppc64 tlbie removes only the size it names.
 *
 * Splitting a large leaf (when an edge of the range cuts one) changes the size of a live
 * translation. Where the architecture requires break-before-make (arm64, ppc64:
 * ARCH_NEEDS_BREAK_BEFORE_MAKE) the leaf is made invalid and flushed from every CPU's TLB
 * before the table of smaller leaves replaces it, so for that moment ALL of the leaf, not only
 * the range, is unmapped on every CPU. The caller must know that nothing uses the leaf then.
 * That rules out the direct map, through which every CPU reaches its data and these very
 * tables (Linux on arm64 splits it live only on CPUs with FEAT_BBM level 2, where no
 * invalid step is needed): the kernel never splits it (kernel_unmap refuses it).
 */
#ifndef MM_PGTABLE_H
#define MM_PGTABLE_H

#include "arch/arch.h"

#define PT_MAP_LARGE 0x1u   /* pt_map may use large leaves where alignment and size allow */

/* Every level below the root has PT_INDEX_BITS; only the root may be wider. */
static inline int pt_level_shift(int level) { return PAGE_SHIFT + level * PT_INDEX_BITS; }
static inline u64 pt_level_size(int level) { return 1ull << pt_level_shift(level); }
static inline unsigned pt_level_entries(int level)
{
	return 1u << (level == PT_LEVELS - 1 ? PT_ROOT_INDEX_BITS : PT_INDEX_BITS);
}
static inline unsigned pt_index(uintptr_t va, int level)
{
	return (unsigned)(va >> pt_level_shift(level)) & (pt_level_entries(level) - 1);
}

struct pt_mapping {
	phys_addr_t pa;   /* physical address of the queried byte */
	unsigned prot;    /* MMU_* of the leaf */
	int level;        /* level of the leaf */
	u64 size;         /* bytes the leaf maps */
};

/* Map [va, va+size) to [pa, pa+size) with prot (MMU_*). All three page-aligned. Returns 0,
 * -EINVAL (misaligned), -EEXIST (something already mapped there) or -ENOMEM. */
int pt_map(phys_addr_t root, uintptr_t va, phys_addr_t pa, u64 size, unsigned prot, unsigned flags);
/* Remove every mapping in [va, va+size), splitting large leaves that straddle an edge.
 * Holes are fine. Returns 0, -EINVAL or -ENOMEM (a split needed a table). */
int pt_unmap(phys_addr_t root, uintptr_t va, u64 size, int *max_level);
/* Change the protection of every mapping in [va, va+size), splitting at the edges likewise. */
int pt_protect(phys_addr_t root, uintptr_t va, u64 size, unsigned prot, int *max_level);
/* Look up va: 0 and *m filled in, or -ENOENT. */
int pt_query(phys_addr_t root, uintptr_t va, struct pt_mapping *m);

/* A page for a page table, zeroed: from memblock before the page allocator is up (which panics
 * when it runs out), from the page allocator after (PG_pgtable, its split lock ready). Returns
 * 0 if none is left. */
phys_addr_t pgtable_page_alloc(void);
/* A root table likewise: PT_ROOT_SIZE bytes aligned to their size (one page on most arches),
 * 2^pgtable_root_order() pages. */
phys_addr_t pgtable_root_alloc(void);
unsigned pgtable_root_order(void);
/* Give back a table (order 0) or root from the page allocator; the caller has made sure that
 * nothing walks it any more (a TLB flush, and a grace period for software walkers). */
void pgtable_free(phys_addr_t pa, unsigned order);

#endif

/* The generic page-table walker (mm/pgtable.c) over the host's 3-level encoding, against a model
 * that records, per 4 KiB page of a window, what it should map to and with which protection.
 * Random map (with large leaves), unmap and protect operations over ranges that straddle large
 * pages; after each, every page of the window is queried and compared, and the leaf level that
 * unmap and protect report (what the TLB maintenance must reach) is checked. Every split is
 * watched at its flush: break-before-make must have unmapped the whole leaf by then. */
#include "tests/host/mm_host.h"
#include "kernel/errno.h"
#include "mm/internal.h"
#include "mm/pgtable.h"

#define WINDOW_BASE 0x40000000ul          /* 1 GiB: a level-2 leaf fits exactly */
#define WINDOW_PAGES (1ul << 18)          /* 1 GiB of 4 KiB pages */

struct model {
	phys_addr_t pa;   /* 0: unmapped (we never map physical 0) */
	unsigned prot;
};
static struct model *model;

static unsigned long rng_state = 0x9e3779b97f4a7c15ull;
static unsigned long rnd(void) { return host_xorshift(&rng_state); }

static void verify(phys_addr_t root, unsigned long first, unsigned long n)
{
	for (unsigned long i = first; i < first + n && i < WINDOW_PAGES; i++) {
		struct pt_mapping m;
		uintptr_t va = WINDOW_BASE + (i << PAGE_SHIFT);
		int err = pt_query(root, va + 123, &m);
		if (!model[i].pa) {
			CHECK_EQ(err, -ENOENT);
		} else {
			CHECK_EQ(err, 0);
			CHECK_EQ(m.pa, model[i].pa + 123);
			CHECK_EQ(m.prot, model[i].prot | MMU_READ);
		}
		if (host_failures > 20)
			exit(host_test_done("pgtable"));
	}
}

/* A split's break-before-make flush: by then no walker may reach the old leaf. */
static phys_addr_t watched_root;
static unsigned long bbm_flushes, bbm_levels;
static void watch_split_flush(uintptr_t va, int level)
{
	struct pt_mapping m;
	bbm_flushes++;
	bbm_levels |= 1ul << level;
	CHECK(IS_ALIGNED(va, pt_level_size(level)));
	CHECK_EQ(pt_query(watched_root, va, &m), -ENOENT);
	CHECK_EQ(pt_query(watched_root, va + pt_level_size(level) - PAGE_SIZE, &m), -ENOENT);
}

/* The largest leaf mapping any of n pages from va: what pt_unmap and pt_protect must report. */
static int max_leaf_level(phys_addr_t root, uintptr_t va, unsigned long n)
{
	int max = 0;
	for (unsigned long i = 0; i < n; i++) {
		struct pt_mapping m;
		if (pt_query(root, va + (i << PAGE_SHIFT), &m) == 0)
			max = MAX(max, m.level);
	}
	return max;
}

/* A random page-aligned range; sometimes aligned to and sized in large pages. */
static void pick(unsigned long *first, unsigned long *n)
{
	switch (rnd() % 10) {
	case 0: case 1: case 2: case 3:   /* a few 2 MiB blocks */
		*first = (rnd() % (WINDOW_PAGES / 512)) * 512;
		*n = 512 * (1 + rnd() % 3);
		break;
	case 4:   /* the whole window */
		*first = 0;
		*n = WINDOW_PAGES;
		break;
	default:  /* small and unaligned */
		*first = rnd() % WINDOW_PAGES;
		*n = 1 + rnd() % 1500;
		break;
	}
	if (*first + *n > WINDOW_PAGES)
		*n = WINDOW_PAGES - *first;
}

int main(int argc, char **argv)
{
	unsigned long ops = argc > 1 ? strtoul(argv[1], NULL, 0) : 400;
	host_mm_init(64ul << 20);
	page_alloc_init();
	model = calloc(WINDOW_PAGES, sizeof(*model));
	phys_addr_t root = pgtable_root_alloc();
	CHECK(root != 0);
	CHECK(IS_ALIGNED(root, PT_ROOT_SIZE));
	watched_root = root;
	host_tlb_flush_hook = watch_split_flush;

	/* A root wider than PT_INDEX_BITS (build/host-wideroot): an address whose root index only
	 * the wide root can tell from index 0 must not alias it. */
	if (PT_ROOT_INDEX_BITS > PT_INDEX_BITS) {
		struct pt_mapping hm;
		uintptr_t high = (uintptr_t)1 << (pt_level_shift(PT_LEVELS - 1) + PT_INDEX_BITS);
		CHECK_EQ(pt_map(root, high + WINDOW_BASE, 0x5000, PAGE_SIZE, MMU_READ, 0), 0);
		CHECK_EQ(pt_query(root, high + WINDOW_BASE, &hm), 0);
		CHECK_EQ(hm.pa, 0x5000);
		CHECK_EQ(pt_query(root, WINDOW_BASE, &hm), -ENOENT);
		CHECK_EQ(pt_unmap(root, high + WINDOW_BASE, PAGE_SIZE, NULL), 0);
		CHECK_EQ(pt_query(root, high + WINDOW_BASE, &hm), -ENOENT);
	}

	/* Edge cases first. */
	CHECK_EQ(pt_map(root, WINDOW_BASE + 1, 0x1000, PAGE_SIZE, MMU_READ, 0), -EINVAL);
	CHECK_EQ(pt_map(root, WINDOW_BASE, 0x1001, PAGE_SIZE, MMU_READ, 0), -EINVAL);
	CHECK_EQ(pt_unmap(root, WINDOW_BASE, 100, NULL), -EINVAL);
	struct pt_mapping m;
	int level = -1;
	CHECK_EQ(pt_query(root, WINDOW_BASE, &m), -ENOENT);
	CHECK_EQ(pt_map(root, WINDOW_BASE, 1ul << 30, 1ul << 30, MMU_WRITE, PT_MAP_LARGE), 0);
	CHECK_EQ(pt_query(root, WINDOW_BASE + 0x12345, &m), 0);
	CHECK_EQ(m.level, 2);
	CHECK_EQ(m.pa, (1ul << 30) + 0x12345);
	CHECK_EQ(pt_map(root, WINDOW_BASE + PAGE_SIZE, 0x5000, PAGE_SIZE, MMU_READ, 0), -EEXIST);
	/* Unmapping one page in the middle splits 1G -> 2M -> 4K around it; the 1 GiB leaf's
	 * translation is what the TLB maintenance must reach. */
	CHECK_EQ(pt_unmap(root, WINDOW_BASE + (5ul << 20), PAGE_SIZE, &level), 0);
	CHECK_EQ(level, 2);
	CHECK_EQ(bbm_flushes, 2);
	CHECK_EQ(bbm_levels, 0x6);   /* the 1 GiB leaf, then the 2 MiB one */
	CHECK_EQ(pt_query(root, WINDOW_BASE + (5ul << 20), &m), -ENOENT);
	CHECK_EQ(pt_query(root, WINDOW_BASE + (5ul << 20) + PAGE_SIZE, &m), 0);
	CHECK_EQ(m.level, 0);
	CHECK_EQ(pt_query(root, WINDOW_BASE + (7ul << 20), &m), 0);
	CHECK_EQ(m.level, 1);
	CHECK_EQ(m.prot, MMU_READ | MMU_WRITE);
	CHECK_EQ(pt_unmap(root, WINDOW_BASE, 1ul << 30, &level), 0);
	CHECK_EQ(level, 1);
	verify(root, 0, WINDOW_PAGES);

	/* Random operations against the model. Physical addresses are fake (never dereferenced);
	 * a range maps to pa = its va's offset + 1 GiB so large pages stay possible. */
	for (unsigned long op = 0; op < ops; op++) {
		unsigned long first, n;
		pick(&first, &n);
		uintptr_t va = WINDOW_BASE + (first << PAGE_SHIFT);
		u64 size = n << PAGE_SHIFT;
		unsigned prot = (unsigned)(rnd() % 2 ? MMU_WRITE : 0) | (rnd() % 2 ? MMU_EXEC : 0) |
				(rnd() % 3 ? 0 : MMU_USER);
		int want;
		switch (rnd() % 3) {
		case 0: {
			bool clear = true;
			for (unsigned long i = first; i < first + n; i++)
				clear &= model[i].pa == 0;
			phys_addr_t pa = (1ul << 30) + (first << PAGE_SHIFT) +
					 (rnd() % 2 ? 0 : (2ul << 20));
			unsigned flags = rnd() % 4 ? PT_MAP_LARGE : 0;
			int err = pt_map(root, va, pa, size, prot, flags);
			if (clear) {
				CHECK_EQ(err, 0);
				for (unsigned long i = 0; i < n; i++)
					model[first + i] =
						(struct model){ pa + (i << PAGE_SHIFT), prot };
			} else {
				CHECK_EQ(err, -EEXIST);
				/* A failed map may leave a prefix mapped: take it out of both. */
				CHECK_EQ(pt_unmap(root, va, size, NULL), 0);
				CHECK_EQ(pt_map(root, va, pa, size, prot, flags), 0);
				for (unsigned long i = 0; i < n; i++)
					model[first + i] =
						(struct model){ pa + (i << PAGE_SHIFT), prot };
			}
			break;
		}
		case 1:
			want = max_leaf_level(root, va, n);
			CHECK_EQ(pt_unmap(root, va, size, &level), 0);
			CHECK_EQ(level, want);
			for (unsigned long i = first; i < first + n; i++)
				model[i].pa = 0;
			break;
		case 2:
			want = max_leaf_level(root, va, n);
			CHECK_EQ(pt_protect(root, va, size, prot, &level), 0);
			CHECK_EQ(level, want);
			for (unsigned long i = first; i < first + n; i++)
				if (model[i].pa)
					model[i].prot = prot;
			break;
		}
		verify(root, 0, WINDOW_PAGES);
	}
	CHECK(bbm_flushes > 2);   /* the random ranges split leaves too */
	return host_test_done("pgtable");
}

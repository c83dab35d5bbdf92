/* memblock and the buddy allocator on fake RAM, against a model: every allocated block is owned
 * in a shadow map and filled with its id, so an overlap or a page handed out twice shows up;
 * after everything is freed the per-order counts must be exactly those after init (coalescing). */
#include "tests/host/mm_host.h"
#include "mm/memblock.h"

#define RAM (64ul << 20)

static unsigned long rng_state = 88172645463325252ull;
static unsigned long rnd(void) { return host_xorshift(&rng_state); }

static bool reserved_in_map(phys_addr_t pa)
{
	for (unsigned i = 0; i < host_bi.nr_reserved; i++)
		if (pa >= ALIGN_DOWN(host_bi.reserved[i].start, PAGE_SIZE) &&
		    pa < host_bi.reserved[i].end)
			return true;
	for (unsigned i = 0; i < host_bi.nr_memmap; i++)
		if (host_bi.memmap[i].type != MEM_AVAILABLE &&
		    pa + PAGE_SIZE > host_bi.memmap[i].start && pa < host_bi.memmap[i].end)
			return true;
	return pa == 0;
}

struct block {
	struct page *p;
	unsigned order;
};

int main(int argc, char **argv)
{
	unsigned long ops = argc > 1 ? strtoul(argv[1], NULL, 0) : 200000;
	host_mm_init(RAM);

	/* memblock: merged ranges, allocations below the limit, top-down, never in reserved. */
	CHECK_EQ(memblock_memory.n, 3);   /* low RAM, then two ranges around the ACPI hole */
	phys_addr_t a = memblock_alloc(PAGE_SIZE, PAGE_SIZE, 16ul << 20);
	phys_addr_t b = memblock_alloc(3 * PAGE_SIZE, 1ul << 20, 16ul << 20);
	CHECK(a && a < (16ul << 20) && !reserved_in_map(a));
	CHECK(b && IS_ALIGNED(b, 1ul << 20) && b + 3 * PAGE_SIZE <= (16ul << 20));
	CHECK(memblock_alloc(RAM, PAGE_SIZE, RAM) == 0);

	page_alloc_init();
	unsigned long nfree = page_alloc_nr_free();
	unsigned long start_counts[MAX_ORDER + 1], counts[MAX_ORDER + 1];
	page_alloc_free_counts(start_counts);
	/* Expected: available RAM minus reserved pages minus the 4 memblock pages. */
	unsigned long expect = 0;
	for (phys_addr_t pa = 0; pa < RAM; pa += PAGE_SIZE) {
		bool avail = false;
		for (unsigned i = 0; i < host_bi.nr_memmap; i++)
			if (host_bi.memmap[i].type == MEM_AVAILABLE &&
			    pa >= host_bi.memmap[i].start &&
			    pa + PAGE_SIZE <= host_bi.memmap[i].end)
				avail = true;
		expect += avail && !reserved_in_map(pa);
	}
	CHECK_EQ(nfree, expect - 4);
	CHECK_EQ(page_alloc_nr_managed(), nfree);

	/* Random alloc/free against the shadow. */
	unsigned long npages = RAM >> PAGE_SHIFT;
	int *owner = calloc(npages, sizeof(int));
	struct block *live = calloc(ops + 1, sizeof(*live));
	unsigned long nlive = 0, in_use = 0;
	int next_id = 1;
	for (unsigned long i = 0; i < ops; i++) {
		if (nlive && (rnd() % 100 < 45 || in_use > nfree * 3 / 4)) {
			unsigned long k = rnd() % nlive;
			struct block blk = live[k];
			pfn_t pfn = page_to_pfn(blk.p);
			int id = owner[pfn];
			for (pfn_t q = pfn; q < pfn + (1ul << blk.order); q++) {
				CHECK_EQ(owner[q], id);
				CHECK_EQ(*(int *)phys_to_virt(q << PAGE_SHIFT), id);
				owner[q] = 0;
			}
			free_pages(blk.p, blk.order);
			in_use -= 1ul << blk.order;
			live[k] = live[--nlive];
		} else {
			unsigned order = rnd() % 100 < 70 ? 0 : rnd() % 6;
			struct page *p = alloc_pages(order, rnd() % 4 == 0 ? GFP_ZERO : 0);
			if (!p)
				continue;
			pfn_t pfn = page_to_pfn(p);
			CHECK(IS_ALIGNED(pfn, 1ul << order));
			CHECK_EQ(atomic_read(&p->refcount), 1);
			int id = next_id++;
			for (pfn_t q = pfn; q < pfn + (1ul << order); q++) {
				CHECK_EQ(owner[q], 0);
				CHECK(!reserved_in_map(q << PAGE_SHIFT));
				owner[q] = id;
				*(int *)phys_to_virt(q << PAGE_SHIFT) = id;
			}
			live[nlive++] = (struct block){ p, order };
			in_use += 1ul << order;
		}
		CHECK_EQ(page_alloc_nr_free() + in_use, nfree);
		if (host_failures > 20)
			break;
	}
	while (nlive) {
		nlive--;
		free_pages(live[nlive].p, live[nlive].order);
	}
	page_alloc_free_counts(counts);
	CHECK_EQ(page_alloc_nr_free(), nfree);
	CHECK(!memcmp(counts, start_counts, sizeof(counts)));

	/* Exhaustion: exactly nfree order-0 pages, then NULL; all back afterwards. */
	struct page **all = calloc(nfree + 1, sizeof(*all));
	unsigned long got = 0;
	while ((all[got] = alloc_page(0)) != NULL)
		got++;
	CHECK_EQ(got, nfree);
	CHECK(alloc_pages(MAX_ORDER, 0) == NULL);
	while (got)
		free_page(all[--got]);
	page_alloc_free_counts(counts);
	CHECK(!memcmp(counts, start_counts, sizeof(counts)));
	CHECK(alloc_pages(MAX_ORDER + 1, 0) == NULL);

	/* Coalescing, one page at a time: a split block merges back only with its last page. */
	struct page *big = alloc_pages(4, 0);
	CHECK(big != NULL);
	split_page(big, 4);
	for (int i = 0; i < 15; i++)
		free_page(big + i);
	CHECK(page_free_block_order(big) < 4);
	CHECK_EQ(page_free_block_order(big + 15), -1);
	free_page(big + 15);
	CHECK(page_free_block_order(big) >= 4);
	page_alloc_free_counts(counts);
	CHECK(!memcmp(counts, start_counts, sizeof(counts)));
	free(all), free(live), free(owner);
	return host_test_done("buddy");
}

/* The buddy allocator in the running kernel: counts, alignment, zeroing, exhaustion and
 * coalescing. Every case gives back every page it takes; each checks the free count. */
#include "kernel/ktest.h"
#include "mm/memblock.h"
#include "mm/page.h"
#include "lib/string.h"

KTEST(buddy, boot_free_count)
{
	u64 ram_pages = memblock_total(&memblock_memory) >> PAGE_SHIFT;
	unsigned long managed = page_alloc_nr_managed(), free = page_alloc_nr_free();
	ktest_log(t, "RAM %lu pages, managed %lu, free %lu", (unsigned long)ram_pages, managed,
		  free);
	/* What is not managed is the image, the vmemmap (1/64 of RAM), page tables, the low MiB. */
	KEXPECT(t, managed <= ram_pages);
	KEXPECT(t, managed >= ram_pages - ram_pages / 64 - (6ul << (20 - PAGE_SHIFT)));
	KEXPECT(t, free <= managed && free >= managed - 256);
}

KTEST(buddy, alloc_free_orders)
{
	unsigned long before = page_alloc_nr_free();
	for (unsigned o = 0; o <= MAX_ORDER; o++) {
		struct page *p = alloc_pages(o, 0);
		KASSERT(t, p != NULL);
		KEXPECT(t, IS_ALIGNED(page_to_pfn(p), 1ul << o));
		KEXPECT_EQ(t, page_alloc_nr_free(), before - (1ul << o));
		KEXPECT_EQ(t, atomic_read(&p->refcount), 1);
		memset(page_address(p), 0x5a, PAGE_SIZE << o);
		free_pages(p, o);
		KEXPECT_EQ(t, page_alloc_nr_free(), before);
	}
	KEXPECT(t, alloc_pages(MAX_ORDER + 1, 0) == NULL);
}

KTEST(buddy, zeroed)
{
	struct page *p = alloc_pages(2, 0);
	KASSERT(t, p != NULL);
	memset(page_address(p), 0xff, 4 * PAGE_SIZE);
	free_pages(p, 2);
	p = alloc_pages(2, GFP_ZERO);
	KASSERT(t, p != NULL);
	const u8 *b = page_address(p);
	bool zero = true;
	for (unsigned i = 0; i < 4 * PAGE_SIZE; i++)
		zero &= b[i] == 0;
	KEXPECT(t, zero);
	free_pages(p, 2);
}

KTEST(buddy, coalesce)
{
	unsigned long counts[MAX_ORDER + 1], after[MAX_ORDER + 1];
	page_alloc_free_counts(counts);
	struct page *big = alloc_pages(5, 0);
	KASSERT(t, big != NULL);
	split_page(big, 5);
	for (int i = 0; i < 31; i++)
		free_page(big + i);
	/* One page still out: the 32-page block cannot have come back together. */
	KEXPECT(t, page_free_block_order(big) < 5);
	KEXPECT_EQ(t, page_free_block_order(big + 31), -1);
	free_page(big + 31);
	KEXPECT(t, page_free_block_order(big) >= 5);
	page_alloc_free_counts(after);
	KEXPECT(t, !memcmp(counts, after, sizeof(counts)));
}

/* Take every free page one at a time (chained through the pages themselves), then give all back:
 * the count must match, the next allocation must fail, and the lists must be as before. */
KTEST(buddy, exhaustion)
{
	unsigned long before = page_alloc_nr_free(), got = 0;
	unsigned long counts[MAX_ORDER + 1], after[MAX_ORDER + 1];
	page_alloc_free_counts(counts);
	void *chain = NULL;
	struct page *p;
	while ((p = alloc_page(0)) != NULL) {
		void **slot = page_address(p);
		*slot = chain;
		chain = slot;
		got++;
	}
	KEXPECT_EQ(t, got, before);
	KEXPECT_EQ(t, page_alloc_nr_free(), 0);
	while (chain) {
		void **slot = chain;
		chain = *slot;
		free_page(virt_to_page(slot));
	}
	KEXPECT_EQ(t, page_alloc_nr_free(), before);
	page_alloc_free_counts(after);
	KEXPECT(t, !memcmp(counts, after, sizeof(counts)));
}

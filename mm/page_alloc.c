/*
 * The buddy allocator. Free memory is kept as blocks of 2^order pages, aligned to their size, on
 * one free list per order. Allocating takes the smallest block that fits and splits off halves;
 * freeing merges a block with its "buddy" (the other half of the next-larger block, found by
 * flipping bit `order` of the pfn) for as long as the buddy is free and of the same order.
 *
 * Locking: zone.lock (irq-safe) guards the free lists, nr_free and the flags/order of free pages.
 * Per-CPU page lists in front of it, so the fault path need not take this lock per page, come
 * with SMP.
 */
#include "mm/page.h"
#include "mm/internal.h"
#include "mm/memblock.h"

struct free_area {
	struct list_head list;
	unsigned long nr;
};

static struct zone {
	spinlock_t lock;
	struct free_area area[MAX_ORDER + 1];
	unsigned long nr_free;
	unsigned long nr_managed;
	bool ready;
} zone = { .lock = SPINLOCK_INIT };

static inline bool is_free_head(struct page *p, unsigned order)
{
	return (p->flags & PG_buddy) && p->order == order;
}

static void add_free(struct page *p, unsigned order)
{
	p->flags = PG_buddy;
	p->order = (u8)order;
	list_add(&p->lru, &zone.area[order].list);
	zone.area[order].nr++;
}

static void del_free(struct page *p, unsigned order)
{
	list_del(&p->lru);
	p->flags &= ~PG_buddy;
	zone.area[order].nr--;
}

/* Free a block into the lists, merging upward. Caller holds zone.lock. */
static void free_one_locked(pfn_t pfn, unsigned order)
{
	while (order < MAX_ORDER) {
		pfn_t buddy = pfn ^ ((pfn_t)1 << order);
		struct page *b = pfn_to_page(buddy);
		/* The buddy's struct page exists: the vmemmap is populated in MAX_ORDER-aligned
		 * chunks (mm_init.c), and a buddy never leaves its chunk. */
		if (!is_free_head(b, order))
			break;
		del_free(b, order);
		pfn &= ~((pfn_t)1 << order);
		order++;
	}
	add_free(pfn_to_page(pfn), order);
}

struct page *alloc_pages(unsigned order, unsigned gfp)
{
	if (order > MAX_ORDER)
		return NULL;
	unsigned long flags = spin_lock_irqsave(&zone.lock);
	unsigned o = order;
	while (o <= MAX_ORDER && list_empty(&zone.area[o].list))
		o++;
	if (o > MAX_ORDER) {
		spin_unlock_irqrestore(&zone.lock, flags);
		return NULL;
	}
	struct page *p = list_first_entry(&zone.area[o].list, struct page, lru);
	del_free(p, o);
	/* Split: give back the upper half at each level until the block is the size asked for. */
	while (o > order) {
		o--;
		add_free(p + ((pfn_t)1 << o), o);
	}
	zone.nr_free -= (pfn_t)1 << order;
	spin_unlock_irqrestore(&zone.lock, flags);

	p->flags = order ? PG_head : 0;
	p->order = (u8)order;
	atomic_set(&p->refcount, 1);
	if (gfp & GFP_ZERO)
		memset(page_address(p), 0, PAGE_SIZE << order);
	return p;
}

void free_pages(struct page *p, unsigned order)
{
	pfn_t pfn = page_to_pfn(p);
	if (p->flags & (PG_buddy | PG_reserved))
		panic("free_pages: pfn %#lx is %s", pfn, p->flags & PG_buddy ? "already free (double free)"
									  : "reserved, not allocated");
	bool as_allocated = order == 0 ? !(p->flags & PG_head)
					 : (p->flags & PG_head) && p->order == order;
	if (order > MAX_ORDER || (pfn & (((pfn_t)1 << order) - 1)) || !as_allocated)
		panic("free_pages: pfn %#lx freed with order %u, not as it was allocated", pfn, order);
	atomic_set(&p->refcount, 0);
	unsigned long flags = spin_lock_irqsave(&zone.lock);
	free_one_locked(pfn, order);
	zone.nr_free += (pfn_t)1 << order;
	spin_unlock_irqrestore(&zone.lock, flags);
}

void split_page(struct page *p, unsigned order)
{
	for (pfn_t i = 0; i < ((pfn_t)1 << order); i++) {
		p[i].flags = 0;
		p[i].order = 0;
		atomic_set(&p[i].refcount, 1);
	}
}

int page_free_block_order(struct page *page)
{
	pfn_t pfn = page_to_pfn(page);
	int found = -1;
	unsigned long flags = spin_lock_irqsave(&zone.lock);
	for (unsigned o = 0; o <= MAX_ORDER; o++) {
		struct page *head = pfn_to_page(pfn & ~(((pfn_t)1 << o) - 1));
		if (is_free_head(head, o)) {
			found = (int)o;
			break;
		}
	}
	spin_unlock_irqrestore(&zone.lock, flags);
	return found;
}

void page_alloc_free_counts(unsigned long *counts)
{
	unsigned long flags = spin_lock_irqsave(&zone.lock);
	for (unsigned o = 0; o <= MAX_ORDER; o++)
		counts[o] = zone.area[o].nr;
	spin_unlock_irqrestore(&zone.lock, flags);
}

unsigned long page_alloc_nr_free(void) { return READ_ONCE(zone.nr_free); }
unsigned long page_alloc_nr_managed(void) { return zone.nr_managed; }
bool page_alloc_ready(void) { return zone.ready; }

/* Page-table pages: zeroed; from memblock until the allocator is up. */
phys_addr_t pgtable_page_alloc(void)
{
	phys_addr_t pa;
	if (page_alloc_ready()) {
		struct page *p = alloc_page(GFP_ZERO);
		if (!p)
			return 0;
		p->flags |= PG_pgtable;
		spin_lock_init(&p->ptl);
		return page_to_phys(p);
	}
	pa = memblock_alloc(PAGE_SIZE, PAGE_SIZE, EARLY_MAP_LIMIT);
	if (!pa)
		panic("mm: out of early memory for page tables");
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

/* Hand [start, end) to the allocator as the largest aligned blocks that fit. */
static void free_range(phys_addr_t start, phys_addr_t end, void *ctx)
{
	(void)ctx;
	pfn_t pfn = start >> PAGE_SHIFT, last = end >> PAGE_SHIFT;
	for (pfn_t i = pfn; i < last; i++)
		pfn_to_page(i)->flags = 0;
	while (pfn < last) {
		unsigned order = MAX_ORDER;
		while (order && ((pfn & (((pfn_t)1 << order) - 1)) || pfn + ((pfn_t)1 << order) > last))
			order--;
		free_one_locked(pfn, order);
		zone.nr_free += (pfn_t)1 << order;
		zone.nr_managed += (pfn_t)1 << order;
		pfn += (pfn_t)1 << order;
	}
}

/* Every struct page of the vmemmap starts PG_reserved (set by mm_init as it populates it);
 * free memblock ranges become managed. After this, memblock allocations are over. */
void __init page_alloc_init(void)
{
	for (unsigned o = 0; o <= MAX_ORDER; o++)
		list_init(&zone.area[o].list);
	memblock_for_each_free(free_range, NULL);
	zone.ready = true;
}

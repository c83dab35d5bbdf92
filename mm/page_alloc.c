/*
 * The buddy allocator. Free memory is kept as blocks of 2^order pages, aligned to their size, on
 * one free list per order. Allocating takes the smallest block that fits and splits off halves;
 * freeing merges a block with its "buddy" (the other half of the next-larger block, found by
 * flipping bit `order` of the pfn) for as long as the buddy is free and of the same order.
 *
 * In front of the buddy lists, every CPU keeps a short list of single free pages (the "pcp"
 * list), filled and drained in batches, so that the fault path, which allocates and frees single
 * pages all the time, rarely takes the zone lock and never bounces its cache line per page.
 *
 * Locking: zone.lock (irq-safe) guards the buddy lists, nr_free and the flags/order of free
 * pages; each pcp list has its own lock, taken with interrupts off (uncontended except when an
 * allocation that found nothing drains every CPU's list). Lock order: pcp, then zone.
 */
#include "mm/page.h"
#include "mm/internal.h"
#include "mm/memblock.h"
#include "mm/pgtable.h"

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

#define PCP_HIGH  64   /* drain a batch to the buddy lists above this many */
#define PCP_BATCH 16

struct pcp_list {
	spinlock_t lock;
	struct list_head pages;   /* order-0 pages, PG_pcp */
	unsigned count;
};
static DEFINE_PER_CPU(struct pcp_list, pcp_lists);
static struct pcp_list *cpu_pcp(unsigned cpu) { return per_cpu_ptr(&pcp_lists, cpu); }

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

/* Take a block of 2^order pages off the buddy lists, splitting a larger one if need be. Caller
 * holds zone.lock. */
static struct page *take_block_locked(unsigned order)
{
	unsigned o = order;
	while (o <= MAX_ORDER && list_empty(&zone.area[o].list))
		o++;
	if (o > MAX_ORDER)
		return NULL;
	struct page *p = list_first_entry(&zone.area[o].list, struct page, lru);
	del_free(p, o);
	/* Split: give back the upper half at each level until the block is the size asked for. */
	while (o > order) {
		o--;
		add_free(p + ((pfn_t)1 << o), o);
	}
	zone.nr_free -= (pfn_t)1 << order;
	return p;
}

/* Move up to n pages from a pcp list back to the buddy lists. Caller holds the pcp lock. */
static void pcp_drain_locked(struct pcp_list *pc, unsigned n)
{
	__spin_lock(&zone.lock);
	while (n-- && !list_empty(&pc->pages)) {
		struct page *p = list_first_entry(&pc->pages, struct page, lru);
		list_del(&p->lru);
		pc->count--;
		p->flags = 0;
		free_one_locked(page_to_pfn(p), 0);
		zone.nr_free++;
	}
	__spin_unlock(&zone.lock);
}

void page_alloc_drain_pcp(void)
{
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		struct pcp_list *pc = cpu_pcp(c);
		unsigned long flags = raw_spin_lock_irqsave(&pc->lock);
		pcp_drain_locked(pc, ~0u);
		raw_spin_unlock_irqrestore(&pc->lock, flags);
	}
}

/* One page from this CPU's list, refilled in a batch from the buddy lists when empty. */
static struct page *pcp_alloc(void)
{
	unsigned long flags = arch_irq_save();
	struct pcp_list *pc = this_cpu_ptr(&pcp_lists);
	__spin_lock(&pc->lock);
	if (list_empty(&pc->pages)) {
		__spin_lock(&zone.lock);
		for (int i = 0; i < PCP_BATCH; i++) {
			struct page *p = take_block_locked(0);
			if (!p)
				break;
			p->flags = PG_pcp;
			list_add_tail(&p->lru, &pc->pages);
			pc->count++;
		}
		__spin_unlock(&zone.lock);
	}
	struct page *p = NULL;
	if (!list_empty(&pc->pages)) {
		p = list_first_entry(&pc->pages, struct page, lru);
		list_del(&p->lru);
		pc->count--;
	}
	__spin_unlock(&pc->lock);
	arch_irq_restore(flags);
	return p;
}

static void pcp_free(struct page *p)
{
	unsigned long flags = arch_irq_save();
	struct pcp_list *pc = this_cpu_ptr(&pcp_lists);
	__spin_lock(&pc->lock);
	p->flags = PG_pcp;
	list_add(&p->lru, &pc->pages);   /* hot end: the next allocation reuses it, cache-warm */
	if (++pc->count > PCP_HIGH)
		pcp_drain_locked(pc, PCP_BATCH);
	__spin_unlock(&pc->lock);
	arch_irq_restore(flags);
}

struct page *alloc_pages(unsigned order, unsigned gfp)
{
	if (order > MAX_ORDER)
		return NULL;
	struct page *p = NULL;
	for (int attempt = 0; attempt < 2 && !p; attempt++) {
		if (attempt)
			page_alloc_drain_pcp();   /* out of pages: take back the CPUs' spares */
		if (order == 0) {
			p = pcp_alloc();
		} else {
			unsigned long flags = spin_lock_irqsave(&zone.lock);
			p = take_block_locked(order);
			spin_unlock_irqrestore(&zone.lock, flags);
		}
	}
	if (!p)
		return NULL;

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
	if (p->flags & (PG_buddy | PG_pcp | PG_reserved))
		panic("free_pages: pfn %#lx is %s", pfn,
		      p->flags & PG_reserved ? "reserved, not allocated" :
					       "already free (double free)");
	bool as_allocated = order == 0 ? !(p->flags & PG_head)
					 : (p->flags & PG_head) && p->order == order;
	if (order > MAX_ORDER || (pfn & (((pfn_t)1 << order) - 1)) || !as_allocated)
		panic("free_pages: pfn %#lx freed with order %u, not as it was allocated", pfn,
		      order);
	atomic_set(&p->refcount, 0);
	if (order == 0) {
		pcp_free(p);
		return;
	}
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
	page_alloc_drain_pcp();
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
	page_alloc_drain_pcp();
	unsigned long flags = spin_lock_irqsave(&zone.lock);
	for (unsigned o = 0; o <= MAX_ORDER; o++)
		counts[o] = zone.area[o].nr;
	spin_unlock_irqrestore(&zone.lock, flags);
}

void page_alloc_snapshot(unsigned long *order_blocks, unsigned long *cpu_pages)
{
	unsigned long flags = spin_lock_irqsave(&zone.lock);
	for (unsigned o = 0; o <= MAX_ORDER; o++)
		order_blocks[o] = zone.area[o].nr;
	spin_unlock_irqrestore(&zone.lock, flags);
	for (unsigned c = 0; c < MAX_CPUS; c++)
		cpu_pages[c] = READ_ONCE(cpu_pcp(c)->count);
}

/* Free pages: in the buddy lists and on the CPUs' lists (a snapshot, exact only when quiet). */
unsigned long page_alloc_nr_free(void)
{
	unsigned long n = READ_ONCE(zone.nr_free);
	for (unsigned c = 0; c < MAX_CPUS; c++)
		n += READ_ONCE(cpu_pcp(c)->count);
	return n;
}
unsigned long page_alloc_nr_managed(void) { return zone.nr_managed; }
bool page_alloc_ready(void) { return zone.ready; }

/* 2^order zeroed pages for a page table, aligned to their size: from memblock until the
 * allocator is up, then from the allocator, marked PG_pgtable with the split lock ready. */
static phys_addr_t pgtable_alloc(unsigned order, const char *what)
{
	if (page_alloc_ready()) {
		struct page *p = alloc_pages(order, GFP_ZERO);
		if (!p)
			return 0;
		p->flags |= PG_pgtable;
		spin_lock_init(&p->ptl);
		return page_to_phys(p);
	}
	u64 size = PAGE_SIZE << order;
	phys_addr_t pa = memblock_alloc(size, size, EARLY_MAP_LIMIT);
	if (!pa)
		panic("mm: out of early memory for %s", what);
	memset(phys_to_virt(pa), 0, size);
	return pa;
}

phys_addr_t pgtable_page_alloc(void) { return pgtable_alloc(0, "page tables"); }

unsigned pgtable_root_order(void)
{
	return PT_ROOT_SIZE <= PAGE_SIZE ? 0 : (unsigned)__builtin_ctzl(PT_ROOT_SIZE >> PAGE_SHIFT);
}

phys_addr_t pgtable_root_alloc(void)
{
	return pgtable_alloc(pgtable_root_order(), "a page-table root");
}

void pgtable_free(phys_addr_t pa, unsigned order)
{
	struct page *p = pfn_to_page(pa >> PAGE_SHIFT);
	BUG_ON(!(p->flags & PG_pgtable));
	p->flags &= ~PG_pgtable;
	free_pages(p, order);
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
		while (order && ((pfn & (((pfn_t)1 << order) - 1)) ||
				 pfn + ((pfn_t)1 << order) > last))
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
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		spin_lock_init(&cpu_pcp(c)->lock);
		list_init(&cpu_pcp(c)->pages);
	}
	memblock_for_each_free(free_range, NULL);
	zone.ready = true;
}

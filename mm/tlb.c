/* TLB shootdown (see tlb.h), or the hardware's broadcast invalidation where the arch has it.
 * Above a few pages a full flush (of the kernel's translations, or of one address space's) is
 * cheaper than page by page. */
#include "mm/tlb.h"
#include "mm/internal.h"
#include "mm/mm.h"
#include "mm/pgtable.h"
#include "kernel/param.h"
#include "kernel/smp.h"

#define FULL_FLUSH_PAGES 32

struct flush_range {
	struct mm *mm;   /* NULL: the kernel's translations */
	uintptr_t va;
	u64 size;        /* > 0 */
	int max_level;   /* the largest leaf whose translations may be cached */
};

static DEFINE_PER_CPU(struct tlb_stats, tlb_stats);

bool tlb_busted_munmap;
bool mm_quarantine;
/* What tlb_finish gave back while mm_quarantine was set (mm/internal.h): data pages in batches
 * (a page may be in two, fork having shared it), tables on a list (each is one mm's). */
struct quarantine_batch {   /* in a page of its own */
	struct quarantine_batch *next;
	unsigned n;
	struct page *pages[TLB_BATCH];
};
STATIC_ASSERT(sizeof(struct quarantine_batch) <= PAGE_SIZE, "a quarantine batch fits a page");
static struct quarantine_batch *quarantine_pages;
static struct list_head quarantine_tables = LIST_HEAD_INIT(quarantine_tables);
static spinlock_t quarantine_lock = SPINLOCK_INIT;
static char busted[16] = "none";
static const char *const busted_modes[] = { "none", "pt_free", "fork_wp", NULL };
PARAM_CHOICE("mm.busted", busted, busted_modes,
	     "a broken twin for torture=mm: pt_free frees page-table pages without waiting for a "
	     "grace period; fork_wp: fork leaves the parent's private entries writable (none: the "
	     "real thing)");

bool mm_busted(const char *mode) { return !strcmp(busted, mode); }

/* Leaf-sized steps at `level` that cover the range: a leaf above level 0 may start below it. */
static unsigned long nr_steps(const struct flush_range *r, int level)
{
	u64 s = pt_level_size(level);
	uintptr_t first = ALIGN_DOWN(r->va, s), last = ALIGN_DOWN(r->va + r->size - 1, s);
	return (unsigned long)((last - first) / s + 1);
}

static void flush_page(const struct flush_range *r, bool broadcast, uintptr_t va, int level)
{
#ifdef ARCH_HAS_TLB_BROADCAST
	if (broadcast) {
		if (r->mm)
			arch_tlb_flush_user_page_broadcast(r->mm, va, level);
		else
			arch_tlb_flush_page_broadcast(va, level);
		return;
	}
#endif
	(void)broadcast;
	if (r->mm)
		arch_tlb_flush_user_page_local(r->mm, va, level);
	else
		arch_tlb_flush_page_local(va, level);
}

static void flush_all(const struct flush_range *r, bool broadcast)
{
#ifdef ARCH_HAS_TLB_BROADCAST
	if (broadcast) {
		if (r->mm)
			arch_tlb_flush_user_all_broadcast(r->mm);
		else
			arch_tlb_flush_all_broadcast();
		return;
	}
#endif
	(void)broadcast;
	if (r->mm)
		arch_tlb_flush_user_all_local(r->mm);
	else
		arch_tlb_flush_all_local();
}

/* Every translation a leaf of level 0..max_level may have left for the range: one by-page flush
 * per step at each level, since an arch may only remove entries of the size it is told (ppc64),
 * or everything if that is more than FULL_FLUSH_PAGES flushes. */
static void flush_range(const struct flush_range *r, bool broadcast)
{
	unsigned long n = 0;
	for (int l = 0; l <= r->max_level; l++)
		n += nr_steps(r, l);
	if (n > FULL_FLUSH_PAGES) {
		flush_all(r, broadcast);
		return;
	}
	for (int l = 0; l <= r->max_level; l++) {
		uintptr_t a = ALIGN_DOWN(r->va, pt_level_size(l));
		for (unsigned long i = nr_steps(r, l); i; i--, a += pt_level_size(l))
			flush_page(r, broadcast, a, l);
	}
}

#ifdef ARCH_HAS_TLB_BROADCAST
/* The hardware reaches every CPU's TLB (tlbie, TLBI ...IS). */
static void flush_every_cpu(struct flush_range *r)
{
	flush_range(r, true);
}
#else
static void flush_local(void *arg)
{
	struct flush_range *r = arg;
	flush_range(r, false);
	if (r->mm)
		this_cpu_ptr(&tlb_stats)->ipi_flushes++;   /* in a cross-CPU call: interrupts off */
}

/* Each CPU that may hold the translations flushes its own TLB, asked by IPI; the call returns
 * when all are done. For a user address space those are the CPUs in its cpumask, read after the
 * entries were cleared (mm.c: why a CPU that loads it later cannot have found them). Before the
 * read, the mm's tlb_gen counts this shootdown: a CPU that keeps the mm's translations while it
 * has another loaded (x86 PCIDs) gets no IPI, and flushes them when it loads the mm again if it
 * has not seen this generation (arch/x86_64/pcid.c says why either the IPI or that flush
 * happens). */
static void flush_every_cpu(struct flush_range *r)
{
	cpumask_t mask = cpu_online_mask;
	if (r->mm) {
		__atomic_add_fetch(&r->mm->tlb_gen, 1, __ATOMIC_SEQ_CST);
		smp_mb();   /* the caller's clearing of entries, and the bump, before the mask read */
		mask = READ_ONCE(r->mm->cpumask) & cpu_online_mask;
	}
	preempt_disable();
	unsigned me = smp_processor_id();
	if (r->mm)
		this_cpu_ptr(&tlb_stats)->ipis_sent += cpumask_weight(mask & ~(1ull << me));
	preempt_enable();
	if (mask)
		smp_call_function(mask, flush_local, r, true);
}
#endif

void tlb_flush_kernel_range(uintptr_t va, u64 size, int max_level)
{
	struct flush_range r = { NULL, va, size, max_level };
	if (size)
		flush_every_cpu(&r);
}

void tlb_flush_mm_range(struct mm *mm, uintptr_t va, u64 size, int max_level)
{
	struct flush_range r = { mm, va, size, max_level };
	if (!size)
		return;
	unsigned long flags = arch_irq_save();
	this_cpu_ptr(&tlb_stats)->user_flushes++;
	arch_irq_restore(flags);
	flush_every_cpu(&r);
}

static void free_table_rcu(struct rcu_head *head);

static void list_move_all(struct list_head *from, struct list_head *to)
{
	while (!list_empty(from)) {
		struct list_head *n = from->next;
		list_del(n);
		list_add_tail(n, to);
	}
}

static struct page *quarantine_take(struct list_head *list)
{
	spin_lock(&quarantine_lock);
	struct page *p = list_empty(list) ? NULL : list_first_entry(list, struct page, lru);
	if (p)
		list_del(&p->lru);
	spin_unlock(&quarantine_lock);
	return p;
}

void tlb_quarantine_release(struct mm *mm)
{
	tlb_flush_mm_range(mm, 0, USER_VA_END, PT_LEVELS - 1);   /* every CPU, this time */
	spin_lock(&quarantine_lock);
	struct quarantine_batch *b = quarantine_pages;
	quarantine_pages = NULL;
	spin_unlock(&quarantine_lock);
	for (struct quarantine_batch *next; b; b = next) {
		next = b->next;
		for (unsigned i = 0; i < b->n; i++)
			put_page(b->pages[i]);
		free_page(virt_to_page(b));
	}
	/* No walker is left (the suite's threads are done): no grace period to wait for. A table
	 * the twin filled after its unlink keeps its pages (a leak the suite reports). */
	for (struct page *p; (p = quarantine_take(&quarantine_tables)); )
		free_table_rcu(&p->rcu);
}

void tlb_get_stats(struct tlb_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		const struct tlb_stats *s = per_cpu_ptr(&tlb_stats, c);
		st->user_flushes += READ_ONCE(s->user_flushes);
		st->ipis_sent += READ_ONCE(s->ipis_sent);
		st->ipi_flushes += READ_ONCE(s->ipi_flushes);
	}
}

/* ---- The gather ---- */

void tlb_gather_init(struct mmu_gather *g, struct mm *mm)
{
	g->mm = mm;
	g->start = UINTPTR_MAX;
	g->end = 0;
	g->max_level = 0;
	g->nr_pages = 0;
	list_init(&g->tables);
	g->shared = false;
	g->local_only = false;
}

/*
 * Zaps side by side under mmap_lock held for read. A clears an entry and goes on; B, zapping the
 * same range, finds it empty, gathers nothing and would flush nothing, and return while a third
 * CPU still translates the address to A's page, until A's flush. So:
 *
 *   A                                      B
 *   tlb_flush_pending++   (seq_cst)        tlb_flush_pending++
 *   lock ptl; clear entry; unlock          ...
 *                                          lock ptl; entry empty; unlock
 *   ...                                    n = tlb_flush_pending  (a seq_cst read)
 *   flush                                  n > 1: flush [start, end) all the same
 *   tlb_flush_pending--   (seq_cst)        flush (if anything); tlb_flush_pending--
 *
 * If B found the entry A cleared, A's unlock came before B's lock, so A's increment (before its
 * unlock) is visible to B's read: B reads a count with A in it, and flushes, or one without it,
 * which A's decrement made, after A's flush had reached every TLB. Either way no TLB holds the
 * old translation when B returns. Another zap counted only by chance makes B flush for
 * nothing, which is merely slower. Zaps under mmap_lock held for write need none of this: no
 * other zap runs beside them.
 */
void tlb_gather_init_shared(struct mmu_gather *g, struct mm *mm, uintptr_t start, uintptr_t end)
{
	tlb_gather_init(g, mm);
	g->shared = true;
	g->shared_start = start;
	g->shared_end = end;
	atomic_inc(&mm->tlb_flush_pending);
}

void tlb_gather_range(struct mmu_gather *g, uintptr_t va, int level)
{
	uintptr_t s = ALIGN_DOWN(va, pt_level_size(level)), e = s + pt_level_size(level);
	g->start = MIN(g->start, s);
	g->end = MAX(g->end, e);
	g->max_level = MAX(g->max_level, level);
}

static void flush_gathered(struct mmu_gather *g, bool tables);
static void release_pages(struct mmu_gather *g);

void tlb_gather_page(struct mmu_gather *g, struct page *p)
{
	if (g->nr_pages == TLB_BATCH) {
		flush_gathered(g, false);
		release_pages(g);
	}
	g->pages[g->nr_pages++] = p;
}
void tlb_gather_table(struct mmu_gather *g, struct page *p) { list_add_tail(&p->lru, &g->tables); }

static void free_table_rcu(struct rcu_head *head)
{
	pgtable_free(page_to_phys(container_of(head, struct page, rcu)), 0);
}

/* The twin's flush: this CPU's TLB alone (interrupts on, the mm loaded here). */
static void flush_this_cpu_only(struct mm *mm, uintptr_t va, u64 size, int max_level)
{
	struct flush_range r = { mm, va, size, max_level };
	preempt_disable();
	flush_range(&r, false);
	preempt_enable();
}

/* Flush what was gathered: [start, end), or, once tables were unlinked, the whole address space
 * (a freed table may still be in a walk cache, which a by-page flush need not reach: a ppc64
 * tlbie with RIC = 0). The range starts empty again. */
static void flush_gathered(struct mmu_gather *g, bool tables)
{
	void (*flush)(struct mm *, uintptr_t, u64, int) =
		g->local_only ? flush_this_cpu_only : tlb_flush_mm_range;
	if (tables)
		flush(g->mm, 0, USER_VA_END, PT_LEVELS - 1);
	else if (g->start < g->end)
		flush(g->mm, g->start, g->end - g->start, g->max_level);
	g->start = UINTPTR_MAX;
	g->end = 0;
	g->max_level = 0;
}

/* The pages' references, after their flush: dropped, or, while a twin runs, held in the
 * quarantine (mm/internal.h); if no batch can be had for it, dropped all the same. */
static void release_pages(struct mmu_gather *g)
{
	if (unlikely(READ_ONCE(mm_quarantine)) && g->nr_pages) {
		struct page *bp = alloc_page(0);   /* a page for the batch: nothing else allocates
						    * in any context, and on the host too */
		struct quarantine_batch *b = bp ? page_address(bp) : NULL;
		if (b) {
			b->n = g->nr_pages;
			memcpy(b->pages, g->pages, g->nr_pages * sizeof(g->pages[0]));
			spin_lock(&quarantine_lock);
			b->next = quarantine_pages;
			quarantine_pages = b;
			spin_unlock(&quarantine_lock);
			g->nr_pages = 0;
		}
	}
	while (g->nr_pages)
		put_page(g->pages[--g->nr_pages]);
}

void tlb_finish(struct mmu_gather *g)
{
	if (g->shared) {
		/* A full-barrier read (a seq_cst add of 0): after the zap's reads of entries, and
		 * seeing every count made before them (tlb_gather_init_shared) */
		int pending = atomic_fetch_add(&g->mm->tlb_flush_pending, 0);
		if (pending > 1 && g->shared_start < g->shared_end) {
			g->start = MIN(g->start, g->shared_start);
			g->end = MAX(g->end, g->shared_end);
		}
	}
	flush_gathered(g, !list_empty(&g->tables));
	if (g->shared)
		atomic_dec(&g->mm->tlb_flush_pending);   /* after the flush (seq_cst) */
	release_pages(g);
	if (unlikely(READ_ONCE(mm_quarantine))) {   /* a twin runs: hold all (mm/internal.h) */
		spin_lock(&quarantine_lock);
		list_move_all(&g->tables, &quarantine_tables);
		spin_unlock(&quarantine_lock);
	}
	while (!list_empty(&g->tables)) {
		struct page *p = list_first_entry(&g->tables, struct page, lru);
		list_del(&p->lru);   /* lru and rcu share the words: off the list first */
		if (!strcmp(busted, "pt_free"))   /* the twin */
			free_table_rcu(&p->rcu);
		else
			call_rcu(&p->rcu, free_table_rcu);
	}
	tlb_gather_init(g, g->mm);
}

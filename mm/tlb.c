/* Kernel TLB shootdown (see tlb.h), or the hardware's broadcast invalidation where the arch has
 * it. Above a few pages a full flush is cheaper than page by page. */
#include "mm/tlb.h"
#include "mm/internal.h"
#include "mm/pgtable.h"
#include "kernel/smp.h"

#define FULL_FLUSH_PAGES 32

struct flush_range {
	uintptr_t va;
	u64 size;        /* > 0 */
	int max_level;   /* the largest leaf whose translations may be cached */
};

/* Leaf-sized steps at `level` that cover the range: a leaf above level 0 may start below it. */
static unsigned long nr_steps(const struct flush_range *r, int level)
{
	u64 s = pt_level_size(level);
	uintptr_t first = ALIGN_DOWN(r->va, s), last = ALIGN_DOWN(r->va + r->size - 1, s);
	return (unsigned long)((last - first) / s + 1);
}

/* Every translation a leaf of level 0..max_level may have left for the range: one by-page flush
 * per step at each level, since an arch may only remove entries of the size it is told (ppc64),
 * or everything if that is more than FULL_FLUSH_PAGES flushes. */
static void flush_range(const struct flush_range *r, void (*flush_page)(uintptr_t va, int level),
			void (*flush_all)(void))
{
	unsigned long n = 0;
	for (int l = 0; l <= r->max_level; l++)
		n += nr_steps(r, l);
	if (n > FULL_FLUSH_PAGES) {
		flush_all();
		return;
	}
	for (int l = 0; l <= r->max_level; l++) {
		uintptr_t a = ALIGN_DOWN(r->va, pt_level_size(l));
		for (unsigned long i = nr_steps(r, l); i; i--, a += pt_level_size(l))
			flush_page(a, l);
	}
}

#ifdef ARCH_HAS_TLB_BROADCAST
/* The hardware reaches every CPU's TLB (tlbie, TLBI ...IS). */
static void flush_every_cpu(struct flush_range *r)
{
	flush_range(r, arch_tlb_flush_page_broadcast, arch_tlb_flush_all_broadcast);
}
#else
static void flush_local(void *arg)
{
	flush_range(arg, arch_tlb_flush_page_local, arch_tlb_flush_all_local);
}

/* Each online CPU flushes its own TLB, asked by IPI; the call returns when all are done. */
static void flush_every_cpu(struct flush_range *r)
{
	if (nr_cpus_online > 1)
		smp_call_function(cpu_online_mask, flush_local, r, true);
	else
		flush_local(r);
}
#endif

void tlb_flush_kernel_range(uintptr_t va, u64 size, int max_level)
{
	struct flush_range r = { va, size, max_level };
	if (size)
		flush_every_cpu(&r);
}

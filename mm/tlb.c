/* Kernel TLB shootdown (see tlb.h), or the hardware's broadcast invalidation where the arch has
 * it. Above a few pages a full flush is cheaper than page by page. */
#include "mm/tlb.h"
#include "mm/internal.h"
#include "kernel/smp.h"

#define FULL_FLUSH_PAGES 32

struct flush_range {
	uintptr_t va;
	u64 size;
};

static void flush_local(void *arg)
{
	const struct flush_range *r = arg;
	if (r->size > FULL_FLUSH_PAGES * PAGE_SIZE) {
		arch_tlb_flush_all_local();
		return;
	}
	for (uintptr_t a = r->va; a < r->va + r->size; a += PAGE_SIZE)
		arch_tlb_flush_page_local(a);
}

void tlb_flush_kernel_range(uintptr_t va, u64 size)
{
#ifdef ARCH_HAS_TLB_BROADCAST
	if (size > FULL_FLUSH_PAGES * PAGE_SIZE) {
		arch_tlb_flush_all_broadcast();
		return;
	}
	for (uintptr_t a = va; a < va + size; a += PAGE_SIZE)
		arch_tlb_flush_page_broadcast(a);
	return;
#endif
	struct flush_range r = { va, size };
	if (nr_cpus_online > 1)
		smp_call_function(cpu_online_mask, flush_local, &r, true);
	else
		flush_local(&r);
}

/* Kernel TLB maintenance across CPUs: once kernel_unmap returns, no CPU may still reach the page
 * through a translation it cached before (an IPI shootdown on x86, broadcast tlbie on ppc64).
 * Every CPU reads the mapping first, so each has it in its TLB, then probes it after the unmap. */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/smp.h"
#include "mm/kernel_map.h"
#include "mm/page.h"

/* Away from test_pgtable's scratch address and from anything mmio_map hands out. */
#define TLB_TEST_VA (MMIO_AREA_BASE + MMIO_AREA_SIZE / 2 + MiB(64))

struct probe {
	uintptr_t va;
	int result[MAX_CPUS];
	u64 value[MAX_CPUS];
};

static void probe_here(void *arg)
{
	struct probe *p = arg;
	unsigned c = smp_processor_id();
	p->result[c] = arch_probe_read((const void *)p->va, &p->value[c]);
}

static void probe_everywhere(struct probe *p)
{
	for (unsigned c = 0; c < MAX_CPUS; c++)
		p->result[c] = 1;
	smp_call_function(cpu_online_mask, probe_here, p, true);
}

KTEST(tlb, unmap_reaches_every_cpu)
{
	struct page *pg = alloc_page(GFP_ZERO);
	KASSERT(t, pg != NULL);
	*(u64 *)page_address(pg) = 0x5a5a5a5a;
	KASSERT_EQ(t, kernel_map(TLB_TEST_VA, page_to_phys(pg), PAGE_SIZE, MMU_READ | MMU_WRITE),
		   0);
	struct probe p = { .va = TLB_TEST_VA };
	probe_everywhere(&p);
	for (unsigned c = 0; c < MAX_CPUS; c++)
		if (cpumask_test(cpu_online_mask, c) &&
		    (!KEXPECT_EQ(t, p.result[c], 0) || !KEXPECT_EQ(t, p.value[c], 0x5a5a5a5a)))
			ktest_log(t, "CPU %u could not read the fresh mapping", c);
	kernel_unmap(TLB_TEST_VA, PAGE_SIZE);
	probe_everywhere(&p);
	for (unsigned c = 0; c < MAX_CPUS; c++)
		if (cpumask_test(cpu_online_mask, c) && !KEXPECT_EQ(t, p.result[c], -EFAULT))
			ktest_log(t, "CPU %u still reaches the page after kernel_unmap", c);
	free_page(pg);
}

/* User address spaces (mm/mm.h, mm/tlb.h) on the real MMU, before there are VMAs: two address
 * spaces map one user address to different pages and each CPU sees the one it has loaded; a
 * kernel thread that adopts an mm keeps it across preemption; an unmap flushed with
 * tlb_flush_mm_range reaches every CPU that has the mm loaded (by IPI to its cpumask on x86, by
 * broadcast elsewhere), and only those; the gather frees pages and tables only after the flush;
 * an mm torn down gives back every page it took. */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/smp.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/timer.h"
#include "mm/mm.h"
#include "mm/page.h"
#include "mm/pgtable.h"
#include "mm/tlb.h"
#include "tests/kernel/ktest_util.h"

#define USER_VA   0x400000ul
#define USER_PROT (MMU_READ | MMU_WRITE | MMU_USER)

static struct page *map_value(struct ktest *t, struct mm *mm, uintptr_t va, u64 value)
{
	struct page *p = alloc_page(GFP_ZERO);
	if (!KEXPECT(t, p != NULL))
		return NULL;
	*(u64 *)page_address(p) = value;
	if (!KEXPECT_EQ(t, pt_map(mm->pgd, va, page_to_phys(p), PAGE_SIZE, USER_PROT, 0), 0)) {
		free_page(p);
		return NULL;
	}
	return p;
}

static void unmap_free(struct mm *mm, uintptr_t va, struct page *p)
{
	int level = 0;
	pt_unmap(mm->pgd, va, PAGE_SIZE, &level);
	tlb_flush_mm_range(mm, va, PAGE_SIZE, level);
	free_page(p);
}

KTEST(uspace, spaces_are_separate)
{
	struct mm *a = mm_create();
	KASSERT(t, a != NULL);
	struct mm *b = mm_create();
	if (!KEXPECT(t, b != NULL)) {
		mm_put(a);
		return;
	}
	struct page *pa = map_value(t, a, USER_VA, 0xa), *pb = map_value(t, b, USER_VA, 0xb);
	KASSERT(t, pa && pb);
	u64 v = 0;
	KEXPECT_EQ(t, arch_probe_read((void *)USER_VA, &v), -EFAULT);   /* init_mm: no user half */
	unsigned long flags = arch_irq_save();   /* this thread has no mm: stay put meanwhile */
	for (int round = 0; round < 3; round++) {
		mm_switch(a);
		KEXPECT_EQ(t, arch_probe_read((void *)USER_VA, &v), 0);
		KEXPECT_EQ(t, v, 0xa);
		/* Same address, another space: no stale translation of the first. */
		mm_switch(b);
		KEXPECT_EQ(t, arch_probe_read((void *)USER_VA, &v), 0);
		KEXPECT_EQ(t, v, 0xb);
	}
	KEXPECT_EQ(t, arch_probe_write((void *)USER_VA, 0xbb), 0);
	KEXPECT(t, cpumask_test(b->cpumask, smp_processor_id()));
	KEXPECT(t, !cpumask_test(a->cpumask, smp_processor_id()));
	/* Kernel mappings work whatever is loaded. */
	KEXPECT_EQ(t, arch_probe_read(page_address(pa), &v), 0);
	mm_switch(&init_mm);
	KEXPECT_EQ(t, arch_probe_read((void *)USER_VA, &v), -EFAULT);
	arch_irq_restore(flags);
	KEXPECT_EQ(t, *(u64 *)page_address(pb), 0xbb);
	KEXPECT_EQ(t, a->cpumask | b->cpumask, 0);
	unmap_free(a, USER_VA, pa);
	unmap_free(b, USER_VA, pb);
	mm_put(a);
	mm_put(b);
}

/* kthread_use_mm: the thread sees the space wherever the scheduler runs it, across sleeps. */
KTEST(uspace, adopted_across_sleeps)
{
	struct mm *mm = mm_create();
	KASSERT(t, mm != NULL);
	struct page *p = map_value(t, mm, USER_VA, 0x77);
	KASSERT(t, p != NULL);
	kthread_use_mm(mm);
	for (int i = 0; i < 20; i++) {
		u64 v = 0;
		KEXPECT_EQ(t, arch_probe_read((void *)USER_VA, &v), 0);
		KEXPECT_EQ(t, v, 0x77);
		sleep_ns(200000);   /* another thread (idle) runs meanwhile, with init_mm */
	}
	kthread_unuse_mm(mm);
	u64 v;
	KEXPECT_EQ(t, arch_probe_read((void *)USER_VA, &v), -EFAULT);
	unmap_free(mm, USER_VA, p);
	mm_put(mm);
}

/* One thread per CPU adopts the mm and reads the page (so each TLB holds it), then spins without
 * sleeping, so the mm stays loaded; the test thread unmaps and flushes; then each reads again. */
struct reader {
	struct mm *mm;
	volatile int *phase;   /* 0 read, 1 wait, 2 read again, 3 done */
	int first, second;
	u64 value;
	unsigned cpu;
};

static void reader_fn(void *arg)
{
	struct reader *r = arg;
	kthread_use_mm(r->mm);
	r->cpu = raw_smp_processor_id();   /* pinned */
	r->first = arch_probe_read((void *)USER_VA, &r->value);
	__atomic_add_fetch(r->phase + 1, 1, __ATOMIC_SEQ_CST);   /* readers ready */
	while (READ_ONCE(*r->phase) < 2)
		arch_cpu_relax();
	r->second = arch_probe_read((void *)USER_VA, &r->value);
	kthread_unuse_mm(r->mm);
}

KTEST(uspace, unmap_reaches_every_cpu_with_it)
{
	unsigned n = nr_cpus_online;
	struct mm *mm = mm_create();
	KASSERT(t, mm != NULL);
	struct page *p = map_value(t, mm, USER_VA, 0x5a);
	KASSERT(t, p != NULL);
	volatile int sync[2] = { 0, 0 };   /* [0] phase, [1] readers that read once */
	struct reader r[MAX_CPUS];
	struct thread *th[MAX_CPUS];
	for (unsigned c = 0; c < n; c++) {
		r[c] = (struct reader){ .mm = mm, .phase = sync, .first = 1, .second = 1 };
		th[c] = kthread_create(reader_fn, &r[c], "uspace-reader");
		KASSERT(t, th[c] != NULL);
		kthread_bind(th[c], c);
	}
	struct tlb_stats before, after;
	tlb_get_stats(&before);
	for (unsigned c = 0; c < n; c++)
		thread_start(th[c]);
	while (READ_ONCE(sync[1]) < (int)n)
		sleep_ns(100000);
	/* Every CPU but this one's has the mm loaded now (a spinning reader); this one runs us. */
	cpumask_t loaded = READ_ONCE(mm->cpumask);
	int level = 0;
	pt_unmap(mm->pgd, USER_VA, PAGE_SIZE, &level);
	tlb_flush_mm_range(mm, USER_VA, PAGE_SIZE, level);
	tlb_get_stats(&after);
	sync[0] = 2;
	for (unsigned c = 0; c < n; c++)
		thread_join(th[c]);
	for (unsigned c = 0; c < n; c++) {
		KEXPECT_EQ(t, r[c].first, 0);
		if (!KEXPECT_EQ(t, r[c].second, -EFAULT))
			ktest_log(t, "CPU %u still reaches the page after the flush", r[c].cpu);
	}
	ktest_log(t, "%u CPUs had the mm loaded at the flush (mask %#lx); %lu IPIs sent, %lu "
		  "flushes run for it", cpumask_weight(loaded), (unsigned long)loaded,
		  after.ipis_sent - before.ipis_sent, after.ipi_flushes - before.ipi_flushes);
#ifndef ARCH_HAS_TLB_BROADCAST
	/* Exactly the CPUs with it loaded were asked, and no other. */
	unsigned me_bit = cpumask_test(loaded, smp_processor_id()) ? 1 : 0;
	KEXPECT_EQ(t, after.ipis_sent - before.ipis_sent, cpumask_weight(loaded) - me_bit);
#endif
	KEXPECT_EQ(t, mm->cpumask, 0);
	free_page(p);
	mm_put(mm);
}

/* The gather frees what it was given only after the flush, tables a grace period later; and an
 * address space torn down leaves the free-page count where it was. */
KTEST(uspace, gather_and_teardown_free_everything)
{
	/* Warm up the mm cache and the per-CPU lists so that the count compares like with like. */
	struct mm *warm = mm_create();
	KASSERT(t, warm != NULL);
	mm_put(warm);
	rcu_barrier();
	page_alloc_drain_pcp();
	unsigned long free0 = page_alloc_nr_free();

	struct mm *mm = mm_create();
	KASSERT(t, mm != NULL);
	kthread_use_mm(mm);
	struct page *pages[4];
	for (int i = 0; i < 4; i++) {
		/* Two pages in each of two far-apart level-1 tables. */
		uintptr_t va = USER_VA + (uintptr_t)(i / 2) * pt_level_size(2) + i % 2 * PAGE_SIZE;
		pages[i] = map_value(t, mm, va, 100 + i);
		KASSERT(t, pages[i] != NULL);
		u64 v;
		KEXPECT_EQ(t, arch_probe_read((void *)va, &v), 0);
		KEXPECT_EQ(t, v, 100 + (u64)i);
	}
	/* Unmap the second pair and give the gather its pages and its now empty level-0 table. */
	struct mmu_gather g;
	tlb_gather_init(&g, mm);
	uintptr_t base = USER_VA + pt_level_size(2);
	for (int i = 2; i < 4; i++) {
		int level = 0;
		pt_unmap(mm->pgd, base + (uintptr_t)(i % 2) * PAGE_SIZE, PAGE_SIZE, &level);
		tlb_gather_range(&g, base + (uintptr_t)(i % 2) * PAGE_SIZE, level);
		tlb_gather_page(&g, pages[i]);
	}
	/* The level-0 table that mapped them: unlink it from its level-1 parent by hand. */
	pte_t *root = phys_to_virt(mm->pgd);
	phys_addr_t tbl = mm->pgd;
	pte_t *e = root;
	for (int level = PT_LEVELS - 1; level > 1; level--) {
		e = phys_to_virt(tbl);
		tbl = pte_addr(pte_read_once(&e[pt_index(base, level)]), level);
	}
	e = phys_to_virt(tbl);   /* the level-1 table */
	pte_t link = pte_read_once(&e[pt_index(base, 1)]);
	KASSERT(t, pte_is_table(link, 1));
	pte_write(&e[pt_index(base, 1)], 0);
	tlb_gather_table(&g, pfn_to_page(pte_addr(link, 1) >> PAGE_SHIFT));
	tlb_finish(&g);
	u64 v;
	KEXPECT_EQ(t, arch_probe_read((void *)(base + PAGE_SIZE), &v), -EFAULT);
	KEXPECT_EQ(t, arch_probe_read((void *)USER_VA, &v), 0);   /* the first pair stays */
	kthread_unuse_mm(mm);
	for (int i = 0; i < 2; i++) {
		int level = 0;
		pt_unmap(mm->pgd, USER_VA + (uintptr_t)i * PAGE_SIZE, PAGE_SIZE, &level);
		free_page(pages[i]);
	}
	mm_put(mm);
	rcu_barrier();   /* the gathered table's grace period */
	page_alloc_drain_pcp();
	KEXPECT_EQ(t, page_alloc_nr_free(), free0);
}

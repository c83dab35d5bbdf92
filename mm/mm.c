/* Address spaces: creation and teardown, loading one on a CPU, kernel threads adopting one, and
 * the write side of mmap_lock (see mm.h). */
#include "mm/mm.h"
#include "mm/internal.h"
#include "mm/kernel_map.h"
#include "mm/page.h"
#include "mm/pgtable.h"
#include "mm/slab.h"
#include "mm/fault.h"
#include "mm/vma.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/thread.h"
#include "lib/string.h"

/* pgd: mm_init. write_seq and spf_marked as mm_create sets them, though no writer ever takes
 * init_mm's mmap_lock (it has no VMAs). */
struct mm init_mm = {
	.refcount = { 1 }, .users = { 1 }, .write_seq = 1,
	.spf_marked = LIST_HEAD_INIT(init_mm.spf_marked),
};
DEFINE_PER_CPU(struct mm *, loaded_mm) = &init_mm;

static struct kmem_cache *mm_cache;

void __init mm_struct_init(void)
{
	mm_cache = kmem_cache_create("mm", sizeof(struct mm), _Alignof(struct mm), 0);
	if (!mm_cache)
		panic("mm: cannot create the mm cache");
	vma_init();
	shm_init();
	memory_init();
	fault_init();
}

/*
 * Loading. The bit of this CPU in next->cpumask is set (a full barrier: seq_cst) before the
 * arch loads next, and cleared in prev's after the arch has loaded next. A shootdown clears
 * entries, then (full barrier) reads the mask: either it sees this CPU's bit and asks it to
 * flush, or this CPU set the bit after that read and so loads the mm after the entries were
 * cleared, and its walks cannot find them. Clearing prev's bit only after the switch keeps this
 * CPU in the shootdowns of prev for as long as it may still translate with prev's tables.
 * An arch that keeps prev's translations tagged in the TLB after that (x86 PCIDs) reads
 * next->tlb_gen in arch_mmu_switch, after the bit is set: arch/x86_64/pcid.c says why that
 * covers the shootdowns this CPU is no longer asked to run.
 */
void mm_switch(struct mm *next)
{
	BUG_ON(arch_irqs_enabled());
	struct mm **slot = this_cpu_ptr(&loaded_mm);
	struct mm *prev = *slot;
	if (prev == next)
		return;
	/* init_mm has no user half to shoot down: its mask is not kept, which spares every switch
	 * to or from a kernel thread a locked update of one shared line. */
	u64 bit = 1ull << smp_processor_id();
	if (next != &init_mm)
		__atomic_or_fetch(&next->cpumask, bit, __ATOMIC_SEQ_CST);
	arch_mmu_switch(next);
	*slot = next;
	if (prev != &init_mm)
		__atomic_and_fetch(&prev->cpumask, ~bit, __ATOMIC_SEQ_CST);
}

struct mm *mm_create(void)
{
	struct mm *mm = kmem_cache_alloc(mm_cache, GFP_ZERO);
	if (!mm)
		return NULL;
	atomic_set(&mm->refcount, 1);
	rwsem_init(&mm->mmap_lock);
	vma_tree_init(&mm->vmas, 0);
	spin_lock_init(&mm->page_table_lock);
	mm->write_seq = 1;   /* a new VMA's lock_seq of 0 is unmarked */
	list_init(&mm->spf_marked);
	range_lock_tree_init(&mm->vma_range);
	mm->start_brk = mm->brk = MM_BRK_BASE;
	mm->mmap_base = USER_VA_END - MM_STACK_GAP;
	mm->mmap_min_addr = MM_MMAP_MIN_ADDR;
	mm->merge_policy = merge_default_policy();
	mm->pgd = pgtable_root_alloc();
	if (!mm->pgd) {
		kmem_cache_free(mm_cache, mm);
		return NULL;
	}
	if (arch_mm_init(mm)) {
		pgtable_free(mm->pgd, pgtable_root_order());
		kmem_cache_free(mm_cache, mm);
		return NULL;
	}
	return mm;
}

/* Collect every table below `table` (a table of `level`) that maps [lo, hi): the user half
 * only, so that x86's shared kernel half is left alone. A leaf still present is a page its owner
 * never unmapped: counted, and left (its frame is not ours to free). */
static unsigned long collect_tables(phys_addr_t table, int level, uintptr_t base, uintptr_t lo,
				    uintptr_t hi, struct list_head *out)
{
	unsigned long leaves = 0;
	pte_t *e = phys_to_virt(table);
	u64 step = pt_level_size(level);
	for (unsigned i = 0; i < pt_level_entries(level); i++) {
		uintptr_t va = base + i * step;
		if (va >= hi || va + step <= lo)
			continue;
		pte_t v = pte_read_once(&e[i]);
		if (!pte_present(v))
			continue;
		if (!pte_is_table(v, level)) {
			leaves++;
			continue;
		}
		phys_addr_t child = pte_addr(v, level);
		leaves += collect_tables(child, level - 1, va, lo, hi, out);
		list_add_tail(&pfn_to_page(child >> PAGE_SHIFT)->lru, out);
	}
	return leaves;
}

void mm_cache_shrink(void)
{
	kmem_cache_shrink(mm_cache);
}

void mm_put(struct mm *mm)
{
	if (!atomic_dec_and_test(&mm->refcount))
		return;
	BUG_ON(mm == &init_mm || mm->cpumask != 0);
	exit_mmap(mm);   /* every VMA and its pages: then nothing but tables is left */
	struct list_head tables = LIST_HEAD_INIT(tables);
	unsigned long leaves = collect_tables(mm->pgd, PT_LEVELS - 1, 0, 0, USER_VA_END, &tables);
	if (leaves)
		pr_warn("mm: address space %p freed with %lu mappings still in it (leaked)\n",
			(void *)mm, leaves);
	arch_mm_destroy(mm);
	/* No CPU translates with these tables any more (nothing has the mm loaded, and the arch
	 * has flushed its context), but a lockless software walker may still be inside them. */
	synchronize_rcu();
	while (!list_empty(&tables)) {
		struct page *p = list_first_entry(&tables, struct page, lru);
		list_del(&p->lru);
		pgtable_free(page_to_phys(p), 0);
	}
	pgtable_free(mm->pgd, pgtable_root_order());
	kmem_cache_free(mm_cache, mm);
}

void mmap_write_lock(struct mm *mm)
{
	down_write(&mm->mmap_lock);
	fault_strategy->write_begin(mm);
}

void mmap_write_unlock(struct mm *mm)
{
	fault_strategy->write_end(mm);
	/* Ends every mark this writer made (seed 000): marked means lock_seq == write_seq. A
	 * release: a pervma fault that reads the new value (acquire) and so trusts a VMA this
	 * writer marked sees every change the writer made to it. */
	smp_store_release(&mm->write_seq, mm->write_seq + 1);
	up_write(&mm->mmap_lock);
}

void mm_brk_init(struct mm *mm, uintptr_t start)
{
	mmap_write_lock(mm);
	mm->start_brk = mm->brk = ALIGN_UP(start, PAGE_SIZE);
	mmap_write_unlock(mm);
}

void kthread_use_mm(struct mm *mm)
{
	struct thread *t = current_thread();
	BUG_ON(t->mm != NULL || mm == &init_mm);
	mm_get(mm);
	atomic_inc(&mm->users);
	unsigned long flags = arch_irq_save();
	t->mm = mm;
	mm_switch(mm);
	arch_irq_restore(flags);
}

void kthread_unuse_mm(struct mm *mm)
{
	struct thread *t = current_thread();
	BUG_ON(t->mm != mm);
	unsigned long flags = arch_irq_save();
	t->mm = NULL;
	mm_switch(&init_mm);
	arch_irq_restore(flags);
	atomic_dec(&mm->users);
	mm_put(mm);
}

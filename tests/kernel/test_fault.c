/* The fault path, through the real MMU: the test thread adopts an mm and touches its pages with
 * the kernel's probes, which fault into fault_entry() and are retried when it returns 0. The zero
 * page, fresh zeroed pages, shared pages, refused faults, the counters, and faults from every CPU
 * at once on one VMA (mmap_lock held for read by each, the split lock deciding races). */
#include "tests/kernel/ktest_mm.h"
#include "tests/kernel/ktest_util.h"
#include "kernel/errno.h"
#include "kernel/sched/preempt.h"
#include "kernel/smp.h"
#include "lib/string.h"
#include "mm/fault.h"

#define RW (PROT_READ | PROT_WRITE)

/* Every fault is attempted once and ends once: on the strategy's own path (fast) or under
 * mmap_lock (locked), whatever mm.fault= chose; the mmap_lock strategy never takes a fast path,
 * and with one user (this thread) adaptive never leaves mmap_lock either. A strategy that falls
 * back says why (one abort at least). */
KTEST(fault, each_fault_ends_once_on_one_path)
{
	static const char *const names[] = { "mmap_lock", "range", "spf", "pervma", "adaptive" };
	bool known = false;
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		known |= !strcmp(fault_strategy->name, names[i]);
	KEXPECT(t, known);
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 4, RW, 0);
	u64 v;
	KEXPECT_EQ(t, mt_write(MT_A(0), 1), 0);   /* the VMA's first write: its anon_vma */
	struct fault_stats a, b;
	fault_get_stats(&a);
	KEXPECT_EQ(t, mt_read(MT_A(1), &v), 0);
	KEXPECT_EQ(t, mt_write(MT_A(2), 2), 0);
	KEXPECT_EQ(t, mt_read(MT_A(8), &v), -EFAULT);   /* no VMA */
	fault_get_stats(&b);
	unsigned long attempts = b.attempt - a.attempt, ended = b.fast - a.fast + b.locked - a.locked;
	/* Other CPUs may fault meanwhile (nothing else runs in test=all, but be exact only about
	 * what this thread adds): at least these three, each ending once. */
	KEXPECT(t, attempts >= 3);
	KEXPECT_EQ(t, attempts, ended);
	unsigned long aborts = 0;
	for (unsigned i = 0; i < FA_NR; i++)
		aborts += b.abort[i] - a.abort[i];
	KEXPECT(t, aborts >= b.fallback - a.fallback);
	if (!strcmp(fault_strategy->name, "mmap_lock") || !strcmp(fault_strategy->name, "adaptive"))
		KEXPECT_EQ(t, b.fast - a.fast, 0);
	else
		KEXPECT(t, b.fast - a.fast >= 2);   /* the read and the write took the fast path */
	mt_teardown(t, mm);
}

/* Linux: a read of private anonymous memory never written maps the shared zero page, read-only,
 * at every such address (here in two VMAs), and counts no resident page. */
KTEST(fault, read_maps_the_zero_page_read_only)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 1, RW, 0);
	mt_map(t, mm, 5, 1, PROT_READ, 0);
	struct fault_stats a, b;
	fault_get_stats(&a);
	u64 v = 1, w = 1;
	KEXPECT_EQ(t, mt_read(MT_A(0), &v), 0);
	KEXPECT_EQ(t, mt_read(MT_A(5), &w), 0);
	fault_get_stats(&b);
	KEXPECT_EQ(t, v | w, 0);
	KEXPECT(t, mt_phys(mm, MT_A(0)) != 0);
	KEXPECT_EQ(t, mt_phys(mm, MT_A(0)), mt_phys(mm, MT_A(5)));
	KEXPECT(t, !(mt_pte_prot(mm, MT_A(0)) & MMU_WRITE));   /* though the VMA is writable */
	KEXPECT_EQ(t, b.zero_page - a.zero_page, 2);
	KEXPECT_EQ(t, atomic_long_read(&mm->rss[MM_ANONPAGES]), 0);
	mt_teardown(t, mm);
}

/* Linux: a write after a read replaces the zero page by a page of its own (zeroed, then
 * written); the zero page itself stays zero. */
KTEST(fault, write_replaces_the_zero_page)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, RW, 0);
	u64 v;
	KEXPECT_EQ(t, mt_read(MT_A(0), &v), 0);
	KEXPECT_EQ(t, mt_read(MT_A(1), &v), 0);
	phys_addr_t zero = mt_phys(mm, MT_A(0));
	struct fault_stats a, b;
	fault_get_stats(&a);
	KEXPECT_EQ(t, mt_write(MT_A(0), 0xfeed), 0);
	fault_get_stats(&b);
	KEXPECT_EQ(t, b.page_alloc - a.page_alloc, 1);
	KEXPECT(t, mt_phys(mm, MT_A(0)) != zero);
	KEXPECT(t, mt_pte_prot(mm, MT_A(0)) & MMU_WRITE);
	KEXPECT_EQ(t, mt_phys(mm, MT_A(1)), zero);
	KEXPECT_EQ(t, mt_read(MT_A(1), &v), 0);
	KEXPECT_EQ(t, v, 0);
	KEXPECT_EQ(t, mt_read(MT_A(0), &v), 0);
	KEXPECT_EQ(t, v, 0xfeed);
	KEXPECT_EQ(t, atomic_long_read(&mm->rss[MM_ANONPAGES]), 1);
	mt_teardown(t, mm);
}

/* Linux: a first write to private memory gets a zeroed page (the rest of the page reads zero). */
KTEST(fault, write_gets_a_zeroed_page)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 1, RW, 0);
	KEXPECT_EQ(t, mt_write(MT_A(0) + 8, 1), 0);
	for (unsigned off = 0; off < PG; off += 512) {
		u64 v = 1;
		if (off == 8)
			continue;
		KEXPECT_EQ(t, mt_read(MT_A(0) + off, &v), 0);
		KEXPECT_EQ(t, v, 0);
	}
	mt_teardown(t, mm);
}

/* Linux: faults outside every VMA, writes to read-only memory and any access to PROT_NONE memory
 * are not handled (a kernel access then takes its exception-table fix-up: -EFAULT), and count as
 * failures. A read of write-only memory works (x86's rule: any access right lets a read in). */
KTEST(fault, refused_faults)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 1, PROT_READ, 0);
	mt_map(t, mm, 2, 1, PROT_NONE, 0);
	mt_map(t, mm, 4, 1, PROT_WRITE, 0);
	struct fault_stats a, b;
	fault_get_stats(&a);
	u64 v;
	KEXPECT_EQ(t, mt_read(MT_A(1), &v), -EFAULT);
	KEXPECT_EQ(t, mt_write(MT_A(0), 1), -EFAULT);
	KEXPECT_EQ(t, mt_read(MT_A(2), &v), -EFAULT);
	KEXPECT_EQ(t, mt_write(MT_A(2), 1), -EFAULT);
	fault_get_stats(&b);
	KEXPECT_EQ(t, b.failure - a.failure, 4);
	KEXPECT_EQ(t, b.success - a.success, 0);
	KEXPECT_EQ(t, mt_read(MT_A(4), &v), 0);
	KEXPECT_EQ(t, mt_write(MT_A(4), 2), 0);
	mt_teardown(t, mm);
}

/* Faults that are never ours, whatever the VMA allows, refused by fault_entry so that the arch
 * reports them: an instruction fetch by the kernel from a user page (arm64 PXN, x86 SMEP; the
 * entry allows the fetch to user mode, so taken for a stale TLB entry it would be retried
 * forever), and a malformed entry (x86's reserved-bit fault). A user-mode fetch from the same
 * page is handled. Called with synthetic fault records, as the arch's decoder would. */
KTEST(fault, kernel_exec_and_reserved_bit_refused)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 1, PROT_READ | PROT_EXEC, 0);
	u64 v;
	KEXPECT_EQ(t, mt_read(MT_A(0), &v), 0);   /* the zero page, executable */
	struct trap_frame frame;
	mt_frame_irqs_on(&frame);
	struct fault_info kexec = { MT_A(0), FAULT_EXEC | FAULT_PRESENT, 0 };
	struct fault_info uexec = { MT_A(0), FAULT_EXEC | FAULT_USER | FAULT_PRESENT, 0 };
	struct fault_info rsvd = { MT_A(0), FAULT_READ | FAULT_RSVD | FAULT_PRESENT, 0 };
	unsigned long flags = arch_irq_save();   /* as on a trap: fault_entry turns them on */
	int r_kexec = fault_entry(&kexec, &frame);
	int r_uexec = fault_entry(&uexec, &frame);
	int r_rsvd = fault_entry(&rsvd, &frame);
	arch_irq_restore(flags);
	KEXPECT_EQ(t, r_kexec, -EFAULT);
	KEXPECT_EQ(t, r_uexec, 0);
	KEXPECT_EQ(t, r_rsvd, -EFAULT);
	mt_teardown(t, mm);
}

/* Linux (faulthandler_disabled): a fault with preemption off is not handled, even on a mapped
 * page: the fault path would sleep. */
KTEST(fault, not_in_atomic_context)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 1, RW, 0);
	u64 v;
	preempt_disable();
	int r = mt_read(MT_A(0), &v);
	preempt_enable();
	KEXPECT_EQ(t, r, -EFAULT);
	KEXPECT_EQ(t, mt_read(MT_A(0), &v), 0);
	mt_teardown(t, mm);
}

/* Linux (shmem): every mapping of a shared object sees the same pages, by offset; a read of an
 * offset never written allocates its page (no zero page for shared memory). */
KTEST(fault, shared_pages_by_offset)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 4, RW, MAP_SHARED);
	long d = vm_mremap(mm, MT_A(0), 0, 4 * PG, MREMAP_MAYMOVE, 0);   /* a second mapping */
	KASSERT(t, d > 0);
	struct fault_stats a, b;
	fault_get_stats(&a);
	u64 v = 1;
	KEXPECT_EQ(t, mt_read(MT_A(2), &v), 0);
	KEXPECT_EQ(t, v, 0);
	KEXPECT_EQ(t, mt_write((uintptr_t)d + 2 * PG, 0xcafe), 0);
	KEXPECT_EQ(t, mt_read(MT_A(2), &v), 0);
	KEXPECT_EQ(t, v, 0xcafe);
	fault_get_stats(&b);
	KEXPECT_EQ(t, b.shm - a.shm, 2);
	KEXPECT_EQ(t, b.zero_page - a.zero_page, 0);
	KEXPECT_EQ(t, atomic_long_read(&mm->rss[MM_SHMEMPAGES]), 2);
	mt_teardown(t, mm);
}

/* Every CPU faults its own pages of one VMA at once, each under mmap_lock held for read, and all
 * of them the same last page (a race the split lock decides: one page, everyone sees it). */
struct toucher {
	uintptr_t base;
	unsigned index, pages;
	int errors;
	volatile int *go;
	struct mm *mm;
};

static void touch_fn(void *arg)
{
	struct toucher *w = arg;
	kthread_use_mm(w->mm);
	while (!READ_ONCE(*w->go))
		arch_cpu_relax();
	for (unsigned i = 0; i < w->pages; i++)
		if (mt_write(w->base + (w->index * w->pages + i) * PG, w->index * 1000 + i))
			w->errors++;
	u64 v;
	if (mt_read(w->base + 64 * w->pages * PG, &v))   /* the shared last page */
		w->errors++;
	for (unsigned i = 0; i < w->pages; i++)
		if (mt_read(w->base + (w->index * w->pages + i) * PG, &v) ||
		    v != w->index * 1000 + i)
			w->errors++;
	kthread_unuse_mm(w->mm);
}

KTEST(fault, every_cpu_faults_one_vma)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	unsigned n = MIN(nr_cpus_online, 8u), pages = 16;
	mt_map(t, mm, 0, 64 * pages + 1, RW, 0);
	volatile int go = 0;
	struct toucher w[8];
	for (unsigned i = 0; i < n; i++)
		w[i] = (struct toucher){ MT_BASE, i, pages, 0, &go, mm };
	go = 1;
	KASSERT(t, ktest_run_threads(t, n, true, touch_fn, w, sizeof(w[0])));
	for (unsigned i = 0; i < n; i++)
		KEXPECT_EQ(t, w[i].errors, 0);
	KEXPECT_EQ(t, atomic_long_read(&mm->rss[MM_ANONPAGES]), n * pages);
	MT_LAYOUT(t, mm, { 0, 64 * pages + 1, RW });
	mt_teardown(t, mm);
}

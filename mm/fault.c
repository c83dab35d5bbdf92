/*
 * Page faults (see fault.h). fault_entry() is where every arch sends a page fault: a fault on a
 * user address, in a thread that has an mm and could sleep where it faulted, goes to the chosen
 * strategy; anything else is not ours, and the arch tries the exception table (the kernel's
 * deliberate probes, copy_from_user later) and otherwise panics with the decoded fault.
 *
 * Locking: the mmap_lock strategy holds mmap_lock for read from the VMA lookup to the end, so
 * no VMA changes under it; level-0 entries are installed under the split lock of their table,
 * with pte_cmpxchg, so that faults of other threads (and MADV_DONTNEED, also a reader) can run
 * beside it. docs/mm/fault.md traces one fault from the trap to the entry.
 */
#include "mm/fault.h"
#include "mm/internal.h"
#include "mm/alloc_fail.h"
#include "mm/mm.h"
#include "mm/shm.h"
#include "mm/vma.h"
#include "kernel/param.h"
#include "kernel/sched/preempt.h"
#include "kernel/sched/thread.h"

static DEFINE_PER_CPU(struct fault_stats, fault_stats);

#define count_fault(field)                                           \
	do {                                                         \
		unsigned long _f = arch_irq_save();                  \
		this_cpu_ptr(&fault_stats)->field++;                 \
		arch_irq_restore(_f);                                \
	} while (0)

void fault_get_stats(struct fault_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		const struct fault_stats *s = per_cpu_ptr(&fault_stats, c);
		st->zero_page += READ_ONCE(s->zero_page);
		st->page_alloc += READ_ONCE(s->page_alloc);
		st->shm += READ_ONCE(s->shm);
		st->upgrade += READ_ONCE(s->upgrade);
		st->spurious += READ_ONCE(s->spurious);
		st->failure += READ_ONCE(s->failure);
	}
	st->success = st->zero_page + st->page_alloc + st->shm + st->upgrade + st->spurious;
}

bool fault_access_ok(const struct vma *vma, unsigned access)
{
	if (access & FAULT_WRITE)
		return vma->flags & VM_WRITE;
	if (access & FAULT_EXEC)
		return vma->flags & VM_EXEC;
	return vma->flags & VM_ACCESS_FLAGS;
}

/* The page for an empty entry: the zero page for a read of private memory, a zeroed page of its
 * own for a write, the shared object's page. With a reference for the entry (not the zero page's:
 * it has none to give). */
static int new_page(struct vma *vma, uintptr_t addr, bool write, struct page **pp)
{
	unsigned long pgoff = vma->pgoff + ((addr - vma->start) >> PAGE_SHIFT);
	if (vma->flags & VM_SHARED) {
		int err = shm_get_page(vma->shm, pgoff, pp);
		if (!err && (vma->flags & VM_EXEC))
			arch_sync_icache_page(page_to_phys(*pp));   /* see below */
		return err;
	}
	if (!write) {
		*pp = zero_page;
		return 0;
	}
	int err = anon_vma_prepare(vma);
	if (err)
		return err;
	struct page *p = NULL;
	if (mm_should_fail(MM_ALLOC_PAGE) || !(p = alloc_page(GFP_ZERO)))
		return -ENOMEM;
	/* Zeroed through the data side: in an executable VMA the instruction caches must not keep
	 * what the frame held for its last owner (arm64, ppc64). */
	if (vma->flags & VM_EXEC)
		arch_sync_icache_page(page_to_phys(p));
	p->anon.anon_vma = vma->anon_vma;
	p->anon.index = pgoff;
	atomic_set(&p->anon.mapcount, 0);
	*pp = p;
	return 0;
}

static void drop_page(struct page *p)
{
	if (p != zero_page)
		put_page(p);   /* never mapped: the last reference of a private page */
}

/* The entry now maps p: count it. Under the table's split lock. */
static void account_map(struct mm *mm, struct vma *vma, struct page *p)
{
	if (p == zero_page)
		return;
	atomic_inc(&p->anon.mapcount);
	atomic_long_add_return(&mm->rss[vma->flags & VM_SHARED ? MM_SHMEMPAGES : MM_ANONPAGES], 1);
}

/* Change an entry, under its table's split lock, from `old`, read under that lock. It cannot have
 * changed since: every software writer of a user level-0 entry holds the lock, and no MMU writes
 * one, since each arch's pte_mk_leaf sets the accessed and dirty bits up front (x86 A and D,
 * arm64 AF without hardware dirty management, ppc64 R and C). A failure here would mean an
 * entry lost (or a page leaked), so it is a bug: if hardware-managed bits or a lockless writer
 * ever come, this must retry instead. */
static void pte_change_locked(pte_t *e, pte_t old, pte_t new)
{
	pte_t was = pte_cmpxchg(e, old, new);
	BUG_ON(was != old);
}

/* A present or soft entry: the fault found it there. Make it what the VMA wants now (writable if
 * the VMA is, but never the zero page), or, if it already allows the access, it was a stale TLB
 * entry (or another fault won the race): drop this CPU's copy of it. A write to the zero page in
 * a writable VMA replaces it by a page of its own. */
static int fault_present(struct mm *mm, struct vma *vma, uintptr_t addr, bool write, pte_t *e,
			 struct page *tp, pte_t old)
{
	struct page *p = user_pte_page(old), *fresh = NULL;
	if (write && p == zero_page) {
		int err = new_page(vma, addr, true, &fresh);
		if (err)
			return err;
	}
	spin_lock(&tp->ptl);
	if (pte_read_once(e) != old) {
		spin_unlock(&tp->ptl);   /* changed under us: let the access retry */
		if (fresh)
			drop_page(fresh);
		count_fault(spurious);
		return 0;
	}
	if (fresh) {
		/* Another frame at the same address: break before make, so that no TLB holds the
		 * zero page and the new page at once (arm64 requires it, ARM ARM D8.14.1). */
		pte_change_locked(e, old, 0);
		tlb_flush_mm_range(mm, addr, PAGE_SIZE, 0);
		account_map(mm, vma, fresh);
		pte_change_locked(e, 0, user_pte(fresh, vma->flags, true));
		spin_unlock(&tp->ptl);
		count_fault(page_alloc);
		return 0;
	}
	pte_t want = user_pte(p, vma->flags, true);
	if (want != old) {
		/* More access (a write to a page mprotect left read-only): no other frame, so no
		 * break needed; a stale read-only copy elsewhere faults and lands below. */
		pte_change_locked(e, old, want);
		count_fault(upgrade);
	} else {
		count_fault(spurious);
	}
	spin_unlock(&tp->ptl);
	/* This CPU may hold the old entry, which does not allow the access (arm64 and ppc64 keep
	 * it until told; x86 drops it on the fault). "This CPU": the fault runs preemptible, so
	 * the thread may have moved since it trapped; then the CPU it left keeps the stale entry
	 * and faults again if it ever uses it, which lands here once more, on that CPU. */
	preempt_disable();
	arch_tlb_flush_user_page_local(mm, addr, 0);
	preempt_enable();
	return 0;
}

int fault_core(struct mm *mm, struct vma *vma, uintptr_t addr, unsigned access)
{
	bool write = access & FAULT_WRITE;
	struct page *tp, *p;
	addr &= PAGE_MASK;
	pte_t *e = pte_alloc(mm, addr, &tp);
	if (!e)
		return -ENOMEM;
	pte_t old = pte_read_once(e);
	if (old)
		return fault_present(mm, vma, addr, write, e, tp, old);

	int err = new_page(vma, addr, write, &p);
	if (err)
		return err;
	pte_t new = user_pte(p, vma->flags, true);
	spin_lock(&tp->ptl);
	/* Under the lock: nobody else installs or clears this entry now. The cmpxchg is a full
	 * barrier, so the page's zeroes are visible before the entry to every walker, software
	 * or MMU (the arch contract of pte_cmpxchg); the later lockless strategies rely on it. */
	if (pte_cmpxchg(e, 0, new) != 0) {
		spin_unlock(&tp->ptl);   /* another fault installed one: ours goes back */
		drop_page(p);
		count_fault(spurious);
		return 0;
	}
	account_map(mm, vma, p);
	spin_unlock(&tp->ptl);
	if (p == zero_page)
		count_fault(zero_page);
	else if (vma->flags & VM_SHARED)
		count_fault(shm);
	else
		count_fault(page_alloc);
	return 0;
}

/* ---- The strategies ---- */

/* mmap_lock: the classic design. The fault holds mmap_lock for read throughout: VMA writers
 * (mmap_lock for write) wait for it, and it for them. */
static int mmap_lock_fault(struct mm *mm, uintptr_t addr, unsigned access)
{
	mmap_read_lock(mm);
	struct vma *vma = vma_lookup(mm, addr);
	int err = -EFAULT;
	if (vma && fault_access_ok(vma, access))
		err = fault_core(mm, vma, addr, access);
	mmap_read_unlock(mm);
	return err;
}

static void nothing(struct mm *mm) { (void)mm; }

static const struct fault_strategy strategies[] = {
	{ "mmap_lock", mmap_lock_fault, nothing, nothing },
};

static char strategy_name[16] = "mmap_lock";
static const char *const strategy_names[] = { "mmap_lock", NULL };
PARAM_CHOICE("mm.fault", strategy_name, strategy_names,
	     "page-fault strategy: mmap_lock (the others are planned: range, spf, pervma, "
	     "adaptive)");

const struct fault_strategy *fault_strategy = &strategies[0];

void __init fault_init(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(strategies); i++)
		if (!strcmp(strategies[i].name, strategy_name))
			fault_strategy = &strategies[i];
	if (strcmp(fault_strategy->name, strategy_name))
		panic("mm.fault=%s: no such strategy", strategy_name);   /* PARAM_CHOICE checked */
	pr_info("mm: page faults use the %s strategy\n", fault_strategy->name);
}

int handle_mm_fault(struct mm *mm, uintptr_t addr, unsigned access)
{
	int err = fault_strategy->fault(mm, addr, access);
	if (err)
		count_fault(failure);   /* a success counted its kind already */
	return err;
}

int fault_entry(const struct fault_info *fi, struct trap_frame *frame)
{
	if (fi->addr >= USER_VA_END)
		return -EFAULT;   /* the kernel's own addresses: a bug or a probe */
	struct mm *mm = current_thread()->mm;
	if (!mm)
		return -EFAULT;   /* no user half loaded */
	/* An instruction fetch by the kernel from a user page (arm64 PXN, x86 SMEP): the kernel
	 * never runs user code, and the entry may well allow the fetch to user mode, which would
	 * make the fault look spurious and be retried forever. A malformed entry (x86 RSVD) is a
	 * corrupt table. Neither is ours: the arch reports it. */
	if ((fi->access & (FAULT_EXEC | FAULT_USER)) == FAULT_EXEC || (fi->access & FAULT_RSVD)) {
		count_fault(failure);
		return -EFAULT;
	}
	/* Linux's faulthandler_disabled(): a fault with interrupts or preemption off (a spinlock,
	 * an RCU reader, an interrupt handler) cannot sleep on mmap_lock or for memory. */
	if (!arch_frame_irqs_enabled(frame) || preempt_count()) {
		count_fault(failure);
		return -EFAULT;
	}
	/* The trap entry turned interrupts off; the faulting code ran with them on. The arch
	 * returns with them off again, and the frame's state restores them. */
	arch_irq_enable();
	int err = handle_mm_fault(mm, fi->addr, fi->access);
	arch_irq_disable();
	return err;
}

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
#include "mm/pgtable.h"
#include "mm/shm.h"
#include "mm/vma.h"
#include "mm/vma_tree.h"
#include "kernel/param.h"
#include "kernel/trace.h"
#include "kernel/errno.h"
#include "kernel/user/process.h"
#include "lib/printf.h"
#include "kernel/sched/preempt.h"
#include "kernel/sched/thread.h"

static DEFINE_PER_CPU(struct fault_stats, fault_stats);

/* Interrupts off around the increment: a fault in an interrupt handler (a probe) counts too, on
 * the same CPU, and must not lose this one. */
#define count_fault(field)                                           \
	do {                                                         \
		unsigned long _f = arch_irq_save();                  \
		this_cpu_ptr(&fault_stats)->field++;                 \
		arch_irq_restore(_f);                                \
	} while (0)

/* A handled fault's kind: counted, and noted for trace=fault's line. */
#define count_kind(field)                                            \
	do {                                                         \
		count_fault(field);                                  \
		if (unlikely(READ_ONCE(trace_fault)))                \
			current_thread()->ft_kind = #field;          \
	} while (0)

const char *const fault_abort_names[FA_NR] = {
	[FA_NONE] = "none", [FA_NO_VMA] = "no_vma", [FA_SEQ] = "seq", [FA_TRYLOCK] = "trylock",
	[FA_MARKED] = "marked", [FA_DETACHED] = "detached", [FA_RANGE] = "range",
	[FA_ACCESS] = "access", [FA_NOT_ANON] = "not_anon", [FA_NO_ANON_VMA] = "no_anon_vma",
	[FA_NO_TABLE] = "no_table", [FA_PRESENT] = "present", [FA_PMD] = "pmd",
	[FA_LOOKUP] = "lookup", [FA_NOMEM] = "nomem",
};

void fault_count_path(unsigned what)
{
	static const char *const names[] = { "fast", "locked", "fallback" };
	switch (what) {
	case FP_FAST: count_fault(fast); break;
	case FP_LOCKED: count_fault(locked); break;
	case FP_FALLBACK: count_fault(fallback); break;
	default: count_fault(retry); break;
	}
	if (unlikely(READ_ONCE(trace_fault))) {
		struct thread *t = current_thread();
		if (what == FP_RETRY)
			t->ft_retries++;
		else if (what != FP_LOCKED || !t->ft_path)   /* a fallback's lock keeps "fallback" */
			t->ft_path = names[what];
	}
}

void fault_count_abort(enum fault_abort why)
{
	count_fault(abort[why]);
	if (unlikely(READ_ONCE(trace_fault))) {
		struct thread *t = current_thread();
		t->ft_aborts++;
		t->ft_abort = fault_abort_names[why];
	}
}

/* trace=fault: one line per fault, when it is over. */
static void trace_one_fault(struct mm *mm, uintptr_t addr, unsigned access, int err)
{
	struct thread *t = current_thread();
	const struct uthread *ut = t->uthread;
	char acc[32];
	snprintf(acc, sizeof(acc), "%s,%s%s", access & FAULT_WRITE ? "write" :
		 access & FAULT_EXEC ? "exec" : "read", access & FAULT_USER ? "user" : "kernel",
		 access & FAULT_PRESENT ? ",present" : "");
	char aborts[48] = "";
	if (t->ft_aborts)
		snprintf(aborts, sizeof(aborts), " aborts=%u(last %s)", t->ft_aborts, t->ft_abort);
	char who[24] = "kernel";
	if (ut)
		snprintf(who, sizeof(who), "pid %d tid %d", ut->proc->pid, ut->tid);
	pr_info("trace fault: cpu%u %s '%s' mm %p addr 0x%lx %s: %s path=%s%s retries=%u -> %s\n",
		t->ft_cpu, who, t->name, (void *)mm, (unsigned long)addr, acc, t->ft_strategy,
		t->ft_path ? t->ft_path : "none", aborts, t->ft_retries,
		err ? errno_name(err) : t->ft_kind ? t->ft_kind : "ok");
}

void fault_get_stats(struct fault_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		const struct fault_stats *s = per_cpu_ptr(&fault_stats, c);
		st->zero_page += READ_ONCE(s->zero_page);
		st->page_alloc += READ_ONCE(s->page_alloc);
		st->shm += READ_ONCE(s->shm);
		st->upgrade += READ_ONCE(s->upgrade);
		st->cow_copy += READ_ONCE(s->cow_copy);
		st->cow_reuse += READ_ONCE(s->cow_reuse);
		st->spurious += READ_ONCE(s->spurious);
		st->failure += READ_ONCE(s->failure);
		st->attempt += READ_ONCE(s->attempt);
		st->fast += READ_ONCE(s->fast);
		st->locked += READ_ONCE(s->locked);
		st->fallback += READ_ONCE(s->fallback);
		st->retry += READ_ONCE(s->retry);
		for (unsigned i = 0; i < FA_NR; i++)
			st->abort[i] += READ_ONCE(s->abort[i]);
	}
	st->success = st->zero_page + st->page_alloc + st->shm + st->upgrade + st->cow_copy +
		      st->cow_reuse + st->spurious;
}

void fault_stats_format(const struct fault_stats *st, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "attempt=%lu fast=%lu locked=%lu fallback=%lu "
				    "retry=%lu", st->attempt, st->fast, st->locked, st->fallback,
				    st->retry);
	for (unsigned i = 0; i < FA_NR && n < len; i++)
		if (st->abort[i])
			n += (size_t)snprintf(buf + n, len - n, " abort_%s=%lu",
					      fault_abort_names[i], st->abort[i]);
}

static bool flags_access_ok(unsigned long flags, unsigned access)
{
	if (access & FAULT_WRITE)
		return flags & VM_WRITE;
	if (access & FAULT_EXEC)
		return flags & VM_EXEC;
	return flags & VM_ACCESS_FLAGS;
}

bool fault_access_ok(const struct vma *vma, unsigned access)
{
	return flags_access_ok(vma->flags, access);
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

/* Is p, a private page, mapped by this entry alone, with nobody else holding it (a copy being
 * made of it, a gather that has not flushed another mm's stale translation yet)? Then a write
 * may have it (Linux's reuse in do_wp_page). Under the split lock of an entry that maps it: no
 * other mapping can appear meanwhile (fork holds this mm's mmap_lock, and copies under the
 * lock). */
bool page_exclusive(struct page *p)
{
	return atomic_read(&p->anon.mapcount) == 1 && atomic_read(&p->refcount) == 1;
}

/* A write to a private page that the entry maps read-only while the VMA allows writing: it has
 * been shared copy-on-write since a fork (mm/fork.c), or mprotect left it read-only because it
 * was. Reuse it if it is this entry's alone by now; otherwise copy it into a page of its own,
 * which replaces it (break before make), and drop this entry's hold on the old one. Linux's
 * do_wp_page. */
static int fault_cow(struct mm *mm, struct vma *vma, uintptr_t addr, pte_t *e, struct page *tp,
		     pte_t old)
{
	struct page *p = user_pte_page(old), *n;
	spin_lock(&tp->ptl);
	if (pte_read_once(e) != old) {
		spin_unlock(&tp->ptl);   /* changed under us: let the access retry */
		count_kind(spurious);
		return 0;
	}
	if (page_exclusive(p)) {
		pte_change_locked(e, old, user_pte(p, vma->flags, true));
		spin_unlock(&tp->ptl);
		count_kind(cow_reuse);
		goto flush_local;
	}
	get_page(p);   /* the copy reads it after the lock is let go */
	spin_unlock(&tp->ptl);
	int err = new_page(vma, addr, true, &n);
	if (err) {
		put_page(p);
		return err;
	}
	memcpy(page_address(n), page_address(p), PAGE_SIZE);
	if (vma->flags & VM_EXEC)
		arch_sync_icache_page(page_to_phys(n));   /* written through the data side */
	spin_lock(&tp->ptl);
	if (pte_read_once(e) != old) {
		spin_unlock(&tp->ptl);
		put_page(p);
		drop_page(n);
		count_kind(spurious);
		return 0;
	}
	pte_change_locked(e, old, 0);   /* break before make, as for the zero page below */
	tlb_flush_mm_range(mm, addr, PAGE_SIZE, 0);
	account_map(mm, vma, n);
	/* A full barrier (pte_cmpxchg's contract): the copy's bytes before the entry, for the MMU
	 * of another CPU of this mm and for lockless walkers alike. */
	pte_change_locked(e, 0, user_pte(n, vma->flags, true));
	atomic_dec(&p->anon.mapcount);
	atomic_long_add_return(&mm->rss[MM_ANONPAGES], -1);
	spin_unlock(&tp->ptl);
	put_page(p);   /* the copy's */
	put_page(p);   /* the entry's: the other sharer may have gone, and this was the last */
	count_kind(cow_copy);
	return 0;
flush_local:
	preempt_disable();
	arch_tlb_flush_user_page_local(mm, addr, 0);
	preempt_enable();
	return 0;
}

/* Does `want` allow every access `old` does (and so only adds)? A present entry's access is in
 * its protection; a software entry (PROT_NONE) allows none. */
static bool pte_adds_access(pte_t old, pte_t want)
{
	if (!pte_present(old))
		return true;
	return pte_present(want) && !(pte_prot(old, 0) & ~pte_prot(want, 0));
}

/* A present or soft entry: the fault found it there. Make it what the VMA wants now (writable if
 * the VMA is, but never the zero page), or, if it already allows the access, it was a stale TLB
 * entry (or another fault won the race): drop this CPU's copy of it. A write to the zero page in
 * a writable VMA replaces it by a page of its own. */
static int fault_present(struct mm *mm, struct vma *vma, uintptr_t addr, bool write, pte_t *e,
			 struct page *tp, pte_t old)
{
	struct page *p = user_pte_page(old), *fresh = NULL;
	if (write && p != zero_page && !(vma->flags & VM_SHARED) && (vma->flags & VM_WRITE) &&
	    pte_present(old) && !(pte_prot(old, 0) & MMU_WRITE))
		return fault_cow(mm, vma, addr, e, tp, old);
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
		count_kind(spurious);
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
		count_kind(page_alloc);
		return 0;
	}
	/* Writable only if the VMA is and, for private memory, the page is this entry's alone: a
	 * read fault must not open a page shared copy-on-write to writes (torture=mm's fork found
	 * one that did), as mprotect must not (protect_one). And only ever more access than the
	 * entry gives: a fault flushes no TLB but this CPU's, so an entry that another CPU may have
	 * cached writable must not become read-only here. It did: a racing read fault found a
	 * writable page's count raised for a moment (a migration's or a copy's reference), so not
	 * exclusive, and made its entry read-only; the CPU that had written the page kept its
	 * writable translation, the next fork saw the entry read-only already and flushed nothing
	 * for it, and that CPU's writes then reached the child's copy (torture campaigns, under
	 * every strategy with racers). Taking access away is for the writers (mprotect, fork), who
	 * shoot the old translations down. */
	pte_t want = user_pte(p, vma->flags, pte_may_write(p, vma->flags));
	if (want != old && pte_adds_access(old, want)) {
		/* More access (a write to a page mprotect left read-only): no other frame, so no
		 * break needed; a stale read-only copy elsewhere faults and lands below. */
		pte_change_locked(e, old, want);
		count_kind(upgrade);
	} else {
		count_kind(spurious);
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
		count_kind(spurious);
		return 0;
	}
	account_map(mm, vma, p);
	spin_unlock(&tp->ptl);
	if (p == zero_page)
		count_kind(zero_page);
	else if (vma->flags & VM_SHARED)
		count_kind(shm);
	else
		count_kind(page_alloc);
	return 0;
}

bool fault_needs_mmap_lock(const struct vma *vma, unsigned access)
{
	return (access & FAULT_WRITE) && !(vma->flags & VM_SHARED) && !READ_ONCE(vma->anon_vma);
}

/* ---- Speculative faults (spf, adaptive) ----
 *
 * Without mmap_lock: the VMA is found under RCU (VMAs are freed with call_rcu, so the one found
 * stays readable until rcu_read_unlock, whatever writers do to it), what the fault needs is
 * copied from it, and the tables are walked under the same read-side section (tables are freed
 * only after a grace period: mm/tlb.c). Nothing is allocated but a write's data page, outside
 * the read-side section once the walk shows one is needed (then the attempt starts again): a
 * missing table, a present entry, a shared mapping, a write before the VMA's first anon_vma
 * all give up, and the classic path does those. The install itself is under the table's split
 * lock, taken by trylock, after the strategy's validation, and after checking that the table
 * is still linked where the walk found it.
 *
 * Why validating under the table's lock is enough: every VMA writer that could make the new
 * entry wrong (munmap, mprotect, mremap, MAP_FIXED over it) makes its change visible first
 * (spf: the odd count; adaptive: the tree and the VMA's fields) and only then walks the range
 * taking each existing table's lock (zap, change_protection, move_ptes). That table existed when
 * the fault read its link, and only faults under mmap_lock (held off by the writer) or the writer
 * itself make tables, so the writer's walk does take this lock. If the fault's critical section
 * comes first, the writer's walk finds the entry and zaps, protects or moves it; if the writer's
 * comes first, its unlock (release) and the fault's lock (acquire) make the change visible to
 * the validation, which gives up. */
int fault_speculative(struct mm *mm, uintptr_t addr, unsigned access, const struct spec_ops *ops,
		      int *result)
{
	bool write = access & FAULT_WRITE;
	struct spec_fault sf = { .mm = mm, .addr = addr & PAGE_MASK, .access = access };
	struct page *p = NULL;
	int why;
again:
	rcu_read_lock();
	sf.vma = vma_tree_find(&mm->vmas, sf.addr, NULL);
	why = FA_NO_VMA;
	if (!sf.vma)
		goto abort;
	why = ops->begin ? ops->begin(&sf) : 0;
	if (why)
		goto abort;
	struct vma *v = sf.vma;
	sf.start = READ_ONCE(v->start);
	sf.end = READ_ONCE(v->end);
	sf.flags = READ_ONCE(v->flags);
	sf.pgoff = READ_ONCE(v->pgoff);
	sf.anon_vma = READ_ONCE(v->anon_vma);
	sf.shm = READ_ONCE(v->shm);
	why = FA_RANGE;
	if (sf.addr < sf.start || sf.addr >= sf.end)
		goto abort;
	why = FA_ACCESS;
	if (!flags_access_ok(sf.flags, access))
		goto abort;
	why = FA_NOT_ANON;
	if ((sf.flags & VM_SHARED) || sf.shm)
		goto abort;
	why = FA_NO_ANON_VMA;
	if (write && !sf.anon_vma)
		goto abort;
	/* The walk after the lookup and the snapshot (a read barrier: arm64, ppc64): a VMA found
	 * that a writer stored after unlinking tables (MAP_FIXED over a mapping frees the old
	 * one's) means those unlinks are seen, and the walk does not enter them. */
	arch_rmb();

	/* The walk: every level must be there already. */
	pte_t *t = phys_to_virt(mm->pgd), *link = NULL, linkval = 0;
	why = FA_NO_TABLE;
	for (int l = PT_LEVELS - 1; l > 0; l--) {
		pte_t *e = &t[pt_index(sf.addr, l)];
		pte_t ev = pte_read_once(e);
		if (!pte_is_table(ev, l))
			goto abort;
		link = e;
		linkval = ev;
		t = phys_to_virt(pte_addr(ev, l));
	}
	pte_t *e = &t[pt_index(sf.addr, 0)];
	struct page *tp = virt_to_page(t);
	why = FA_PRESENT;
	if (pte_read_once(e))
		goto abort;
	if (write && !p) {
		/* A write into an empty entry of a VMA that allows it: a page is needed, so none
		 * is the fault's end (-ENOMEM, as on the classic path). It is allocated and zeroed
		 * outside the read-side section, and the whole attempt starts again with it. */
		rcu_read_unlock();
		if (mm_should_fail(MM_ALLOC_PAGE) || !(p = alloc_page(GFP_ZERO))) {
			fault_count_abort(FA_NOMEM);
			*result = -ENOMEM;
			return 0;
		}
		goto again;
	}
	fault_race_delay(RACE_FAULT);
	why = FA_TRYLOCK;
	if (!spin_trylock(&tp->ptl))
		goto abort;
	/* The lock's acquire orders the loads after it, not the snapshot's before it: without
	 * this read barrier (arm64, ppc64) the snapshot's loads could be satisfied after the
	 * validation's, and a new flags value pass with an old count (seqcount's read_retry has
	 * the same barrier). */
	arch_rmb();
	why = ops->validate(&sf);
	/* The link after the validation's reads (adaptive's fresh lookup sees a writer that
	 * unlinked an ancestor table and then restored the VMA; the unlink cleared the links
	 * below it too: gather_subtree). */
	arch_rmb();
	if (!why && pte_read_once(link) != linkval)
		why = FA_PMD;   /* unlinked (and to be freed): the entry would be lost */
	if (why) {
		spin_unlock(&tp->ptl);
		goto abort;
	}
	if (pte_read_once(e)) {
		/* Another fault got there first: this one is done. */
		spin_unlock(&tp->ptl);
		rcu_read_unlock();
		if (p)
			put_page(p);
		count_kind(spurious);
		*result = 0;
		return 0;
	}
	struct page *page = write ? p : zero_page;
	if (write) {
		if (sf.flags & VM_EXEC)
			arch_sync_icache_page(page_to_phys(p));
		p->anon.anon_vma = sf.anon_vma;
		p->anon.index = sf.pgoff + ((sf.addr - sf.start) >> PAGE_SHIFT);
		atomic_set(&p->anon.mapcount, 1);
		atomic_long_add_return(&mm->rss[MM_ANONPAGES], 1);
	}
	/* A full barrier (pte_cmpxchg's contract): the page's zeroes before the entry. */
	pte_change_locked(e, 0, user_pte(page, sf.flags, true));
	spin_unlock(&tp->ptl);
	rcu_read_unlock();
	if (write)
		count_kind(page_alloc);
	else
		count_kind(zero_page);
	*result = 0;
	return 0;
abort:
	rcu_read_unlock();
	if (p)
		put_page(p);
	fault_count_abort(why);
	return why;
}

/* ---- The strategies ---- */

int fault_under_mmap_lock(struct mm *mm, uintptr_t addr, unsigned access)
{
	struct vma *vma = vma_lookup(mm, addr);
	int err = -EFAULT;
	if (vma && fault_access_ok(vma, access))
		err = fault_core(mm, vma, addr, access);
	mmap_read_unlock(mm);
	fault_count_path(FP_LOCKED);
	return err;
}

int fault_locked(struct mm *mm, uintptr_t addr, unsigned access)
{
	mmap_read_lock(mm);
	return fault_under_mmap_lock(mm, addr, access);
}

int fault_speculative_or_locked(struct mm *mm, uintptr_t addr, unsigned access,
				const struct spec_ops *ops)
{
	int result;
	int why = fault_speculative(mm, addr, access, ops, &result);
	if (why == FA_TRYLOCK) {
		/* Another fault in the same table, most likely: once more. */
		fault_count_path(FP_RETRY);
		why = fault_speculative(mm, addr, access, ops, &result);
	}
	if (!why) {
		fault_count_path(FP_FAST);
		return result;
	}
	fault_count_path(FP_FALLBACK);
	return fault_locked(mm, addr, access);
}

/* mmap_lock: the classic design. The fault holds mmap_lock for read throughout: VMA writers
 * (mmap_lock for write) wait for it, and it for them. */
static void nothing(struct mm *mm) { (void)mm; }

static const struct fault_strategy mmap_lock_strategy = {
	.name = "mmap_lock",
	.fault = fault_locked,
	.write_begin = nothing,
	.write_end = nothing,
};

extern const struct fault_strategy range_strategy, spf_strategy, pervma_strategy,
	adaptive_strategy;
static const struct fault_strategy *const strategies[] = {
	&mmap_lock_strategy, &range_strategy, &spf_strategy, &pervma_strategy,
	&adaptive_strategy,
};

static char strategy_name[16] = "mmap_lock";
const char *const fault_strategy_names[] = { "mmap_lock", "range", "spf", "pervma", "adaptive",
					    NULL };
PARAM_CHOICE("mm.fault", strategy_name, fault_strategy_names,
	     "page-fault strategy (docs/mm/fault-strategies.md): mmap_lock (the fault holds "
	     "mmap_lock for read), range (a range lock on the faulting page), spf (speculative, "
	     "per-VMA sequence counts), pervma (per-VMA locks), adaptive (mmap_lock until it is "
	     "contended, then speculative with a fresh lookup)");

const struct fault_strategy *fault_strategy = &mmap_lock_strategy;
bool fault_vma_hooks, fault_range_hooks, fault_busted, fault_beside_writers;
void (*fault_race_delay_hook)(int side);

static void strategy_set(const struct fault_strategy *s)
{
	fault_strategy = s;
	fault_vma_hooks = s->vma_write != NULL;
	fault_range_hooks = s->write_range != NULL;
	fault_beside_writers = s != &mmap_lock_strategy && !fault_range_hooks;
}

void __init fault_init(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(strategies); i++)
		if (!strcmp(strategies[i]->name, strategy_name))
			strategy_set(strategies[i]);
	if (strcmp(fault_strategy->name, strategy_name))
		panic("mm.fault=%s: no such strategy", strategy_name);   /* PARAM_CHOICE checked */
	pr_info("mm: page faults use the %s strategy\n", fault_strategy->name);
}

int fault_strategy_switch(const char *name)
{
	struct mm_object_counts c;
	mm_object_counts(&c);
	if (c.vmas)
		return -EBUSY;   /* some address space has VMAs: its writers marked them its way */
	for (unsigned i = 0; i < ARRAY_SIZE(strategies); i++)
		if (!strcmp(strategies[i]->name, name)) {
			strategy_set(strategies[i]);
			return 0;
		}
	return -EINVAL;
}

int handle_mm_fault(struct mm *mm, uintptr_t addr, unsigned access)
{
	count_fault(attempt);
	bool tracing = READ_ONCE(trace_fault);
	if (unlikely(tracing)) {
		struct thread *t = current_thread();
		t->ft_path = t->ft_kind = t->ft_abort = NULL;
		t->ft_aborts = t->ft_retries = 0;
		t->ft_strategy = fault_strategy->name;
		t->ft_cpu = raw_smp_processor_id();
	}
	int err = fault_strategy->fault(mm, addr, access);
	if (err)
		count_fault(failure);   /* a success counted its kind already */
	if (unlikely(tracing && READ_ONCE(trace_fault)))
		trace_one_fault(mm, addr, access, err);
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
	struct thread *t = current_thread();   /* only it writes these (thread_report reads) */
	WRITE_ONCE(t->nr_faults, t->nr_faults + 1);
	WRITE_ONCE(t->last_fault, fi->addr);
	WRITE_ONCE(t->last_fault_result, err);
	arch_irq_disable();
	return err;
}

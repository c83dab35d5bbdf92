/*
 * torture=mm: one address space, shared by every thread of the run, changed and touched from all
 * CPUs at once, and checked against a model after every step.
 *
 * The mm is cut into regions, each in a page-table slot of its own (the span of one last-level
 * table: 2 MiB with 4 KiB pages), of which the first TM_PAGES pages are used. Workers, pinned one
 * per CPU, take a region at random (an atomic owner word: the model of a region is written only
 * by its owner, and the release and acquire of the word hand it on), do a few operations in it
 * and let it go, so that a region's pages are touched from every CPU in turn and a CPU's TLB keeps
 * translations of regions other CPUs then change. An operation is one of mmap (MAP_FIXED, private
 * anonymous, protection none, read or read-write), munmap (now and then of the whole region, which
 * frees its last-level table), mprotect, mremap (shrink, grow in place, move), madvise
 * (MADV_DONTNEED), or a batch of reads and writes through the MMU (arch_probe_*, so that a fault
 * comes through the arch trap into fault_entry as a user fault does). Each written word holds the
 * address it was written at and a generation; the model says, for each page, whether it is
 * mapped, with which protection, and which word it holds (0: none since it was mapped or zapped).
 *
 * Checked: every return value against Linux's for the model's state (a hole in an mprotect is
 * -ENOMEM after the part before it changed; mremap growth in place only into free pages; ...);
 * every read gives the model's word and every access the model forbids faults; after every
 * operation, under mmap_lock, the region's VMAs are exactly the model's mapped pages with their
 * protections, its page-table entries agree (none where nothing is mapped, never writable where
 * the VMA is not, the model's word in the page each maps, the zero page only where nothing was
 * written), and a region emptied has no last-level table left. Walkers meanwhile walk the page
 * tables without any lock, under rcu_read_lock() alone, as a speculative fault will, and check
 * after each entry they read that the table they read it from is still a page table: tables are
 * freed only after a grace period (mm/tlb.c), so none can be freed under a walker. At the end the
 * mm is put and the free pages and the address-space objects must be back to their count before
 * it existed. Where faults run beside VMA writers (every strategy but mmap_lock), racers fault
 * into the pages a worker is changing. (Walkers and racers: torture_mm_readers.c.)
 *
 * Broken twins: torture.busted=1 makes munmap flush only the TLB of the CPU it runs on, so
 * another CPU keeps translations to pages that are freed and reused, and a later owner of the
 * region reads through them what the model says is unmapped. mm.busted=pt_free frees page-table
 * pages right after the flush, without the grace period, and a walker finds a table it is
 * reading freed. Under the other strategies torture.busted=1 breaks the strategy's own check
 * instead (docs/mm/fault-strategies.md), and a racer's fault leaves the entry a worker's check
 * finds. While a twin runs, what VMA writers free is held in a quarantine (mm/internal.h), so
 * that its damage is a wrong entry reported, not a use after free. Each is caught within a few
 * seconds on 2 CPUs (docs/mm/fault.md, "torture=mm").
 */
#include "mm/torture_mm.h"
#include "mm/fault.h"
#include "mm/rmap.h"
#include "mm/tlb.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/timer.h"
#include "kernel/param.h"
#include "lib/printf.h"

/* Forks, with their long holds of mmap_lock for write, slow the table frees a lockless walker
 * can be caught reading; a check of the free path alone (the mutant mm-pgtable-free-without-gp,
 * like the twin mm.busted=pt_free, which leaves them out itself) runs without them. */
static bool tm_forks = true;
PARAM_BOOL("torture.mm_forks", tm_forks,
	   "torture=mm forks (a child of the whole address space, checked copy-on-write both ways); "
	   "0 leaves fork out of its operations");

static const char *const tm_count_names[TM_NR_COUNTS] = {
	"mmaps", "munmaps", "clears", "mprotects", "mremaps", "dontneeds", "reads", "writes",
	"walks", "races", "tables_freed", "forks", "migrations",
};

static struct tm_thread tm_threads[TORTURE_MAX_THREADS];

static __printf(3, 4) void region_error(struct tm_state *st, struct tm_region *g,
					 const char *fmt, ...)
{
	char msg[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	torture_error(st->r, "region %#lx: %s", (unsigned long)g->base, msg);
	g->broken = true;
	WRITE_ONCE(st->failed, true);
}

/* ---- The model's view of a range ---- */

static bool all_mapped(const struct tm_region *g, unsigned a, unsigned n)
{
	for (unsigned i = a; i < a + n; i++)
		if (!g->pg[i].mapped)
			return false;
	return true;
}

static bool all_unmapped(const struct tm_region *g, unsigned a, unsigned n)
{
	for (unsigned i = a; i < a + n; i++)
		if (g->pg[i].mapped)
			return false;
	return true;
}

static void model_unmap(struct tm_region *g, unsigned a, unsigned n)
{
	for (unsigned i = a; i < a + n; i++)
		g->pg[i] = (struct tm_page){ 0 };
}

static void model_map(struct tm_region *g, unsigned a, unsigned n, unsigned prot)
{
	for (unsigned i = a; i < a + n; i++)
		g->pg[i] = (struct tm_page){ .word = 0, .mapped = 1, .prot = (u8)prot };
}

/* A range [*a, *a + *n) of the region: mostly short, sometimes up to the whole of it. */
static void pick_range(u64 *rnd, unsigned *a, unsigned *n)
{
	*a = (unsigned)(torture_random(rnd) % TM_PAGES);
	unsigned most = TM_PAGES - *a;
	if (torture_random(rnd) % 4)
		most = MIN(most, (unsigned)TM_MAX_RANGE);
	*n = 1 + (unsigned)(torture_random(rnd) % most);
}

static unsigned pick_prot(u64 *rnd)
{
	static const unsigned prots[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
					  PROT_READ | PROT_WRITE };
	return prots[torture_random(rnd) % ARRAY_SIZE(prots)];
}

/* ---- Checks, under mmap_lock held for read: the region's VMAs and page tables against the
 * model. The owner alone maps, faults or changes anything in the region, and tables of the
 * levels above its slot change only under mmap_lock held for write. ---- */

static void check_vmas(struct tm_state *st, struct mm *mm, struct tm_region *g)
{
	bool covered[TM_PAGES] = { 0 };
	uintptr_t end = g->base + TM_SLOT;
	for (struct vma *v = vma_find(mm, g->base); v && v->start < end;
	     v = vma_find(mm, v->end)) {
		if (v->start < g->base || v->end > page_va(g, TM_PAGES)) {
			region_error(st, g, "a VMA [%#lx, %#lx) reaches outside the pages used",
				     (unsigned long)v->start, (unsigned long)v->end);
			return;
		}
		for (uintptr_t va = v->start; va < v->end; va += PAGE_SIZE) {
			unsigned i = (unsigned)((va - g->base) >> PAGE_SHIFT);
			const struct tm_page *p = &g->pg[i];
			covered[i] = true;
			if (!p->mapped || p->prot != vma_prot(v)) {
				region_error(st, g, "page %u: the VMA [%#lx, %#lx) says prot %u, "
					     "the model %s prot %u", i, (unsigned long)v->start,
					     (unsigned long)v->end, vma_prot(v),
					     p->mapped ? "mapped" : "unmapped", p->prot);
				return;
			}
		}
	}
	for (unsigned i = 0; i < TM_PAGES; i++)
		if (g->pg[i].mapped && !covered[i]) {
			region_error(st, g, "page %u: mapped in the model, in no VMA", i);
			return;
		}
}

/* One page's entry, and the first word of the page it maps, under the entry's split lock.
 * mmap_lock held for read does not keep entries still: the racers' faults (fault_present,
 * fault_cow) run beside this check under mmap_lock for read too, and change a present entry
 * break-before-make under the split lock: cleared, flushed from every TLB (a long window under
 * TCG), then set to the new page. Read without the lock, the cleared entry of that window looks
 * like a lost page ("no entry, the model says it holds ..."). Every writer of a user level-0
 * entry holds its table's lock (fault.c, pte_change_locked), so under it the entry is one that
 * some completed change left, and the page it maps cannot be freed while it is read (a COW
 * drops the old page only after replacing the entry, under the same lock). */
static pte_t read_pte_locked(struct mm *mm, uintptr_t va, u64 *word)
{
	struct page *table;
	pte_t *e = pte_find(mm, va, &table, NULL);
	*word = 0;
	if (!e)
		return 0;
	spin_lock(&table->ptl);
	pte_t v = pte_read_once(e);
	if (v && user_pte_page(v) != zero_page)
		*word = READ_ONCE(*(u64 *)page_address(user_pte_page(v)));
	spin_unlock(&table->ptl);
	return v;
}

static void check_ptes(struct tm_state *st, struct mm *mm, struct tm_region *g)
{
	for (unsigned i = 0; i < TM_PAGES && !g->broken; i++) {
		const struct tm_page *p = &g->pg[i];
		u64 w;
		pte_t v = read_pte_locked(mm, page_va(g, i), &w);
		if (!v) {
			if (p->word)
				region_error(st, g, "page %u: no entry, the model says it holds "
					     "%#llx", i, (unsigned long long)p->word);
			continue;
		}
		if (!p->mapped) {
			region_error(st, g, "page %u: unmapped, but its entry is %#llx", i,
				     (unsigned long long)v);
			continue;
		}
		bool present = pte_present(v);
		unsigned mmu = present ? pte_prot(v, 0) : 0;
		if (present && p->prot == PROT_NONE)
			region_error(st, g, "page %u: PROT_NONE, but its entry is present", i);
		else if ((mmu & MMU_WRITE) && !(p->prot & PROT_WRITE))
			region_error(st, g, "page %u: read-only, but its entry is writable", i);
		if (g->broken)
			continue;
		struct page *pg = user_pte_page(v);
		if (pg == zero_page) {
			if (p->word)
				region_error(st, g, "page %u: maps the zero page, the model says "
					     "it holds %#llx", i, (unsigned long long)p->word);
			else if (mmu & MMU_WRITE)
				region_error(st, g, "page %u: the zero page mapped writable", i);
			continue;
		}
		if (w != p->word)
			region_error(st, g, "page %u: its page holds %#llx, the model says %#llx",
				     i, (unsigned long long)w, (unsigned long long)p->word);
	}
}

static void check_region(struct tm_state *st, struct tm_region *g)
{
	long bugs = atomic_long_read(&mm_bugs);
	if (bugs != atomic_long_read(&st->bugs_seen)) {
		atomic_long_set(&st->bugs_seen, bugs);
		region_error(st, g, "the mm found %ld broken invariants so far (mm: BUG above)",
			     bugs);
	}
	mmap_read_lock(st->mm);
	check_vmas(st, st->mm, g);
	if (!g->broken)
		check_ptes(st, st->mm, g);
	mmap_read_unlock(st->mm);
}

/* ---- The operations ---- */

/* Announce the pages the next operation changes, and (under a lockless strategy) three times in
 * four give the racers a few microseconds to start faults there before it does: a fault that
 * found its VMA before the writer began is the one a strategy must stop. */
static void set_hot(struct tm_thread *t, struct tm_region *g, unsigned a, unsigned n)
{
	WRITE_ONCE(g->hot_a, a);
	WRITE_ONCE(g->hot_n, n);
	u64 x = torture_random(&t->rnd);
	if (n && t->st->lockless && (x & 3))
		torture_udelay((unsigned)((x >> 2) % 30));
}

static void op_mmap(struct tm_thread *t, struct tm_region *g)
{
	unsigned a, n, prot = pick_prot(&t->rnd);
	pick_range(&t->rnd, &a, &n);
	set_hot(t, g, a, n);
	long ret = vm_mmap(t->st->mm, page_va(g, a), n * PAGE_SIZE, prot,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	if (ret != (long)page_va(g, a)) {
		region_error(t->st, g, "mmap of pages [%u, %u) prot %u: %ld", a, a + n, prot, ret);
		return;
	}
	model_map(g, a, n, prot);
	count(t->st, TM_MMAP, 1);
}

static void op_munmap(struct tm_thread *t, struct tm_region *g, bool all)
{
	unsigned a = 0, n = TM_PAGES;
	if (!all)
		pick_range(&t->rnd, &a, &n);
	set_hot(t, g, a, n);
	int ret = vm_munmap(t->st->mm, page_va(g, a), n * PAGE_SIZE);
	if (ret) {
		region_error(t->st, g, "munmap of pages [%u, %u): %d", a, a + n, ret);
		return;
	}
	model_unmap(g, a, n);
	count(t->st, all ? TM_CLEAR : TM_MUNMAP, 1);
	if (!all)
		return;
	/* Nothing is mapped in the slot now, and the regions beside it are in slots of their
	 * own: free_pgtables must have taken its last-level table (Linux's floor and ceiling). */
	struct page *table;
	mmap_read_lock(t->st->mm);
	bool table_left = pte_find(t->st->mm, g->base, &table, NULL) != NULL;
	mmap_read_unlock(t->st->mm);
	if (table_left)
		region_error(t->st, g, "emptied by munmap, but its page table is still there");
	else
		count(t->st, TM_TABLES_FREED, 1);
}

/* Linux's do_mprotect_pkey: -ENOMEM at once if the first page is unmapped; otherwise each VMA
 * from there is changed until the range ends or a hole begins, which is -ENOMEM too. */
static void op_mprotect(struct tm_thread *t, struct tm_region *g)
{
	unsigned a, n, prot = pick_prot(&t->rnd);
	pick_range(&t->rnd, &a, &n);
	unsigned i = a;
	while (i < a + n && g->pg[i].mapped)
		i++;
	int want = i == a + n ? 0 : -ENOMEM;
	set_hot(t, g, a, n);
	int ret = vm_mprotect(t->st->mm, page_va(g, a), n * PAGE_SIZE, prot);
	if (ret != want) {
		region_error(t->st, g, "mprotect of pages [%u, %u) to %u: %d, Linux gives %d", a,
			     a + n, prot, ret, want);
		return;
	}
	for (unsigned k = a; k < i; k++)
		g->pg[k].prot = (u8)prot;
	count(t->st, TM_MPROTECT, 1);
}

/* madvise(MADV_DONTNEED): the mapped parts are zapped (private anonymous pages read as zero
 * after), and a hole anywhere in the range makes it -ENOMEM (Linux's madvise_walk_vmas). */
static void op_dontneed(struct tm_thread *t, struct tm_region *g)
{
	unsigned a, n;
	pick_range(&t->rnd, &a, &n);
	int want = all_mapped(g, a, n) ? 0 : -ENOMEM;
	set_hot(t, g, a, n);
	int ret = vm_madvise(t->st->mm, page_va(g, a), n * PAGE_SIZE, MADV_DONTNEED);
	if (ret != want) {
		region_error(t->st, g, "MADV_DONTNEED of pages [%u, %u): %d, Linux gives %d", a,
			     a + n, ret, want);
		return;
	}
	for (unsigned i = a; i < a + n; i++)
		g->pg[i].word = 0;
	count(t->st, TM_DONTNEED, 1);
}

/* mremap of part of one VMA: shrink in place, grow in place (only into free pages, else
 * -ENOMEM without MREMAP_MAYMOVE), or move with MREMAP_MAYMOVE|MREMAP_FIXED to a range that does
 * not overlap it (whatever was there is unmapped first; the pages and their words move). */
static void op_mremap(struct tm_thread *t, struct tm_region *g)
{
	struct tm_state *st = t->st;
	unsigned p = (unsigned)(torture_random(&t->rnd) % TM_PAGES);
	if (!g->pg[p].mapped)
		return;
	mmap_read_lock(st->mm);
	struct vma *v = vma_lookup(st->mm, page_va(g, p));
	uintptr_t vs = v ? v->start : 0, ve = v ? v->end : 0;
	mmap_read_unlock(st->mm);
	if (!v) {
		region_error(st, g, "page %u: mapped in the model, in no VMA", p);
		return;
	}
	/* old range [o, o + on) inside the VMA [s, e), in pages of the region */
	unsigned s = (unsigned)((vs - g->base) >> PAGE_SHIFT);
	unsigned e = (unsigned)((ve - g->base) >> PAGE_SHIFT);
	unsigned o = s + (unsigned)(torture_random(&t->rnd) % (e - s));
	unsigned on = 1 + (unsigned)(torture_random(&t->rnd) % (e - o));
	unsigned prot = g->pg[o].prot;
	unsigned mode = (unsigned)(torture_random(&t->rnd) % 3);
	set_hot(t, g, s, e - s);   /* the VMA; a move's destination below */
	long ret, want;
	if (mode == 0) {   /* shrink in place (or keep the length: a no-op) */
		unsigned nn = 1 + (unsigned)(torture_random(&t->rnd) % on);
		want = (long)page_va(g, o);
		ret = vm_mremap(st->mm, page_va(g, o), on * PAGE_SIZE, nn * PAGE_SIZE, 0, 0);
		if (ret == want)
			model_unmap(g, o + nn, on - nn);
	} else if (mode == 1) {   /* grow in place */
		unsigned nn = on + 1 + (unsigned)(torture_random(&t->rnd) % 4);
		if (o + nn > TM_PAGES)
			return;
		/* Only the end of a VMA grows in place; then only into free pages. */
		bool fits = o + on == e && all_unmapped(g, o + on, nn - on);
		want = fits ? (long)page_va(g, o) : -ENOMEM;
		ret = vm_mremap(st->mm, page_va(g, o), on * PAGE_SIZE, nn * PAGE_SIZE, 0, 0);
		if (ret == want && fits)
			model_map(g, o + on, nn - on, prot);
	} else {   /* move */
		unsigned nn = 1 + (unsigned)(torture_random(&t->rnd) % (on + 2));
		unsigned b = (unsigned)(torture_random(&t->rnd) % (TM_PAGES - nn + 1));
		if (b < o + on && o < b + nn)
			return;   /* overlapping ranges are -EINVAL: not what this tests */
		set_hot(t, g, MIN(o, b), MAX(o + on, b + nn) - MIN(o, b));
		want = (long)page_va(g, b);
		ret = vm_mremap(st->mm, page_va(g, o), on * PAGE_SIZE, nn * PAGE_SIZE,
				MREMAP_MAYMOVE | MREMAP_FIXED, page_va(g, b));
		if (ret == want) {
			struct tm_page moved[TM_PAGES];
			unsigned keep = MIN(on, nn);
			for (unsigned i = 0; i < keep; i++)
				moved[i] = g->pg[o + i];
			model_unmap(g, o, on);
			model_unmap(g, b, nn);
			for (unsigned i = 0; i < keep; i++)
				g->pg[b + i] = moved[i];
			if (nn > keep)
				model_map(g, b + keep, nn - keep, prot);
		}
	}
	if (ret != want) {
		region_error(st, g, "mremap (%s) of pages [%u, +%u) in the VMA [%u, %u): %ld, "
			     "Linux gives %ld", mode == 0 ? "shrink" : mode == 1 ? "grow" : "move",
			     o, on, s, e, ret, want);
		return;
	}
	count(st, TM_MREMAP, 1);
}

/* Reads and writes through the MMU. A read of a readable page gives the model's word (0 if none
 * was written); a write to a writable page stores a new one; every other access faults. */
static void op_touch(struct tm_thread *t, struct tm_region *g)
{
	unsigned n = 1 + (unsigned)(torture_random(&t->rnd) % 8);
	for (unsigned k = 0; k < n && !g->broken; k++) {
		unsigned i = (unsigned)(torture_random(&t->rnd) % TM_PAGES);
		struct tm_page *p = &g->pg[i];
		uintptr_t va = page_va(g, i);
		if (torture_random(&t->rnd) % 2) {
			u64 w = va | (++g->gen & (PAGE_SIZE - 1));
			bool ok = p->mapped && (p->prot & PROT_WRITE);
			int ret = arch_probe_write((void *)va, w);
			if (ret != (ok ? 0 : -EFAULT))
				region_error(t->st, g, "page %u (%s, prot %u): a write gave %d", i,
					     p->mapped ? "mapped" : "unmapped", p->prot, ret);
			else if (ok)
				p->word = w;
			count(t->st, TM_WRITE, 1);
		} else {
			bool ok = p->mapped && p->prot != PROT_NONE;
			u64 w = 0;
			int ret = arch_probe_read((const void *)va, &w);
			if (ret != (ok ? 0 : -EFAULT))
				region_error(t->st, g, "page %u (%s, prot %u): a read gave %d "
					     "(word %#llx)", i, p->mapped ? "mapped" : "unmapped",
					     p->prot, ret, (unsigned long long)w);
			else if (ok && w != p->word)
				region_error(t->st, g, "page %u: read %#llx (written at %#llx), the "
					     "model says %#llx", i, (unsigned long long)w,
					     (unsigned long long)(w & PAGE_MASK),
					     (unsigned long long)p->word);
			count(t->st, TM_READ, 1);
		}
	}
}

/* fork (mm_fork) of the whole mm while the other workers change their regions and the racers
 * fault beside them: the child's copy of this region must be the model at that moment (VMAs,
 * entries, words); then every writable page is written in the parent, a copy-on-write fault
 * each, and the child's pages must still hold the old words; then some are written in the child
 * (adopted for it), and the parent's region must still be the model. mm.busted=fork_wp (the
 * twin): fork leaves the parent's entries writable, so the parent's writes reach the child.
 * Not in the runs of the TLB twin and of pt_free's: a fork's flushes and switches of mm would
 * wipe the stale translations the first is caught through, and its long hold of mmap_lock
 * starves the table frees the second is (caught in 2 of 3 make tests without this). */
static void op_fork(struct tm_thread *t, struct tm_region *g)
{
	struct tm_state *st = t->st;
	struct mm *child;
	u64 old[TM_PAGES];
	int err = mm_fork(st->mm, &child);
	if (err) {
		region_error(st, g, "fork: %d", err);
		return;
	}
	mmap_read_lock(child);
	check_vmas(st, child, g);
	if (!g->broken)
		check_ptes(st, child, g);
	mmap_read_unlock(child);
	for (unsigned i = 0; i < TM_PAGES; i++)
		old[i] = g->pg[i].word;
	for (unsigned i = 0; i < TM_PAGES && !g->broken; i++) {
		struct tm_page *p = &g->pg[i];
		if (!p->mapped || !(p->prot & PROT_WRITE))
			continue;
		u64 w = page_va(g, i) | (++g->gen & (PAGE_SIZE - 1));
		int ret = arch_probe_write((void *)page_va(g, i), w);
		if (ret)
			region_error(st, g, "page %u: a write after fork gave %d", i, ret);
		else
			p->word = w;
	}
	for (unsigned i = 0; i < TM_PAGES && !g->broken; i++) {
		struct page *table;
		pte_t *e = pte_find(child, page_va(g, i), &table, NULL);
		pte_t v = e ? pte_read_once(e) : 0;
		u64 w = v && user_pte_page(v) != zero_page ?
			READ_ONCE(*(u64 *)page_address(user_pte_page(v))) : 0;
		if (w != old[i])
			region_error(st, g, "page %u: the child's copy holds %#llx, the word at "
				     "fork was %#llx (the parent's now %#llx)", i,
				     (unsigned long long)w, (unsigned long long)old[i],
				     (unsigned long long)g->pg[i].word);
	}
	/* The child writes: copy-on-write the other way. */
	kthread_unuse_mm(st->mm);
	kthread_use_mm(child);
	for (unsigned i = 0; i < TM_PAGES && !g->broken; i += 3) {
		struct tm_page *p = &g->pg[i];
		if (p->mapped && (p->prot & PROT_WRITE))
			arch_probe_write((void *)page_va(g, i), ~p->word);
	}
	kthread_unuse_mm(child);
	kthread_use_mm(st->mm);
	mm_put(child);
	count(st, TM_FORK, 1);
}

/* The frame the entry at va maps, present or soft; 0 if none. mmap_lock held. */
static phys_addr_t tm_frame(struct mm *mm, uintptr_t va)
{
	struct page *table;
	pte_t *e = pte_find(mm, va, &table, NULL);
	pte_t v = e ? pte_read_once(e) : 0;
	return v ? page_to_phys(user_pte_page(v)) : 0;
}

/* Migration (mm/migrate.c): a written page of the region moves to a new frame while the other
 * CPUs run on, found from the page alone through the reverse map; the words must survive it
 * (check_region reads them through the new entries), and the walk must find the page exactly
 * where it is mapped. Pages shared with a forked child are left (-EBUSY), as are the zero page
 * and shared memory. */
static void op_migrate(struct tm_thread *t, struct tm_region *g)
{
	struct tm_state *st = t->st;
	unsigned i = (unsigned)(torture_random(&t->rnd) % TM_PAGES), k;
	for (k = 0; k < TM_PAGES && !(g->pg[i].mapped && g->pg[i].word); k++)
		i = (i + 1) % TM_PAGES;   /* the first written page from a random one */
	if (k == TM_PAGES)
		return;
	uintptr_t va = page_va(g, i), at;
	set_hot(t, g, i, 1);   /* the racers fault at it meanwhile */
	mmap_read_lock(st->mm);
	phys_addr_t was = tm_frame(st->mm, va);
	int ret = migrate_page_at(st->mm, va, &at);
	phys_addr_t now = tm_frame(st->mm, va);
	mmap_read_unlock(st->mm);
	set_hot(t, g, 0, 0);
	if (ret == -ESRCH)
		region_error(st, g, "page %u: the reverse map found it at %#lx, not where it is "
			     "mapped (%#lx)", i, (unsigned long)at, (unsigned long)va);
	else if (ret == 0 && (now == was || !now))
		region_error(st, g, "page %u: migrated, but its frame is %#lx (was %#lx)", i,
			     (unsigned long)now, (unsigned long)was);
	else if (ret && ret != -EBUSY && ret != -ENOMEM)
		region_error(st, g, "page %u: migration gave %d", i, ret);
	if (!ret)
		count(st, TM_MIGRATE, 1);
}

static void one_op(struct tm_thread *t, struct tm_region *g)
{
	unsigned x = (unsigned)(torture_random(&t->rnd) % 32);
	if (x == 10 || x == 11) {
		op_migrate(t, g);
		x = 0;   /* then touch the region: the words must have moved with it */
	}
	if (x < 12) {
		op_touch(t, g);
		return;   /* no structural change: the next check covers what it left */
	}
	if (x < 17)
		op_mmap(t, g);
	else if (x < 19)
		op_munmap(t, g, false);
	else if (x < 21)
		op_munmap(t, g, true);
	else if (x < 25)
		op_mprotect(t, g);
	else if (x < 29)
		op_mremap(t, g);
	else if (x < 31 || t->st->no_forks)
		op_dontneed(t, g);
	else
		op_fork(t, g);
	set_hot(t, g, 0, 0);
	if (!g->broken)
		check_region(t->st, g);
}

/* ---- Threads ---- */

static void tm_counts_take(struct tm_counts *c)
{
	rcu_barrier();         /* VMAs, tree nodes and tables freed after grace periods */
	mm_caches_shrink();
	mm_cache_shrink();
	kmalloc_shrink();
	rcu_barrier();         /* slabs of typesafe caches go back after one more */
	page_alloc_drain_pcp();
	c->free_pages = page_alloc_nr_free();
	mm_object_counts(&c->o);
}

/* Wait for the mm (start() makes it once every thread exists, so that the counts taken before
 * it include them all); false if the run ends first. */
static bool wait_for_go(struct tm_state *st)
{
	while (!smp_load_acquire(&st->go)) {
		if (torture_stop(st->r))
			return false;
		sleep_ns(1000000);
	}
	torture_alive(st->r);
	return true;
}

/* The start's reference is the last: everything the mm held goes back. */
static void tm_teardown(struct tm_state *st)
{
	if (mm_quarantine) {   /* a twin ran: what its writers freed was held (mm/internal.h) */
		tlb_busted_munmap = false;
		fault_busted = false;
		mm_quarantine = false;
		mm_quarantine_release(st->mm);
	}
	mm_put(st->mm);
	tm_counts_take(&st->after);
	if (memcmp(&st->before, &st->after, sizeof(st->before)))
		torture_error(st->r, "leaked: free pages %lu -> %lu, vmas %lu -> %lu, anon_vmas "
			      "%lu -> %lu, tree nodes %lu -> %lu", st->before.free_pages,
			      st->after.free_pages, st->before.o.vmas, st->after.o.vmas,
			      st->before.o.anon_vmas, st->after.o.anon_vmas,
			      st->before.o.tree_nodes, st->after.o.tree_nodes);
}

/* Each thread lets the mm go as it ends; the last also puts the start's reference, which frees
 * everything, and counts. The others wait for that before they return, so that every thread
 * still exists when the counts are taken, as when the first were (the runner frees a thread's
 * stack as soon as it has returned). */
static void thread_done(struct tm_state *st, bool used)
{
	if (used)
		kthread_unuse_mm(st->mm);
	if (!atomic_dec_and_test(&st->live)) {
		while (!smp_load_acquire(&st->counted))
			sleep_ns(1000000);
		return;
	}
	if (st->mm)
		tm_teardown(st);
	smp_store_release(&st->counted, true);
}

/* A thread of the run: wait for the mm, adopt it (so that this CPU keeps translations of it
 * loaded while the thread runs, as a user thread's CPU would, and a stale one is still there when
 * a worker comes back), and do rounds until the run ends or an error is found. */
void tm_thread_run(struct tm_thread *t, long (*round)(struct tm_thread *))
{
	struct tm_state *st = t->st;
	struct torture_run *r = st->r;
	if (!wait_for_go(st)) {
		thread_done(st, false);
		return;
	}
	kthread_use_mm(st->mm);
	while (!torture_stop(r) && !READ_ONCE(st->failed)) {
		torture_stutter(r);
		torture_ops(r, round(t));
		torture_maybe_delay(&t->rnd);
	}
	thread_done(st, true);
}

/* A worker's round: a few operations in a region no other worker holds, if the one it picks is
 * free. */
static long worker_round(struct tm_thread *t)
{
	struct tm_state *st = t->st;
	struct tm_region *g = &st->regions[torture_random(&t->rnd) % st->nregions];
	int free = 0, me = (int)t->index + 1;
	/* Acquire: the previous owner's model writes (and its release) come before ours. */
	if (!__atomic_compare_exchange_n(&g->owner, &free, me, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return 0;
	unsigned n = g->broken ? 0 : 1 + (unsigned)(torture_random(&t->rnd) % 8);
	for (unsigned k = 0; k < n && !g->broken; k++)
		one_op(t, g);
	__atomic_store_n(&g->owner, 0, __ATOMIC_RELEASE);
	return n;
}

static void worker(void *arg) { tm_thread_run(arg, worker_round); }

/* ---- The suite ---- */

static int tm_start(struct torture_run *r)
{
	struct tm_state *st = kmalloc(sizeof(*st), GFP_ZERO);
	if (!st)
		return -ENOMEM;
	r->priv = st;
	st->r = r;
	st->nworkers = MIN(r->nthreads, (unsigned)TORTURE_MAX_THREADS - 8);
	st->nregions = 2 * st->nworkers;
	st->regions = kmalloc(st->nregions * sizeof(*st->regions), GFP_ZERO);
	if (!st->regions)
		return -ENOMEM;
	for (unsigned i = 0; i < st->nregions; i++)
		st->regions[i].base = TM_BASE + i * TM_SLOT;
	/* Under mmap_lock no fault runs beside a writer: nothing to widen, and the TLB twin wants
	 * the workers' pace (it is caught through their accesses). */
	st->lockless = strcmp(fault_strategy->name, "mmap_lock") != 0;
	if (st->lockless)
		fault_race_delay_hook = tm_race_delay;
	mm_bug_tolerant = true;
	atomic_long_set(&st->bugs_seen, atomic_long_read(&mm_bugs));
	/* The twin: under mmap_lock, munmap's shootdown; under any other strategy, its own. */
	if (strcmp(fault_strategy->name, "mmap_lock"))
		fault_busted = r->busted;
	else
		tlb_busted_munmap = r->busted;
	mm_quarantine = r->busted;
	st->no_forks = tlb_busted_munmap || mm_busted("pt_free") || !tm_forks;
	/* Workers one per CPU (torture.threads may ask more), a walker on every other CPU (odd
	 * ones), and, where faults run beside writers, a racer on every CPU (under mmap_lock the
	 * racers' faults would only queue behind the writers and slow the workers, whose pace
	 * the TLB twin is caught by). */
	unsigned nwalkers = MAX(1u, nr_cpus_online / 2);
	unsigned nracers = st->lockless ? nr_cpus_online : 0;
	unsigned total = st->nworkers + nwalkers + nracers, k = 0;
	int err = 0;
	atomic_set(&st->live, (int)total);
	for (; k < total; k++) {
		unsigned i;
		int cpu;
		void (*fn)(void *);
		const char *name;
		if (k < st->nworkers) {
			i = k, cpu = (int)i, fn = worker, name = "tm_worker";
		} else if (k < st->nworkers + nwalkers) {
			i = k - st->nworkers, cpu = (int)(2 * i + 1), fn = tm_walker, name = "tm_walker";
		} else {
			i = k - st->nworkers - nwalkers, cpu = (int)i, fn = tm_racer;
			name = "tm_racer";
		}
		tm_threads[k] = (struct tm_thread){ st, i, torture_seed_for(r, k) };
		err = torture_thread(r, fn, &tm_threads[k], name, cpu);
		if (err)
			break;
	}
	if (err) {
		/* the threads not made count as done */
		for (unsigned left = total - k; left; left--)
			atomic_dec(&st->live);
		return err;
	}
	tm_counts_take(&st->before);
	st->mm = mm_create();
	if (!st->mm)
		return -ENOMEM;
	smp_store_release(&st->go, true);
	return 0;
}

static void tm_progress(struct torture_run *r, char *buf, size_t len)
{
	struct tm_state *st = r->priv;
	struct fault_stats fs;
	fault_get_stats(&fs);
	size_t n = (size_t)snprintf(buf, len, "mmaps=%ld munmaps=%ld mremaps=%ld faults=%lu "
				    "walks=%ld races=%ld ", atomic_long_read(&st->count[TM_MMAP]),
				    atomic_long_read(&st->count[TM_MUNMAP]),
				    atomic_long_read(&st->count[TM_MREMAP]), fs.success,
				    atomic_long_read(&st->count[TM_WALK]),
				    atomic_long_read(&st->count[TM_RACE]));
	if (n < len)
		fault_stats_format(&fs, buf + n, len - n);
}

static void tm_finish(struct torture_run *r)
{
	struct tm_state *st = r->priv;
	tlb_busted_munmap = false;
	fault_busted = false;
	mm_quarantine = false;   /* nothing held: tm_teardown released it, or no mm was made */
	fault_race_delay_hook = NULL;
	if (st && atomic_long_read(&mm_bugs) != atomic_long_read(&st->bugs_seen))
		torture_error(r, "the mm found broken invariants (mm: BUG above)");
	mm_bug_tolerant = false;
	if (!st)
		return;
	size_t n = 0;
	for (unsigned i = 0; i < TM_NR_COUNTS && n < sizeof(r->detail); i++)
		n += (size_t)snprintf(r->detail + n, sizeof(r->detail) - n, "%s=%ld ",
				      tm_count_names[i], atomic_long_read(&st->count[i]));
	if (st->mm && n < sizeof(r->detail))
		snprintf(r->detail + n, sizeof(r->detail) - n, "free_pages=%lu->%lu",
			 st->before.free_pages, st->after.free_pages);
	/* Each kind of operation must have happened, or the run checked less than it says. */
	if (st->mm && !atomic_long_read(&r->errors))
		for (unsigned i = 0; i < TM_NR_COUNTS; i++)
			if (!atomic_long_read(&st->count[i]) && (i != TM_RACE || st->lockless))
				torture_error(r, "no %s were done", tm_count_names[i]);
	kfree(st->regions);
	kfree(st);
}

TORTURE_SUITE(mm_suite) = {
	.name = "mm",
	.twin = "under mm.fault=mmap_lock, munmap flushes only its own CPU's TLB; under range, "
		"the fault locks the wrong page; spf: no recheck of the VMA's count; pervma: no "
		"check of the VMA's mark; adaptive: no fresh lookup (and mm.busted=pt_free: page "
		"tables freed without a grace period)",
	.start = tm_start,
	.progress = tm_progress,
	.finish = tm_finish,
};

/*
 * Page tables of user address spaces: what the VMA operations and the fault path do to them.
 * Zap a range (clear its entries, hand its pages to a gather), free the tables a hole no longer
 * needs, change protection, move entries for mremap, allocate tables ahead of a move, and the
 * fault path's walk, which allocates tables as it goes.
 *
 * A user level-0 entry is empty (0), present (a leaf the MMU uses), or soft (pte_mk_soft: the
 * frame of a PROT_NONE page, which the MMU ignores). Data pages carry a reference and a mapcount
 * for each entry that maps them; the shared zero page carries neither and is never freed.
 *
 * Locking: level-0 entries change under the split lock of their table (page->ptl), so that
 * faults, which hold mmap_lock only for read, can install entries beside each other and beside
 * MADV_DONTNEED. Tables are linked in with pte_cmpxchg on the parent entry (a fault that loses
 * the race frees its own table, which nobody saw); they are unlinked and freed only under
 * mmap_lock held for write, through a gather (after the TLB flush and a grace period).
 */
#include "mm/internal.h"
#include "lib/printf.h"
#include "mm/alloc_fail.h"
#include "mm/mm.h"
#include "mm/pgtable.h"
#include "mm/shm.h"
#include "mm/tlb.h"
#include "mm/vma.h"

struct page *zero_page;
bool mm_bug_tolerant;
atomic_long_t mm_bugs;

void mm_bug(const char *fmt, ...)
{
	char msg[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	atomic_long_add_return(&mm_bugs, 1);
	if (!READ_ONCE(mm_bug_tolerant))
		panic("mm: %s", msg);
	pr_err("mm: BUG: %s\n", msg);
}

void __init memory_init(void)
{
	zero_page = alloc_page(GFP_ZERO);
	if (!zero_page)
		panic("mm: no page for the zero page");
	get_page(zero_page);   /* one more: no put can ever free it */
}

static inline pte_t *table_va(phys_addr_t pa) { return (pte_t *)phys_to_virt(pa); }

/* A table page for a user address space: zeroed, PG_pgtable, its split lock ready. */
static struct page *user_table_alloc(void)
{
	if (mm_should_fail(MM_ALLOC_PGTABLE))
		return NULL;
	phys_addr_t pa = pgtable_page_alloc();
	return pa ? pfn_to_page(pa >> PAGE_SHIFT) : NULL;
}

/* The entry for a page with the access the VMA's flags give: a leaf if the VMA allows any
 * access, else soft. Writable only where the VMA is and `write` allows (never the zero page). */
pte_t user_pte(struct page *p, unsigned long vm_flags, bool write)
{
	if (!(vm_flags & VM_ACCESS_FLAGS))
		return pte_mk_soft(page_to_pfn(p));
	unsigned prot = MMU_READ | MMU_USER;
	if ((vm_flags & VM_WRITE) && write && p != zero_page)
		prot |= MMU_WRITE;
	if (vm_flags & VM_EXEC)
		prot |= MMU_EXEC;
	return pte_mk_leaf(page_to_phys(p), prot, 0);
}

bool pte_may_write(struct page *p, unsigned long vm_flags)
{
	return (vm_flags & VM_SHARED) || p == zero_page || page_exclusive(p);
}

/* The page a non-empty user level-0 entry maps (present or soft). */
struct page *user_pte_page(pte_t v)
{
	pfn_t pfn = pte_present(v) ? pte_addr(v, 0) >> PAGE_SHIFT : pte_soft_val(v);
	return pfn_to_page(pfn);
}

/* The level-0 entry for addr and its table's page, or NULL if a table on the way is missing
 * (*skip: the first address after the hole). Under mmap_lock (either mode). */
pte_t *pte_find(struct mm *mm, uintptr_t addr, struct page **table, uintptr_t *skip)
{
	pte_t *t = table_va(mm->pgd);
	for (int l = PT_LEVELS - 1; l > 0; l--) {
		pte_t v = pte_read_once(&t[pt_index(addr, l)]);
		if (!pte_is_table(v, l)) {
			/* User space has no large leaves: not present. */
			if (skip)
				*skip = ALIGN_DOWN(addr, pt_level_size(l)) + pt_level_size(l);
			return NULL;
		}
		t = table_va(pte_addr(v, l));
	}
	*table = virt_to_page(t);
	return &t[pt_index(addr, 0)];
}

/* The same, allocating missing tables: NULL if out of memory. For the fault path, under
 * mmap_lock held for read: another fault may be linking a table into the same entry. The new
 * table is zeroed before pte_publish_barrier, which orders it before the entry for MMU walkers;
 * pte_cmpxchg (a full barrier) publishes it to software walkers. The loser of the race frees its
 * table, which no walker can have seen. */
pte_t *pte_alloc(struct mm *mm, uintptr_t addr, struct page **table)
{
	pte_t *t = table_va(mm->pgd);
	for (int l = PT_LEVELS - 1; l > 0; l--) {
		pte_t *e = &t[pt_index(addr, l)];
		pte_t v = pte_read_once(e);
		if (!v) {
			struct page *n = user_table_alloc();
			if (!n)
				return NULL;
			pte_t link = pte_mk_table(page_to_phys(n));
			pte_publish_barrier();
			v = pte_cmpxchg(e, 0, link);
			if (v)
				pgtable_free(page_to_phys(n), 0);   /* lost: use the winner's */
			else
				v = link;
		}
		BUG_ON(!pte_is_table(v, l));   /* user space has no large leaves */
		t = table_va(pte_addr(v, l));
	}
	*table = virt_to_page(t);
	return &t[pt_index(addr, 0)];
}

/* Apply fn to each non-empty level-0 entry of [start, end), under the split lock of its table,
 * skipping missing tables whole. */
static void for_each_pte(struct mm *mm, uintptr_t start, uintptr_t end,
			 void (*fn)(pte_t *e, pte_t v, uintptr_t addr, void *arg), void *arg)
{
	uintptr_t addr = start;
	while (addr < end) {
		struct page *tp;
		uintptr_t skip = end;
		pte_t *e = pte_find(mm, addr, &tp, &skip);
		if (!e) {
			addr = skip;
			continue;
		}
		uintptr_t tend = ALIGN_DOWN(addr, pt_level_size(1)) + pt_level_size(1);
		tend = MIN(tend, end);
		spin_lock(&tp->ptl);
		for (; addr < tend; addr += PAGE_SIZE, e++) {
			pte_t v = pte_read_once(e);
			if (v)
				fn(e, v, addr, arg);
		}
		spin_unlock(&tp->ptl);
	}
}

/* ---- Zap ---- */

struct zap_args {
	struct mmu_gather *g;
	struct vma *vma;
};

static void zap_one(pte_t *e, pte_t v, uintptr_t addr, void *arg)
{
	struct zap_args *z = arg;
	struct page *p = user_pte_page(v);
	pte_write(e, 0);
	if (pte_present(v))
		tlb_gather_range(z->g, addr, 0);
	if (p == zero_page)
		return;
	atomic_dec(&p->anon.mapcount);
	if (z->vma->flags & VM_SHARED) {
		/* The object keeps its own reference until its last VMA goes, and that comes
		 * after this gather's flush: this put never frees the page. */
		atomic_long_add_return(&z->vma->mm->rss[MM_SHMEMPAGES], -1);
		put_page(p);
	} else {
		atomic_long_add_return(&z->vma->mm->rss[MM_ANONPAGES], -1);
		tlb_gather_page(z->g, p);   /* freed after the flush */
	}
}

void zap_vma_range(struct mmu_gather *g, struct vma *vma, uintptr_t start, uintptr_t end)
{
	struct zap_args z = { g, vma };
	for_each_pte(vma->mm, MAX(start, vma->start), MIN(end, vma->end), zap_one, &z);
}

/* ---- Freeing tables ---- */

/* Hand table (of level `level`) and every table below it to the gather. Its leaves were zapped:
 * one still there is reported and left in place of a leak of something worse. The links inside
 * are cleared too: a speculative fault that walked in before the unlink checks, under its last
 * table's lock, that the link to that table is still there (fault_speculative), and a table
 * freed because an ancestor was unlinked must fail that check as well. */
static void gather_subtree(struct mmu_gather *g, phys_addr_t table, int level)
{
	pte_t *t = table_va(table);
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		pte_t v = pte_read_once(&t[i]);
		if (!v)
			continue;
		if (level > 0) {
			pte_write(&t[i], 0);
			gather_subtree(g, pte_addr(v, level), level - 1);
		} else {
			mm_bug("freeing a page table that still maps %#lx", (unsigned long)v);
		}
	}
	tlb_gather_table(g, pfn_to_page(table >> PAGE_SHIFT));
}

static void free_level(struct mmu_gather *g, pte_t *t, int level, uintptr_t base, uintptr_t start,
		       uintptr_t end, uintptr_t floor, uintptr_t ceiling)
{
	u64 size = pt_level_size(level);
	uintptr_t lo = MAX(start, base), hi = MIN(end, base + size * pt_level_entries(level));
	for (uintptr_t va = ALIGN_DOWN(lo, size); va < hi; va += size) {
		pte_t *e = &t[pt_index(va, level)];
		pte_t v = pte_read_once(e);
		if (!v)
			continue;
		if (va >= floor && va + size <= ceiling) {
			pte_write(e, 0);
			gather_subtree(g, pte_addr(v, level), level - 1);
		} else if (level > 1) {
			free_level(g, table_va(pte_addr(v, level)), level - 1, va, start, end,
				   floor, ceiling);
		}
		if (va + size < va)
			break;
	}
}

/* Free the tables below the root that serve [start, end) and lie wholly inside [floor, ceiling),
 * the hole between the VMAs around it: Linux's free_pgtables. mmap_lock held for write. */
void free_pgtables(struct mmu_gather *g, struct mm *mm, uintptr_t start, uintptr_t end,
		   uintptr_t floor, uintptr_t ceiling)
{
	if (start < end)
		free_level(g, table_va(mm->pgd), PT_LEVELS - 1, 0, start, end, floor, ceiling);
}

/* ---- Protection ---- */

struct protect_args {
	struct mmu_gather *g;
	unsigned long flags;
};

static void protect_one(pte_t *e, pte_t v, uintptr_t addr, void *arg)
{
	struct protect_args *a = arg;
	/* A private writable mapping of the zero page stays read-only (user_pte): the next
	 * write faults and gets a page of its own. So does a private page shared copy-on-write
	 * with another mm (fork): the next write copies it (fault_cow). */
	struct page *p = user_pte_page(v);
	pte_t n = user_pte(p, a->flags, pte_may_write(p, a->flags));
	if (n == v)
		return;
	/* Becoming executable: what a user wrote there through a writable mapping must reach
	 * instruction fetch (arm64, ppc64), as Linux's __sync_icache_dcache does at set_pte_at. */
	if (pte_present(n) && (pte_prot(n, 0) & MMU_EXEC) &&
	    !(pte_present(v) && (pte_prot(v, 0) & MMU_EXEC)) && user_pte_page(v) != zero_page)
		arch_sync_icache_page(page_to_phys(user_pte_page(v)));
	pte_write(e, n);
	if (pte_present(v))
		tlb_gather_range(a->g, addr, 0);
}

void change_protection(struct mmu_gather *g, struct vma *vma, uintptr_t start, uintptr_t end)
{
	struct protect_args a = { g, vma->flags };
	for_each_pte(vma->mm, start, end, protect_one, &a);
}

/* ---- Relabelling (mm.merge=relaxed) ---- */

/* A private page at addr leaves rl->from for rl->to, with the index addr has there. The rules
 * that let the relaxed policy relabel (vma_merge.c) promise that the page is rl->from's and
 * mapped by this one entry: a root anon_vma without children is the only one of its pages'
 * VMAs, and they are all in this mm, where a private page is mapped once. Checked anyway: the
 * answer to the seed's question whether the pages' map counts must be read too. Under the
 * entry's split lock. */
void relabel_page(const struct relabel *rl, struct page *p, uintptr_t addr)
{
	unsigned long index = rl->index + ((addr - rl->start) >> PAGE_SHIFT);
	if (p == zero_page)
		return;
	/* Already the merged VMA's: a fault installed it through the merged VMA after the tree
	 * showed it (adaptive looks the VMA up again under this lock, and walks like this one are
	 * what cover the faults that came before). */
	if (p->anon.anon_vma == rl->to && p->anon.index == index)
		return;
	if (p->anon.anon_vma != rl->from || atomic_read(&p->anon.mapcount) != 1) {
		mm_bug("relabel: the page at %#lx belongs to anon_vma %p (not %p), mapped %d times",
		       (unsigned long)addr, p->anon.anon_vma, rl->from,
		       atomic_read(&p->anon.mapcount));
		return;
	}
	WRITE_ONCE(p->anon.anon_vma, rl->to);
	WRITE_ONCE(p->anon.index, index);
}

static void relabel_one(pte_t *e, pte_t v, uintptr_t addr, void *arg)
{
	(void)e;
	relabel_page(arg, user_pte_page(v), addr);
}

void relabel_range(struct mm *mm, uintptr_t start, uintptr_t end, const struct relabel *rl)
{
	for_each_pte(mm, start, end, relabel_one, (void *)rl);
}

/* ---- Moving entries (mremap) ---- */

/* Allocate every table that [start, end) lacks, linking each at once; the new ones go on `made`
 * (page->lru; page->private: the entry that links each). 0 or -ENOMEM (the tables made so far
 * stay on the list). mmap_lock held for write. On failure the caller unlinks them again
 * (pt_prealloc_undo), unless faults run beside writers: then a table made here that also serves
 * a VMA beside the range may be in use by a fault there, and only those left in holes go. */
int pt_prealloc(struct mm *mm, uintptr_t start, uintptr_t end, struct list_head *made)
{
	for (uintptr_t addr = start; addr < end;) {
		pte_t *t = table_va(mm->pgd);
		for (int l = PT_LEVELS - 1; l > 0; l--) {
			pte_t *e = &t[pt_index(addr, l)];
			pte_t v = pte_read_once(e);
			if (!v) {
				struct page *n = user_table_alloc();
				if (!n)
					return -ENOMEM;
				pte_t link = pte_mk_table(page_to_phys(n));
				pte_publish_barrier();
				/* As the fault path links tables: a pervma fault, which holds no
				 * mmap_lock, may link the same one. */
				v = pte_cmpxchg(e, 0, link);
				if (v) {
					pgtable_free(page_to_phys(n), 0);
				} else {
					v = link;
					n->private = (unsigned long)e;
					list_add_tail(&n->lru, made);
				}
			}
			t = table_va(pte_addr(v, l));
		}
		uintptr_t next = ALIGN_DOWN(addr, pt_level_size(1)) + pt_level_size(1);
		if (next <= addr)
			break;
		addr = next;
	}
	return 0;
}

/* Unlink the tables pt_prealloc made, newest (deepest) first, into the gather: only where no
 * fault can be walking them (fault_beside_writers false). */
void pt_prealloc_undo(struct mmu_gather *g, struct list_head *made)
{
	while (!list_empty(made)) {
		struct page *n = list_last_entry(made, struct page, lru);
		list_del(&n->lru);
		pte_write((pte_t *)n->private, 0);
		n->private = 0;
		tlb_gather_table(g, n);
	}
}

/* Keep them: they are the mm's now. */
void pt_prealloc_keep(struct list_head *made)
{
	while (!list_empty(made)) {
		struct page *n = list_first_entry(made, struct page, lru);
		list_del(&n->lru);
		n->private = 0;
	}
}

#define MOVE_BATCH 32

/* Move the entries of [old, old + len) to [new, ...), whose tables exist (pt_prealloc) and are
 * empty: the pages go with them, with their references and counts; the old translations are
 * gathered for the flush. A batch at a time, under one split lock at a time. mmap_lock held for
 * write. */
void move_ptes(struct mmu_gather *g, struct mm *mm, uintptr_t old, uintptr_t new,
	       unsigned long len, const struct relabel *rl)
{
	uintptr_t addr = old, end = old + len;
	while (addr < end) {
		struct page *tp;
		uintptr_t skip = end;
		pte_t *e = pte_find(mm, addr, &tp, &skip);
		if (!e) {
			addr = skip;
			continue;
		}
		uintptr_t tend = ALIGN_DOWN(addr, pt_level_size(1)) + pt_level_size(1);
		tend = MIN(MIN(tend, end), addr + MOVE_BATCH * PAGE_SIZE);
		pte_t batch[MOVE_BATCH];
		uintptr_t from = addr;
		spin_lock(&tp->ptl);
		for (unsigned i = 0; addr < tend; addr += PAGE_SIZE, i++) {
			batch[i] = pte_read_once(&e[i]);
			if (!batch[i])
				continue;
			pte_write(&e[i], 0);
			if (pte_present(batch[i]))
				tlb_gather_range(g, addr, 0);
		}
		spin_unlock(&tp->ptl);
		for (uintptr_t a = from; a < tend; a += PAGE_SIZE) {
			pte_t v = batch[(a - from) >> PAGE_SHIFT];
			if (!v)
				continue;
			struct page *dp;
			pte_t *d = pte_find(mm, a - old + new, &dp, NULL);
			BUG_ON(!d);
			spin_lock(&dp->ptl);
			pte_t was = pte_cmpxchg(d, 0, v);
			if (rl && !was)
				relabel_page(rl, user_pte_page(v), a - old + new);
			spin_unlock(&dp->ptl);
			if (was)
				mm_bug("mremap: the destination %#lx holds %#lx", (unsigned long)(a - old + new),
				       (unsigned long)was);
		}
	}
}

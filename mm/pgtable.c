/* The generic page-table walker (see pgtable.h). Tables are reached through the direct map;
 * table pages come from pgtable_page_alloc(). Empty tables are not yet freed: that comes with
 * user address spaces, where they are freed through RCU for the lockless walkers. */
#include "mm/pgtable.h"
#include "mm/internal.h"

static inline pte_t *table_of(phys_addr_t pa) { return (pte_t *)phys_to_virt(pa); }

/* Link the table at t, already zeroed or filled, into *e. Walkers that find the entry read the
 * table through it at once: the MMUs of other CPUs, and software walkers that hold no lock
 * (pt_query). On arm64 and ppc64 the table's stores may become visible after the entry's
 * unless a barrier orders them (pte_publish_barrier: DSB ISHST, ptesync). A software walker
 * needs nothing more: its load of the table depends on the address it loaded from the entry,
 * which orders the two on every arch here. */
static void link_table(pte_t *e, phys_addr_t t)
{
	pte_publish_barrier();
	pte_write(e, pte_mk_table(t));
}

/* Return the entry for va at `level`, creating tables on the way if alloc; NULL if a table is
 * missing (and !alloc), if allocation failed (*err = -ENOMEM), or if a leaf above blocks the
 * way (*err = -EEXIST). */
static pte_t *walk_to(phys_addr_t root, uintptr_t va, int level, bool alloc, int *err)
{
	pte_t *table = table_of(root);
	for (int l = PT_LEVELS - 1; l > level; l--) {
		pte_t *e = &table[pt_index(va, l)];
		pte_t v = pte_read_once(e);
		if (!pte_present(v)) {
			if (!alloc)
				return NULL;
			phys_addr_t t = pgtable_page_alloc();
			if (!t) {
				*err = -ENOMEM;
				return NULL;
			}
			link_table(e, t);
			v = pte_mk_table(t);
		} else if (!pte_is_table(v, l)) {
			*err = -EEXIST;
			return NULL;
		}
		table = table_of(pte_addr(v, l));
	}
	return &table[pt_index(va, level)];
}

/* The largest level whose leaf could map va..va+size at pa. */
static int best_level(uintptr_t va, phys_addr_t pa, u64 size, unsigned flags)
{
	if (flags & PT_MAP_LARGE) {
		for (int l = PT_LEVELS - 1; l > 0; l--) {
			u64 s = pt_level_size(l);
			if (arch_pt_leaf_ok(l) && IS_ALIGNED(va, s) && IS_ALIGNED(pa, s) &&
			    size >= s)
				return l;
		}
	}
	return 0;
}

int pt_map(phys_addr_t root, uintptr_t va, phys_addr_t pa, u64 size, unsigned prot, unsigned flags)
{
	if (!IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(pa, PAGE_SIZE) ||
	    !IS_ALIGNED(size, PAGE_SIZE))
		return -EINVAL;
	while (size) {
		int err = 0, level = best_level(va, pa, size, flags);
		pte_t *e = walk_to(root, va, level, true, &err);
		/* A table already sits where a large leaf would go: use smaller leaves there. */
		while (e && level > 0 && pte_is_table(pte_read_once(e), level))
			e = walk_to(root, va, --level, true, &err);
		if (!e)
			return err;
		if (pte_present(pte_read_once(e)))
			return -EEXIST;
		pte_write(e, pte_mk_leaf(pa, prot, level));
		va += pt_level_size(level);
		pa += pt_level_size(level);
		size -= pt_level_size(level);
	}
	return 0;
}

/* Find the leaf mapping va: its entry and level; or NULL, with *level the level of the empty
 * entry (so the caller can skip everything it would have covered). */
static pte_t *find_leaf(phys_addr_t root, uintptr_t va, int *level)
{
	pte_t *table = table_of(root);
	for (int l = PT_LEVELS - 1; l >= 0; l--) {
		pte_t *e = &table[pt_index(va, l)];
		pte_t v = pte_read_once(e);
		if (!pte_present(v)) {
			*level = l;
			return NULL;
		}
		if (!pte_is_table(v, l)) {
			*level = l;
			return e;
		}
		table = table_of(pte_addr(v, l));
	}
	return NULL;
}

/* Replace the large leaf *e at level, which maps va, by a table of leaves one level down, same
 * pages and prot. The size of a live translation changes: where the architecture requires
 * break-before-make (arm64: ARM ARM D8.14; ppc64: Power ISA Book III, 5.10.1.2), the leaf is
 * made invalid and its translation flushed from every TLB before the table goes in, so that no
 * TLB ever holds the old size and the new one for an address (on arm64 a TLB conflict abort,
 * or a mix of both translations). Meanwhile the whole leaf is unmapped on every CPU: pgtable.h
 * says what callers must guarantee. */
static int split_leaf(pte_t *e, int level, uintptr_t va)
{
	pte_t v = pte_read_once(e);
	phys_addr_t base = pte_addr(v, level), t = pgtable_page_alloc();
	unsigned prot = pte_prot(v, level);
	if (!t)
		return -ENOMEM;
	pte_t *table = table_of(t);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		table[i] = pte_mk_leaf(base + i * pt_level_size(level - 1), prot, level - 1);
#ifdef ARCH_NEEDS_BREAK_BEFORE_MAKE
	pte_write(e, 0);
	/* Its translation by address, in the kernel's context. A user leaf is tagged with an
	 * address space's ASID or PID, which this walker does not know, and a ppc64 tlbie by
	 * address reaches one PID only: then every context's entries go too (rare: user trees
	 * have large leaves only if a caller maps them). */
	arch_tlb_flush_page_broadcast(va, level);
	if (prot & MMU_USER)
		arch_tlb_flush_all_broadcast();
#else
	(void)va;   /* x86: the caller's flush afterwards removes the old size (tlb.h) */
#endif
	link_table(e, t);
	return 0;
}

/* Visit every leaf in [va, va+size), split so that each lies wholly inside; apply `fn`. Gaps
 * are skipped a whole missing table at a time. *max_level: the largest leaf split or visited. */
static int for_each_leaf(phys_addr_t root, uintptr_t va, u64 size,
			 void (*fn)(pte_t *e, int level, unsigned arg), unsigned arg,
			 int *max_level)
{
	int unused;
	if (!max_level)
		max_level = &unused;
	*max_level = 0;
	if (!IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE) || va + size < va)
		return -EINVAL;
	uintptr_t end = va + size;
	while (va < end) {
		int level;
		pte_t *e = find_leaf(root, va, &level);
		if (!e) {
			u64 s = pt_level_size(level);
			uintptr_t next = ALIGN_DOWN(va, s) + s;
			if (next <= va)
				break;   /* wrapped past the top of the address space */
			va = next;
			continue;
		}
		u64 ls = pt_level_size(level);
		uintptr_t lstart = ALIGN_DOWN(va, ls);
		*max_level = MAX(*max_level, level);
		if (lstart < va || lstart + ls > end) {
			int err = split_leaf(e, level, lstart);
			if (err)
				return err;
			continue;   /* walk again, now one level finer */
		}
		fn(e, level, arg);
		va = lstart + ls;
	}
	return 0;
}

static void clear_leaf(pte_t *e, int level, unsigned arg)
{
	(void)level, (void)arg;
	pte_write(e, 0);
}

static void protect_leaf(pte_t *e, int level, unsigned prot)
{
	pte_write(e, pte_mk_leaf(pte_addr(pte_read_once(e), level), prot, level));
}

int pt_unmap(phys_addr_t root, uintptr_t va, u64 size, int *max_level)
{
	return for_each_leaf(root, va, size, clear_leaf, 0, max_level);
}

int pt_protect(phys_addr_t root, uintptr_t va, u64 size, unsigned prot, int *max_level)
{
	return for_each_leaf(root, va, size, protect_leaf, prot, max_level);
}

int pt_query(phys_addr_t root, uintptr_t va, struct pt_mapping *m)
{
	int level;
	pte_t *e = find_leaf(root, va, &level);
	if (!e)
		return -ENOENT;
	pte_t v = pte_read_once(e);
	m->level = level;
	m->size = pt_level_size(level);
	m->prot = pte_prot(v, level);
	m->pa = pte_addr(v, level) + (va & (m->size - 1));
	return 0;
}

/*
 * VMAs: their lifetimes, the transaction every VMA operation runs in, splitting, and unmapping a
 * range (Linux 6.1's merge rules are in vma_merge.c). The operations themselves (mmap.c,
 * mprotect.c, mremap.c) are built from these.
 *
 * A transaction (struct vma_tx) allocates up front everything its operation may need: spare
 * VMAs and a reservation of tree nodes. So an operation either fails with -ENOMEM before it has
 * changed anything, or cannot fail for lack of memory at all. Its end flushes the TLB once (the
 * gather), then drops what the removed VMAs held and frees them after a grace period.
 *
 * Locking: everything here runs under mmap_lock held for write (exit_mmap: the last reference
 * is gone, but it takes the lock all the same).
 */
#include "mm/internal.h"
#include "mm/alloc_fail.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/shm.h"
#include "mm/tlb.h"
#include "mm/vma.h"
#include "kernel/param.h"

static struct kmem_cache *vma_cache;

/* vm.max_map_count: Linux's default. */
s64 sysctl_max_map_count = 65530;
PARAM_INT("vm.max_map_count", sysctl_max_map_count, 8, 1 << 30,
	  "the most VMAs an address space may have (Linux's vm.max_map_count)");

void __init vma_init(void)
{
	vma_cache = kmem_cache_create("vma", sizeof(struct vma), _Alignof(struct vma), 0);
	if (!vma_cache)
		panic("mm: cannot create the vma cache");
	anon_vma_init();
}

void mm_object_counts(struct mm_object_counts *c)
{
	struct kmem_cache_stats st;
	kmem_cache_get_stats(vma_cache, &st);
	c->vmas = st.in_use;
	c->anon_vmas = anon_vmas_in_use();
	c->tree_nodes = vma_tree_nodes_in_use();
	c->shm_objects = shm_objects_in_use();
}

void mm_caches_shrink(void)
{
	kmem_cache_shrink(vma_cache);
	anon_vma_cache_shrink();
	vma_tree_cache_shrink();
	shm_cache_shrink();
	mm_cache_shrink();
}

/* What a VMA's lock fields start as: unlocked, unmarked (lock_seq 0: mm->write_seq starts at 1),
 * its spf count even, on no list. */
static void vma_lock_init(struct vma *v)
{
	v->lock_seq = 0;
	rwsem_init(&v->lock);
	v->seq = 0;
	v->detached = false;
	v->moving = false;
	list_init(&v->spf_node);
}

static struct vma *vma_alloc(void)
{
	if (mm_should_fail(MM_ALLOC_VMA))
		return NULL;
	struct vma *v = kmem_cache_alloc(vma_cache, GFP_ZERO);
	if (v)
		vma_lock_init(v);
	return v;
}

static void vma_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(vma_cache, container_of(head, struct vma, rcu));
}

/* What a VMA holds: its anon_vma and its shared object. */
static void vma_drop_refs(struct vma *v)
{
	anon_vma_unlink(v);
	if (v->shm)
		shm_put(v->shm);
}

/* ---- Lookups ---- */

struct vma *vma_lookup(struct mm *mm, uintptr_t addr)
{
	return vma_tree_find(&mm->vmas, addr, NULL);
}
struct vma *vma_find(struct mm *mm, uintptr_t addr)
{
	return vma_tree_find_next(&mm->vmas, addr, NULL);
}
/* The VMA that ends at or below addr, nearest to it. */
struct vma *vma_prev(struct mm *mm, uintptr_t addr) { return vma_tree_prev(&mm->vmas, addr, NULL); }

/* ---- Transactions ---- */

int vma_tx_begin(struct vma_tx *tx, struct mm *mm, unsigned nr_vmas, unsigned nr_writes)
{
	BUG_ON(nr_vmas > VMA_TX_MAX_NEW);
	tx->mm = mm;
	tx->nr_spare = 0;
	tx->dead = NULL;
	tx->reserve_before = mm->vmas.nr_reserve;
	tlb_gather_init(&tx->tlb, mm);
	while (tx->nr_spare < nr_vmas) {
		struct vma *v = vma_alloc();
		if (!v)
			goto nomem;
		tx->spare[tx->nr_spare++] = v;
	}
	if (vma_tree_reserve(&mm->vmas, nr_writes))
		goto nomem;
	mm->vmas.reserved = true;   /* a write that still allocates: counted, tests check */
	return 0;
nomem:
	vma_tx_abort(tx);
	return -ENOMEM;
}

static void free_spares(struct vma_tx *tx)
{
	while (tx->nr_spare)
		kmem_cache_free(vma_cache, tx->spare[--tx->nr_spare]);   /* never published */
}

void vma_tx_abort(struct vma_tx *tx)
{
	tx->mm->vmas.reserved = false;
	free_spares(tx);
	vma_tree_reserve_trim(&tx->mm->vmas, tx->reserve_before);
	tlb_finish(&tx->tlb);
}

/* The VMAs removed while mm_quarantine was set, with what they hold. */
static struct vma *quarantine;
static spinlock_t quarantine_lock = SPINLOCK_INIT;

void vma_quarantine_release(void)
{
	spin_lock(&quarantine_lock);
	struct vma *v = quarantine;
	quarantine = NULL;
	spin_unlock(&quarantine_lock);
	for (struct vma *next; v; v = next) {
		next = v->dead_next;
		vma_drop_refs(v);
		call_rcu(&v->rcu, vma_free_rcu);
	}
}

void mm_quarantine_release(struct mm *mm)
{
	tlb_quarantine_release(mm);   /* first: the VMAs' shared objects hold pages TLBs may map */
	vma_quarantine_release();
}

/* Nodes kept reserved between operations, so that the next one allocates only what the last
 * one used. */
#define RESERVE_KEEP 64

void vma_tx_end(struct vma_tx *tx)
{
	/* Flush first: the pages gathered were reachable through the TLBs until now, and the
	 * removed VMAs' objects (shm) hold pages that are freed with them. */
	tlb_finish(&tx->tlb);
	for (struct vma *v = tx->dead, *next; v; v = next) {
		next = v->dead_next;
		if (unlikely(READ_ONCE(mm_quarantine))) {   /* a twin runs (mm/internal.h) */
			spin_lock(&quarantine_lock);
			v->dead_next = quarantine;
			quarantine = v;
			spin_unlock(&quarantine_lock);
			continue;
		}
		vma_drop_refs(v);
		call_rcu(&v->rcu, vma_free_rcu);
	}
	tx->dead = NULL;
	free_spares(tx);
	tx->mm->vmas.reserved = false;
	vma_tree_reserve_trim(&tx->mm->vmas, RESERVE_KEEP);
}

/* A spare VMA, copied from v: the same attributes and a reference to each thing v holds. */
struct vma *vma_tx_dup(struct vma_tx *tx, const struct vma *v)
{
	BUG_ON(!tx->nr_spare);
	struct vma *n = tx->spare[--tx->nr_spare];
	*n = *v;
	n->rcu = (struct rcu_head){ 0 };
	n->dead_next = NULL;
	vma_lock_init(n);   /* not v's lock state: a fault may hold v's, and v may be marked */
	if (n->anon_vma) {
		n->anon_vma = NULL;
		anon_vma_link(n, v->anon_vma);   /* onto its list: the reverse map finds it */
	}
	if (n->shm)
		shm_get(n->shm);
	return n;
}

struct vma *vma_fork_copy(struct mm *mm, const struct vma *v)
{
	struct vma *n = vma_alloc();
	if (!n)
		return NULL;
	n->start = v->start;
	n->end = v->end;
	n->flags = v->flags;
	n->pgoff = v->pgoff;
	n->mm = mm;
	if (v->shm) {
		n->shm = v->shm;
		shm_get(n->shm);
	}
	return n;
}

void vma_fork_discard(struct vma *v)
{
	vma_drop_refs(v);
	kmem_cache_free(vma_cache, v);   /* never published */
}

struct vma *vma_tx_new(struct vma_tx *tx, struct mm *mm)
{
	BUG_ON(!tx->nr_spare);
	struct vma *n = tx->spare[--tx->nr_spare];
	n->mm = mm;
	return n;
}

/* Make [start, end) map to v (or to nothing) in the tree. Reserved: cannot fail. The tree does
 * not join neighbouring entries, so a VMA that grows is stored whole, [start, end) its new range:
 * one entry per VMA.
 *
 * Before the store, every VMA it overwrites and v itself get vma_start_write: a store is where a
 * lockless fault could first see a change, and the changes the callers make next (cutting,
 * killing, growing those VMAs, zapping their entries) are all to VMAs in [start, end) or to v.
 * Iterated by the tree's spans, not the VMAs' fields, which the caller may have changed already
 * (vma_split cuts v before it links the new part). */
void vma_tx_store(struct vma_tx *tx, uintptr_t start, uintptr_t end, struct vma *v)
{
	if (unlikely(fault_vma_hooks)) {
		struct vma_tree_iter it;
		struct vma *w;
		vma_tree_iter_init(&it, &tx->mm->vmas, start, end);
		vma_tree_for_each(&it, w, NULL)
			vma_start_write(w);
		if (v)
			vma_start_write(v);
	}
	fault_race_delay(RACE_WRITER);
	int err = vma_tree_store_range(&tx->mm->vmas, start, end, v);
	BUG_ON(err);
}

/* v left the tree: it goes when the transaction ends. */
void vma_tx_kill(struct vma_tx *tx, struct vma *v)
{
	vma_start_write(v);
	vma_detach(v);
	tx->mm->map_count--;
	v->dead_next = tx->dead;
	tx->dead = v;
}

void vma_tx_link(struct vma_tx *tx, struct vma *v)
{
	vma_tx_store(tx, v->start, v->end, v);
	tx->mm->map_count++;
}

/* ---- Splitting ---- */

/* Split v at addr (inside it): a new VMA takes the part below addr if new_below, else the part
 * from addr; v keeps the other (Linux's __split_vma). Needs a spare and one write. The map
 * count is the caller's to check. */
struct vma *vma_split(struct vma_tx *tx, struct vma *v, uintptr_t addr, bool new_below)
{
	vma_start_write(v);
	struct vma *n = vma_tx_dup(tx, v);
	unsigned long delta = (addr - v->start) >> PAGE_SHIFT;
	if (new_below) {
		n->end = addr;
		v->start = addr;
		v->pgoff += delta;
	} else {
		n->start = addr;
		n->pgoff += delta;
		v->end = addr;
	}
	vma_tx_link(tx, n);
	return n;
}

/* ---- Unmapping ---- */

/* What unmapping [start, end) needs: a new VMA if one VMA covers both ends (it splits in
 * three, the middle going). Returns whether anything is mapped there at all. */
bool vma_unmap_needs(struct mm *mm, uintptr_t start, uintptr_t end, bool *split)
{
	struct vma *v = vma_find(mm, start);
	*split = v && v->start < start && v->end > end;
	return v && v->start < end;
}

/*
 * Unmap [start, end) (page-aligned): the VMAs inside go, the ones across an edge are cut (one
 * across both edges becomes two), the entries are zapped into the gather, and, if free_tables,
 * the page tables left serving only the hole are freed (Linux's do_mas_align_munmap and
 * unmap_region). The tree is updated first, so that no new lookup finds what is being unmapped,
 * then the entries. Needs a spare (if vma_unmap_needs says split) and two writes; the caller has
 * checked the map count. Without free_tables, the caller frees them later (vma_tx_free_tables)
 * or means to fill them.
 */
void vma_tx_unmap(struct vma_tx *tx, uintptr_t start, uintptr_t end, bool free_tables)
{
	struct mm *mm = tx->mm;
	struct vma *first = NULL, *last = NULL, *dead = NULL, *v;
	for (v = vma_find(mm, start); v && v->start < end; v = vma_find(mm, v->end)) {
		if (v->start < start)
			first = v;
		if (v->end > end)
			last = v;
		if (v->start >= start && v->end <= end) {
			v->dead_next = dead;
			dead = v;
		}
	}
	if (!first && !last && !dead)
		return;
	vma_tx_store(tx, start, end, NULL);
	if (first && first == last) {
		vma_split_off_tail(tx, first, end);
		last = NULL;
	}
	fault_race_delay(RACE_WRITER);
	/* Zap while the VMAs still say what they map. */
	if (first)
		zap_vma_range(&tx->tlb, first, start, end);
	if (last)
		zap_vma_range(&tx->tlb, last, start, end);
	for (v = dead; v; v = v->dead_next)
		zap_vma_range(&tx->tlb, v, start, end);
	/* first, last and the dead overlap [start, end): the store above started their writes. */
	if (first)
		first->end = start;
	if (last) {
		last->pgoff += (end - last->start) >> PAGE_SHIFT;
		last->start = end;
	}
	while (dead) {
		v = dead;
		dead = v->dead_next;
		vma_tx_kill(tx, v);
	}
	if (free_tables)
		vma_tx_free_tables(tx, start, end);
}

/* Free the page tables that serve [start, end) (unmapped) and nothing else: those inside the
 * hole between the VMAs around it, as the tree says now. A caller that has tables no VMA covers
 * yet (mremap's destination, made by pt_prealloc) calls it only once those are in the tree. */
void vma_tx_free_tables(struct vma_tx *tx, uintptr_t start, uintptr_t end)
{
	struct vma *p = vma_prev(tx->mm, start), *n = vma_find(tx->mm, end);
	free_pgtables(&tx->tlb, tx->mm, start, end, p ? p->end : 0, n ? n->start : USER_VA_END);
}

/* first covers [.., end) and beyond: a new VMA takes [end, first->end) in the tree (first keeps
 * the rest, cut by the caller). */
struct vma *vma_split_off_tail(struct vma_tx *tx, struct vma *first, uintptr_t end)
{
	struct vma *n = vma_tx_dup(tx, first);
	n->pgoff += (end - first->start) >> PAGE_SHIFT;
	n->start = end;
	vma_tx_store(tx, n->start, n->end, n);
	tx->mm->map_count++;
	return n;
}

/* ---- Teardown ---- */

/* The mm's last reference is gone: zap every VMA, flush, free them. No tree writes (they could
 * need memory): the tree is destroyed whole. The page tables are the caller's (mm_put). */
void exit_mmap(struct mm *mm)
{
	struct vma_tx tx = { .mm = mm };
	tlb_gather_init(&tx.tlb, mm);
	struct vma_tree_iter it;
	struct vma *v;
	mmap_write_lock(mm);
	vma_tree_iter_init(&it, &mm->vmas, 0, UINTPTR_MAX);
	vma_tree_for_each(&it, v, NULL) {
		zap_vma_range(&tx.tlb, v, v->start, v->end);
		v->dead_next = tx.dead;
		tx.dead = v;
	}
	vma_tree_destroy(&mm->vmas);
	mm->map_count = 0;
	vma_tx_end(&tx);
	mmap_write_unlock(mm);
}

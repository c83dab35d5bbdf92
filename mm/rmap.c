/*
 * anon_vmas and the reverse map of private anonymous pages (docs/mm/rmap-and-merging.md).
 *
 * Every private page made by a write fault records the anon_vma of its VMA and its index (the
 * VMA's pgoff plus its page offset in the VMA); mremap moves a VMA without changing either, so
 * that a page's address in any VMA that may map it is vma->start + (index - vma->pgoff) pages.
 * fork gives each child VMA a new anon_vma whose parent is the parent VMA's: pages the child
 * makes by copy-on-write are its own, pages it still shares belong to an ancestor. So the VMAs
 * that may map a page are those of its anon_vma and of all its descendants, which rmap_walk
 * visits.
 *
 * Linux (since 2.6.34) keeps, per VMA, a chain of anon_vma_chain objects to its own anon_vma and
 * every ancestor, and each anon_vma an interval tree of the chains that reach it: a walk is one
 * tree lookup, and every fork, split or merge allocates chain links. Here each VMA is on one list,
 * its own anon_vma's, and the walk goes down the family tree instead: the same VMAs found (the
 * rmap test checks them against a scan of every page table), nothing allocated when a VMA is
 * split or copied (so a VMA transaction still cannot fail once begun), a walk that costs more
 * the more generations share a page. The lists of a family are guarded by its root's spinlock.
 *
 * Locking: v->anon_vma is set from NULL under mm->page_table_lock by a fault holding mmap_lock
 * for read (anon_vma_prepare), otherwise under mmap_lock held for write; v joins and leaves the
 * list under the root's lock, taken inside page_table_lock.
 */
#include "mm/internal.h"
#include "mm/alloc_fail.h"
#include "mm/mm.h"
#include "mm/rmap.h"
#include "mm/slab.h"
#include "mm/vma.h"
#include "kernel/panic.h"

static struct kmem_cache *anon_vma_cache;
static unsigned long next_anon_id;   /* atomic */

void __init anon_vma_init(void)
{
	anon_vma_cache = kmem_cache_create("anon_vma", sizeof(struct anon_vma),
					   _Alignof(struct anon_vma), 0);
	if (!anon_vma_cache)
		panic("mm: cannot create the anon_vma cache");
}

unsigned long anon_vmas_in_use(void)
{
	struct kmem_cache_stats st;
	kmem_cache_get_stats(anon_vma_cache, &st);
	return st.in_use;
}

void anon_vma_cache_shrink(void) { kmem_cache_shrink(anon_vma_cache); }

/* A new anon_vma, a root if parent is NULL, else parent's child (a reference on parent, which
 * the caller holds one on too). NULL without memory. */
static struct anon_vma *anon_vma_alloc(struct anon_vma *parent)
{
	if (mm_should_fail(MM_ALLOC_ANON_VMA))
		return NULL;
	struct anon_vma *a = kmem_cache_alloc(anon_vma_cache, 0);
	if (!a)
		return NULL;
	atomic_set(&a->refcount, 1);
	a->id = __atomic_add_fetch(&next_anon_id, 1, __ATOMIC_RELAXED);
	a->parent = parent;
	a->root = parent ? parent->root : a;
	a->depth = parent ? parent->depth + 1 : 1;
	spin_lock_init(&a->lock);
	list_init(&a->vmas);
	list_init(&a->children);
	list_init(&a->sibling);
	if (parent) {
		atomic_inc(&parent->refcount);
		spin_lock(&a->root->lock);
		list_add_tail(&a->sibling, &parent->children);
		spin_unlock(&a->root->lock);
	}
	return a;
}

/* The last reference: off its parent's list, freed, and the reference it held on its parent
 * dropped (which may free that one too: a loop, not recursion). */
void anon_vma_put(struct anon_vma *a)
{
	while (a && atomic_dec_and_test(&a->refcount)) {
		struct anon_vma *parent = a->parent;
		BUG_ON(!list_empty(&a->vmas) || !list_empty(&a->children));
		if (parent) {
			spin_lock(&a->root->lock);
			list_del(&a->sibling);
			spin_unlock(&a->root->lock);
		}
		kmem_cache_free(anon_vma_cache, a);
		a = parent;
	}
}

void anon_vma_link(struct vma *v, struct anon_vma *a)
{
	atomic_inc(&a->refcount);
	spin_lock(&a->root->lock);
	list_add_tail(&v->anon_node, &a->vmas);
	spin_unlock(&a->root->lock);
	WRITE_ONCE(v->anon_vma, a);
}

void anon_vma_unlink(struct vma *v)
{
	struct anon_vma *a = v->anon_vma;
	if (!a)
		return;
	spin_lock(&a->root->lock);
	list_del(&v->anon_node);
	spin_unlock(&a->root->lock);
	anon_vma_put(a);
}

int anon_vma_fork(struct vma *child, struct vma *parent)
{
	struct anon_vma *a = anon_vma_alloc(parent->anon_vma);
	if (!a)
		return -ENOMEM;
	anon_vma_link(child, a);
	anon_vma_put(a);   /* the VMA's reference is the one it keeps */
	return 0;
}

/* Linux's anon_vma_compatible: could a and b (a just below b) share an anon_vma? */
static bool anon_vma_compatible(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && a->shm == b->shm &&
	       !((a->flags ^ b->flags) & ~VM_ACCESS_FLAGS) &&
	       b->pgoff == a->pgoff + ((b->start - a->start) >> PAGE_SHIFT);
}

/* Linux's find_mergeable_anon_vma: a neighbour's anon_vma that v can share, so that the two can
 * still merge after both have faulted (say after an mprotect gives them the same protection).
 * The next VMA first, then the previous. Neighbours are stable (mmap_lock held); their anon_vma
 * may be set meanwhile by another fault, hence READ_ONCE. Only a root is shared so: a forked
 * child's anon_vma stands for pages its VMA may share with its parent, which a neighbour's
 * range has nothing to do with (Linux: anon_vma->num_children decides the same). */
static struct anon_vma *find_mergeable_anon_vma(struct vma *v)
{
	struct vma *next = vma_lookup(v->mm, v->end), *prev = vma_prev(v->mm, v->start);
	struct anon_vma *a;
	if (next && anon_vma_compatible(v, next) && (a = READ_ONCE(next->anon_vma)) && !a->parent)
		return a;
	if (prev && anon_vma_compatible(prev, v) && (a = READ_ONCE(prev->anon_vma)) && !a->parent)
		return a;
	return NULL;
}

/* Before the first page of a private VMA is allocated: give it an anon_vma. Under mmap_lock for
 * read, so another fault may be doing the same: the first to take page_table_lock sets it. The
 * neighbour's anon_vma found cannot go meanwhile: the neighbour holds it, and leaving needs
 * mmap_lock for write. */
int anon_vma_prepare(struct vma *v)
{
	if (likely(READ_ONCE(v->anon_vma)))
		return 0;
	struct mm *mm = v->mm;
	struct anon_vma *a = find_mergeable_anon_vma(v), *fresh = NULL;
	if (!a && !(fresh = anon_vma_alloc(NULL)))
		return -ENOMEM;
	spin_lock(&mm->page_table_lock);
	if (!v->anon_vma) {
		if (a)
			mm->merge.anon_reused++;
		anon_vma_link(v, a ? a : fresh);
	}
	spin_unlock(&mm->page_table_lock);
	anon_vma_put(fresh);   /* v's reference, if it took it, is its own */
	return 0;
}

/* No page of a private range with anon_vma a can be mapped by another process: it has none, or
 * a is a root without children (fork makes a child anon_vma for every VMA it copies). Children
 * come only from fork, which takes this mm's mmap_lock for write, held here; they may go
 * meanwhile (a child's exit), which only makes the answer safe but late. */
bool anon_vma_exclusive(struct anon_vma *a)
{
	if (!a)
		return true;
	if (a->parent)
		return false;
	spin_lock(&a->lock);
	bool alone = list_empty(&a->children);
	spin_unlock(&a->lock);
	return alone;
}

/* ---- The walk ---- */

unsigned long rmap_walk(struct page *p, bool (*fn)(struct vma *vma, uintptr_t addr, void *arg),
			void *arg)
{
	struct anon_vma *top = p->anon.anon_vma, *a = top;
	unsigned long index = p->anon.index, visited = 0;
	spin_lock(&top->root->lock);
	/* Preorder over the family below top: a node's VMAs, then its first child; with no child,
	 * the next sibling of the nearest ancestor (up to top) that has one. */
	for (;;) {
		struct vma *v;
		list_for_each_entry(v, &a->vmas, anon_node) {
			visited++;
			if (index < v->pgoff || index - v->pgoff >= vma_pages(v))
				continue;
			if (!fn(v, v->start + ((index - v->pgoff) << PAGE_SHIFT), arg))
				goto out;
		}
		if (!list_empty(&a->children)) {
			a = list_first_entry(&a->children, struct anon_vma, sibling);
			continue;
		}
		while (a != top && a->sibling.next == &a->parent->children)
			a = a->parent;
		if (a == top)
			break;
		a = list_entry(a->sibling.next, struct anon_vma, sibling);
	}
out:
	spin_unlock(&top->root->lock);
	return visited;
}

/* Writing the VMA tree. A write rebuilds the nodes it touches and copies every node on the way up
 * to the root, then publishes the new root with one rcu_assign_pointer; the nodes it replaced go
 * to call_rcu. Nothing a reader can reach is modified, except a leaf slot by vma_tree_replace.
 * Locking: the caller serialises writers (the planned mm's mmap_lock); readers need only
 * rcu_read_lock(). */
#include "mm/vma_tree.h"
#include "mm/alloc_fail.h"
#include "mm/internal.h"

static struct kmem_cache *node_cache;

/* Stands in for the root of an empty tree while a write runs: one gap over everything. */
static const struct vma_tree_node empty_leaf = {
	.type = VMA_TREE_LEAF,
	.nr = 1,
	.leaf.pivot = { [0 ... VMA_TREE_LEAF_SLOTS - 2] = UINTPTR_MAX },
};

/* One level of a path from the root: a node, the slot taken in it, and the range it covers.
 * lv[0] is the leaf, lv[height - 1] the root. */
struct level {
	struct vma_tree_node *node;
	unsigned idx;
	uintptr_t min, max;
};
struct path {
	struct level lv[VMA_TREE_MAX_HEIGHT];
};

/* The contents of new nodes, flattened: the slot ends at hi; ptr is a vma (or NULL) at the leaf
 * level and a node above it, where gap is the largest free size under it. */
struct item {
	uintptr_t hi;
	void *ptr;
	uintptr_t gap;
};
/* Bounds. Leaves: <= 14 slots kept from the first leaf, 3 new (cut, new, cut), 14 kept from the
 * last, and 15 from a neighbour on each side: 61 items, which make <= 5 nodes. Above: 9 kept + 5
 * new + 9 kept, plus neighbours only while that stays within 30: fewer. */
#define MAX_ITEMS 64
#define MAX_RUN   8

/* A write in progress. The window at level k is the run of nodes first.lv[k] .. last.lv[k]
 * (in address order) that the write replaces by run[]. */
struct write {
	struct vma_tree *t;
	struct vma_tree_node *root;
	unsigned height;
	struct path first, last, scan;
	struct item item[MAX_ITEMS];
	unsigned n;
	uintptr_t wmin;                 /* first address covered by item[0] */
	struct item run[MAX_RUN];       /* the new nodes of the level built last */
	unsigned nrun;
	struct rcu_head *fresh;         /* new nodes: freed at once if the write fails */
	struct rcu_head *retired;       /* old nodes: to call_rcu once the new root is published */
	long d_entries, d_nodes;
};

void __init vma_tree_cache_init(void)
{
	node_cache = kmem_cache_create("vma_tree_node", sizeof(struct vma_tree_node),
				       VMA_TREE_NODE_SIZE, 0);
	if (!node_cache)
		panic("vma_tree: cannot create the node cache");
}

void vma_tree_init(struct vma_tree *t, unsigned flags)
{
	BUG_ON(!node_cache);
	t->root = NULL;
	t->seq = 0;
	t->height = 0;
	t->flags = flags;
	t->nr_entries = 0;
	t->nr_nodes = 0;
	t->reserve = NULL;
	t->nr_reserve = 0;
	t->reserved = false;
	t->reserve_misses = 0;
}

static void node_free(struct vma_tree_node *n)
{
	WRITE_ONCE(n->type, VMA_TREE_DEAD);   /* a reader still here would be a bug: make it loud */
	kmem_cache_free(node_cache, n);
}

static void node_free_rcu(struct rcu_head *head)
{
	node_free(container_of(head, struct vma_tree_node, rcu));
}

/* The broken twin ends a replaced node's life at once, with no grace period: it is poisoned
 * where readers may still be walking it (dead type, emptied slots, children pointing at a dead
 * node). Its memory goes back to the allocator only after a grace period, like a sanitizer's
 * quarantine, so that the torture suite sees readers meet dead nodes and reports FAILURE
 * instead of the kernel crashing on reused memory. */
static struct vma_tree_node dead_node;   /* type VMA_TREE_DEAD */

static void node_poison(struct vma_tree_node *n)
{
	bool leaf = n->type == VMA_TREE_LEAF;
	WRITE_ONCE(n->type, VMA_TREE_DEAD);
	for (unsigned i = 0; i < VMA_TREE_LEAF_SLOTS && leaf; i++)
		WRITE_ONCE(n->leaf.slot[i], NULL);
	for (unsigned i = 0; i < VMA_TREE_INNER_SLOTS && !leaf; i++)
		WRITE_ONCE(n->inner.child[i], &dead_node);
}

static void node_retire(const struct vma_tree *t, struct vma_tree_node *n)
{
	if (t->flags & VMA_TREE_BUSTED)
		node_poison(n);
	call_rcu(&n->rcu, node_free_rcu);
}

static struct vma_tree_node *node_alloc(struct write *w)
{
	struct vma_tree *t = w->t;
	struct vma_tree_node *n = t->reserve;
	if (n) {
		t->reserve = n->rcu.next ? container_of(n->rcu.next, struct vma_tree_node, rcu)
					 : NULL;
		t->nr_reserve--;
	} else {
		t->reserve_misses += t->reserved;
		if (!(n = kmem_cache_alloc(node_cache, 0)))
			return NULL;
	}
	n->rcu.next = w->fresh;
	w->fresh = &n->rcu;
	w->d_nodes++;
	return n;
}

static unsigned slots_max(unsigned level)
{
	return level ? VMA_TREE_INNER_SLOTS : VMA_TREE_LEAF_SLOTS;
}
static unsigned slots_min(unsigned level) { return level ? VMA_TREE_INNER_MIN : VMA_TREE_LEAF_MIN; }

static const uintptr_t *pivots(const struct vma_tree_node *n)
{
	return n->type == VMA_TREE_LEAF ? n->leaf.pivot : n->inner.pivot;
}

static unsigned nr_pivots(unsigned level)
{
	return slots_max(level) - 1;
}

static uintptr_t slot_lo(const struct level *lv, unsigned i)
{
	return i ? pivots(lv->node)[i - 1] + 1 : lv->min;
}

static uintptr_t slot_hi(const struct level *lv, unsigned i)
{
	return i + 1u < lv->node->nr ? pivots(lv->node)[i] : lv->max;
}

/* ---- Paths ---- */

/* Fill in level k-1 from the slot taken at level k. */
static void path_down(struct path *p, unsigned k)
{
	const struct level *up = &p->lv[k];
	struct level *dn = &p->lv[k - 1];
	dn->node = up->node->inner.child[up->idx];
	dn->min = slot_lo(up, up->idx);
	dn->max = slot_hi(up, up->idx);
}

static void path_find(const struct write *w, struct path *p, uintptr_t key)
{
	unsigned k = w->height - 1;
	p->lv[k] = (struct level){ w->root, 0, 0, UINTPTR_MAX };
	for (;;) {
		struct level *lv = &p->lv[k];
		lv->idx = vma_tree_slot_of(pivots(lv->node), nr_pivots(k), key);
		if (k == 0)
			return;
		path_down(p, k--);
	}
}

/* Move the path's level-k node to its neighbour at that level (the next one if fwd, else the
 * previous one), fixing the levels above; false if it has none. lv[k].idx is left as it was. */
static bool path_step(const struct write *w, struct path *p, unsigned k, bool fwd)
{
	unsigned j = k + 1;
	while (j < w->height && (fwd ? p->lv[j].idx + 1u == p->lv[j].node->nr : p->lv[j].idx == 0))
		j++;
	if (j >= w->height)
		return false;
	if (fwd)
		p->lv[j].idx++;
	else
		p->lv[j].idx--;
	for (; j > k; j--) {
		path_down(p, j);
		if (j - 1 > k)
			p->lv[j - 1].idx = fwd ? 0 : p->lv[j - 1].node->nr - 1u;
	}
	return true;
}

/* ---- Gathering the items of a level ---- */

static void push(struct write *w, uintptr_t hi, void *ptr, uintptr_t gap, unsigned level)
{
	if (!level && !ptr && w->n && !w->item[w->n - 1].ptr) {
		w->item[w->n - 1].hi = hi;   /* neighbouring gaps become one */
		return;
	}
	BUG_ON(w->n >= MAX_ITEMS);
	w->item[w->n++] = (struct item){ hi, ptr, gap };
}

/* Append slots [from, to) of the node at lv. */
static void push_slots(struct write *w, const struct level *lv, unsigned from, unsigned to,
		       unsigned level)
{
	const struct vma_tree_node *n = lv->node;
	for (unsigned i = from; i < to; i++) {
		if (level)
			push(w, slot_hi(lv, i), n->inner.child[i], n->inner.gap[i], level);
		else
			push(w, slot_hi(lv, i), n->leaf.slot[i], 0, 0);
	}
}

/* Put all slots of the node at lv in front of the items. */
static void prepend_node(struct write *w, const struct level *lv, unsigned level)
{
	unsigned m = lv->node->nr, had = w->n;
	BUG_ON(had + m > MAX_ITEMS);
	memmove(&w->item[m], &w->item[0], had * sizeof(w->item[0]));
	w->n = 0;
	push_slots(w, lv, 0, m, level);
	w->n = m + had;
	if (!level && !w->item[m - 1].ptr && !w->item[m].ptr) {
		w->item[m - 1].hi = w->item[m].hi;
		memmove(&w->item[m], &w->item[m + 1], (had - 1) * sizeof(w->item[0]));
		w->n--;
	}
	w->wmin = lv->min;
}

/* The items of the window at level k with the change applied: at the leaves, the slots of the
 * first and last leaf around [a, b] -> v (straddling entries cut at a and b; the leaves between
 * lie inside [a, b]); above, the children of the first and last node around the new run. */
static void gather(struct write *w, unsigned k, uintptr_t a, uintptr_t b, struct vma *v)
{
	const struct level *first = &w->first.lv[k], *last = &w->last.lv[k];
	w->n = 0;
	w->wmin = first->min;
	push_slots(w, first, 0, first->idx, k);
	if (k == 0) {
		if (slot_lo(first, first->idx) < a)
			push(w, a - 1, first->node->leaf.slot[first->idx], 0, 0);
		push(w, b, v, 0, 0);
		if (slot_hi(last, last->idx) > b)
			push(w, slot_hi(last, last->idx), last->node->leaf.slot[last->idx], 0, 0);
	} else {
		for (unsigned i = 0; i < w->nrun; i++)
			push(w, w->run[i].hi, w->run[i].ptr, w->run[i].gap, k);
	}
	push_slots(w, last, last->idx + 1, last->node->nr, k);
}

/* Should the window take in a neighbour node with nb slots? If its items would underfill a node,
 * yes; if they overfill one, when the neighbour's slots fit in the nodes the window needs anyway
 * (redistributing instead of splitting keeps nodes fuller: appends in address order leave them
 * nearly full rather than half full). */
static bool worth_taking(const struct write *w, unsigned k, unsigned nb)
{
	unsigned max = slots_max(k);
	return w->n < slots_min(k) ||
	       (w->n > max && DIV_ROUND_UP(w->n + nb, max) <= DIV_ROUND_UP(w->n, max));
}

/* Take in a neighbour on either side when worth_taking() says so or (at the leaves) when a gap at
 * an end would touch a gap in the neighbour: gaps never meet across leaves. The root level has
 * no neighbours and may underfill. */
static void widen(struct write *w, unsigned k)
{
	const struct vma_tree_node *n;
	bool edge_gap = !k && !w->item[0].ptr;
	if ((edge_gap || w->n < slots_min(k) || w->n > slots_max(k)) &&
	    path_step(w, &w->first, k, false)) {
		n = w->first.lv[k].node;
		if (worth_taking(w, k, n->nr) || (edge_gap && !n->leaf.slot[n->nr - 1]))
			prepend_node(w, &w->first.lv[k], k);
		else
			path_step(w, &w->first, k, true);   /* not needed after all: step back */
	}
	edge_gap = !k && !w->item[w->n - 1].ptr;
	if ((edge_gap || w->n < slots_min(k) || w->n > slots_max(k)) &&
	    path_step(w, &w->last, k, true)) {
		n = w->last.lv[k].node;
		if (worth_taking(w, k, n->nr) || (edge_gap && !n->leaf.slot[0]))
			push_slots(w, &w->last.lv[k], 0, n->nr, k);
		else
			path_step(w, &w->last, k, false);
	}
}

/* ---- Building and retiring ---- */

static void retire(struct write *w, struct vma_tree_node *n, unsigned k)
{
	if (n == &empty_leaf)
		return;
	for (unsigned i = 0; !k && i < n->nr; i++)
		w->d_entries -= n->leaf.slot[i] != NULL;
	n->rcu.next = w->retired;
	w->retired = &n->rcu;
	w->d_nodes--;
}

/* Every node of the window at level k is replaced. */
static void retire_window(struct write *w, unsigned k)
{
	struct path *s = &w->scan;
	memcpy(&s->lv[k], &w->first.lv[k], (w->height - k) * sizeof(s->lv[0]));
	for (;;) {
		retire(w, s->lv[k].node, k);
		if (s->lv[k].node == w->last.lv[k].node)
			return;
		if (!path_step(w, s, k, true))
			BUG();
	}
}

/* Spread the items over as few new level-k nodes as hold them, evenly: with n > MAX items in
 * m = ceil(n / MAX) nodes, each gets more than MAX / 2 >= MIN. The run replaces the window. */
static int build(struct write *w, unsigned k)
{
	unsigned n = w->n, m = DIV_ROUND_UP(n, slots_max(k)), pos = 0;
	uintptr_t lo = w->wmin;
	BUG_ON(m > MAX_RUN);
	w->nrun = 0;
	for (unsigned j = 0; j < m; j++) {
		unsigned cnt = n / m + (j < n % m);
		struct vma_tree_node *nd = node_alloc(w);
		uintptr_t gap = 0;
		if (!nd)
			return -ENOMEM;
		nd->type = k ? VMA_TREE_INNER : VMA_TREE_LEAF;
		nd->nr = (u8)cnt;
		for (unsigned i = 0; i < cnt; i++) {
			const struct item *it = &w->item[pos + i];
			if (k) {
				if (i + 1 < cnt)
					nd->inner.pivot[i] = it->hi;
				nd->inner.child[i] = it->ptr;
				nd->inner.gap[i] = it->gap;
				gap = MAX(gap, it->gap);
			} else {
				if (i + 1 < cnt)
					nd->leaf.pivot[i] = it->hi;
				nd->leaf.slot[i] = it->ptr;
				if (it->ptr)
					w->d_entries++;
				else
					gap = MAX(gap, vma_tree_gap_size(lo, it->hi));
			}
			lo = it->hi + 1;   /* wraps after the last address; then unused */
		}
		for (unsigned i = cnt - 1; i < nr_pivots(k); i++) {
			if (k)
				nd->inner.pivot[i] = UINTPTR_MAX;
			else
				nd->leaf.pivot[i] = UINTPTR_MAX;
		}
		pos += cnt;
		w->run[w->nrun++] = (struct item){ w->item[pos - 1].hi, nd, gap };
	}
	return 0;
}

static void commit(struct write *w, struct vma_tree_node *root, unsigned height)
{
	struct vma_tree *t = w->t;
	rcu_assign_pointer(t->root, root);
	t->height = height;
	/* Before any call_rcu: a reader that misses this bump is still inside a read-side section
	 * that the grace period waits for, so its iterator's cached leaf stays intact. */
	__atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELEASE);
	t->nr_entries += w->d_entries;
	t->nr_nodes += w->d_nodes;
	for (struct rcu_head *r = w->retired, *next; r; r = next) {
		next = r->next;
		node_retire(t, container_of(r, struct vma_tree_node, rcu));
	}
#ifdef VMA_TREE_DEBUG
	if (vma_tree_validate(t))
		panic("vma_tree %p: invalid after a write", t);
#endif
}

/* Make [a, b] (inclusive) map to v. */
static int tree_write(struct vma_tree *t, uintptr_t a, uintptr_t b, struct vma *v)
{
	struct write w;
	struct vma_tree_node *root;
	unsigned h;

	w.t = t;
	w.root = t->root ? t->root : (struct vma_tree_node *)&empty_leaf;
	w.height = t->root ? t->height : 1;
	w.fresh = w.retired = NULL;
	w.d_entries = w.d_nodes = 0;
	w.nrun = 0;
	path_find(&w, &w.first, a);
	path_find(&w, &w.last, b);
	for (unsigned k = 0; k < w.height; k++) {
		gather(&w, k, a, b, v);
		widen(&w, k);
		retire_window(&w, k);
		if (build(&w, k))
			goto nomem;
	}
	/* The root split: add levels until one node holds the run. */
	for (h = w.height; w.nrun > 1; h++) {
		BUG_ON(h >= VMA_TREE_MAX_HEIGHT);
		w.n = 0;
		for (unsigned i = 0; i < w.nrun; i++)
			w.item[w.n++] = w.run[i];
		if (build(&w, h))
			goto nomem;
	}
	/* No allocation from here on. A root with one child hands over to it (all new nodes, as a
	 * root with one item holds only the new run); a root that is one gap means empty. */
	root = w.run[0].ptr;
	while (root->type == VMA_TREE_INNER && root->nr == 1) {
		struct vma_tree_node *child = root->inner.child[0];
		node_free(root);
		w.d_nodes--;
		root = child;
		h--;
	}
	if (root->type == VMA_TREE_LEAF && root->nr == 1 && !root->leaf.slot[0]) {
		node_free(root);
		w.d_nodes--;
		root = NULL;
		h = 0;
	}
	commit(&w, root, h);
	return 0;

nomem:
	/* Nothing was published and no old node was touched but for its rcu link. */
	while (w.fresh) {
		struct rcu_head *next = w.fresh->next;
		node_free(container_of(w.fresh, struct vma_tree_node, rcu));
		w.fresh = next;
	}
	return -ENOMEM;
}

int vma_tree_store_range(struct vma_tree *t, uintptr_t start, uintptr_t end, struct vma *vma)
{
	struct vma_tree_span s;
	if (start >= end)
		return -EINVAL;
	if (!vma && (!vma_tree_find_next(t, start, &s) || s.start >= end))
		return 0;   /* already free: no need to copy anything */
	return tree_write(t, start, end - 1, vma);
}

int vma_tree_insert(struct vma_tree *t, uintptr_t start, uintptr_t end, struct vma *vma)
{
	struct vma_tree_span s;
	if (start >= end || !vma)
		return -EINVAL;
	if (vma_tree_find_next(t, start, &s) && s.start < end)
		return -EEXIST;
	return tree_write(t, start, end - 1, vma);
}

int vma_tree_erase(struct vma_tree *t, uintptr_t addr, struct vma *vma)
{
	struct vma_tree_span s;
	if (!vma || vma_tree_find(t, addr, &s) != vma)
		return -ENOENT;
	return tree_write(t, s.start, s.end - 1, NULL);
}

int vma_tree_replace(struct vma_tree *t, uintptr_t addr, struct vma *old, struct vma *new)
{
	struct vma_tree_pos p;
	if (!new)
		return -EINVAL;
	if (!old || !vma_tree_walk(t, addr, &p) || p.leaf->leaf.slot[p.slot] != old)
		return -ENOENT;
	rcu_assign_pointer(p.leaf->leaf.slot[p.slot], new);
	return 0;
}

/* The most nodes one write can make in a tree of height h: at the leaves at most 61 items
 * (MAX_ITEMS' comment), 5 nodes; at most 30 items, 3 nodes, at each level above; one new root. */
static unsigned long write_max_nodes(unsigned h)
{
	return 3ul * MAX(h, 1u) + 3;
}

unsigned long vma_tree_nodes_in_use(void)
{
	struct kmem_cache_stats st;
	kmem_cache_get_stats(node_cache, &st);
	return st.in_use;
}

void vma_tree_cache_shrink(void) { kmem_cache_shrink(node_cache); }

/* The greatest height of a tree of `slots` slots: every node but the root at its minimum (a
 * root of two children, inner nodes of VMA_TREE_INNER_MIN, leaves of VMA_TREE_LEAF_MIN), so a
 * tree of height h >= 2 holds at least 2 * LEAF_MIN * INNER_MIN^(h - 2) slots. */
static unsigned height_bound(unsigned long slots)
{
	unsigned h = 1;
	for (unsigned long least = 2 * VMA_TREE_LEAF_MIN; least <= slots; least *= VMA_TREE_INNER_MIN) {
		h++;
		if (least > slots / VMA_TREE_INNER_MIN)
			break;   /* the next level needs more than slots: done, and no overflow */
	}
	return h;
}

int vma_tree_reserve(struct vma_tree *t, unsigned nr_writes)
{
	/* A write adds at most two entries (one cut in two around a new one), and the slots are
	 * at most twice the entries plus one (no two gaps are neighbours), so every one of the
	 * writes starts in a tree no higher than this; each may then need write_max_nodes of it.
	 * (Not one level more per write: that grew with the square of nr_writes, ~1.5 n^2 nodes
	 * for an mprotect across n VMAs.) */
	unsigned long slots = 2 * (t->nr_entries + 2ul * nr_writes) + 1;
	unsigned h = MAX(t->height, height_bound(slots));
	unsigned long need = nr_writes * write_max_nodes(h), had = t->nr_reserve;
	while (t->nr_reserve < need) {
		struct vma_tree_node *n = NULL;
		if (mm_should_fail(MM_ALLOC_TREE_NODE) || !(n = kmem_cache_alloc(node_cache, 0))) {
			vma_tree_reserve_trim(t, had);
			return -ENOMEM;
		}
		n->type = VMA_TREE_DEAD;
		n->rcu.next = t->reserve ? &t->reserve->rcu : NULL;
		t->reserve = n;
		t->nr_reserve++;
	}
	return 0;
}

void vma_tree_reserve_trim(struct vma_tree *t, unsigned long keep)
{
	while (t->nr_reserve > keep) {
		struct vma_tree_node *n = t->reserve;
		t->reserve = n->rcu.next ? container_of(n->rcu.next, struct vma_tree_node, rcu)
					 : NULL;
		t->nr_reserve--;
		node_free(n);
	}
}

static void retire_subtree(const struct vma_tree *t, struct vma_tree_node *n)
{
	for (unsigned i = 0; n->type == VMA_TREE_INNER && i < n->nr; i++)
		retire_subtree(t, n->inner.child[i]);
	node_retire(t, n);
}

void vma_tree_destroy(struct vma_tree *t)
{
	struct vma_tree_node *root = t->root;
	rcu_assign_pointer(t->root, NULL);
	__atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELEASE);
	t->height = 0;
	t->nr_entries = 0;
	t->nr_nodes = 0;
	if (root)
		retire_subtree(t, root);
	vma_tree_reserve_trim(t, 0);
}

/* Reading the VMA tree: lookups, iteration, free-range search and the invariant checker. None of
 * them writes shared memory. Readers hold rcu_read_lock() (or the writer's lock): the nodes they
 * reach from the root they loaded stay intact until they leave, because writers copy nodes
 * instead of changing them and free them through call_rcu. Only leaf slots change in place,
 * each one pointer (vma_tree_replace), so slots are read with rcu_dereference. */
#include "mm/vma_tree.h"
#include "mm/internal.h"

unsigned long vma_tree_reader_faults;

/* A reader reached a node that is not a live node of this tree. That is a bug and panics, except
 * in the torture test's broken twin, where it is the expected symptom: counted, and the walk
 * gives up, so the suite can report FAILURE instead of crashing. */
static __noinline __cold bool reader_bug(const struct vma_tree *t, const struct vma_tree_node *n)
{
	if (t->flags & VMA_TREE_BUSTED) {
		__atomic_add_fetch(&vma_tree_reader_faults, 1, __ATOMIC_RELAXED);
		return false;
	}
	panic("vma_tree %p: a reader reached node %p of type %u: freed under it (RCU broken?)",
	      t, n, READ_ONCE(n->type));
}

bool vma_tree_walk(const struct vma_tree *t, uintptr_t key, struct vma_tree_pos *pos)
{
	struct vma_tree_node *n = rcu_dereference(t->root);
	uintptr_t min = 0, max = UINTPTR_MAX;
	if (!n)
		return false;
	/* Children are read plainly: they were complete before the root that leads to them was
	 * published (release), and this reader loaded that root with acquire. */
	for (unsigned depth = 0; depth < VMA_TREE_MAX_HEIGHT; depth++) {
		unsigned type = READ_ONCE(n->type), nr = READ_ONCE(n->nr);
		if (type == VMA_TREE_LEAF && nr >= 1 && nr <= VMA_TREE_LEAF_SLOTS) {
			pos->leaf = n;
			pos->min = min;
			pos->max = max;
			pos->slot = vma_tree_slot_of(n->leaf.pivot, ARRAY_SIZE(n->leaf.pivot), key);
			return true;
		}
		if (type != VMA_TREE_INNER || nr < 2 || nr > VMA_TREE_INNER_SLOTS)
			break;
		unsigned i = vma_tree_slot_of(n->inner.pivot, ARRAY_SIZE(n->inner.pivot), key);
		if (i)
			min = n->inner.pivot[i - 1] + 1;
		if (i + 1 < nr)
			max = n->inner.pivot[i];
		n = n->inner.child[i];
		if (!n)
			break;
	}
	return reader_bug(t, n);
}

/* The range of slot i of a leaf covering [min, max]. */
static uintptr_t leaf_lo(const struct vma_tree_node *n, uintptr_t min, unsigned i)
{
	return i ? n->leaf.pivot[i - 1] + 1 : min;
}

static uintptr_t leaf_hi(const struct vma_tree_node *n, uintptr_t max, unsigned i)
{
	return i + 1u < n->nr ? n->leaf.pivot[i] : max;
}

static struct vma *found(struct vma *v, uintptr_t lo, uintptr_t hi, struct vma_tree_span *span)
{
	if (span) {
		span->start = lo;
		span->end = hi + 1;   /* an entry never covers the last address */
	}
	return v;
}

struct vma *vma_tree_find(const struct vma_tree *t, uintptr_t addr, struct vma_tree_span *span)
{
	struct vma_tree_pos p;
	struct vma *v;
	if (!vma_tree_walk(t, addr, &p))
		return NULL;
	v = rcu_dereference(p.leaf->leaf.slot[p.slot]);
	if (!v)
		return NULL;
	return found(v, leaf_lo(p.leaf, p.min, p.slot), leaf_hi(p.leaf, p.max, p.slot), span);
}

/* The first entry in a slot at or after key's that starts at or above min_start. Leaf by leaf;
 * key only grows, so this ends even if writes change the tree between two leaves. */
static struct vma *scan_up(const struct vma_tree *t, uintptr_t key, uintptr_t min_start,
			   struct vma_tree_span *span)
{
	struct vma_tree_pos p;
	while (vma_tree_walk(t, key, &p)) {
		for (unsigned i = p.slot; i < p.leaf->nr; i++) {
			struct vma *v = rcu_dereference(p.leaf->leaf.slot[i]);
			uintptr_t lo = leaf_lo(p.leaf, p.min, i);
			if (v && lo >= min_start)
				return found(v, lo, leaf_hi(p.leaf, p.max, i), span);
		}
		if (p.max == UINTPTR_MAX)
			break;
		key = p.max + 1;
	}
	return NULL;
}

struct vma *vma_tree_find_next(const struct vma_tree *t, uintptr_t addr, struct vma_tree_span *span)
{
	return scan_up(t, addr, 0, span);
}

struct vma *vma_tree_next(const struct vma_tree *t, uintptr_t addr, struct vma_tree_span *span)
{
	return scan_up(t, addr, addr, span);
}

struct vma *vma_tree_prev(const struct vma_tree *t, uintptr_t addr, struct vma_tree_span *span)
{
	struct vma_tree_pos p;
	uintptr_t key = addr - 1;
	if (!addr)
		return NULL;
	while (vma_tree_walk(t, key, &p)) {
		for (unsigned i = p.slot + 1; i-- > 0;) {
			struct vma *v = rcu_dereference(p.leaf->leaf.slot[i]);
			uintptr_t hi = leaf_hi(p.leaf, p.max, i);
			if (v && hi < addr)
				return found(v, leaf_lo(p.leaf, p.min, i), hi, span);
		}
		if (p.min == 0)
			break;
		key = p.min - 1;
	}
	return NULL;
}

/* ---- Iteration ---- */

void vma_tree_iter_init(struct vma_tree_iter *it, const struct vma_tree *t, uintptr_t start,
			uintptr_t end)
{
	it->tree = t;
	it->index = start;
	it->last = end - 1;
	it->done = start >= end;
	it->leaf = NULL;
}

struct vma *vma_tree_iter_next(struct vma_tree_iter *it, struct vma_tree_span *span)
{
	while (!it->done) {
		/* seq before the root: a leaf found now is at least as new as the seq noted. */
		u64 seq = __atomic_load_n(&it->tree->seq, __ATOMIC_ACQUIRE);
		if (!it->leaf || seq != it->seq) {
			struct vma_tree_pos p;
			if (!vma_tree_walk(it->tree, it->index, &p))
				break;
			it->leaf = p.leaf;
			it->leaf_min = p.min;
			it->leaf_max = p.max;
			it->slot = p.slot;
			it->seq = seq;
		}
		const struct vma_tree_node *n = it->leaf;
		for (; it->slot < n->nr; it->slot++) {
			uintptr_t lo = leaf_lo(n, it->leaf_min, it->slot);
			uintptr_t hi = leaf_hi(n, it->leaf_max, it->slot);
			struct vma *v;
			if (lo > it->last)
				break;
			v = rcu_dereference(n->leaf.slot[it->slot]);
			if (!v)
				continue;
			it->slot++;
			if (hi >= it->last)
				it->done = true;
			else
				it->index = hi + 1;
			return found(v, lo, hi, span);
		}
		if (it->slot < n->nr || it->leaf_max >= it->last)
			break;
		it->index = it->leaf_max + 1;
		it->leaf = NULL;
	}
	it->done = true;
	return NULL;
}

/* ---- Free-range search ---- */

struct gap_search {
	uintptr_t lo, last;     /* the allowed range, inclusive */
	uintptr_t size, mask;   /* mask = align - 1 */
	bool down;
	uintptr_t found;
};

/* Does a fitting range lie in the gap [lo, hi]? Note the best one. */
static bool gap_fits(struct gap_search *g, uintptr_t lo, uintptr_t hi)
{
	uintptr_t s;
	lo = MAX(lo, g->lo);
	hi = MIN(hi, g->last);
	if (lo > hi || hi - lo < g->size - 1)
		return false;
	if (g->down) {
		s = (hi - (g->size - 1)) & ~g->mask;
		if (s < lo)
			return false;
	} else {
		if (lo > UINTPTR_MAX - g->mask)
			return false;
		s = (lo + g->mask) & ~g->mask;
		if (s > hi || hi - s < g->size - 1)
			return false;
	}
	g->found = s;
	return true;
}

/* Depth first, highest slots first when searching down; gap[] prunes the subtrees where no
 * free range is long enough. Gaps never meet across leaves, so each gap is one slot. */
static bool gap_node(struct gap_search *g, const struct vma_tree_node *n, uintptr_t min,
		     uintptr_t max, unsigned depth)
{
	unsigned nr = n->nr;
	bool leaf = n->type == VMA_TREE_LEAF;
	const uintptr_t *pivot = leaf ? n->leaf.pivot : n->inner.pivot;
	if (max < g->lo || min > g->last || depth >= VMA_TREE_MAX_HEIGHT)
		return false;
	for (unsigned j = 0; j < nr; j++) {
		unsigned i = g->down ? nr - 1 - j : j;
		uintptr_t lo = i ? pivot[i - 1] + 1 : min, hi = i + 1 < nr ? pivot[i] : max;
		if (leaf) {
			if (!rcu_dereference(n->leaf.slot[i]) && gap_fits(g, lo, hi))
				return true;
		} else if (n->inner.gap[i] >= g->size &&
			   gap_node(g, n->inner.child[i], lo, hi, depth + 1)) {
			return true;
		}
	}
	return false;
}

static int gap_search(const struct vma_tree *t, uintptr_t lo, uintptr_t hi, uintptr_t size,
		      uintptr_t align, uintptr_t *start, bool down)
{
	struct gap_search g = { lo, hi - 1, size, align - 1, down, 0 };
	const struct vma_tree_node *root = rcu_dereference(t->root);
	bool ok;
	if (!size || !align || (align & (align - 1)) || lo >= hi)
		return -EINVAL;
	ok = root ? gap_node(&g, root, 0, UINTPTR_MAX, 0) : gap_fits(&g, 0, UINTPTR_MAX);
	if (!ok)
		return -ENOMEM;
	*start = g.found;
	return 0;
}

int vma_tree_gap_topdown(const struct vma_tree *t, uintptr_t lo, uintptr_t hi, uintptr_t size,
			 uintptr_t align, uintptr_t *start)
{
	return gap_search(t, lo, hi, size, align, start, true);
}

int vma_tree_gap_bottomup(const struct vma_tree *t, uintptr_t lo, uintptr_t hi, uintptr_t size,
			  uintptr_t align, uintptr_t *start)
{
	return gap_search(t, lo, hi, size, align, start, false);
}

/* ---- The invariants ---- */

struct check {
	const struct vma_tree *t;
	unsigned long entries, nodes;
	bool prev_gap;          /* the slot before, in address order, is a gap */
	int leaf_depth;         /* -1 until the first leaf */
	int err;
};

static void bad(struct check *c, const struct vma_tree_node *n, const char *what)
{
	if (!c->err)
		pr_err("vma_tree %p: node %p: %s\n", c->t, n, what);
	c->err = -EINVAL;
}

/* Check the subtree of n, which covers [min, max]; return its largest free size. */
static uintptr_t check_node(struct check *c, const struct vma_tree_node *n, uintptr_t min,
			    uintptr_t max, int depth)
{
	bool leaf = n->type == VMA_TREE_LEAF, root = depth == 0;
	unsigned nr = n->nr;
	uintptr_t lo = min, gap = 0;

	c->nodes++;
	if (depth >= VMA_TREE_MAX_HEIGHT)
		return bad(c, n, "too deep"), 0;
	if (!leaf && n->type != VMA_TREE_INNER)
		return bad(c, n, "neither leaf nor inner node"), 0;
	if (nr > (leaf ? VMA_TREE_LEAF_SLOTS : VMA_TREE_INNER_SLOTS) ||
	    nr < (root ? (leaf ? 1u : 2u) : (leaf ? VMA_TREE_LEAF_MIN : VMA_TREE_INNER_MIN)))
		return bad(c, n, "too few or too many slots"), 0;
	for (unsigned i = nr - 1; i < (leaf ? VMA_TREE_LEAF_SLOTS : VMA_TREE_INNER_SLOTS) - 1; i++)
		if ((leaf ? n->leaf.pivot[i] : n->inner.pivot[i]) != UINTPTR_MAX)
			return bad(c, n, "an unused pivot is not UINTPTR_MAX"), 0;
	for (unsigned i = 0; i < nr; i++) {
		uintptr_t hi = i + 1 < nr ? (leaf ? n->leaf.pivot[i] : n->inner.pivot[i]) : max;
		if (hi < lo || (i + 1 < nr && hi >= max))
			return bad(c, n, "pivots out of order or outside the node's range"), 0;
		if (leaf && n->leaf.slot[i]) {
			c->entries++;
			c->prev_gap = false;
			if (hi == UINTPTR_MAX)
				bad(c, n, "an entry covers the last address");
		} else if (leaf) {
			if (c->prev_gap)
				bad(c, n, "two gaps side by side");
			c->prev_gap = true;
			gap = MAX(gap, vma_tree_gap_size(lo, hi));
		} else {
			uintptr_t g = check_node(c, n->inner.child[i], lo, hi, depth + 1);
			if (g != n->inner.gap[i])
				bad(c, n, "gap[] differs from the child's largest gap");
			gap = MAX(gap, g);
		}
		lo = hi + 1;
	}
	if (leaf && c->leaf_depth < 0)
		c->leaf_depth = depth;
	else if (leaf && depth != c->leaf_depth)
		bad(c, n, "leaves at different depths");
	return gap;
}

int vma_tree_validate(const struct vma_tree *t)
{
	struct check c = { .t = t, .leaf_depth = -1 };
	const struct vma_tree_node *root = rcu_dereference(t->root);
	if (!root) {
		if (t->height || t->nr_entries || t->nr_nodes)
			bad(&c, NULL, "empty tree with a height, entries or nodes");
		return c.err;
	}
	check_node(&c, root, 0, UINTPTR_MAX, 0);
	if (root->type == VMA_TREE_LEAF && root->nr == 1 && !root->leaf.slot[0])
		bad(&c, root, "a root that is one gap (an empty tree has no root)");
	if (!c.err && (unsigned)c.leaf_depth + 1 != t->height)
		bad(&c, root, "height differs from the leaves' depth");
	if (!c.err && c.entries != t->nr_entries)
		bad(&c, root, "nr_entries differs from the entries found");
	if (!c.err && c.nodes != t->nr_nodes)
		bad(&c, root, "nr_nodes differs from the nodes found");
	return c.err;
}

/* Interval trees (lib/interval_tree.h): ordering by start, keeping subtree_max_end through
 * lib/rbtree.c's recompute hook, and overlap search that prunes on it.
 * No locking: callers serialise writers against everything else. */
#include "lib/interval_tree.h"
#include "kernel/panic.h"

static inline struct interval_node *node_of(const struct rb_node *rb)
{
	return rb ? rb_entry(rb, struct interval_node, rb) : NULL;
}

/* 0 for an empty subtree: no interval ends at or below 0, as every end exceeds its start. */
static inline u64 max_end(const struct rb_node *rb)
{
	return rb ? node_of(rb)->subtree_max_end : 0;
}

static bool recompute_max_end(struct rb_node *rb)
{
	struct interval_node *n = node_of(rb);
	u64 m = MAX(n->end, MAX(max_end(rb->left), max_end(rb->right)));

	if (n->subtree_max_end == m)
		return false;
	n->subtree_max_end = m;
	return true;
}

void interval_tree_init(struct interval_tree *t)
{
	rb_root_init(&t->root);
}

void interval_tree_insert(struct interval_tree *t, struct interval_node *n)
{
	struct rb_node **link = &t->root.node, *parent = NULL;

	BUG_ON(n->start >= n->end);
	while (*link) {
		parent = *link;
		link = n->start < node_of(parent)->start ? &parent->left : &parent->right;
	}
	rb_insert(&t->root, &n->rb, parent, link, recompute_max_end);
}

void interval_tree_remove(struct interval_tree *t, struct interval_node *n)
{
	rb_erase(&t->root, &n->rb, recompute_max_end);
}

/*
 * The first node of rb's subtree, in order, that overlaps [start, end). Whenever the walk goes
 * left it is because some node there ends after start; if that node does not overlap it starts
 * at or after end, and so does everything after it. So NULL from a subtree whose max end is
 * above start means nothing later in the whole tree overlaps either.
 */
static struct interval_node *subtree_first(struct rb_node *rb, u64 start, u64 end)
{
	while (rb && max_end(rb) > start) {
		struct interval_node *n = node_of(rb);

		if (max_end(rb->left) > start) {
			rb = rb->left;
			continue;
		}
		if (n->start >= end)
			return NULL;
		if (n->end > start)
			return n;
		rb = rb->right;
	}
	return NULL;
}

struct interval_node *interval_tree_first_overlap(struct interval_tree *t, u64 start, u64 end)
{
	if (start >= end)
		return NULL;
	return subtree_first(t->root.node, start, end);
}

struct interval_node *interval_tree_next_overlap(struct interval_node *n, u64 start, u64 end)
{
	struct rb_node *rb = &n->rb;

	if (start >= end)
		return NULL;
	for (;;) {
		/* Nodes after rb: first its right subtree, then the ancestor it is left of, ... */
		if (max_end(rb->right) > start)
			return subtree_first(rb->right, start, end);
		while (rb->parent && rb == rb->parent->right)
			rb = rb->parent;
		rb = rb->parent;
		if (!rb)
			return NULL;
		n = node_of(rb);
		if (n->start >= end)
			return NULL;
		if (n->end > start)
			return n;
	}
}

int interval_tree_validate(const struct interval_tree *t)
{
	const struct interval_node *prev = NULL;
	int problems = rb_validate(&t->root);

	/* Following rb_next through a misshapen tree might never end. */
	if (problems)
		return problems;
	for (const struct rb_node *rb = rb_first(&t->root); rb; rb = rb_next(rb)) {
		const struct interval_node *n = node_of(rb);

		if (n->start >= n->end)
			problems++;
		if (prev && prev->start > n->start)
			problems++;
		if (n->subtree_max_end != MAX(n->end, MAX(max_end(rb->left), max_end(rb->right))))
			problems++;
		prev = n;
	}
	return -problems;
}

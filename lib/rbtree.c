/* Red-black rebalancing, in-order traversal and the shape checker behind lib/rbtree.h.
 * No locking: callers serialise writers (see the header). Mirror-image cases are written once,
 * with `dir` naming a side (RB_L or RB_R) and !dir the other. */
#include "lib/rbtree.h"

#define RB_L 0
#define RB_R 1

/* A valid tree of n nodes is at most 2*log2(n+1) high; 64-bit memory bounds n below 2^64. */
#define RB_MAX_HEIGHT 128

static inline bool is_red(const struct rb_node *n) { return n && n->color == RB_RED; }

static inline struct rb_node *child(const struct rb_node *n, int dir)
{
	return dir == RB_L ? n->left : n->right;
}

static inline void set_child(struct rb_node *n, int dir, struct rb_node *c)
{
	if (dir == RB_L)
		n->left = c;
	else
		n->right = c;
}

static inline int side_of(const struct rb_node *parent, const struct rb_node *n)
{
	return parent->left == n ? RB_L : RB_R;
}

/* Point whatever held old (parent's child slot, or the root) at new. */
static void replace_child(struct rb_root *root, struct rb_node *parent, struct rb_node *old,
			  struct rb_node *new)
{
	if (!parent)
		root->node = new;
	else
		set_child(parent, side_of(parent, old), new);
}

/*
 * Move x down towards dir; its child on the other side (y) takes its place. For dir == RB_L:
 *
 *        x                 y
 *       / \               / \
 *      a   y      ->     x   c
 *         / \           / \
 *        b   c         a   b
 *
 * y's new subtree holds exactly what x's did, so only x and then y need new summaries.
 */
static void rotate(struct rb_root *root, struct rb_node *x, int dir, rb_recompute_fn recompute)
{
	struct rb_node *y = child(x, !dir), *b = child(y, dir);

	set_child(x, !dir, b);
	if (b)
		b->parent = x;
	y->parent = x->parent;
	replace_child(root, x->parent, x, y);
	set_child(y, dir, x);
	x->parent = y;
	if (recompute) {
		recompute(x);
		recompute(y);
	}
}

/*
 * Recompute n and its ancestors below stop (NULL: up to the root), ending early at a node whose
 * summary comes out unchanged: above it nothing any summary reads has changed. That holds only
 * if the node still hangs where it did, so whoever moved a node recomputes its new parent too.
 */
static void propagate(struct rb_node *n, const struct rb_node *stop, rb_recompute_fn recompute)
{
	for (; n != stop; n = n->parent)
		if (!recompute(n))
			break;
}

void rb_insert(struct rb_root *root, struct rb_node *n, struct rb_node *parent,
	       struct rb_node **link, rb_recompute_fn recompute)
{
	n->parent = parent;
	n->left = n->right = NULL;
	n->color = RB_RED;
	*link = n;
	if (recompute) {
		recompute(n);
		propagate(parent, NULL, recompute);
	}

	/* n is red; the only possible violation is a red parent. */
	struct rb_node *p;
	while (is_red(p = n->parent)) {
		struct rb_node *g = p->parent;   /* exists: the root is black */
		int dir = side_of(g, p);
		struct rb_node *uncle = child(g, !dir);

		if (is_red(uncle)) {
			/* Move g's black down to both children; g may now clash with its parent. */
			p->color = uncle->color = RB_BLACK;
			g->color = RB_RED;
			n = g;
			continue;
		}
		if (n == child(p, !dir)) {
			/* n is an inner grandchild: turn it into the outer one. */
			rotate(root, p, dir, recompute);
			n = p;
			p = n->parent;
		}
		p->color = RB_BLACK;
		g->color = RB_RED;
		rotate(root, g, !dir, recompute);
		break;
	}
	root->node->color = RB_BLACK;
}

/*
 * A black node was removed from above x, parent's child (x may be NULL), so every path through x
 * is one black short. Either find a red node to repaint black or move the shortage up.
 */
static void erase_fixup(struct rb_root *root, struct rb_node *x, struct rb_node *parent,
			rb_recompute_fn recompute)
{
	while (x != root->node && !is_red(x)) {
		/* The sibling exists: its side has at least one black node more than x's. */
		int dir = side_of(parent, x);
		struct rb_node *sib = child(parent, !dir);

		if (is_red(sib)) {
			/* Make the sibling black (parent is then red) so the cases below apply. */
			sib->color = RB_BLACK;
			parent->color = RB_RED;
			rotate(root, parent, dir, recompute);
			sib = child(parent, !dir);
		}
		if (!is_red(sib->left) && !is_red(sib->right)) {
			/* Take a black off the sibling's side too: parent's subtree is short. */
			sib->color = RB_RED;
			x = parent;
			parent = x->parent;
			continue;
		}
		if (!is_red(child(sib, !dir))) {
			/* Only the near nephew is red: rotate it outwards. */
			child(sib, dir)->color = RB_BLACK;
			sib->color = RB_RED;
			rotate(root, sib, !dir, recompute);
			sib = child(parent, !dir);
		}
		/* The far nephew is red: rotating parent towards x gives x's side a black more. */
		sib->color = parent->color;
		parent->color = RB_BLACK;
		child(sib, !dir)->color = RB_BLACK;
		rotate(root, parent, dir, recompute);
		x = root->node;
		break;
	}
	if (x)
		x->color = RB_BLACK;
}

void rb_erase(struct rb_root *root, struct rb_node *n, rb_recompute_fn recompute)
{
	struct rb_node *x, *parent;   /* what fills the emptied slot, and its new parent */
	enum rb_color removed;

	if (!n->left || !n->right) {
		x = n->left ? n->left : n->right;
		parent = n->parent;
		removed = n->color;
		replace_child(root, parent, n, x);
		if (x)
			x->parent = parent;
		if (recompute)
			propagate(parent, NULL, recompute);
	} else {
		/* Two children: n's successor s (leftmost on the right, so without a left child)
		 * leaves its own slot and takes n's place and colour. */
		struct rb_node *s = n->right;

		while (s->left)
			s = s->left;
		x = s->right;
		removed = s->color;
		if (s->parent == n) {
			parent = s;
		} else {
			parent = s->parent;
			parent->left = x;
			if (x)
				x->parent = parent;
			s->right = n->right;
			s->right->parent = s;
		}
		s->left = n->left;
		s->left->parent = s;
		s->parent = n->parent;
		replace_child(root, n->parent, n, s);
		s->color = n->color;
		if (recompute) {
			propagate(parent, s, recompute);
			recompute(s);
			propagate(s->parent, NULL, recompute);
		}
	}
	if (removed == RB_BLACK)
		erase_fixup(root, x, parent, recompute);
}

static struct rb_node *extreme(struct rb_node *n, int dir)
{
	if (n)
		while (child(n, dir))
			n = child(n, dir);
	return n;
}

/* The in-order neighbour of n on side dir. */
static struct rb_node *step(const struct rb_node *n, int dir)
{
	if (child(n, dir))
		return extreme(child(n, dir), !dir);
	while (n->parent && n == child(n->parent, dir))
		n = n->parent;
	return n->parent;
}

struct rb_node *rb_first(const struct rb_root *root) { return extreme(root->node, RB_L); }
struct rb_node *rb_last(const struct rb_root *root) { return extreme(root->node, RB_R); }
struct rb_node *rb_next(const struct rb_node *n) { return step(n, RB_R); }
struct rb_node *rb_prev(const struct rb_node *n) { return step(n, RB_L); }

/*
 * Depth-first without recursion or a stack, climbing back through parent pointers. It descends
 * only into a child whose parent pointer agrees and never deeper than RB_MAX_HEIGHT, so a
 * corrupted tree is reported instead of walked forever.
 */
int rb_validate(const struct rb_root *root)
{
	const struct rb_node *n = root->node;
	int problems = 0, depth = 0, blacks, leaf_blacks = -1;
	int from = -1;   /* -1: just arrived from above; RB_L/RB_R: climbed back from that child */

	if (!n)
		return 0;
	if (n->parent || is_red(n))
		problems++;
	blacks = 1;
	while (n) {
		int dir = from == -1 ? RB_L : from == RB_L ? RB_R : 2;

		if (from == -1 && is_red(n) && (is_red(n->left) || is_red(n->right)))
			problems++;
		for (; dir <= RB_R; dir++) {
			const struct rb_node *c = child(n, dir);

			if (!c) {
				/* Paths from the root to any empty slot: equal blacks. */
				if (leaf_blacks < 0)
					leaf_blacks = blacks;
				else if (blacks != leaf_blacks)
					problems++;
				continue;
			}
			if (c->parent != n || depth + 1 > RB_MAX_HEIGHT ||
			    (dir == RB_R && c == n->left)) {
				problems++;
				continue;
			}
			break;
		}
		if (dir <= RB_R) {
			n = child(n, dir);
			depth++;
			blacks += !is_red(n);
			from = -1;
		} else {
			const struct rb_node *up = n->parent;

			if (up)
				from = side_of(up, n);
			blacks -= !is_red(n);
			depth--;
			n = depth >= 0 ? up : NULL;
		}
	}
	return -problems;
}

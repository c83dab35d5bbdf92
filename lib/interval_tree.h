/* Interval trees of half-open ranges [start, end) of u64, on lib/rbtree.h: the node is embedded in
 * the caller's object, and overlap queries skip every subtree whose intervals all end too early.
 * Locking: none inside. The caller serialises every insert and remove against all other access;
 * queries and iterations may run concurrently with each other only. */
#ifndef LIB_INTERVAL_TREE_H
#define LIB_INTERVAL_TREE_H

#include "lib/rbtree.h"

/*
 * Nodes are ordered by start. Equal starts, including identical intervals, stay in insertion
 * order: a new node goes after every node already present with the same start.
 *
 * [a, b) and [c, d) overlap when a < d && c < b, so [a, b) and [b, c) do not, and an empty
 * query [s, s) overlaps nothing. The point 2^64 - 1 itself cannot be covered; [0, 2^64 - 1) is
 * the widest interval.
 *
 * Cost: insert, remove and first_overlap are O(log n); each next_overlap is O(log n) at worst.
 * Walking all k overlaps of a query costs O(log n + k) when they are consecutive in tree order,
 * which holds whenever no stored interval lies inside another. Otherwise the non-overlapping
 * nodes between two hits are skipped a subtree at a time, but reaching each hit may cost up to
 * O(log n): O(log n + k log(n/k)) in all, since any walk passes the ancestors of every hit.
 */

struct interval_node {
	struct rb_node rb;
	u64 start, end;         /* written by the caller before insert, not changed while linked */
	u64 subtree_max_end;    /* the largest end in this node's subtree; maintained by the tree */
};

struct interval_tree {
	struct rb_root root;
};

void interval_tree_init(struct interval_tree *t);

/* n->start < n->end, or BUG. */
void interval_tree_insert(struct interval_tree *t, struct interval_node *n);
void interval_tree_remove(struct interval_tree *t, struct interval_node *n);

/* The overlapping node that comes first in tree order (lowest start), or NULL. */
struct interval_node *interval_tree_first_overlap(struct interval_tree *t, u64 start, u64 end);

/* The next node after n in tree order that overlaps [start, end), or NULL. With first_overlap:
 *
 *     for (n = interval_tree_first_overlap(t, s, e); n; n = interval_tree_next_overlap(n, s, e))
 */
struct interval_node *interval_tree_next_overlap(struct interval_node *n, u64 start, u64 end);

static inline bool interval_tree_empty(const struct interval_tree *t) { return rb_empty(&t->root); }

/* Debug: check the red-black shape, that starts are in order and below their ends, and every
 * subtree_max_end. Returns 0 or minus the number of problems; prints nothing. */
int interval_tree_validate(const struct interval_tree *t);

#endif

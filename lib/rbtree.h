/* Intrusive red-black trees: the node lives inside the caller's object, so inserting and erasing
 * never allocate, and the tree never compares keys (the caller walks down itself).
 * Locking: none inside. The caller serialises every writer against every other access; readers
 * may run concurrently with each other only. */
#ifndef LIB_RBTREE_H
#define LIB_RBTREE_H

#include "kernel/compiler.h"

/*
 * Inserting: walk down from the root comparing keys, remembering the last node visited (parent)
 * and the child pointer that was NULL (link), then hand both to rb_insert:
 *
 *     struct rb_node **link = &root->node, *parent = NULL;
 *     while (*link) {
 *             parent = *link;
 *             if (key < rb_entry(parent, struct thing, rb)->key)
 *                     link = &parent->left;
 *             else
 *                     link = &parent->right;
 *     }
 *     rb_insert(root, &new->rb, parent, link, NULL);
 *
 * Going right on equal keys keeps equal keys in insertion order; the tree itself never reorders
 * nodes, it only rotates, which keeps the in-order sequence.
 *
 * Augmenting: a tree may keep a per-node summary of its subtree (a maximum, a count). The caller
 * passes a recompute callback that sets the summary of one node from that node's own data and
 * its children's stored summaries, and returns whether the value changed. The tree calls it, on
 * every insert and erase of that tree (pass the same callback every time, or NULL for none):
 *   - on the new node and then up its ancestors, stopping once a value does not change;
 *   - on both nodes of every rotation, the one moving down first;
 *   - on erase, from the lowest node whose subtree lost a member up towards the root, stopping
 *     once a value does not change, except that the node moved into the erased one's place and
 *     its new parent are always recomputed.
 * A caller who changes a node's own data in place must erase and reinsert it.
 */

enum rb_color { RB_RED, RB_BLACK };

struct rb_node {
	struct rb_node *parent, *left, *right;
	enum rb_color color;
};

struct rb_root {
	struct rb_node *node;
};

typedef bool (*rb_recompute_fn)(struct rb_node *n);

#define RB_ROOT_INIT { NULL }
#define rb_entry(ptr, type, member) container_of(ptr, type, member)

static inline void rb_root_init(struct rb_root *root) { root->node = NULL; }
static inline bool rb_empty(const struct rb_root *root) { return root->node == NULL; }

/* Link n, which the caller found belongs at *link under parent (NULL for the root), and
 * rebalance. n's previous contents are ignored. */
void rb_insert(struct rb_root *root, struct rb_node *n, struct rb_node *parent,
	       struct rb_node **link, rb_recompute_fn recompute);

/* Unlink n, which must be in this tree, and rebalance. n's fields are left stale. */
void rb_erase(struct rb_root *root, struct rb_node *n, rb_recompute_fn recompute);

/* In-order traversal; NULL past either end or on an empty tree. */
struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_last(const struct rb_root *root);
struct rb_node *rb_next(const struct rb_node *n);
struct rb_node *rb_prev(const struct rb_node *n);

/* Debug: check the shape (parent links, root black, no red node with a red child, the same
 * number of black nodes on every path down). Returns 0 or minus the number of problems found;
 * never loops on a corrupted tree. Keys and summaries are the caller's to check. */
int rb_validate(const struct rb_root *root);

#endif

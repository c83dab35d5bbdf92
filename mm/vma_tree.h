/* The VMA tree: an RCU-safe B+-tree that maps non-overlapping address ranges [start, end) to
 * struct vma pointers, in the spirit of Linux's maple tree. It stores each range itself and never
 * looks inside a struct vma. Lookups and iteration need only rcu_read_lock(); writers are
 * serialised by the caller (one writer per tree today; the planned mm's mmap_lock) and publish
 * copied nodes with one pointer store.
 * docs/mm/vma-tree.md draws the node layout and explains why readers are safe. */
#ifndef MM_VMA_TREE_H
#define MM_VMA_TREE_H

#include "kernel/compiler.h"
#include "kernel/rcu/rcu.h"

struct vma;   /* opaque here: the tree only stores the pointer */

/* ---- Node layout (private to mm/vma_tree*.c; here so both files and the docs share it). ----
 * The tree partitions the whole index space [0, UINTPTR_MAX] into slots: every address lies in
 * exactly one leaf slot, which holds a struct vma * or NULL (a gap). A node covers [min, max],
 * known from its parent's pivots (the root covers everything). Slot i of a node with nr slots
 * covers [pivot[i-1] + 1, pivot[i]], with pivot[-1] + 1 = min and pivot[nr-1] = max implied;
 * pivots from nr-1 on hold UINTPTR_MAX. */
#define VMA_TREE_NODE_SIZE    256
#define VMA_TREE_LEAF_SLOTS   15
#define VMA_TREE_INNER_SLOTS  10
#define VMA_TREE_LEAF_MIN     7    /* every node but the root holds at least MIN slots */
#define VMA_TREE_INNER_MIN    5
/* 20 levels need more than 5^18 nodes (a petabyte of them): writes BUG before, and the
 * bound keeps every walk finite and the writer's paths small. */
#define VMA_TREE_MAX_HEIGHT   20

enum vma_tree_node_type {
	VMA_TREE_DEAD = 0,    /* freed (or never filled in): a reader that sees this found a bug */
	VMA_TREE_LEAF = 1,
	VMA_TREE_INNER = 2,
};

struct vma_tree_node {
	/* type, nr, pivots, children and gaps are written before the node is published and never
	 * again; only the leaf slots change in place (vma_tree_replace, with
	 * rcu_assign_pointer). */
	u8 type;
	u8 nr;                    /* slots in use, 1..LEAF_SLOTS or 2..INNER_SLOTS */
	u8 pad[6];
	struct rcu_head rcu;      /* writer only: links the write's new or retired nodes, then
	                           * call_rcu */
	union {
		struct {
			uintptr_t pivot[VMA_TREE_LEAF_SLOTS - 1];
			struct vma *slot[VMA_TREE_LEAF_SLOTS];     /* RCU */
		} leaf;
		struct {
			uintptr_t pivot[VMA_TREE_INNER_SLOTS - 1];
			struct vma_tree_node *child[VMA_TREE_INNER_SLOTS];
			uintptr_t gap[VMA_TREE_INNER_SLOTS];   /* largest free size in child i */
		} inner;
	};
};
STATIC_ASSERT(sizeof(struct vma_tree_node) == VMA_TREE_NODE_SIZE,
	      "vma_tree_node must be 256 bytes");

/* Readers of VMA_TREE_BUSTED trees that reached a freed node (the torture twin's symptom). */
extern unsigned long vma_tree_reader_faults;

/* ---- The tree ---- */
#define VMA_TREE_BUSTED 0x1u   /* torture twin only: end replaced nodes' lives at once (poison
				* them), not after a grace period. Readers then walk dead nodes;
				* the tests must notice. */

struct vma_tree {
	struct vma_tree_node *root;   /* RCU: NULL when the tree is empty */
	u64 seq;                      /* writer, atomically: +1 after each published structural
	                               * write */
	unsigned height;              /* writer only: levels below and including the root; 0 if
	                               * empty */
	unsigned flags;               /* written once by vma_tree_init */
	unsigned long nr_entries;     /* writer only: non-NULL slots */
	unsigned long nr_nodes;       /* writer only: nodes reachable from root */
	struct vma_tree_node *reserve;   /* writer only: nodes set aside by vma_tree_reserve,
					  * linked through rcu.next; writes take these first */
	unsigned long nr_reserve;
	bool reserved;                   /* writer only: writes must live on the reserve (set by
					  * the caller between vma_tree_reserve and its last write) */
	unsigned long reserve_misses;    /* writer only: nodes a write still had to allocate while
					  * `reserved`: a reservation sized too small (tests: 0) */
};

/* The range of an entry handed back by a lookup: [start, end). */
struct vma_tree_span {
	uintptr_t start, end;
};

/* Boot: create the "vma_tree_node" slab cache (once, before any tree is written). */
void vma_tree_cache_init(void);
void vma_tree_init(struct vma_tree *t, unsigned flags);
/* Empty the tree; its nodes are freed after a grace period. */
void vma_tree_destroy(struct vma_tree *t);

/* ---- Readers: under rcu_read_lock() or the writer's lock. A reader racing a write sees, for
 * each slot it reads, either the version before the write or the one after. Every function
 * that returns an entry fills *span (if span is not NULL) with the entry's range in the tree. */

/* The entry containing addr, or NULL. */
struct vma *vma_tree_find(const struct vma_tree *t, uintptr_t addr, struct vma_tree_span *span);
/* The first entry that ends above addr (contains addr or lies above it), or NULL. */
struct vma *vma_tree_find_next(const struct vma_tree *t, uintptr_t addr,
			       struct vma_tree_span *span);
/* The first entry that starts at or above addr: the next VMA after one ending at addr. */
struct vma *vma_tree_next(const struct vma_tree *t, uintptr_t addr, struct vma_tree_span *span);
/* The last entry that ends at or below addr: the VMA before one starting at addr. */
struct vma *vma_tree_prev(const struct vma_tree *t, uintptr_t addr, struct vma_tree_span *span);

/* Iteration over the entries that overlap [start, end), in address order. Between two calls
 * the caller may drop rcu_read_lock() or write the tree: the iterator keeps a leaf only while the
 * tree's seq is unchanged, else looks up its position again, and always resumes at the end of
 * the entry it returned last. So each entry returned ends above the one before; if the tree
 * changed in between, it may start below that end (a new entry over the resume point). */
struct vma_tree_iter {
	const struct vma_tree *tree;
	uintptr_t index;          /* next address to look at */
	uintptr_t last;           /* last address of the range */
	bool done;
	const struct vma_tree_node *leaf;   /* cache: the leaf holding index, while seq holds */
	uintptr_t leaf_min, leaf_max;
	unsigned slot;
	u64 seq;
};
void vma_tree_iter_init(struct vma_tree_iter *it, const struct vma_tree *t, uintptr_t start,
			uintptr_t end);
struct vma *vma_tree_iter_next(struct vma_tree_iter *it, struct vma_tree_span *span);
#define vma_tree_for_each(it, vma, span) while (((vma) = vma_tree_iter_next((it), (span))))

/* Free-range search in [lo, hi): the highest (topdown) or lowest (bottomup) start, a multiple
 * of align (a power of two), such that [start, start + size) is free and inside [lo, hi).
 * Returns 0 and *start, -ENOMEM if there is no such range, -EINVAL for bad arguments.
 * O(log n) when align divides every entry boundary (pages); worst case visits more leaves. */
int vma_tree_gap_topdown(const struct vma_tree *t, uintptr_t lo, uintptr_t hi, uintptr_t size,
			 uintptr_t align, uintptr_t *start);
int vma_tree_gap_bottomup(const struct vma_tree *t, uintptr_t lo, uintptr_t hi, uintptr_t size,
			  uintptr_t align, uintptr_t *start);

/* ---- Writers: the caller serialises them (and any reader that wants a stable tree). ----
 * The index space is [0, UINTPTR_MAX]; an entry's end is at most UINTPTR_MAX, so the last
 * address is never mapped. Writes that change the shape of the tree allocate nodes: each returns
 * 0, or -ENOMEM with the tree exactly as it was. */

/* Make [start, end) map to vma, or to nothing if vma is NULL. Entries wholly inside the range
 * leave the tree. An entry that straddles start or end is trimmed: the tree keeps the part
 * outside [start, end) under the same pointer (so an entry that covers the range on both sides
 * ends up as two entries with the same pointer, and the caller replaces one of them). The tree
 * does not join neighbouring entries, even equal ones; neighbouring gaps are always joined.
 * -EINVAL if start >= end. */
int vma_tree_store_range(struct vma_tree *t, uintptr_t start, uintptr_t end, struct vma *vma);
/* store_range for a non-NULL vma over a free range: -EEXIST if anything overlaps it. */
int vma_tree_insert(struct vma_tree *t, uintptr_t start, uintptr_t end, struct vma *vma);
/* Reserve: make sure the next nr_writes writes (store_range, insert, erase) cannot fail with
 * -ENOMEM, by setting aside as many nodes as they could need at most (3 * h + 3 each, h the
 * greatest height a valid tree can have after two more entries per write). An operation that
 * makes several writes reserves first, so that it either fails before changing anything or not
 * at all. 0, or -ENOMEM with the reserve as it was. What the writes do not use stays
 * reserved: vma_tree_reserve_trim(t, n) frees all but n (the count to go back to after a
 * failure, or what to keep for next time); vma_tree_destroy frees it all. Allocations for the
 * reserve count at the mm's failure-injection site MM_ALLOC_TREE_NODE (mm/alloc_fail.h). */
int vma_tree_reserve(struct vma_tree *t, unsigned nr_writes);
unsigned long vma_tree_nodes_in_use(void);   /* of every tree, reserves included: leak checks */
void vma_tree_cache_shrink(void);             /* kmem_cache_shrink of the node cache */
void vma_tree_reserve_trim(struct vma_tree *t, unsigned long keep);

/* Remove the whole entry containing addr, which must be vma (else -ENOENT). */
int vma_tree_erase(struct vma_tree *t, uintptr_t addr, struct vma *vma);
/* Swap the entry containing addr, which must be old (else -ENOENT), for new (not NULL), with the
 * same range. One pointer store in place: never allocates, so never fails with -ENOMEM. */
int vma_tree_replace(struct vma_tree *t, uintptr_t addr, struct vma *old, struct vma *new);

/* Check every invariant (docs/mm/vma-tree.md lists them); 0, or -EINVAL after printing the first
 * violation. Writer context. Builds with VMA_TREE_DEBUG run it after every write. */
int vma_tree_validate(const struct vma_tree *t);

/* ---- Helpers shared by the two halves of the implementation ---- */
/* Where an address lies: a leaf, the leaf's range, and the slot covering the address. */
struct vma_tree_pos {
	struct vma_tree_node *leaf;
	uintptr_t min, max;
	unsigned slot;
};
/* Walk from the root to the leaf covering key; false if the tree is empty. Reader or writer. */
bool vma_tree_walk(const struct vma_tree *t, uintptr_t key, struct vma_tree_pos *pos);

/* The slot of a node that covers key: the number of its pivots below key. Unused pivots hold
 * UINTPTR_MAX, which is below no key, so the count needs neither nr nor a branch per pivot. */
static inline unsigned vma_tree_slot_of(const uintptr_t *pivot, unsigned npivots, uintptr_t key)
{
	unsigned i = 0;
	for (unsigned j = 0; j < npivots; j++)
		i += pivot[j] < key;
	return i;
}

/* Bytes usable in the gap [lo, hi] (inclusive): the last address of the space does not count. */
static inline uintptr_t vma_tree_gap_size(uintptr_t lo, uintptr_t hi)
{
	if (hi == UINTPTR_MAX)
		return UINTPTR_MAX - lo;
	return hi - lo + 1;
}

#endif

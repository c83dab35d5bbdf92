/* A trivially correct VMA tree for tests: a sorted array of [start, end) -> value, with every
 * operation of mm/vma_tree.h done by a linear scan, and a comparison of a tree against it. */
#ifndef TESTS_HOST_VMA_TREE_MODEL_H
#define TESTS_HOST_VMA_TREE_MODEL_H

#include "mm/vma_tree.h"

struct model_entry {
	uintptr_t start, end;
	struct vma *vma;
};

struct model {
	struct model_entry *e;
	unsigned long n, cap;
};

void model_init(struct model *m);
void model_free(struct model *m);
void model_copy(struct model *dst, const struct model *src);
/* The same contract as vma_tree_store_range / insert / erase / replace. */
int model_store(struct model *m, uintptr_t start, uintptr_t end, struct vma *vma);
int model_insert(struct model *m, uintptr_t start, uintptr_t end, struct vma *vma);
int model_erase(struct model *m, uintptr_t addr, struct vma *vma);
int model_replace(struct model *m, uintptr_t addr, struct vma *old, struct vma *new);
/* Index of the entry containing addr / ending above addr / starting at or above addr / ending at
 * or below addr; -1 if none. */
long model_find(const struct model *m, uintptr_t addr);
long model_find_next(const struct model *m, uintptr_t addr);
long model_next(const struct model *m, uintptr_t addr);
long model_prev(const struct model *m, uintptr_t addr);
int model_gap(const struct model *m, uintptr_t lo, uintptr_t hi, uintptr_t size, uintptr_t align,
	      bool topdown, uintptr_t *start);

/* Compare, printing the first difference: all entries, or those overlapping [start, end) as
 * the tree's iterator yields them. Return 0 if equal. */
int model_compare(const struct model *m, const struct vma_tree *t);
int model_compare_range(const struct model *m, const struct vma_tree *t, uintptr_t start,
			uintptr_t end);
/* Compare one lookup of each kind at addr. */
int model_compare_lookups(const struct model *m, const struct vma_tree *t, uintptr_t addr);
/* Compare both gap searches. */
int model_compare_gaps(const struct model *m, const struct vma_tree *t, uintptr_t lo, uintptr_t hi,
		       uintptr_t size, uintptr_t align);

#endif

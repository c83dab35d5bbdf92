/* The model-based fuzzer of mm/vma_tree.c: random operations applied to a tree and to the model
 * (vma_tree_model.c), compared after every step. The randomness comes from outside, so the same
 * engine serves a seeded command-line runner (fuzz_vma_tree.c) and libFuzzer
 * (libfuzz_vma_tree.c). Single-threaded: call_rcu callbacks run at rcu_barrier. */
#ifndef TESTS_HOST_VMA_TREE_FUZZ_H
#define TESTS_HOST_VMA_TREE_FUZZ_H

#include "tests/host/vma_tree_model.h"

struct fuzz {
	struct vma_tree tree;
	struct model model;
	struct kmem_cache *cache;
	u64 (*draw)(void *ctx, u64 bound);   /* uniform in [0, bound); bound 0: any 64 bits */
	void *ctx;
	bool armed;               /* an allocation failure is injected into this write */
	bool failed;              /* a difference was found (and printed) */
	bool fixed_scale;         /* keep the universe small (libFuzzer) */
	unsigned long scale;      /* universe: this many pages from 0, plus the top of the space */
	unsigned long target;     /* the size the tree drifts towards */
	unsigned long next_id;
	unsigned long steps, writes, nomem, max_entries, max_height;
	unsigned long step_of_phase;
};

/* Needs vma_tree_cache_init() done. */
void fuzz_init(struct fuzz *f, u64 (*draw)(void *ctx, u64 bound), void *ctx);
/* One random operation, then the checks. 0, or -1 after printing the first difference. */
int fuzz_step(struct fuzz *f);
/* Empty the tree and check that every node was freed. 0 or -1. */
int fuzz_finish(struct fuzz *f);

#endif

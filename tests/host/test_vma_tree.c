/* Unit tests of mm/vma_tree.c: each operation and its edge cases (empty tree, adjacent and
 * single-page ranges, the whole address space, node boundaries, deep trees, allocation failure),
 * each write followed by vma_tree_validate() and a comparison with the model in
 * vma_tree_model.c, lookups probed at every entry boundary and one byte either side. */
#include "tests/host/host.h"
#include "tests/host/host_rcu.h"
#include "tests/host/host_slab.h"
#include "tests/host/vma_tree_model.h"
#include "kernel/errno.h"
#include "mm/vma_tree.h"

/* The tree never looks inside; these only give the pointers an identity. */
struct vma {
	unsigned id;
};
#define NR_VMAS 200000
static struct vma vmas[NR_VMAS];
#define V(i) (&vmas[(i) % NR_VMAS])

#define PG 4096ul
#define TOP UINTPTR_MAX

static struct kmem_cache *node_cache;
static struct model m;
static struct vma_tree t;

/* Nodes still allocated once every queued free has run: the tree's own, no more, no less. */
static void check_memory(void)
{
	rcu_barrier();
	CHECK_EQ(host_slab_live(node_cache), t.nr_nodes);
}

static void check_all(void)
{
	CHECK_EQ(vma_tree_validate(&t), 0);
	CHECK_EQ(model_compare(&m, &t), 0);
	/* The model is linear per lookup: probe at most ~100 entries' edges. */
	for (unsigned long i = 0; i < m.n; i += m.n / 100 + 1) {
		uintptr_t s = m.e[i].start, e = m.e[i].end;
		CHECK_EQ(model_compare_lookups(&m, &t, s), 0);
		CHECK_EQ(model_compare_lookups(&m, &t, e - 1), 0);
		CHECK_EQ(model_compare_lookups(&m, &t, e), 0);
		if (s)
			CHECK_EQ(model_compare_lookups(&m, &t, s - 1), 0);
	}
	CHECK_EQ(model_compare_lookups(&m, &t, 0), 0);
	CHECK_EQ(model_compare_lookups(&m, &t, TOP), 0);
	CHECK_EQ(model_compare_lookups(&m, &t, TOP - 1), 0);
	check_memory();
	if (host_failures > 20)
		exit(host_test_done("vma_tree"));
}

/* Do the same write to both and expect the same result. */
static int store(uintptr_t s, uintptr_t e, struct vma *v)
{
	int err = vma_tree_store_range(&t, s, e, v);
	CHECK_EQ(err, model_store(&m, s, e, v));
	return err;
}

static int insert(uintptr_t s, uintptr_t e, struct vma *v)
{
	int err = vma_tree_insert(&t, s, e, v);
	CHECK_EQ(err, model_insert(&m, s, e, v));
	return err;
}

static int erase(uintptr_t a, struct vma *v)
{
	int err = vma_tree_erase(&t, a, v);
	CHECK_EQ(err, model_erase(&m, a, v));
	return err;
}

static int replace(uintptr_t a, struct vma *old, struct vma *new)
{
	int err = vma_tree_replace(&t, a, old, new);
	CHECK_EQ(err, model_replace(&m, a, old, new));
	return err;
}

static void reset(void)
{
	vma_tree_destroy(&t);
	vma_tree_init(&t, 0);
	model_free(&m);
	check_memory();
}

static void test_empty(void)
{
	struct vma_tree_iter it;
	uintptr_t s;
	CHECK(!vma_tree_find(&t, 0, NULL));
	CHECK(!vma_tree_find_next(&t, 0, NULL));
	CHECK(!vma_tree_prev(&t, TOP, NULL));
	vma_tree_iter_init(&it, &t, 0, TOP);
	CHECK(!vma_tree_iter_next(&it, NULL));
	CHECK_EQ(vma_tree_gap_bottomup(&t, 0, TOP, PG, PG, &s), 0);
	CHECK_EQ(s, 0);
	CHECK_EQ(vma_tree_gap_topdown(&t, 0, TOP, PG, PG, &s), 0);
	CHECK_EQ(s, TOP - 2 * PG + 1);   /* the last page is not whole: it lacks the top address */
	CHECK_EQ(vma_tree_gap_topdown(&t, 0, TOP, 1, 1, &s), 0);
	CHECK_EQ(s, TOP - 1);
	CHECK_EQ(vma_tree_gap_topdown(&t, 0, TOP, TOP, 1, &s), 0);
	CHECK_EQ(s, 0);
	CHECK_EQ(vma_tree_gap_topdown(&t, 1, TOP, TOP, 1, &s), -ENOMEM);
	CHECK_EQ(vma_tree_gap_topdown(&t, 0, TOP, 0, 1, &s), -EINVAL);
	CHECK_EQ(vma_tree_gap_topdown(&t, 0, TOP, 1, 3, &s), -EINVAL);
	CHECK_EQ(vma_tree_gap_topdown(&t, 5, 5, 1, 1, &s), -EINVAL);
	CHECK_EQ(erase(0, V(1)), -ENOENT);
	CHECK_EQ(replace(0, V(1), V(2)), -ENOENT);
	CHECK_EQ(store(PG, 2 * PG, NULL), 0);     /* a no-op: nothing to unmap */
	CHECK_EQ(store(2 * PG, PG, V(1)), -EINVAL);
	CHECK_EQ(insert(PG, PG, V(1)), -EINVAL);
	CHECK_EQ(insert(PG, 2 * PG, NULL), -EINVAL);
	CHECK(t.root == NULL);
	check_all();
}

static void test_single_and_adjacent(void)
{
	CHECK_EQ(insert(10 * PG, 11 * PG, V(1)), 0);   /* one page */
	check_all();
	CHECK_EQ(insert(10 * PG, 11 * PG, V(2)), -EEXIST);
	CHECK_EQ(insert(10 * PG + 5, 10 * PG + 6, V(2)), -EEXIST);
	CHECK_EQ(insert(9 * PG, 10 * PG + 1, V(2)), -EEXIST);
	CHECK_EQ(insert(9 * PG, 10 * PG, V(2)), 0);    /* touching below */
	CHECK_EQ(insert(11 * PG, 12 * PG, V(3)), 0);   /* touching above */
	CHECK_EQ(insert(12 * PG, 12 * PG + 1, V(4)), 0);   /* one byte */
	check_all();
	CHECK_EQ(t.height, 1);
	CHECK(vma_tree_find(&t, 10 * PG, NULL) == V(1));
	CHECK(vma_tree_find(&t, 10 * PG - 1, NULL) == V(2));
	CHECK(vma_tree_find(&t, 12 * PG + 1, NULL) == NULL);
	CHECK(vma_tree_prev(&t, 10 * PG, NULL) == V(2));
	CHECK(vma_tree_next(&t, 11 * PG, NULL) == V(3));
	CHECK(vma_tree_next(&t, 10 * PG + 1, NULL) == V(3));
	CHECK(vma_tree_find_next(&t, 10 * PG + 1, NULL) == V(1));
	CHECK_EQ(erase(10 * PG + 7, V(2)), -ENOENT);   /* wrong vma */
	CHECK_EQ(erase(10 * PG + 7, V(1)), 0);
	CHECK_EQ(erase(10 * PG + 7, V(1)), -ENOENT);   /* now a gap */
	check_all();
	CHECK_EQ(replace(11 * PG, V(3), V(5)), 0);
	CHECK_EQ(replace(11 * PG, V(3), V(5)), -ENOENT);
	CHECK_EQ(replace(11 * PG, V(5), NULL), -EINVAL);
	check_all();
	reset();
}

static void test_whole_space(void)
{
	uintptr_t s;
	struct vma_tree_span sp;
	CHECK_EQ(insert(0, TOP, V(1)), 0);
	check_all();
	CHECK(vma_tree_find(&t, 0, &sp) == V(1));
	CHECK_EQ(sp.start, 0);
	CHECK_EQ(sp.end, TOP);
	CHECK(vma_tree_find(&t, TOP - 1, NULL) == V(1));
	CHECK(vma_tree_find(&t, TOP, NULL) == NULL);
	CHECK_EQ(vma_tree_gap_bottomup(&t, 0, TOP, 1, 1, &s), -ENOMEM);
	CHECK_EQ(insert(TOP - 1, TOP, V(2)), -EEXIST);
	/* Punch a page out of the middle: both pieces keep V(1). */
	CHECK_EQ(store(TOP / 2, TOP / 2 + PG, NULL), 0);
	check_all();
	CHECK_EQ(t.nr_entries, 2);
	CHECK_EQ(vma_tree_gap_topdown(&t, 0, TOP, PG, PG, &s), -ENOMEM);   /* not aligned */
	CHECK_EQ(vma_tree_gap_topdown(&t, 0, TOP, PG, 1, &s), 0);
	CHECK_EQ(s, TOP / 2);
	CHECK_EQ(store(0, TOP, NULL), 0);
	CHECK(t.root == NULL);
	check_all();
	/* The very top and the very bottom. */
	CHECK_EQ(insert(TOP - PG, TOP, V(3)), 0);
	CHECK_EQ(insert(0, PG, V(4)), 0);
	CHECK_EQ(insert(TOP - 1, TOP, V(5)), -EEXIST);
	check_all();
	CHECK(vma_tree_prev(&t, TOP, NULL) == V(3));
	CHECK(vma_tree_next(&t, 1, NULL) == V(3));
	CHECK(vma_tree_next(&t, TOP, NULL) == NULL);
	CHECK(vma_tree_prev(&t, PG - 1, NULL) == NULL);
	CHECK(vma_tree_prev(&t, PG, NULL) == V(4));
	CHECK_EQ(vma_tree_gap_topdown(&t, 0, TOP, PG, PG, &s), 0);
	CHECK_EQ(s, TOP - 3 * PG + 1);   /* below the top page, which begins at TOP - PG */
	CHECK_EQ(vma_tree_gap_bottomup(&t, 0, TOP, PG, PG, &s), 0);
	CHECK_EQ(s, PG);
	CHECK_EQ(model_compare_gaps(&m, &t, 0, TOP, PG, PG), 0);
	CHECK_EQ(model_compare_gaps(&m, &t, 0, TOP, 1, 1), 0);
	reset();
}

/* store_range's contract at its edges. */
static void test_store_edges(void)
{
	struct vma_tree_span sp;
	CHECK_EQ(insert(10 * PG, 20 * PG, V(1)), 0);
	CHECK_EQ(insert(20 * PG, 30 * PG, V(2)), 0);
	CHECK_EQ(store(15 * PG, 25 * PG, NULL), 0);    /* trims both */
	check_all();
	CHECK(vma_tree_find(&t, 14 * PG, &sp) == V(1));
	CHECK_EQ(sp.end, 15 * PG);
	CHECK(vma_tree_find(&t, 25 * PG, &sp) == V(2));
	CHECK_EQ(sp.start, 25 * PG);
	CHECK_EQ(store(11 * PG, 12 * PG, V(3)), 0);    /* inside one entry: it becomes two */
	check_all();
	CHECK_EQ(t.nr_entries, 4);
	CHECK(vma_tree_find(&t, 10 * PG, NULL) == V(1));
	CHECK(vma_tree_find(&t, 12 * PG, NULL) == V(1));
	CHECK_EQ(replace(12 * PG, V(1), V(4)), 0);     /* what a split does next */
	CHECK_EQ(store(12 * PG, 13 * PG, V(4)), 0);    /* equal neighbours are not joined */
	check_all();
	CHECK_EQ(t.nr_entries, 5);
	CHECK_EQ(store(0, 100 * PG, V(5)), 0);         /* MAP_FIXED over everything */
	check_all();
	CHECK_EQ(t.nr_entries, 1);
	CHECK_EQ(store(0, 100 * PG, V(5)), 0);         /* the same again */
	CHECK_EQ(store(50 * PG, 100 * PG, NULL), 0);
	CHECK_EQ(store(50 * PG, 100 * PG, NULL), 0);   /* nothing left to unmap */
	check_all();
	reset();
}

/* Fill a tree until it is several levels deep, page by page and then in shuffled order,
 * checking as it grows; then take it apart again across node boundaries. */
static void test_deep(void)
{
	const unsigned n = 3000;
	static unsigned order[3000];
	for (unsigned i = 0; i < n; i++)
		order[i] = i;
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = (unsigned)(((unsigned long)i * 2654435761u) % (i + 1)), x = order[i];
		order[i] = order[j];
		order[j] = x;
	}
	/* Adjacent pages, ascending: always splitting the rightmost leaf. */
	for (unsigned i = 0; i < n; i++) {
		CHECK_EQ(insert(i * PG, (i + 1) * PG, V(i + 1)), 0);
		if (i % 97 == 0)
			check_all();
	}
	check_all();
	CHECK(t.height >= 4);
	/* Unmap ranges that cross leaves and inner nodes. */
	for (unsigned i = 0; i < 40; i++) {
		uintptr_t s = (order[i] % (n - 200)) * PG;
		CHECK_EQ(store(s, s + (order[i + 1] % 200 + 1) * PG, NULL), 0);
		check_all();
	}
	/* And map over them again, partly overlapping. */
	for (unsigned i = 40; i < 80; i++) {
		uintptr_t s = (order[i] % (n - 200)) * PG + PG / 2;
		CHECK_EQ(store(s, s + (order[i + 1] % 150 + 1) * PG, V(n + i)), 0);
		check_all();
	}
	reset();
	/* Pages with one-page holes, in shuffled order, then erased in another order. */
	for (unsigned i = 0; i < n; i++) {
		CHECK_EQ(insert(2 * order[i] * PG, (2 * order[i] + 1) * PG, V(order[i] + 1)), 0);
		if (i % 101 == 0)
			check_all();
	}
	check_all();
	for (unsigned i = 0; i < n; i++) {
		unsigned k = order[(i * 7 + 3) % n];
		CHECK_EQ(erase(2 * k * PG + 5, V(k + 1)), 0);
		if (i % 103 == 0)
			check_all();
	}
	CHECK(t.root == NULL);
	check_all();
	reset();
}

/* A write that fails for want of memory leaves the tree as it was. */
static void test_nomem(void)
{
	struct model before;
	unsigned long ok = 0, failed = 0;
	model_init(&before);
	for (unsigned i = 0; i < 2000; i++)
		CHECK_EQ(insert(2 * i * PG, (2 * i + 1) * PG, V(i + 1)), 0);
	check_all();
	for (long k = 0; k < 40; k++) {
		uintptr_t s = (uintptr_t)(k * 97 % 3500) * PG + PG / 2;
		uintptr_t e = s + (uintptr_t)(k * 13 % 400 + 1) * PG;
		unsigned long height = t.height, nodes = t.nr_nodes;
		struct vma_tree_node *root = t.root;
		int err;
		model_copy(&before, &m);
		host_slab_fail_after(k % 8);
		err = vma_tree_store_range(&t, s, e, k % 3 ? V(5000 + k) : NULL);
		host_slab_fail_after(-1);
		if (err == -ENOMEM) {
			failed++;
			CHECK(t.root == root);
			CHECK_EQ(t.height, height);
			CHECK_EQ(t.nr_nodes, nodes);
		} else {
			ok++;
			CHECK_EQ(err, 0);
			model_store(&m, s, e, k % 3 ? V(5000 + k) : NULL);
		}
		check_all();
	}
	CHECK(failed > 20);
	CHECK(ok > 0);
	/* replace never allocates. */
	host_slab_fail_after(0);
	CHECK_EQ(replace(2 * 1999 * PG, V(2000), V(7)), 0);
	host_slab_fail_after(-1);
	model_free(&before);
	reset();
}

static void test_iter(void)
{
	struct vma_tree_iter it;
	struct vma_tree_span sp;
	struct vma *v;
	unsigned seen = 0, fillers = 0;
	for (unsigned i = 0; i < 500; i++)
		CHECK_EQ(insert(3 * i * PG, (3 * i + 2) * PG, V(i + 1)), 0);
	check_all();
	CHECK_EQ(model_compare_range(&m, &t, 0, 1), 0);
	CHECK_EQ(model_compare_range(&m, &t, PG, 4 * PG), 0);
	CHECK_EQ(model_compare_range(&m, &t, 2 * PG, 3 * PG), 0);   /* a gap only */
	CHECK_EQ(model_compare_range(&m, &t, 100 * PG + 1, 1000 * PG - 1), 0);
	CHECK_EQ(model_compare_range(&m, &t, 1000 * PG, TOP), 0);
	/* Writes between steps: the iterator finds its place again and goes on from there. */
	vma_tree_iter_init(&it, &t, 0, TOP);
	vma_tree_for_each(&it, v, &sp) {
		if (v == V(1000)) {
			fillers++;
			continue;
		}
		CHECK(v == V(sp.start / (3 * PG) + 1));
		if (seen++ % 10 == 0)
			CHECK_EQ(store(sp.end, sp.end + PG, V(1000)), 0);   /* fill the gap after */
	}
	CHECK_EQ(fillers, 50);
	CHECK_EQ(seen, 500);
	check_all();
	reset();
}

static void test_gaps(void)
{
	uintptr_t s;
	CHECK_EQ(insert(0x10000, 0x20000, V(1)), 0);
	CHECK_EQ(insert(0x23000, 0x30000, V(2)), 0);
	CHECK_EQ(insert(0x80000, 0x90000, V(3)), 0);
	CHECK_EQ(vma_tree_gap_bottomup(&t, 0x10000, 0x90000, 0x3000, PG, &s), 0);
	CHECK_EQ(s, 0x20000);
	CHECK_EQ(vma_tree_gap_bottomup(&t, 0x10000, 0x90000, 0x3000, 0x10000, &s), 0);
	CHECK_EQ(s, 0x20000);
	CHECK_EQ(vma_tree_gap_bottomup(&t, 0x10000, 0x90000, 0x3000, 0x40000, &s), 0);
	CHECK_EQ(s, 0x40000);
	CHECK_EQ(vma_tree_gap_topdown(&t, 0x10000, 0x90000, 0x3000, PG, &s), 0);
	CHECK_EQ(s, 0x7d000);
	CHECK_EQ(vma_tree_gap_topdown(&t, 0x10000, 0x7e000, 0x3000, PG, &s), 0);
	CHECK_EQ(s, 0x7b000);
	CHECK_EQ(vma_tree_gap_topdown(&t, 0x10000, 0x30000, 0x4000, PG, &s), -ENOMEM);
	CHECK_EQ(vma_tree_gap_topdown(&t, 0x10000, 0x30000, 0x3000, PG, &s), 0);
	CHECK_EQ(s, 0x20000);
	CHECK_EQ(vma_tree_gap_topdown(&t, 0x21000, 0x22800, 0x1000, PG, &s), 0);
	CHECK_EQ(s, 0x21000);
	CHECK_EQ(model_compare_gaps(&m, &t, 0x21001, 0x22800, 0x1000, PG), 0);
	CHECK_EQ(vma_tree_gap_topdown(&t, 0x21001, 0x22800, 0x1000, PG, &s), -ENOMEM);
	CHECK_EQ(model_compare_gaps(&m, &t, 0, TOP, 0x1000, 0x1000), 0);
	CHECK_EQ(model_compare_gaps(&m, &t, 0, TOP, 0x5000, 0x100000), 0);
	CHECK_EQ(model_compare_gaps(&m, &t, 0, 0x80000, 0x50000, 0x10000), 0);
	reset();
	/* Over a deep tree: only one hole is big enough. */
	for (unsigned i = 0; i < 4000; i++)
		if (i != 2222)
			CHECK_EQ(insert(2 * i * PG, (2 * i + 1) * PG + (i == 2221 ? 0 : PG),
					V(i + 1)), 0);
	check_all();
	CHECK_EQ(vma_tree_gap_topdown(&t, 0, 8000 * PG, 3 * PG, PG, &s), 0);
	CHECK_EQ(s, 4443 * PG);
	CHECK_EQ(vma_tree_gap_bottomup(&t, 0, 8000 * PG, 2 * PG, PG, &s), 0);
	CHECK_EQ(s, 4443 * PG);
	CHECK_EQ(model_compare_gaps(&m, &t, 0, 8000 * PG, 3 * PG, PG), 0);
	CHECK_EQ(model_compare_gaps(&m, &t, 0, TOP, 3 * PG, 2 * PG), 0);
	reset();
}

/* 100,000 entries: how high the tree gets, and every entry found. */
static void test_large(void)
{
	const unsigned n = 100000;
	struct vma_tree_span sp;
	for (unsigned i = 0; i < n; i++) {
		uintptr_t s = (uintptr_t)i * 4 * PG;
		if (vma_tree_insert(&t, s, s + (i % 3 + 1) * PG, V(i)))
			CHECK(0);
	}
	CHECK_EQ(vma_tree_validate(&t), 0);
	CHECK_EQ(t.nr_entries, n);
	printf("vma_tree: %u entries: height %u, %lu nodes (%lu KiB)\n", n, t.height, t.nr_nodes,
	       t.nr_nodes * VMA_TREE_NODE_SIZE / 1024);
	CHECK(t.height >= 5 && t.height <= 7);
	for (unsigned i = 0; i < n; i++) {
		uintptr_t s = (uintptr_t)i * 4 * PG;
		if (vma_tree_find(&t, s + PG - 1, &sp) != V(i) || sp.start != s)
			CHECK(0);
		if (vma_tree_find(&t, s + 3 * PG, NULL))
			CHECK(0);
	}
	vma_tree_destroy(&t);
	vma_tree_init(&t, 0);
	check_memory();
}

int main(void)
{
	for (unsigned i = 0; i < NR_VMAS; i++)
		vmas[i].id = i;
	vma_tree_cache_init();
	node_cache = host_slab_find("vma_tree_node");
	CHECK(node_cache != NULL);
	vma_tree_init(&t, 0);
	model_init(&m);
	rcu_read_lock();   /* readers may nest, and writers may run beside them */
	rcu_read_unlock();
	test_empty();
	test_single_and_adjacent();
	test_whole_space();
	test_store_edges();
	test_deep();
	test_nomem();
	test_iter();
	test_gaps();
	test_large();
	model_free(&m);
	return host_test_done("vma_tree");
}

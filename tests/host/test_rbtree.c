/* lib/rbtree.c on its own: in-order traversal both ways, ties kept in insertion order, a subtree
 * size summary kept by the recompute hook, random inserts and erases against a sorted array,
 * and rb_validate noticing (and surviving) deliberately broken trees.
 * Usage: test_rbtree [seed [ops]]. */
#include "tests/host/host.h"
#include "lib/rbtree.h"

struct item {
	struct rb_node rb;
	int key;
	unsigned id;     /* insertion serial number: breaks ties in the model */
	unsigned size;   /* nodes in this subtree, kept by recompute_size */
};

static unsigned long rng_state;
static unsigned long rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static struct item *item_of(const struct rb_node *rb)
{
	return rb ? rb_entry(rb, struct item, rb) : NULL;
}

static unsigned size_of(const struct rb_node *rb) { return rb ? item_of(rb)->size : 0; }

static bool recompute_size(struct rb_node *rb)
{
	unsigned s = 1 + size_of(rb->left) + size_of(rb->right);
	bool changed = item_of(rb)->size != s;

	item_of(rb)->size = s;
	return changed;
}

static unsigned next_id;

static void insert(struct rb_root *root, struct item *it, int key)
{
	struct rb_node **link = &root->node, *parent = NULL;

	it->key = key;
	it->id = next_id++;
	while (*link) {
		parent = *link;
		link = key < item_of(parent)->key ? &parent->left : &parent->right;
	}
	rb_insert(root, &it->rb, parent, link, recompute_size);
}

/* The tree holds exactly want[0..n) in this order, whichever way it is walked, with sizes right. */
static void check_tree(const struct rb_root *root, struct item **want, unsigned n)
{
	unsigned i = 0;

	CHECK_EQ(rb_validate(root), 0);
	CHECK_EQ(rb_empty(root), n == 0);
	CHECK(item_of(rb_first(root)) == (n ? want[0] : NULL));
	CHECK(item_of(rb_last(root)) == (n ? want[n - 1] : NULL));
	CHECK_EQ(size_of(root->node), n);
	for (struct rb_node *rb = rb_first(root); rb && i <= n; rb = rb_next(rb), i++) {
		if (i < n && item_of(rb) != want[i]) {
			CHECK(item_of(rb) == want[i]);
			return;
		}
		CHECK_EQ(item_of(rb)->size, 1 + size_of(rb->left) + size_of(rb->right));
	}
	CHECK_EQ(i, n);
	i = n;
	for (struct rb_node *rb = rb_last(root); rb && i > 0; rb = rb_prev(rb))
		if (item_of(rb) != want[--i]) {
			CHECK(item_of(rb) == want[i]);
			return;
		}
	CHECK_EQ(i, 0);
}

#define POOL 512

static struct item pool[POOL];
static struct item *model[POOL];   /* the live items, in the order the tree must hold them */
static unsigned nmodel;
static bool live[POOL];

static void model_insert(struct rb_root *root, struct item *it, int key)
{
	unsigned pos = nmodel;

	insert(root, it, key);
	while (pos > 0 && model[pos - 1]->key > key)
		pos--;
	memmove(&model[pos + 1], &model[pos], (nmodel - pos) * sizeof(model[0]));
	model[pos] = it;
	nmodel++;
	live[it - pool] = true;
}

static void model_erase(struct rb_root *root, struct item *it)
{
	unsigned pos = 0;

	rb_erase(root, &it->rb, recompute_size);
	while (model[pos] != it)
		pos++;
	memmove(&model[pos], &model[pos + 1], (nmodel - pos - 1) * sizeof(model[0]));
	nmodel--;
	live[it - pool] = false;
}

static void test_orders(void)
{
	struct rb_root root = RB_ROOT_INIT;

	check_tree(&root, NULL, 0);
	/* Ascending, descending and interleaved keys, each exercising other rotations. */
	for (int i = 0; i < 100; i++)
		model_insert(&root, &pool[i], i);
	for (int i = 0; i < 100; i++)
		model_insert(&root, &pool[100 + i], 1000 - i);
	for (int i = 0; i < 100; i++)
		model_insert(&root, &pool[200 + i], i % 2 ? 500 + i : 500 - i);
	check_tree(&root, model, nmodel);
	/* Equal keys come out in insertion order. */
	for (int i = 0; i < 50; i++)
		model_insert(&root, &pool[300 + i], 42);
	check_tree(&root, model, nmodel);
	struct rb_node *rb = &pool[300].rb;
	for (int i = 1; i < 50; i++) {
		rb = rb_next(rb);
		CHECK(item_of(rb) == &pool[300 + i]);
	}
	CHECK(item_of(rb_prev(&pool[300].rb)) == &pool[42]);
	/* Erase from the front, the back and the middle until empty. */
	while (nmodel) {
		unsigned pick = nmodel % 3 == 0 ? 0 : nmodel % 3 == 1 ? nmodel - 1 : nmodel / 2;
		model_erase(&root, model[pick]);
		check_tree(&root, model, nmodel);
	}
	CHECK(rb_first(&root) == NULL && rb_last(&root) == NULL);
}

static void test_random(unsigned long ops)
{
	struct rb_root root;
	unsigned target = 0;

	rb_root_init(&root);
	for (unsigned long op = 0; op < ops && host_failures <= 20; op++) {
		if (op % 1000 == 0)
			target = rnd() % 4 == 0 ? rnd() % 8 : rnd() % POOL;
		bool grow = nmodel < target ? rnd() % 4 != 0 : rnd() % 4 == 0;
		if (grow && nmodel < POOL) {
			unsigned i;
			do
				i = rnd() % POOL;
			while (live[i]);
			model_insert(&root, &pool[i], (int)(rnd() % 64));
		} else if (nmodel) {
			model_erase(&root, model[rnd() % nmodel]);
		}
		check_tree(&root, model, nmodel);
	}
	if (host_failures)
		fprintf(stderr, "rbtree: random test failed\n");
	while (nmodel)
		model_erase(&root, model[0]);
}

/* A fresh, valid tree of n items with keys 0..n-1 for the corruption tests. */
static void build(struct rb_root *root, unsigned n)
{
	rb_root_init(root);
	for (unsigned i = 0; i < n; i++)
		insert(root, &pool[i], (int)i);
	CHECK_EQ(rb_validate(root), 0);
}

static struct rb_node *find_red(struct rb_node *rb)
{
	if (!rb || rb->color == RB_RED)
		return rb;
	struct rb_node *r = find_red(rb->left);
	return r ? r : find_red(rb->right);
}

static void test_validate(void)
{
	struct rb_root root;
	struct rb_node *n;

	build(&root, 100);
	root.node->color = RB_RED;
	CHECK(rb_validate(&root) < 0);

	build(&root, 100);
	n = find_red(root.node);
	CHECK(n != NULL);
	n->color = RB_BLACK;   /* one more black on this node's paths than elsewhere */
	CHECK(rb_validate(&root) < 0);

	build(&root, 100);
	n = find_red(root.node);
	n->parent->color = RB_RED;   /* red under red (or a red root) */
	CHECK(rb_validate(&root) < 0);

	build(&root, 100);
	n = rb_first(&root);
	n->parent = n;
	CHECK(rb_validate(&root) < 0);

	/* A cycle with consistent parent pointers: the walk must stop at the height limit. */
	build(&root, 100);
	n = rb_first(&root);
	n->left = root.node;
	root.node->parent = n;
	CHECK(rb_validate(&root) < 0);

	build(&root, 100);
	n = rb_last(&root);
	n->right = root.node->left;   /* one node linked from two places */
	CHECK(rb_validate(&root) < 0);
}

int main(int argc, char **argv)
{
	unsigned long seed = argc > 1 ? strtoul(argv[1], NULL, 0) : 1;
	unsigned long ops = argc > 2 ? strtoul(argv[2], NULL, 0) : 100000;

	rng_state = seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
	rng_state += !rng_state;   /* xorshift's one stuck state */
	printf("rbtree: seed %lu, %lu operations\n", seed, ops);
	test_orders();
	test_random(ops);
	test_validate();
	return host_test_done("rbtree");
}

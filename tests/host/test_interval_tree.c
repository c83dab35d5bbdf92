/* lib/interval_tree.c: edge cases by hand, deep trees, then random inserts and removes against an
 * array kept in tree order. After every write the tree is validated and overlap walks are
 * compared with the array's answer, node for node and in order.
 * Usage: test_interval_tree [seed [ops]]. */
#include "tests/host/host.h"
#include "lib/interval_tree.h"

#define TOP UINT64_MAX   /* the largest end; the point TOP itself is never covered */

static unsigned long rng_state;
static unsigned long rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static bool overlaps(const struct interval_node *n, u64 start, u64 end)
{
	return start < end && n->start < end && start < n->end;
}

/* The walk's result, stopping at cap + 1 nodes so a walk that never ends shows up as too long. */
static unsigned walk(struct interval_tree *t, u64 start, u64 end, struct interval_node **out,
		     unsigned cap)
{
	unsigned k = 0;

	for (struct interval_node *n = interval_tree_first_overlap(t, start, end); n && k <= cap;
	     n = interval_tree_next_overlap(n, start, end))
		out[k++] = n;
	return k;
}

/* Compare a query's walk with want[0..n); report the first difference with the query. */
static void check_walk(struct interval_tree *t, u64 start, u64 end, struct interval_node **want,
		       unsigned n, int line)
{
	static struct interval_node *got[1 << 17];
	unsigned k = walk(t, start, end, got, MIN(n, ARRAY_SIZE(got) - 1));
	unsigned i = 0;

	while (i < n && i < k && got[i] == want[i])
		i++;
	host_checks++;
	if (i < n || k != n) {
		host_failures++;
		fprintf(stderr, "line %d: query [%#llx, %#llx): %u hits, want %u; differ from %u\n",
			line, (unsigned long long)start, (unsigned long long)end, k, n, i);
	}
}

/* EXPECT_HITS(t, start, end, &a, &b, NULL): exactly these nodes, in this order. */
#define EXPECT_HITS(t, s, e, ...)                                                          \
	do {                                                                               \
		struct interval_node *_w[] = { __VA_ARGS__ };                              \
		check_walk(t, s, e, _w, ARRAY_SIZE(_w) - 1, __LINE__);                     \
	} while (0)

static void insert(struct interval_tree *t, struct interval_node *n, u64 start, u64 end)
{
	n->start = start;
	n->end = end;
	interval_tree_insert(t, n);
}

static void test_small(void)
{
	struct interval_tree t;
	struct interval_node a, b, c, d[6], e, f, g;

	interval_tree_init(&t);
	CHECK(interval_tree_empty(&t));
	CHECK_EQ(interval_tree_validate(&t), 0);
	EXPECT_HITS(&t, 0, TOP, NULL);

	insert(&t, &a, 10, 20);
	CHECK(!interval_tree_empty(&t));
	CHECK_EQ(interval_tree_validate(&t), 0);
	EXPECT_HITS(&t, 0, 11, &a, NULL);
	EXPECT_HITS(&t, 19, 20, &a, NULL);
	EXPECT_HITS(&t, 12, 13, &a, NULL);
	EXPECT_HITS(&t, 0, TOP, &a, NULL);
	EXPECT_HITS(&t, 0, 10, NULL);
	EXPECT_HITS(&t, 20, 30, NULL);
	EXPECT_HITS(&t, 15, 15, NULL);   /* empty query */
	EXPECT_HITS(&t, 16, 15, NULL);   /* backwards query */
	CHECK(interval_tree_next_overlap(&a, 0, TOP) == NULL);
	interval_tree_remove(&t, &a);
	CHECK(interval_tree_empty(&t));
	EXPECT_HITS(&t, 0, TOP, NULL);

	/* Touching intervals do not overlap. */
	insert(&t, &b, 10, 20);
	insert(&t, &a, 0, 10);
	insert(&t, &c, 20, 30);
	CHECK_EQ(interval_tree_validate(&t), 0);
	EXPECT_HITS(&t, 0, 10, &a, NULL);
	EXPECT_HITS(&t, 10, 20, &b, NULL);
	EXPECT_HITS(&t, 9, 11, &a, &b, NULL);
	EXPECT_HITS(&t, 19, 21, &b, &c, NULL);
	EXPECT_HITS(&t, 30, 40, NULL);
	/* validate notices a stale summary and a start out of order. */
	a.subtree_max_end++;
	CHECK(interval_tree_validate(&t) < 0);
	a.subtree_max_end--;
	c.start = 5;
	CHECK(interval_tree_validate(&t) < 0);
	c.start = 20;
	CHECK_EQ(interval_tree_validate(&t), 0);
	CHECK(interval_tree_next_overlap(&a, 0, 30) == &b);
	CHECK(interval_tree_next_overlap(&a, 20, 30) == &c);   /* n itself need not overlap */
	interval_tree_remove(&t, &b);
	EXPECT_HITS(&t, 0, 30, &a, &c, NULL);
	interval_tree_remove(&t, &a);
	interval_tree_remove(&t, &c);

	/* Equal starts stay in insertion order; identical intervals are separate nodes. */
	insert(&t, &e, 8, 100);
	for (int i = 0; i < 6; i++)
		insert(&t, &d[i], 5, 9);
	insert(&t, &f, 5, 6);
	insert(&t, &g, 1, 6);
	CHECK_EQ(interval_tree_validate(&t), 0);
	EXPECT_HITS(&t, 5, 6, &g, &d[0], &d[1], &d[2], &d[3], &d[4], &d[5], &f, NULL);
	EXPECT_HITS(&t, 6, 9, &d[0], &d[1], &d[2], &d[3], &d[4], &d[5], &e, NULL);
	interval_tree_remove(&t, &d[2]);
	insert(&t, &d[2], 5, 9);
	interval_tree_remove(&t, &d[0]);
	CHECK_EQ(interval_tree_validate(&t), 0);
	EXPECT_HITS(&t, 0, TOP, &g, &d[1], &d[3], &d[4], &d[5], &f, &d[2], &e, NULL);
	for (int i = 1; i < 6; i++)
		interval_tree_remove(&t, &d[i]);
	interval_tree_remove(&t, &e);
	interval_tree_remove(&t, &f);
	interval_tree_remove(&t, &g);
	CHECK(interval_tree_empty(&t));

	/* The ends of the u64 range. */
	insert(&t, &a, 0, TOP);
	insert(&t, &b, TOP - 1, TOP);
	insert(&t, &c, 0, 1);
	CHECK_EQ(interval_tree_validate(&t), 0);
	CHECK(rb_entry(t.root.node, struct interval_node, rb)->subtree_max_end == TOP);
	EXPECT_HITS(&t, 0, TOP, &a, &c, &b, NULL);
	EXPECT_HITS(&t, 0, 1, &a, &c, NULL);
	EXPECT_HITS(&t, 1, TOP - 1, &a, NULL);
	EXPECT_HITS(&t, TOP - 1, TOP, &a, &b, NULL);
	EXPECT_HITS(&t, TOP, TOP, NULL);
	interval_tree_remove(&t, &a);
	EXPECT_HITS(&t, 1, TOP - 1, NULL);
	EXPECT_HITS(&t, 0, TOP, &c, &b, NULL);
	interval_tree_remove(&t, &b);
	interval_tree_remove(&t, &c);
	CHECK(interval_tree_empty(&t));
}

#define DEEP (1u << 16)

static struct interval_node deep[DEEP];
static struct interval_node *want[DEEP];

/* Large trees built in ascending, descending and scattered order: short disjoint intervals
 * [4i, 4i+2), then intervals all nested around one point. Validated once per phase. */
static void test_deep(void)
{
	struct interval_tree t;
	unsigned order[3] = { 0, 1, 2 };

	for (unsigned o = 0; o < ARRAY_SIZE(order); o++) {
		interval_tree_init(&t);
		for (unsigned j = 0; j < DEEP; j++) {
			unsigned i = o == 0 ? j : o == 1 ? DEEP - 1 - j : (j * 40503u) % DEEP;
			insert(&t, &deep[i], 4ull * i, 4ull * i + 2);
		}
		CHECK_EQ(interval_tree_validate(&t), 0);
		for (unsigned i = 0; i < DEEP; i++)
			want[i] = &deep[i];
		check_walk(&t, 0, TOP, want, DEEP, __LINE__);
		for (unsigned q = 0; q < 1000; q++) {
			unsigned i = (unsigned)(rnd() % DEEP), n = 1 + (unsigned)(rnd() % 8);
			n = MIN(n, DEEP - i);
			check_walk(&t, 4ull * i + 1, 4ull * (i + n - 1) + 2, &want[i], n, __LINE__);
			EXPECT_HITS(&t, 4ull * i + 2, 4ull * i + 4, NULL);
		}
		/* Remove every other one; the gaps grow. */
		for (unsigned i = 0; i < DEEP; i += 2)
			interval_tree_remove(&t, &deep[i]);
		CHECK_EQ(interval_tree_validate(&t), 0);
		for (unsigned i = 0; i < DEEP / 2; i++)
			want[i] = &deep[2 * i + 1];
		check_walk(&t, 0, TOP, want, DEEP / 2, __LINE__);
		check_walk(&t, 3, 4ull * 101, want, 50, __LINE__);
		for (unsigned i = 1; i < DEEP; i += 2)
			interval_tree_remove(&t, &deep[i]);
		CHECK(interval_tree_empty(&t));
	}

	/* Nested: [i, 2*DEEP - i) all contain DEEP; the outermost starts first. */
	interval_tree_init(&t);
	for (unsigned i = 0; i < DEEP; i++)
		insert(&t, &deep[i], i, 2ull * DEEP - i);
	CHECK_EQ(interval_tree_validate(&t), 0);
	for (unsigned i = 0; i < DEEP; i++)
		want[i] = &deep[i];
	check_walk(&t, DEEP, DEEP + 1, want, DEEP, __LINE__);
	check_walk(&t, 2ull * DEEP - 10, 2ull * DEEP, want, 10, __LINE__);
	check_walk(&t, 0, 1, want, 1, __LINE__);
	for (unsigned i = 0; i < DEEP; i++)
		interval_tree_remove(&t, &deep[(i * 40503u) % DEEP]);
	CHECK(interval_tree_empty(&t));
}

/* ---- random operations against an array in tree order ---- */

#define POOL 1024

static struct interval_node pool[POOL];
static struct interval_node *model[POOL];
static unsigned nmodel;
static bool live[POOL];

/* Intervals from a few families, so that overlaps, equal starts and the u64 limits all occur. */
static void random_range(u64 *start, u64 *end)
{
	u64 s, len;

	switch (rnd() % 8) {
	case 0: case 1: case 2:   /* crowded: many overlaps and equal starts */
		s = rnd() % 256;
		len = 1 + rnd() % 24;
		break;
	case 3:                   /* long */
		s = rnd() % 256;
		len = 1 + rnd() % 4096;
		break;
	case 4:                   /* anywhere, any length that fits */
		s = rnd() % TOP;
		len = 1 + rnd() % (TOP - s);
		break;
	case 5:                   /* against the top */
		s = TOP - 1 - rnd() % 64;
		len = TOP - s - rnd() % (TOP - s);
		break;
	case 6:                   /* a copy of a live interval */
		if (nmodel) {
			struct interval_node *n = model[rnd() % nmodel];
			*start = n->start;
			*end = n->end;
			return;
		}
		/* fall through */
	default:                  /* everything, or a start of 0 */
		s = 0;
		len = rnd() % 2 ? TOP : 1 + rnd() % 300;
		break;
	}
	*start = s;
	*end = s + len;
}

static void model_insert(struct interval_tree *t, struct interval_node *n)
{
	unsigned pos = nmodel;

	random_range(&n->start, &n->end);
	interval_tree_insert(t, n);
	while (pos > 0 && model[pos - 1]->start > n->start)
		pos--;
	memmove(&model[pos + 1], &model[pos], (nmodel - pos) * sizeof(model[0]));
	model[pos] = n;
	nmodel++;
	live[n - pool] = true;
}

static void model_remove(struct interval_tree *t, unsigned pos)
{
	struct interval_node *n = model[pos];

	interval_tree_remove(t, n);
	memmove(&model[pos], &model[pos + 1], (nmodel - pos - 1) * sizeof(model[0]));
	nmodel--;
	live[n - pool] = false;
}

static unsigned long queries, hits_seen;   /* printed: the random test is not vacuous */

static void check_query(struct interval_tree *t)
{
	static struct interval_node *hits[POOL];
	unsigned k = 0;
	u64 start, end;

	random_range(&start, &end);
	if (rnd() % 16 == 0)
		end = start - rnd() % 2;   /* empty or backwards: nothing */
	for (unsigned i = 0; i < nmodel; i++)
		if (overlaps(model[i], start, end))
			hits[k++] = model[i];
	check_walk(t, start, end, hits, k, __LINE__);
	queries++;
	hits_seen += k;

	/* next_overlap from any node, overlapping or not. */
	if (nmodel) {
		unsigned i = (unsigned)(rnd() % nmodel), j = i + 1;

		while (j < nmodel && !overlaps(model[j], start, end))
			j++;
		struct interval_node *want_next = j < nmodel ? model[j] : NULL;

		CHECK(interval_tree_next_overlap(model[i], start, end) == want_next);
	}
}

static void test_random(unsigned long seed, unsigned long ops)
{
	struct interval_tree t;
	unsigned target = 0;
	unsigned long op;
	int before = host_failures;

	interval_tree_init(&t);
	for (op = 0; op < ops && host_failures == before; op++) {
		/* Mostly small trees (validating is O(n)), now and then up to the whole pool. */
		if (op % 2000 == 0) {
			unsigned kind = (unsigned)(rnd() % 8);
			target = (unsigned)(kind < 2 ? rnd() % 8 : kind < 7 ? rnd() % 64
						    : rnd() % POOL);
		}
		bool grow = nmodel < target ? rnd() % 4 != 0 : rnd() % 4 == 0;
		if (grow && nmodel < POOL) {
			unsigned i;
			do
				i = (unsigned)(rnd() % POOL);
			while (live[i]);
			model_insert(&t, &pool[i]);
		} else if (nmodel) {
			model_remove(&t, (unsigned)(rnd() % nmodel));
		}
		CHECK_EQ(interval_tree_validate(&t), 0);
		CHECK_EQ(interval_tree_empty(&t), nmodel == 0);
		check_query(&t);
		check_query(&t);
	}
	if (host_failures != before)
		fprintf(stderr, "interval_tree: random test failed at operation %lu of seed %lu\n",
			op - 1, seed);
	printf("interval_tree: %lu random queries, %lu hits compared\n", queries, hits_seen);
}

int main(int argc, char **argv)
{
	unsigned long seed = argc > 1 ? strtoul(argv[1], NULL, 0) : 1;
	unsigned long ops = argc > 2 ? strtoul(argv[2], NULL, 0) : 300000;

	rng_state = seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
	rng_state += !rng_state;   /* xorshift's one stuck state */
	printf("interval_tree: seed %lu, %lu operations\n", seed, ops);
	test_small();
	test_deep();
	test_random(seed, ops);
	return host_test_done("interval_tree");
}

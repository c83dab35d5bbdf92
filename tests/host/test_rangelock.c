/* The range lock's core (kernel/locking/rangelock.c without the sleeping) against a model: a request is
 * granted exactly when no earlier request still present overlaps it with a writer on either side.
 * Random requests arrive and granted ones leave; after every step the granted set and the
 * trylock answer must match the model's. */
#include "tests/host/host.h"
#include "kernel/locking/rangelock.h"

#define MAXREQ 256
#define SPACE 64

static struct range_lock reqs[MAXREQ];
static bool present[MAXREQ], granted[MAXREQ];
static unsigned nreq;

static unsigned long rng_state = 0x2545f4914f6cdd1dull;
static unsigned long rnd(void) { return host_xorshift(&rng_state); }

static void on_grant(struct range_lock *rl) { granted[rl - reqs] = true; }

static bool overlaps(u64 a0, u64 a1, u64 b0, u64 b1) { return a0 < b1 && b0 < a1; }

static bool model_granted(unsigned i)
{
	for (unsigned j = 0; j < i; j++)
		if (present[j] && (reqs[j].writer || reqs[i].writer) &&
		    overlaps(reqs[j].node.start, reqs[j].node.end, reqs[i].node.start,
			     reqs[i].node.end))
			return false;
	return true;
}

static bool model_conflicts(u64 s, u64 e, bool writer)
{
	for (unsigned j = 0; j < nreq; j++)
		if (present[j] && (reqs[j].writer || writer) &&
		    overlaps(reqs[j].node.start, reqs[j].node.end, s, e))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	unsigned long rounds = argc > 1 ? strtoul(argv[1], NULL, 0) : 500;
	struct range_lock_tree t;
	for (unsigned long round = 0; round < rounds; round++) {
		range_lock_tree_init(&t);
		memset(present, 0, sizeof(present));
		memset(granted, 0, sizeof(granted));
		nreq = 0;
		for (int step = 0; step < 400; step++) {
			if (nreq < MAXREQ && rnd() % 100 < 55) {
				u64 s = rnd() % SPACE, len = 1 + rnd() % 8;
				u64 e = s + len > SPACE ? SPACE : s + len;
				bool w = rnd() % 3 == 0;
				CHECK_EQ(range_lock_conflicts_locked(&t, s, e, w),
					 model_conflicts(s, e, w));
				unsigned i = nreq++;
				unsigned blockers =
					range_lock_enqueue_locked(&t, &reqs[i], s, e, w);
				present[i] = true;
				granted[i] = blockers == 0;
			} else {
				/* A random granted holder releases. */
				unsigned cand[MAXREQ], n = 0;
				for (unsigned i = 0; i < nreq; i++)
					if (present[i] && granted[i])
						cand[n++] = i;
				if (!n)
					continue;
				unsigned i = cand[rnd() % n];
				present[i] = false;
				range_lock_dequeue_locked(&t, &reqs[i], on_grant);
			}
			for (unsigned i = 0; i < nreq; i++)
				if (present[i] && granted[i] != model_granted(i)) {
					CHECK_EQ(granted[i], model_granted(i));
					return host_test_done("rangelock");
				}
			CHECK(interval_tree_validate(&t.tree) == 0);
		}
		/* Waiting requests are only granted, never dropped: in the end nothing is stuck. */
		for (;;) {
			bool any = false;
			for (unsigned i = 0; i < nreq; i++)
				if (present[i] && granted[i]) {
					present[i] = false;
					range_lock_dequeue_locked(&t, &reqs[i], on_grant);
					any = true;
				}
			if (!any)
				break;
		}
		for (unsigned i = 0; i < nreq; i++)
			CHECK(!present[i]);
		CHECK(interval_tree_empty(&t.tree));
	}
	return host_test_done("rangelock");
}

/* The fuzz engine: see vma_tree_fuzz.h. Each step makes one random write (with an injected
 * allocation failure one time in five), then validates the tree, checks that exactly its nodes
 * are allocated once queued frees have run, and compares lookups at random addresses, both gap
 * searches and an iteration window with the model; the whole tree every 32 steps. Addresses come
 * from a universe whose size changes by phase, so the tree grows and shrinks between one entry
 * and a few thousand, plus the top of the address space and the edges of existing entries. */
#include "tests/host/vma_tree_fuzz.h"
#include "tests/host/host_rcu.h"
#include "tests/host/host_slab.h"
#include "kernel/errno.h"
#include <stdio.h>

#define PG 4096ul
#define TOP UINTPTR_MAX
#define R(bound) f->draw(f->ctx, (bound))
#define PHASE_STEPS 16000

void fuzz_init(struct fuzz *f, u64 (*draw)(void *ctx, u64 bound), void *ctx)
{
	*f = (struct fuzz){ .draw = draw, .ctx = ctx, .scale = 64, .target = 16 };
	f->cache = host_slab_find("vma_tree_node");
	vma_tree_init(&f->tree, 0);
	model_init(&f->model);
}

/* Values are never dereferenced by the tree: distinct fake pointers will do. */
static struct vma *new_value(struct fuzz *f)
{
	return (struct vma *)(uintptr_t)(++f->next_id << 4);
}

static int bad(struct fuzz *f, const char *what, uintptr_t s, uintptr_t e, int te, int me)
{
	fprintf(stderr, "fuzz step %lu: %s [%#lx, %#lx): tree returned %d, model %d\n", f->steps,
		what, (unsigned long)s, (unsigned long)e, te, me);
	f->failed = true;
	return -1;
}

static uintptr_t pick_addr(struct fuzz *f)
{
	const struct model *m = &f->model;
	switch (R(10)) {
	case 0: case 1: case 2: case 3:
		return R(f->scale) * PG;
	case 4:
		return R(f->scale * PG);
	case 5:
		return TOP - R(8) * PG - R(3);
	case 6: case 7:
		if (m->n) {
			const struct model_entry *e = &m->e[R(m->n)];
			uintptr_t b = R(2) ? e->start : e->end;
			static const uintptr_t delta[] = { 0, 0, 1, -1ul, PG, -PG };
			return b + delta[R(ARRAY_SIZE(delta))];   /* may wrap: any address */
		}
		return R(f->scale) * PG;
	case 8:
		return 0;
	default:
		return R(f->scale + 1) * PG - 1;
	}
}

/* Mostly short ranges, so that the tree can fill up; now and then a long one that sweeps many
 * entries, up to the whole address space. */
static void pick_range(struct fuzz *f, uintptr_t *start, uintptr_t *end)
{
	uintptr_t a = pick_addr(f), b;
	unsigned r = (unsigned)R(100);
	if (r < 45)
		b = a + (1 + R(4)) * PG;
	else if (r < 60)
		b = a + 1 + R(3 * PG);
	else if (r < 75)
		b = a + PG;
	else if (r < 85)
		b = a + 1;
	else if (r < 99)
		b = a + (1 + R(f->scale / 64 + 1)) * PG;
	else if (R(8) && f->model.n) {
		/* Across up to 100 entries: several leaves, and inner nodes' boundaries. */
		const struct model *m = &f->model;
		unsigned long i = R(m->n), j = i + R(100);
		j = MIN(j, m->n - 1);
		a = m->e[i].start + R(2) * R(m->e[i].end - m->e[i].start);
		b = m->e[j].end - R(2) * R(m->e[j].end - m->e[j].start);
	} else {
		b = pick_addr(f);
		if (b < a) {
			uintptr_t x = a;
			a = b;
			b = x;
		}
	}
	if (b < a)
		b = TOP;   /* ran past the top */
	if (a == TOP)
		a = TOP - 1;
	if (b <= a)
		b = a + 1;
	if (R(20000) == 0) {
		a = 0;
		b = TOP;
	}
	*start = a;
	*end = b;
}

/* ---- Writes, each done to the tree and then, unless it ran out of memory, to the model ---- */

/* An injected failure: the tree must be unchanged, so the model is left alone. A failure that
 * was not injected goes on to the model, which reports the difference. */
static bool nomem(struct fuzz *f, int te)
{
	if (te != -ENOMEM || !f->armed)
		return false;
	f->nomem++;
	return true;
}

static int w_store(struct fuzz *f, uintptr_t s, uintptr_t e, struct vma *v)
{
	int te = vma_tree_store_range(&f->tree, s, e, v), me;
	if (nomem(f, te))
		return te;
	me = model_store(&f->model, s, e, v);
	return te == me ? te : bad(f, v ? "store_range" : "store_range(NULL)", s, e, te, me);
}

static int w_insert(struct fuzz *f, uintptr_t s, uintptr_t e, struct vma *v)
{
	int te = vma_tree_insert(&f->tree, s, e, v), me;
	if (nomem(f, te))
		return te;
	me = model_insert(&f->model, s, e, v);
	return te == me ? te : bad(f, "insert", s, e, te, me);
}

static int w_erase(struct fuzz *f, uintptr_t a, struct vma *v)
{
	int te = vma_tree_erase(&f->tree, a, v), me;
	if (nomem(f, te))
		return te;
	me = model_erase(&f->model, a, v);
	return te == me ? te : bad(f, "erase", a, a + 1, te, me);
}

static int w_replace(struct fuzz *f, uintptr_t a, struct vma *old, struct vma *new)
{
	int te = vma_tree_replace(&f->tree, a, old, new);
	int me = model_replace(&f->model, a, old, new);
	return te == me ? te : bad(f, "replace", a, a + 1, te, me);
}

/* An entry and an address in it, or a random address and a random value. */
static struct vma *pick_entry(struct fuzz *f, uintptr_t *addr, long *idx)
{
	const struct model *m = &f->model;
	*idx = -1;
	if (m->n && R(6)) {
		*idx = (long)R(m->n);
		const struct model_entry *e = &m->e[*idx];
		*addr = e->start + R(e->end - e->start);
		return R(10) ? e->vma : new_value(f);
	}
	*addr = pick_addr(f);
	return R(2) ? new_value(f) : NULL;
}

enum { W_INSERT, W_STORE, W_UNMAP, W_ERASE, W_REPLACE, W_SPLIT, W_MERGE, NR_W };
/* Percentages of each write while the tree is below its target size, and above it. */
static const unsigned char mix[2][NR_W] = {
	{ 55, 15, 5, 5, 7, 8, 5 },
	{ 12, 10, 25, 25, 8, 8, 12 },
};

static int random_write(struct fuzz *f)
{
	const struct model *m = &f->model;
	const unsigned char *w = mix[m->n >= f->target];
	unsigned r = (unsigned)R(100), op = 0;
	uintptr_t s, e, a;
	struct vma *v;
	long i;

	while (op + 1 < NR_W && r >= w[op])
		r -= w[op++];
	switch (op) {
	case W_INSERT:
		pick_range(f, &s, &e);
		return w_insert(f, s, e, R(50) ? new_value(f) : NULL);
	case W_STORE:
	case W_UNMAP:
		pick_range(f, &s, &e);
		return w_store(f, s, e, op == W_STORE ? new_value(f) : NULL);
	case W_ERASE:
		v = pick_entry(f, &a, &i);
		return w_erase(f, a, v);
	case W_REPLACE:
		v = pick_entry(f, &a, &i);
		return w_replace(f, a, v, R(20) ? new_value(f) : NULL);
	case W_SPLIT: {
		/* Split an entry in two new ones, the way mm will: store the upper part, then
		 * replace the lower part. */
		struct model_entry ent;
		uintptr_t mid;
		if (!m->n)
			return 0;
		ent = m->e[R(m->n)];
		if (ent.end - ent.start < 2)
			return 0;
		mid = ent.start + 1 + R(ent.end - ent.start - 1);
		if (R(2) && (mid & ~(PG - 1)) > ent.start)
			mid &= ~(PG - 1);
		if (w_store(f, mid, ent.end, new_value(f)))
			return 0;
		return w_replace(f, ent.start, ent.vma, new_value(f));
	}
	default: {
		/* Merge two touching entries (or, failing that, two neighbours and the gap
		 * between). */
		unsigned long j, k;
		if (m->n < 2)
			return 0;
		j = R(m->n - 1);
		for (k = 0; k < m->n - 1; k++, j = (j + 1) % (m->n - 1))
			if (m->e[j].end == m->e[j + 1].start)
				break;
		return w_store(f, m->e[j].start, m->e[j + 1].end, new_value(f));
	}
	}
}

/* ---- Checks ---- */

static int check_reads(struct fuzz *f, bool full)
{
	const struct model *m = &f->model;
	uintptr_t lo, hi, size, align;
	if (model_compare_lookups(m, &f->tree, pick_addr(f)) ||
	    model_compare_lookups(m, &f->tree, pick_addr(f)))
		return -1;
	pick_range(f, &lo, &hi);
	if (model_compare_range(m, &f->tree, lo, hi))
		return -1;
	if (R(4) == 0) {
		lo = 0;
		hi = TOP;
	}
	size = R(3) ? (1 + R(16)) * PG : 1 + R(f->scale * PG / 2);
	align = R(3) ? PG : 1ul << R(64);
	if (model_compare_gaps(m, &f->tree, lo, hi, size, align))
		return -1;
	return full ? model_compare(m, &f->tree) : 0;
}

int fuzz_step(struct fuzz *f)
{
	int err;
	if (!f->fixed_scale && ++f->step_of_phase >= PHASE_STEPS) {
		/* A new phase: sizes log-uniform from 1 to 1024 entries. */
		f->step_of_phase = 0;
		f->target = 1ul << R(11);
		f->scale = f->target * (4 + R(8)) + 16;
	}
	f->steps++;
	f->armed = R(5) == 0;
	if (f->armed)
		host_slab_fail_after((long)R(6));
	if (R(100000) == 0) {
		vma_tree_destroy(&f->tree);
		vma_tree_init(&f->tree, 0);
		model_free(&f->model);
		err = 0;
	} else {
		err = random_write(f);
	}
	host_slab_fail_after(-1);
	if (f->failed)
		return -1;
	f->writes++;
	if (vma_tree_validate(&f->tree)) {
		fprintf(stderr, "fuzz step %lu: the tree is invalid\n", f->steps);
		return -1;
	}
	rcu_barrier();
	if (host_slab_live(f->cache) != (long)f->tree.nr_nodes) {
		fprintf(stderr, "fuzz step %lu: %ld nodes allocated, the tree has %lu\n", f->steps,
			host_slab_live(f->cache), f->tree.nr_nodes);
		return -1;
	}
	f->max_entries = MAX(f->max_entries, f->tree.nr_entries);
	f->max_height = MAX(f->max_height, f->tree.height);
	return check_reads(f, f->model.n <= 32 || f->steps % 32 == 0 || err == -ENOMEM);
}

int fuzz_finish(struct fuzz *f)
{
	int err = model_compare(&f->model, &f->tree);
	vma_tree_destroy(&f->tree);
	rcu_barrier();
	if (host_slab_live(f->cache)) {
		fprintf(stderr, "fuzz: %ld nodes still allocated after destroy\n",
			host_slab_live(f->cache));
		err = -1;
	}
	model_free(&f->model);
	return err;
}

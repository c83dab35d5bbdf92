/*
 * torture=vmatree: can readers trust the VMA tree while its writer rebuilds it?
 * Each tree has one writer that inserts, erases, splits, merges and replaces ranges; each range
 * is a struct vt_vma recording its own bounds and a generation, retired through call_rcu and
 * poisoned when freed. Readers on every CPU look up random addresses (and iterate windows)
 * under rcu_read_lock alone and check that what they find covers the address, lies within the
 * bounds its vma records, is not poisoned, and is not from the future. The writer checks the
 * tree against its own list and validate() now and then.
 * Broken twin: the tree poisons replaced nodes at once, where readers may still be walking them,
 * instead of leaving them intact for a grace period (their memory is freed after one): readers
 * meet dead nodes, which are counted.
 */
#include "mm/vma_tree.h"
#include "mm/internal.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/thread.h"
#include "kernel/torture.h"
#include "lib/printf.h"
#include "mm/slab.h"

#define VT_TREES 2
#define VT_PAGES 4096            /* the address space each tree covers, in pages */
#define VT_MAX_VMAS 256
#define VT_LIVE 0x7e57ull
#define VT_DEAD 0xdeadull

struct vma {                     /* the tree's opaque type; here a test object */
	volatile u64 magic;
	uintptr_t start, end;
	u64 gen;
	struct rcu_head rcu;
};

struct vt_tree {
	struct vma_tree tree;
	struct vma *live[VT_MAX_VMAS];   /* writer only, sorted by start */
	unsigned nr;
	volatile u64 gen;                /* newest generation published */
	u64 splits, merges, inserts, erases, replaces;
};

struct vt_state {
	struct vt_tree trees[VT_TREES];
	unsigned long faults0;
	bool faults_reported;
	atomic_long_t lookups, hits;
};

struct vt_reader {
	struct torture_run *run;
	unsigned index;
};

static struct vt_reader readers[TORTURE_MAX_THREADS];
static struct vt_reader writers[VT_TREES];

static void vma_free_rcu(struct rcu_head *h)
{
	struct vma *v = container_of(h, struct vma, rcu);
	v->magic = VT_DEAD;
	kfree(v);
}

static struct vma *vt_new(struct vt_tree *vt, uintptr_t start, uintptr_t end)
{
	struct vma *v = kmalloc(sizeof(*v), 0);
	if (!v)
		return NULL;
	v->start = start;
	v->end = end;
	v->gen = vt->gen + 1;
	v->magic = VT_LIVE;
	return v;
}

static void vt_retire(struct vma *v) { call_rcu(&v->rcu, vma_free_rcu); }

static void live_insert(struct vt_tree *vt, unsigned at, struct vma *v)
{
	memmove(&vt->live[at + 1], &vt->live[at], (vt->nr - at) * sizeof(v));
	vt->live[at] = v;
	vt->nr++;
}

static void live_remove(struct vt_tree *vt, unsigned at)
{
	memmove(&vt->live[at], &vt->live[at + 1], (vt->nr - at - 1) * sizeof(vt->live[0]));
	vt->nr--;
}

/* The writer's operations. Each makes one random change of its kind to the tree and keeps the
 * writer's list in step. It returns 0 if the tree changed (writer_step publishes a new
 * generation), VT_UNCHANGED if it did not (nothing to do here, or a failure it reported
 * itself), or the negative errno of a write that failed and left the tree as it was, which
 * writer_step reports unless it is -ENOMEM (the tree must survive running out of memory; an
 * allocation of the test's own that fails is -ENOMEM too). */
#define VT_UNCHANGED 1

/* Insert a new vma into a random free gap. */
static int vt_insert(struct vt_tree *vt, u64 *rnd)
{
	unsigned at = (unsigned)(torture_random(rnd) % (vt->nr + 1));
	uintptr_t lo = at ? vt->live[at - 1]->end : 0;
	uintptr_t hi = at < vt->nr ? vt->live[at]->start : VT_PAGES * PAGE_SIZE;
	if (hi - lo < PAGE_SIZE)
		return VT_UNCHANGED;
	uintptr_t pages = (hi - lo) / PAGE_SIZE;
	uintptr_t s = lo + (torture_random(rnd) % pages) * PAGE_SIZE;
	uintptr_t len = (1 + torture_random(rnd) % MIN(pages, (uintptr_t)16)) * PAGE_SIZE;
	uintptr_t e = MIN(s + len, hi);
	struct vma *v = vt_new(vt, s, e);
	if (!v)
		return -ENOMEM;
	int err = vma_tree_insert(&vt->tree, s, e, v);
	if (err) {
		kfree(v);
		return err;
	}
	live_insert(vt, at, v);
	vt->inserts++;
	return 0;
}

/* Erase a random vma; it is freed after a grace period. */
static int vt_erase(struct torture_run *r, struct vt_tree *vt, u64 *rnd)
{
	unsigned at = (unsigned)(torture_random(rnd) % vt->nr);
	struct vma *v = vt->live[at];
	int err = vma_tree_erase(&vt->tree, v->start, v);
	if (err) {
		torture_error(r, "erase of [%#lx, %#lx) failed: %s", v->start, v->end,
			      errno_name(err));
		return VT_UNCHANGED;
	}
	live_remove(vt, at);
	vt_retire(v);
	vt->erases++;
	return 0;
}

/* Split a random vma in two at a page boundary, as two publishes. */
static int vt_split(struct torture_run *r, struct vt_tree *vt, u64 *rnd)
{
	unsigned at = (unsigned)(torture_random(rnd) % vt->nr);
	struct vma *v = vt->live[at];
	uintptr_t pages = (v->end - v->start) / PAGE_SIZE;
	if (pages < 2 || vt->nr >= VT_MAX_VMAS - 1)
		return VT_UNCHANGED;
	uintptr_t mid = v->start + (1 + torture_random(rnd) % (pages - 1)) * PAGE_SIZE;
	struct vma *a = vt_new(vt, v->start, mid), *b = vt_new(vt, mid, v->end);
	int err = a && b ? vma_tree_store_range(&vt->tree, v->start, mid, a) : -ENOMEM;
	if (err) {
		kfree(a), kfree(b);
		return err;
	}
	if ((err = vma_tree_store_range(&vt->tree, mid, v->end, b))) {
		/* Half done: put the left part back under v so the state stays consistent. */
		if (vma_tree_replace(&vt->tree, v->start, a, v))
			torture_error(r, "split: could not undo a half-done split");
		vt_retire(a);
		kfree(b);
		return err;
	}
	vt->live[at] = a;
	live_insert(vt, at + 1, b);
	vt_retire(v);
	vt->splits++;
	return 0;
}

/* Merge two random neighbours that touch, in one publish. */
static int vt_merge(struct vt_tree *vt, u64 *rnd)
{
	if (vt->nr < 2)
		return VT_UNCHANGED;
	unsigned at = (unsigned)(torture_random(rnd) % (vt->nr - 1));
	struct vma *p = vt->live[at], *q = vt->live[at + 1];
	if (p->end != q->start)
		return VT_UNCHANGED;
	struct vma *m = vt_new(vt, p->start, q->end);
	int err = m ? vma_tree_store_range(&vt->tree, p->start, q->end, m) : -ENOMEM;
	if (err) {
		kfree(m);
		return err;
	}
	vt->live[at] = m;
	live_remove(vt, at + 1);
	vt_retire(p);
	vt_retire(q);
	vt->merges++;
	return 0;
}

/* Replace a random vma in place with a newer generation (what mprotect does to a whole vma). */
static int vt_replace(struct torture_run *r, struct vt_tree *vt, u64 *rnd)
{
	unsigned at = (unsigned)(torture_random(rnd) % vt->nr);
	struct vma *v = vt->live[at], *n = vt_new(vt, v->start, v->end);
	if (!n)
		return -ENOMEM;
	int err = vma_tree_replace(&vt->tree, v->start, v, n);
	if (err) {
		torture_error(r, "replace failed: %s", errno_name(err));
		kfree(n);
		return VT_UNCHANGED;
	}
	vt->live[at] = n;
	vt_retire(v);
	vt->replaces++;
	return 0;
}

/* One random change: mostly inserts while the tree is small, then a mix of every operation. */
static void writer_step(struct torture_run *r, struct vt_tree *vt, u64 *rnd)
{
	unsigned op = (unsigned)(torture_random(rnd) % 100);
	int err;
	if (vt->nr < 8 || (op < 30 && vt->nr < VT_MAX_VMAS - 1))
		err = vt_insert(vt, rnd);
	else if (op < 50)
		err = vt_erase(r, vt, rnd);
	else if (op < 70)
		err = vt_split(r, vt, rnd);
	else if (op < 85)
		err = vt_merge(vt, rnd);
	else
		err = vt_replace(r, vt, rnd);
	if (err == 0)
		WRITE_ONCE(vt->gen, vt->gen + 1);
	else if (err < 0 && err != -ENOMEM)
		torture_error(r, "tree write failed: %s", errno_name(err));
}

/* The tree must hold exactly the writer's list. */
static void writer_check(struct torture_run *r, struct vt_tree *vt)
{
	if (vma_tree_validate(&vt->tree))
		torture_error(r, "validate() failed");
	struct vma_tree_iter it;
	struct vma_tree_span span;
	struct vma *v;
	unsigned i = 0;
	vma_tree_iter_init(&it, &vt->tree, 0, UINTPTR_MAX);
	vma_tree_for_each(&it, v, &span) {
		if (i >= vt->nr || v != vt->live[i] || span.start != v->start ||
		    span.end != v->end) {
			torture_error(r, "the tree differs from the writer's list at entry %u", i);
			return;
		}
		i++;
	}
	if (i != vt->nr)
		torture_error(r, "the tree has %u entries, the writer %u", i, vt->nr);
}

static void writer(void *arg)
{
	struct vt_reader *w = arg;
	struct torture_run *r = w->run;
	struct vt_state *st = r->priv;
	struct vt_tree *vt = &st->trees[w->index];
	u64 rnd = torture_seed_for(r, 1000 + w->index);
	u64 n = 0;
	while (!torture_stop(r)) {
		writer_step(r, vt, &rnd);
		if (++n % 256 == 0)
			writer_check(r, vt);
		if (n % 16 == 0) {
			torture_ops(r, 16);
			torture_stutter(r);
		}
		torture_maybe_delay(&rnd);
	}
	writer_check(r, vt);
}

static void check_found(struct torture_run *r, struct vt_tree *vt, struct vma *v,
			const struct vma_tree_span *span, uintptr_t addr)
{
	u64 magic = v->magic;
	if (magic != VT_LIVE) {
		torture_error(r, "reader found a freed vma (magic %#lx) at %#lx",
			      (unsigned long)magic, addr);
		return;
	}
	if (addr < span->start || addr >= span->end)
		torture_error(r, "lookup of %#lx returned [%#lx, %#lx)", addr, span->start,
			      span->end);
	if (span->start < v->start || span->end > v->end)
		torture_error(r, "entry [%#lx, %#lx) lies outside its vma [%#lx, %#lx)",
			      span->start, span->end, v->start, v->end);
	if (v->gen > READ_ONCE(vt->gen) + 1)
		torture_error(r, "vma generation %lu is from the future (%lu)",
			      (unsigned long)v->gen, (unsigned long)vt->gen);
}

static void reader(void *arg)
{
	struct vt_reader *rd = arg;
	struct torture_run *r = rd->run;
	struct vt_state *st = r->priv;
	u64 rnd = torture_seed_for(r, rd->index);
	long lookups = 0, hits = 0;
	while (!torture_stop(r)) {
		struct vt_tree *vt = &st->trees[torture_random(&rnd) % VT_TREES];
		rcu_read_lock();
		if (torture_random(&rnd) % 8) {
			uintptr_t addr = torture_random(&rnd) % (VT_PAGES * PAGE_SIZE);
			struct vma_tree_span span;
			struct vma *v = vma_tree_find(&vt->tree, addr, &span);
			if (v) {
				if (torture_random(&rnd) % 4 == 0)
					torture_udelay((unsigned)(torture_random(&rnd) % 20));
				check_found(r, vt, v, &span, addr);
				hits++;
			}
		} else {
			uintptr_t start = torture_random(&rnd) % (VT_PAGES * PAGE_SIZE);
			uintptr_t prev_end = 0;
			struct vma_tree_iter it;
			struct vma_tree_span span;
			struct vma *v;
			vma_tree_iter_init(&it, &vt->tree, start, start + 64 * PAGE_SIZE);
			vma_tree_for_each(&it, v, &span) {
				if (span.end <= prev_end)
					torture_error(r, "iteration went backwards");
				prev_end = span.end;
				check_found(r, vt, v, &span, MAX(span.start, start));
			}
		}
		rcu_read_unlock();
		lookups++;
		if (lookups % 64 == 0) {
			torture_ops(r, 64);
			torture_stutter(r);
			if (READ_ONCE(vma_tree_reader_faults) != st->faults0 &&
			    !st->faults_reported) {
				st->faults_reported = true;
				torture_error(r, "a reader reached a dead tree node");
			}
		}
	}
	atomic_long_add_return(&st->lookups, lookups);
	atomic_long_add_return(&st->hits, hits);
}

static int vt_start(struct torture_run *r)
{
	struct vt_state *st = kmalloc(sizeof(*st), GFP_ZERO);
	if (!st)
		return -ENOMEM;
	r->priv = st;
	st->faults0 = vma_tree_reader_faults;
	for (unsigned i = 0; i < VT_TREES; i++) {
		vma_tree_init(&st->trees[i].tree, r->busted ? VMA_TREE_BUSTED : 0);
		writers[i] = (struct vt_reader){ r, i };
		int err = torture_thread(r, writer, &writers[i], "vt_writer", -1);
		if (err)
			return err;
	}
	for (unsigned i = 0; i < MAX(r->nthreads, 2u); i++) {
		readers[i] = (struct vt_reader){ r, i };
		int err = torture_thread(r, reader, &readers[i], "vt_reader", (int)i);
		if (err)
			return err;
	}
	return 0;
}

static void vt_progress(struct torture_run *r, char *buf, size_t len)
{
	struct vt_state *st = r->priv;
	snprintf(buf, len, "entries=%u,%u gens=%lu,%lu", st->trees[0].nr, st->trees[1].nr,
		 (unsigned long)st->trees[0].gen, (unsigned long)st->trees[1].gen);
}

static void vt_finish(struct torture_run *r)
{
	struct vt_state *st = r->priv;
	if (!st)
		return;
	unsigned long faults = vma_tree_reader_faults - st->faults0;
	if (faults)
		torture_error(r, "readers reached %lu freed tree nodes", faults);
	u64 sp = 0, mg = 0, in = 0, er = 0, rp = 0;
	for (unsigned i = 0; i < VT_TREES; i++) {
		struct vt_tree *vt = &st->trees[i];
		sp += vt->splits, mg += vt->merges, in += vt->inserts;
		er += vt->erases, rp += vt->replaces;
		for (unsigned k = 0; k < vt->nr; k++)
			vt_retire(vt->live[k]);
		vma_tree_destroy(&vt->tree);
	}
	snprintf(r->detail, sizeof(r->detail),
		 "lookups=%ld hits=%ld inserts=%lu erases=%lu splits=%lu merges=%lu replaces=%lu "
		 "node_faults=%lu", atomic_long_read(&st->lookups), atomic_long_read(&st->hits),
		 (unsigned long)in, (unsigned long)er, (unsigned long)sp, (unsigned long)mg,
		 (unsigned long)rp, faults);
	rcu_barrier();   /* the retired vmas and nodes are freed before st goes */
	kfree(st);
}

TORTURE_SUITE(vmatree_suite) = {
	.name = "vmatree",
	.twin = "replaced tree nodes poisoned at once, not after a grace period",
	.start = vt_start,
	.progress = vt_progress,
	.finish = vt_finish,
};

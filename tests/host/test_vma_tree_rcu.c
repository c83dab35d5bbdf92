/* The VMA tree's RCU contract, on threads: readers under rcu_read_lock() alone look up, iterate
 * and search gaps while one writer inserts, erases, splits, merges and maps over ranges. Each
 * value is a struct vma that records its own range, the write that stored it and the write that
 * removed its last piece; freed ones are poisoned after a grace period. A reader checks that what
 * it finds covers the address, lies within the vma's own range, is not poisoned, and was in the
 * tree at some moment between the start and the end of its lookup.
 *   test_vma_tree_rcu [--seconds S] [--readers N] [--busted]
 * --busted builds the tree with VMA_TREE_BUSTED: each replaced node is poisoned at once (dead
 * type, emptied slots) while readers may still walk it, and freed only after a grace period. The
 * run must then fail, through ThreadSanitizer (the poisoning races with the readers' loads) or
 * these checks; readers that reach a dead node are only counted. host-test runs it under ASan,
 * and under ThreadSanitizer with VMA_TREE_DEBUG (the tree validates itself after every write). */
#include "tests/host/host.h"
#include "tests/host/host_rcu.h"
#include "tests/host/vma_tree_model.h"
#include "kernel/errno.h"
#include <pthread.h>
#include <string.h>
#include <time.h>

#define PG 4096ul
#define UNIVERSE 512          /* pages the writer works in, from page 1 */
#define MAX_READERS 8
#define LIVE   0x11f3c0de11f3c0deull
#define POISON 0x6b6b6b6b6b6b6b6bull

struct vma {
	u64 magic;
	uintptr_t start, end;   /* the range it was made for; its pieces in the tree lie inside */
	u64 born;               /* the write that first stored it */
	u64 died;               /* atomic: the write that removed its last piece; 0 while in
	                         * the tree */
	struct rcu_head rcu;
};

static struct vma_tree tree;
static struct model model;            /* writer only: what the tree holds */
static struct vma sentinel = { .magic = LIVE, .start = 0, .end = PG };   /* [0, PG), always there */
static u64 published;                 /* atomic: writes published so far */
static bool stop;                     /* atomic */
static unsigned long errors, reads;   /* atomic */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static u64 next_rand(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fail(const char *fmt, ...) __printf(1, 2);
static void fail(const char *fmt, ...)
{
	va_list ap;
	if (__atomic_fetch_add(&errors, 1, __ATOMIC_SEQ_CST) < 10) {
		va_start(ap, fmt);
		fprintf(stderr, "vma_tree_rcu: ");
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
}

/* ---- Readers ---- */

/* v was found with span sp by a lookup that began after write g0 and ended before g1 + 1. */
static void check_vma(const struct vma *v, const struct vma_tree_span *sp, u64 g0, u64 g1,
		      const char *how)
{
	u64 died;
	if (v->magic != LIVE) {
		fail("%s: found a freed vma %p (magic %#lx)", how, (void *)v,
		     (unsigned long)v->magic);
		return;
	}
	if (sp->start >= sp->end || sp->start < v->start || sp->end > v->end)
		fail("%s: span [%#lx, %#lx) is not inside its vma's range [%#lx, %#lx)", how,
		      (unsigned long)sp->start, (unsigned long)sp->end, (unsigned long)v->start,
		      (unsigned long)v->end);
	if (v->born > g1 + 1)
		fail("%s: vma born in write %lu, but only %lu were published", how,
		      (unsigned long)v->born, (unsigned long)g1);
	died = __atomic_load_n(&v->died, __ATOMIC_RELAXED);
	if (died && died <= g0)
		fail("%s: vma removed by write %lu, found by a lookup that began after write %lu",
		      how, (unsigned long)died, (unsigned long)g0);
}

static void read_once(u64 *rng)
{
	uintptr_t top = (UNIVERSE + 2) * PG, addr = next_rand(rng) % top, s;
	struct vma_tree_span sp;
	struct vma_tree_iter it;
	struct vma *v;
	uintptr_t prev_end = 0;
	u64 g0 = __atomic_load_n(&published, __ATOMIC_ACQUIRE), g1;
	unsigned kind = (unsigned)(next_rand(rng) % 8);

	rcu_read_lock();
	switch (kind) {
	case 0: case 1: case 2: case 3:
		v = vma_tree_find(&tree, addr, &sp);
		g1 = __atomic_load_n(&published, __ATOMIC_ACQUIRE);
		if (v && (addr < sp.start || addr >= sp.end))
			fail("find(%#lx): span [%#lx, %#lx) misses it", (unsigned long)addr,
			      (unsigned long)sp.start, (unsigned long)sp.end);
		if (v)
			check_vma(v, &sp, g0, g1, "find");
		if (vma_tree_find(&tree, addr % PG, NULL) != &sentinel)
			fail("find(%#lx): the sentinel [0, PG) is gone",
			     (unsigned long)(addr % PG));
		break;
	case 4:
		vma_tree_iter_init(&it, &tree, addr / 2, addr / 2 + top / 2);
		vma_tree_for_each(&it, v, &sp) {
			g1 = __atomic_load_n(&published, __ATOMIC_ACQUIRE);
			/* Each entry ends above the last; across a write it may start below
			 * that end, a new entry over the point where the iterator resumed. */
			if (sp.end <= prev_end || sp.end <= addr / 2)
				fail("iteration went back: [%#lx, %#lx) after %#lx",
				      (unsigned long)sp.start, (unsigned long)sp.end,
				      (unsigned long)prev_end);
			prev_end = sp.end;
			check_vma(v, &sp, g0, g1, "iteration");
		}
		break;
	case 5:
		v = vma_tree_find_next(&tree, addr, &sp);
		g1 = __atomic_load_n(&published, __ATOMIC_ACQUIRE);
		if (v && sp.end <= addr)
			fail("find_next(%#lx) ended at %#lx", (unsigned long)addr,
			     (unsigned long)sp.end);
		if (v)
			check_vma(v, &sp, g0, g1, "find_next");
		break;
	case 6:
		v = vma_tree_prev(&tree, addr, &sp);
		g1 = __atomic_load_n(&published, __ATOMIC_ACQUIRE);
		if ((!v && addr >= PG) || (v && sp.end > addr))
			fail("prev(%#lx): %p ending at %#lx", (unsigned long)addr, (void *)v,
			      (unsigned long)(v ? sp.end : 0));
		else if (v)
			check_vma(v, &sp, g0, g1, "prev");
		break;
	default:
		if (!vma_tree_gap_bottomup(&tree, PG, top, PG, PG, &s) &&
		    (s < PG || s + PG > top || s % PG))
			fail("gap search returned %#lx", (unsigned long)s);
		break;
	}
	rcu_read_unlock();
	__atomic_add_fetch(&reads, 1, __ATOMIC_RELAXED);
}

static void *reader(void *arg)
{
	u64 rng = 0x9e3779b97f4a7c15ull * ((uintptr_t)arg + 1);
	host_rcu_thread_online();
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		read_once(&rng);
		rcu_note_qs();
	}
	host_rcu_thread_offline();
	return NULL;
}

/* ---- The writer ---- */

static void vma_free_rcu(struct rcu_head *head)
{
	struct vma *v = container_of(head, struct vma, rcu);
	memset(v, 0x6b, sizeof(*v));   /* magic becomes POISON */
	free(v);
}

static struct vma *vma_new(uintptr_t start, uintptr_t end)
{
	struct vma *v = malloc(sizeof(*v));
	if (!v)
		abort();
	*v = (struct vma){ .magic = LIVE, .start = start, .end = end,
			   .born = __atomic_load_n(&published, __ATOMIC_RELAXED) + 1 };
	return v;
}

static bool in_model(const struct model *m, const struct vma *v)
{
	for (unsigned long i = 0; i < m->n; i++)
		if (m->e[i].vma == v)
			return true;
	return false;
}

/* Is entry i a later piece of a vma that an earlier entry of m holds too? */
static bool earlier_piece(const struct model *m, unsigned long i)
{
	for (unsigned long j = 0; j < i; j++)
		if (m->e[j].vma == m->e[i].vma)
			return true;
	return false;
}

enum wkind { STORE, ERASE, REPLACE };

/* One write, published as write number published + 1: the vmas it removes are marked before
 * it and freed after a grace period once it is out. */
static void write_one(enum wkind kind, uintptr_t a, uintptr_t b, struct vma *v, struct vma *old)
{
	static struct model next;
	u64 gen = __atomic_load_n(&published, __ATOMIC_RELAXED) + 1;
	int te, me;
	model_copy(&next, &model);
	me = kind == STORE ? model_store(&next, a, b, v)
	   : kind == ERASE ? model_erase(&next, a, v) : model_replace(&next, a, old, v);
	if (me)
		return;
	for (unsigned long i = 0; i < model.n; i++)
		if (!in_model(&next, model.e[i].vma))
			__atomic_store_n(&model.e[i].vma->died, gen, __ATOMIC_RELAXED);
	te = kind == STORE ? vma_tree_store_range(&tree, a, b, v)
	   : kind == ERASE ? vma_tree_erase(&tree, a, v) : vma_tree_replace(&tree, a, old, v);
	if (te) {
		fail("writer: write %d [%#lx, %#lx) returned %d", kind, (unsigned long)a,
		      (unsigned long)b, te);
		return;
	}
	__atomic_store_n(&published, gen, __ATOMIC_RELEASE);
	/* From the model's pointers alone: a vma handed to call_rcu may be freed before the loop
	 * ends, and one in two pieces appears twice (it is queued at its first). */
	for (unsigned long i = 0; i < model.n; i++)
		if (!in_model(&next, model.e[i].vma) && !earlier_piece(&model, i))
			call_rcu(&model.e[i].vma->rcu, vma_free_rcu);
	model_copy(&model, &next);
}

static void write_random(u64 *rng)
{
	unsigned long n = model.n, r = next_rand(rng) % 100;
	uintptr_t a = (1 + next_rand(rng) % UNIVERSE) * PG, b = a + (1 + next_rand(rng) % 8) * PG;
	const struct model_entry *e = NULL;
	if (n > 1) {
		e = &model.e[1 + next_rand(rng) % (n - 1)];   /* never the sentinel, entry 0 */
		if (n > 120 && r < 40)
			r += 30;   /* too full: erase or unmap more */
	}
	if (b > (UNIVERSE + 1) * PG)
		b = (UNIVERSE + 1) * PG;
	if (r < 30 || !e) {
		write_one(STORE, a, b, vma_new(a, b), NULL);   /* mmap, over whatever is there */
	} else if (r < 45) {
		write_one(ERASE, e->start, 0, e->vma, NULL);
	} else if (r < 60 && e->end - e->start >= 2 * PG) {
		/* Split in two new vmas: store the upper part, then replace the lower. */
		struct model_entry x = *e;
		uintptr_t mid = x.start + (1 + next_rand(rng) % ((x.end - x.start) / PG - 1)) * PG;
		write_one(STORE, mid, x.end, vma_new(mid, x.end), NULL);
		write_one(REPLACE, x.start, 0, vma_new(x.start, mid), x.vma);
	} else if (r < 70 && e + 1 < model.e + n && e->end == e[1].start) {
		/* merge */
		write_one(STORE, e->start, e[1].end, vma_new(e->start, e[1].end), NULL);
	} else if (r < 80 && e->end - e->start >= 3 * PG) {
		/* mprotect of the middle: three vmas where there was one. */
		struct model_entry x = *e;
		write_one(STORE, x.start + PG, x.end - PG, vma_new(x.start + PG, x.end - PG), NULL);
		write_one(REPLACE, x.start, 0, vma_new(x.start, x.start + PG), x.vma);
		write_one(REPLACE, x.end - PG, 0, vma_new(x.end - PG, x.end), x.vma);
	} else {
		write_one(STORE, a, b, NULL, NULL);   /* munmap */
	}
}

int main(int argc, char **argv)
{
	double seconds = 2, t0;
	unsigned nr_readers = 3;
	bool busted = false;
	pthread_t threads[MAX_READERS];
	struct host_rcu_stats st;
	u64 rng = 12345;
	unsigned long writes = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--busted"))
			busted = true;
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--readers") && i + 1 < argc)
			nr_readers = (unsigned)atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--seconds S] [--readers N] [--busted]\n",
				argv[0]);
			return 2;
		}
	}
	if (nr_readers < 1 || nr_readers > MAX_READERS)
		nr_readers = 3;
	vma_tree_cache_init();
	vma_tree_init(&tree, busted ? VMA_TREE_BUSTED : 0);
	model_init(&model);
	write_one(STORE, 0, PG, &sentinel, NULL);
	host_rcu_start_callback_thread(500);
	for (unsigned i = 0; i < nr_readers; i++)
		pthread_create(&threads[i], NULL, reader, (void *)(uintptr_t)i);
	t0 = now();
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE) && now() - t0 < seconds) {
		write_random(&rng);
		writes++;
	}
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < nr_readers; i++)
		pthread_join(threads[i], NULL);
	host_rcu_stop_callback_thread();
	host_rcu_stats(&st);
	printf("vma_tree_rcu%s: %lu writes (%lu published), %lu reads by %u readers, %lu grace "
	       "periods, %lu callbacks, %lu errors\n", busted ? " --busted" : "", writes,
	       (unsigned long)published, reads, nr_readers, st.grace_periods, st.invoked, errors);
	return errors ? 1 : 0;
}

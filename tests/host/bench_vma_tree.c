/* Lookups in the VMA tree against binary search in a sorted array of the same VMAs, on the host
 * (make bench-vmatree: -O2, no sanitizers). For 10, 1,000 and 100,000 VMAs of 1 to 16 pages with
 * 0 to 16 free pages between them, it looks up pre-drawn addresses over the whole span (hits and
 * misses), in random order and in address order, and prints one BENCH line per case:
 *   BENCH suite=vma_tree op=find n=... order=random|sequential impl=tree|array [rcu=...]
 *         lookups_per_s=... ns_per_lookup_x100=... [height=... nodes=...]
 * rcu=section: the tree's lookups run inside one rcu_read_lock(); rcu=each: a lock and unlock
 * around every lookup (the kernel's read side: the preemption count and, with the lock checker
 * on, the RCU nesting count). */
#include "tests/host/host.h"
#include "tests/host/host_rcu.h"
#include "kernel/panic.h"
#include "mm/vma_tree.h"
#include <time.h>

#define PG 4096ul
#define NR_ADDRS (1u << 20)
#define MIN_SECONDS 0.25

struct vma {
	uintptr_t start, end;
};

static struct vma *vmas;
static uintptr_t *ends;       /* the array: VMA ends in order, for a lower-bound search */
static uintptr_t *addrs;
static volatile uintptr_t sink;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static u64 rng = 88172645463325252ull;
static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static struct vma *array_find(unsigned n, uintptr_t addr)
{
	unsigned lo = 0, hi = n;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (ends[mid] > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo < n && vmas[lo].start <= addr ? &vmas[lo] : NULL;
}

enum impl { TREE, TREE_RCU_EACH, ARRAY };

/* Lookups per second over the address list, repeated until MIN_SECONDS have passed. */
static double run(enum impl impl, const struct vma_tree *t, unsigned n)
{
	unsigned long done = 0;
	uintptr_t acc = 0;
	double t0 = now(), dt;
	do {
		if (impl == TREE) {
			rcu_read_lock();
			for (unsigned i = 0; i < NR_ADDRS; i++)
				acc += (uintptr_t)vma_tree_find(t, addrs[i], NULL);
			rcu_read_unlock();
		} else if (impl == TREE_RCU_EACH) {
			for (unsigned i = 0; i < NR_ADDRS; i++) {
				rcu_read_lock();
				acc += (uintptr_t)vma_tree_find(t, addrs[i], NULL);
				rcu_read_unlock();
			}
		} else {
			for (unsigned i = 0; i < NR_ADDRS; i++)
				acc += (uintptr_t)array_find(n, addrs[i]);
		}
		done += NR_ADDRS;
		dt = now() - t0;
	} while (dt < MIN_SECONDS);
	sink = acc;
	return (double)done / dt;
}

static int cmp_addr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
	return x < y ? -1 : x > y;
}

static void bench(unsigned n)
{
	static const char *const impl_name[] = { "tree rcu=section", "tree rcu=each", "array" };
	struct vma_tree t;
	uintptr_t at = 16 * PG;
	vma_tree_init(&t, 0);
	for (unsigned i = 0; i < n; i++) {
		at += rnd() % 17 * PG;
		vmas[i].start = at;
		at += (1 + rnd() % 16) * PG;
		vmas[i].end = ends[i] = at;
		if (vma_tree_insert(&t, vmas[i].start, vmas[i].end, &vmas[i]))
			panic("bench: insert failed");
	}
	for (unsigned i = 0; i < NR_ADDRS; i++)
		addrs[i] = rnd() % (at + 16 * PG);
	for (int order = 0; order < 2; order++) {
		if (order)
			qsort(addrs, NR_ADDRS, sizeof(*addrs), cmp_addr);
		for (int impl = TREE; impl <= ARRAY; impl++) {
			double rate = run((enum impl)impl, &t, n);
			printf("BENCH suite=vma_tree op=find n=%u order=%s impl=%s "
			       "lookups_per_s=%.0f ns_per_lookup_x100=%.0f", n,
			       order ? "sequential" : "random", impl_name[impl], rate, 1e11 / rate);
			if (impl != ARRAY)
				printf(" height=%u nodes=%lu", t.height, t.nr_nodes);
			printf("\n");
		}
	}
	vma_tree_destroy(&t);
	rcu_barrier();
}

int main(void)
{
	static const unsigned sizes[] = { 10, 1000, 100000 };
	vmas = calloc(100000, sizeof(*vmas));
	ends = calloc(100000, sizeof(*ends));
	addrs = calloc(NR_ADDRS, sizeof(*addrs));
	if (!vmas || !ends || !addrs)
		return 2;
	vma_tree_cache_init();
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++)
		bench(sizes[i]);
	return 0;
}

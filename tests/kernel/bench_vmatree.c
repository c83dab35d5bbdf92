/* In-kernel benchmark: VMA tree lookups against binary search of a sorted array of the same
 * ranges, with 10, 1,000 and 100,000 VMAs, random and sequential addresses. Prints BENCH lines
 * (ns per lookup under whatever CPU the machine emulates: compare within a line, not across
 * machines). Each lookup's answer is checked against the array's. Manual: test=bench_vmatree. */
#include "kernel/ktest.h"
#include "kernel/printk.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/timer.h"
#include "mm/slab.h"
#include "mm/vma_tree.h"

#define LOOKUPS 200000

struct bench_range {
	uintptr_t start, end;
};

static const struct bench_range *array_find(const struct bench_range *a, unsigned n, uintptr_t addr)
{
	unsigned lo = 0, hi = n;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (a[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && a[lo].start <= addr ? &a[lo] : NULL;
}

static void bench_one(struct ktest *t, unsigned n)
{
	struct bench_range *a = kmalloc(n * sizeof(*a), 0);
	uintptr_t *addrs = kmalloc(LOOKUPS * sizeof(uintptr_t), 0);
	KASSERT(t, a && addrs);
	struct vma_tree tree;
	vma_tree_init(&tree, 0);
	/* VMAs of 1..8 pages with 0..3-page holes, as a real address space has. */
	u64 rnd = 0x12345678 + n;
	uintptr_t at = 0x400000;
	for (unsigned i = 0; i < n; i++) {
		rnd = rnd * 6364136223846793005ull + 1442695040888963407ull;
		at += ((rnd >> 40) % 4) * PAGE_SIZE;
		a[i].start = at;
		a[i].end = at + (1 + (rnd >> 50) % 8) * PAGE_SIZE;
		at = a[i].end;
		/* The array element doubles as the opaque vma pointer. */
		if (vma_tree_insert(&tree, a[i].start, a[i].end, (struct vma *)&a[i])) {
			ktest_fail(t, __FILE__, __LINE__, "insert %u failed", i);
			goto out;
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		const char *pattern = pass ? "sequential" : "random";
		for (unsigned i = 0; i < LOOKUPS; i++) {
			rnd = rnd * 6364136223846793005ull + 1442695040888963407ull;
			addrs[i] = pass ? 0x400000 + (uintptr_t)i * (at - 0x400000) / LOOKUPS
					: 0x400000 + (rnd >> 20) % (at - 0x400000);
		}
		unsigned mismatches = 0;
		uintptr_t sink = 0;
		u64 c0 = arch_cycles();
		rcu_read_lock();
		for (unsigned i = 0; i < LOOKUPS; i++)
			sink += (uintptr_t)vma_tree_find(&tree, addrs[i], NULL);
		rcu_read_unlock();
		u64 c1 = arch_cycles();
		for (unsigned i = 0; i < LOOKUPS; i++)
			sink -= (uintptr_t)array_find(a, n, addrs[i]);
		u64 c2 = arch_cycles();
		if (sink)
			mismatches++;
		for (unsigned i = 0; i < LOOKUPS && !mismatches; i += 97)
			if ((void *)vma_tree_find(&tree, addrs[i], NULL) !=
			    (void *)array_find(a, n, addrs[i]))
				mismatches++;
		KEXPECT_EQ(t, mismatches, 0);
		u64 tree_ns = cycles_to_ns(c1 - c0) * 1000 / LOOKUPS;
		u64 arr_ns = cycles_to_ns(c2 - c1) * 1000 / LOOKUPS;
		printk_raw("BENCH name=vmatree_lookup vmas=%u pattern=%s tree_ps=%lu array_ps=%lu "
			   "tree_per_s=%lu array_per_s=%lu\n", n, pattern, (unsigned long)tree_ns,
			   (unsigned long)arr_ns,
			   (unsigned long)(tree_ns ? 1000000000000ull / tree_ns : 0),
			   (unsigned long)(arr_ns ? 1000000000000ull / arr_ns : 0));
	}
out:
	vma_tree_destroy(&tree);
	rcu_barrier();
	kfree(addrs);
	kfree(a);
}

KTEST_FLAGS(bench_vmatree, lookups, KTEST_MANUAL)
{
	bench_one(t, 10);
	bench_one(t, 1000);
	bench_one(t, 100000);
}

/* The seeded runner of the VMA tree fuzzer (vma_tree_fuzz.c):
 *   fuzz_vma_tree [OPS [SEED]]     (make fuzz-vmatree OPS=... SEED=...)
 * Same seed, same run. Prints progress every million steps and a summary; exits 1 on the first
 * difference from the model, with the seed and step to reproduce it. */
#include "tests/host/host.h"
#include "tests/host/vma_tree_fuzz.h"
#include <time.h>

static u64 rng;

/* splitmix64: one 64-bit state, good enough spread for picking operations. */
static u64 draw(void *ctx, u64 bound)
{
	(void)ctx;
	u64 z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return bound ? z % bound : z;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long ops = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;
	unsigned long seed = argc > 2 ? strtoul(argv[2], NULL, 0) : 1;
	double t0 = now();
	static struct fuzz f;
	int err = 0;

	rng = seed;
	vma_tree_cache_init();
	fuzz_init(&f, draw, NULL);
	for (unsigned long i = 0; i < ops && !err; i++) {
		err = fuzz_step(&f);
		if ((i + 1) % 1000000 == 0)
			printf("fuzz_vma_tree: %lu ops, %.1f s\n", i + 1, now() - t0);
	}
	if (!err)
		err = fuzz_finish(&f);
	printf("fuzz_vma_tree: seed %lu: %s after %lu ops (%lu injected -ENOMEM, up to %lu "
	       "entries, height %lu) in %.1f s\n", seed, err ? "FAILED" : "passed", f.steps,
	       f.nomem, f.max_entries, f.max_height, now() - t0);
	if (err)
		printf("fuzz_vma_tree: reproduce with: make fuzz-vmatree OPS=%lu SEED=%lu\n",
		       f.steps, seed);
	return err ? 1 : 0;
}

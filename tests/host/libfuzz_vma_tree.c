/* libFuzzer entry for the VMA tree fuzzer (vma_tree_fuzz.c): the input bytes are the random
 * choices, so libFuzzer's coverage feedback steers the operation sequences. A small fixed
 * universe keeps collisions between ranges frequent. Built by `make libfuzz-vmatree` (clang). */
#include "tests/host/vma_tree_fuzz.h"
#include <stdlib.h>

struct bytes {
	const u8 *p;
	size_t n;
};

/* As many input bytes as the bound needs; zeros once the input is used up. */
static u64 draw(void *ctx, u64 bound)
{
	struct bytes *b = ctx;
	unsigned need = 8;
	u64 v = 0;
	if (bound && bound <= 0x100)
		need = 1;
	else if (bound && bound <= 0x10000)
		need = 2;
	else if (bound && bound <= 0x100000000ull)
		need = 4;
	for (unsigned i = 0; i < need && b->n; i++, b->p++, b->n--)
		v |= (u64)*b->p << (8 * i);
	return bound ? v % bound : v;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static bool ready;
	static struct fuzz f;
	struct bytes b = { data, size };
	if (!ready) {
		vma_tree_cache_init();
		ready = true;
	}
	fuzz_init(&f, draw, &b);
	f.fixed_scale = true;
	f.scale = 16 + draw(&b, 512);
	f.target = 1 + draw(&b, 256);
	while (b.n && f.steps < 2000)
		if (fuzz_step(&f))
			abort();
	if (fuzz_finish(&f))
		abort();
	return 0;
}

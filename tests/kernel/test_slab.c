/* Slab caches and kmalloc in the running kernel. */
#include "kernel/ktest.h"
#include "mm/page.h"
#include "mm/slab.h"
#include "lib/string.h"

KTEST(slab, reuse_lifo)
{
	void *a = kmalloc(64, 0);
	KASSERT(t, a != NULL);
	kfree(a);
	void *b = kmalloc(64, 0);
	KEXPECT(t, a == b);   /* the last object freed is the first handed out */
	kfree(b);
}

KTEST(slab, size_classes)
{
	static const size_t sizes[] = { 1, 8, 16, 17, 64, 100, 200, 256, 700, 2048, 4000, 4096,
					4097, 10000, 65536 };
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *p = kmalloc(sizes[i], GFP_ZERO);
		KASSERT(t, p != NULL);
		KEXPECT(t, ksize(p) >= sizes[i]);
		KEXPECT(t, IS_ALIGNED((uintptr_t)p, 8));
		bool zero = true;
		for (size_t k = 0; k < sizes[i]; k++)
			zero &= p[k] == 0;
		KEXPECT(t, zero);
		memset(p, 0xee, sizes[i]);
		kfree(p);
	}
	kfree(NULL);
}

/* Many objects across many slabs: distinct, in bounds (each carries its index), then freed in
 * an interleaved order; a second identical round must end with the same free-page count. */
static void churn(struct ktest *t, struct kmem_cache *c, void **objs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		objs[i] = kmem_cache_alloc(c, 0);
		if (!objs[i]) {
			KEXPECT(t, objs[i] != NULL);
			n = i;
			break;
		}
		memset(objs[i], (int)(i & 0xff), c->size);
	}
	for (unsigned i = 0; i < n; i++) {
		const u8 *b = objs[i];
		bool intact = true;
		for (unsigned k = 0; k < c->size; k++)
			intact &= b[k] == (u8)i;
		if (!intact)
			KEXPECT(t, intact);
	}
	for (unsigned pass = 0; pass < 2; pass++)
		for (unsigned i = pass; i < n; i += 2)
			kmem_cache_free(c, objs[i]);
}

KTEST(slab, named_cache)
{
	enum { N = 3000 };
	void **objs = kmalloc(N * sizeof(void *), 0);
	KASSERT(t, objs != NULL);
	struct kmem_cache *c = kmem_cache_create("ktest_obj", 72, 8);
	KASSERT(t, c != NULL);
	KEXPECT_EQ(t, c->size, 72);
	unsigned long before = page_alloc_nr_free();
	churn(t, c, objs, N);
	KEXPECT_EQ(t, c->nr_active, 0);
	KEXPECT(t, c->nr_slabs <= 1);
	unsigned long mid = page_alloc_nr_free();
	churn(t, c, objs, N);
	KEXPECT_EQ(t, page_alloc_nr_free(), mid);
	kmem_cache_destroy(c);
	KEXPECT_EQ(t, page_alloc_nr_free(), before);
	kfree(objs);
}

KTEST(slab, bad_create)
{
	KEXPECT(t, kmem_cache_create("zero", 0, 8) == NULL);
	KEXPECT(t, kmem_cache_create("huge", 2 * PAGE_SIZE, 8) == NULL);
	KEXPECT(t, kmem_cache_create("align", 64, 24) == NULL);
}

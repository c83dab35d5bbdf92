/* Atomics on plain integers, over the compiler's __atomic builtins (which every arch here
 * implements inline; arm64 is built with -mno-outline-atomics). Names follow Linux. */
#ifndef KERNEL_ATOMIC_H
#define KERNEL_ATOMIC_H

#include "kernel/compiler.h"

typedef struct { int v; } atomic_t;
typedef struct { long v; } atomic_long_t;

#define ATOMIC_INIT(x) { (x) }

static inline int atomic_read(const atomic_t *a)
{
	return __atomic_load_n(&a->v, __ATOMIC_RELAXED);
}
static inline void atomic_set(atomic_t *a, int x) { __atomic_store_n(&a->v, x, __ATOMIC_RELAXED); }
static inline int atomic_add_return(atomic_t *a, int x)
{
	return __atomic_add_fetch(&a->v, x, __ATOMIC_SEQ_CST);
}
static inline int atomic_fetch_add(atomic_t *a, int x)
{
	return __atomic_fetch_add(&a->v, x, __ATOMIC_SEQ_CST);
}
static inline void atomic_inc(atomic_t *a) { __atomic_add_fetch(&a->v, 1, __ATOMIC_SEQ_CST); }
static inline void atomic_dec(atomic_t *a) { __atomic_sub_fetch(&a->v, 1, __ATOMIC_SEQ_CST); }
static inline bool atomic_dec_and_test(atomic_t *a)
{
	return __atomic_sub_fetch(&a->v, 1, __ATOMIC_SEQ_CST) == 0;
}
static inline bool atomic_cmpxchg(atomic_t *a, int *old, int new)
{
	return __atomic_compare_exchange_n(&a->v, old, new, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_RELAXED);
}

static inline long atomic_long_read(const atomic_long_t *a)
{
	return __atomic_load_n(&a->v, __ATOMIC_RELAXED);
}
static inline void atomic_long_set(atomic_long_t *a, long x)
{
	__atomic_store_n(&a->v, x, __ATOMIC_RELAXED);
}
static inline long atomic_long_add_return(atomic_long_t *a, long x)
{
	return __atomic_add_fetch(&a->v, x, __ATOMIC_SEQ_CST);
}

/* Ordering helpers for hand-written protocols. */
#define smp_load_acquire(p)      __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)  __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#ifdef __SANITIZE_THREAD__
/* ThreadSanitizer (the host tests' TSan build) refuses fences; a seq_cst read-modify-write of
 * one shared word orders the same for the C model it checks. The kernel itself never has this. */
extern int smp_mb_tsan_word;
#define smp_mb()                 ((void)__atomic_fetch_add(&smp_mb_tsan_word, 0, __ATOMIC_SEQ_CST))
#else
#define smp_mb()                 __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

#endif

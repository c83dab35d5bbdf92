/* Sequence counts and seqlocks: readers never block the writer; they read, then check that no
 * write started or was in progress meanwhile, and retry if one was.
 *     do { s = read_seqbegin(&sl); x = a; y = b; } while (read_seqretry(&sl, s));
 * A seqcount's writers must already be serialised (by some other lock); a seqlock adds a
 * spinlock for them. The count is odd while a write is in progress. */
#ifndef KERNEL_SEQLOCK_H
#define KERNEL_SEQLOCK_H

#include "kernel/locking/spinlock.h"

typedef struct {
	unsigned sequence;
} seqcount_t;

#define SEQCOUNT_INIT { 0 }

static inline unsigned read_seqcount_begin(const seqcount_t *s)
{
	unsigned v;
	while ((v = __atomic_load_n(&s->sequence, __ATOMIC_ACQUIRE)) & 1)
		arch_cpu_relax();
	return v;
}

static inline bool read_seqcount_retry(const seqcount_t *s, unsigned start)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);   /* the data loads before the re-read */
	return __atomic_load_n(&s->sequence, __ATOMIC_RELAXED) != start;
}

static inline void write_seqcount_begin(seqcount_t *s)
{
	__atomic_store_n(&s->sequence, s->sequence + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);   /* odd before the data stores */
}

static inline void write_seqcount_end(seqcount_t *s)
{
	__atomic_store_n(&s->sequence, s->sequence + 1, __ATOMIC_RELEASE);   /* data before even */
}

typedef struct {
	seqcount_t seq;
	spinlock_t lock;
} seqlock_t;

#define SEQLOCK_INIT { SEQCOUNT_INIT, SPINLOCK_INIT }

static inline unsigned read_seqbegin(const seqlock_t *sl) { return read_seqcount_begin(&sl->seq); }
static inline bool read_seqretry(const seqlock_t *sl, unsigned s)
{
	return read_seqcount_retry(&sl->seq, s);
}
static inline void write_seqlock(seqlock_t *sl)
{
	spin_lock(&sl->lock);
	write_seqcount_begin(&sl->seq);
}
static inline void write_sequnlock(seqlock_t *sl)
{
	write_seqcount_end(&sl->seq);
	spin_unlock(&sl->lock);
}

#endif

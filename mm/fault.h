/* Page faults on user addresses: the strategy chosen at boot (mm.fault=), the fault core they
 * share, and the counters (docs/mm/fault.md). Five strategies (docs/mm/fault-strategies.md):
 * mmap_lock, the baseline, holds the mm's mmap_lock for read; range, spf, pervma and adaptive
 * (mm/fault_*.c) differ only in how a fault finds and trusts its VMA and how VMA writers let
 * faults know. */
#ifndef MM_FAULT_H
#define MM_FAULT_H

#include "arch/arch.h"

struct mm;
struct vma;

/* Why a strategy's own path gave a fault up (and it went to mmap_lock, or was retried). */
enum fault_abort {
	FA_NONE,          /* 0: not an abort (fault_speculative's "handled") */
	FA_NO_VMA,        /* no VMA at the address (the classic path gives the error) */
	FA_SEQ,           /* spf: the VMA's count was odd, or changed before the install */
	FA_TRYLOCK,       /* a trylock failed: the VMA's lock (pervma), the table's (spf, adaptive) */
	FA_MARKED,        /* pervma: the VMA is write-marked by a writer still at work */
	FA_DETACHED,      /* pervma: the VMA left the tree after the lookup found it */
	FA_RANGE,         /* the VMA found no longer covers the address */
	FA_ACCESS,        /* the VMA does not allow the access (the classic path gives the error) */
	FA_NOT_ANON,      /* spf, adaptive: a shared mapping (anonymous private VMAs only) */
	FA_NO_ANON_VMA,   /* a write that needs the VMA's first anon_vma (it looks at neighbours) */
	FA_NO_TABLE,      /* spf, adaptive: a page table on the way is missing (never allocated
			   * speculatively) */
	FA_PRESENT,       /* spf, adaptive: the entry is not empty (an upgrade or a copy) */
	FA_PMD,           /* spf, adaptive: the table's link changed under the fault */
	FA_LOOKUP,        /* adaptive: a fresh lookup found another VMA, or this one changed */
	FA_NOMEM,         /* no page for a speculative write (the fault ends: -ENOMEM) */
	FA_NR
};
extern const char *const fault_abort_names[FA_NR];

struct fault_strategy {
	const char *name;
	/* Handle a fault at addr (FAULT_* access) in mm: find the VMA, check the access, call
	 * fault_core. 0 (the access is retried), -EFAULT (no VMA allows it) or -ENOMEM. */
	int (*fault)(struct mm *mm, uintptr_t addr, unsigned access);
	/* A VMA writer has just taken mmap_lock for write / is about to let it go. */
	void (*write_begin)(struct mm *mm);
	void (*write_end)(struct mm *mm);
	/* The writer will change VMAs in [start, end) (range: it locks that, widened to the VMAs
	 * it touches and their neighbours). NULL: nothing to do. */
	void (*write_range)(struct mm *mm, uintptr_t start, uintptr_t end);
	/* The writer is about to change v (its fields, its place in the tree, its entries), and
	 * then v leaves the tree for good (after vma_write). NULL: nothing to do. */
	void (*vma_write)(struct vma *v);
	void (*vma_detach)(struct vma *v);
};
extern const struct fault_strategy *fault_strategy;   /* set at boot, then constant */
extern const char *const fault_strategy_names[];     /* NULL-terminated, mmap_lock first */
/* For benchmarks that compare strategies in one boot (bench_fault.strategies), and nothing else:
 * choose another strategy while no address space has a VMA, and nothing faults or writes
 * meanwhile (the caller's to ensure). 0, -EBUSY (VMAs exist) or -EINVAL (no such name). */
int fault_strategy_switch(const char *name);
/* Does the chosen strategy have vma_write / write_range? Set at boot with it: the writers'
 * hooks cost one predictable branch when it has not. */
extern bool fault_vma_hooks, fault_range_hooks;
/* Do faults run beside a VMA writer, walking (and linking) tables of VMAs it does not hold
 * them off from (pervma, spf, adaptive)? Then a writer may not unlink a table it made unless no
 * VMA uses its span. */
extern bool fault_beside_writers;

/* Linux's vma_start_write: call before changing anything of v, under mmap_lock held for write.
 * Idempotent within one writer's hold of mmap_lock. */
static inline void vma_start_write(struct vma *v)
{
	if (unlikely(fault_vma_hooks))
		fault_strategy->vma_write(v);
}
static inline void vma_detach(struct vma *v)
{
	if (unlikely(fault_vma_hooks))
		fault_strategy->vma_detach(v);
}
/* torture=mm sets it while it runs: a short random delay at the points where a fault and a VMA
 * writer race (after a fault trusts its VMA, before a writer's store, zap or protect), so that
 * the windows the strategies must close are wide enough for the twins to be caught. NULL
 * otherwise: one predictable branch. */
enum { RACE_FAULT, RACE_WRITER };
extern void (*fault_race_delay_hook)(int side);
static inline void fault_race_delay(int side)
{
	if (unlikely(fault_race_delay_hook))
		fault_race_delay_hook(side);
}

/* The writer holding mmap_lock will change VMAs in [start, end) (page-aligned). */
static inline void mm_write_range(struct mm *mm, uintptr_t start, uintptr_t end)
{
	if (unlikely(fault_range_hooks))
		fault_strategy->write_range(mm, start, end);
}

/* Handle a fault at addr of mm with the chosen strategy, and count it. Sleeps; interrupts on. */
int handle_mm_fault(struct mm *mm, uintptr_t addr, unsigned access);
/* The part every strategy shares: vma (which contains addr and allows the access) stays as it
 * is while this runs. Walks and allocates the tables, then installs the page: the zero page for
 * a read of private memory never written, a zeroed page for a write (replacing the zero page if
 * it was there), the shared object's page for shared memory. */
int fault_core(struct mm *mm, struct vma *vma, uintptr_t addr, unsigned access);
/* Does vma allow this access? (Linux's access_error, x86's: any access lets a read in.) */
bool fault_access_ok(const struct vma *vma, unsigned access);

/* Counted per CPU, summed on request. A handled fault counts once, in the kind it was; success
 * is their sum, computed by fault_get_stats rather than counted again on the fault path. */
struct fault_stats {
	unsigned long success;       /* faults handled (0 returned): the seven below */
	unsigned long zero_page;     /* ... that mapped the zero page */
	unsigned long page_alloc;    /* ... that allocated a private page (or replaced the zero page) */
	unsigned long shm;           /* ... that mapped a page of a shared object */
	unsigned long upgrade;       /* ... that made a present entry writable */
	unsigned long cow_copy;      /* ... that copied a page shared copy-on-write (fork) */
	unsigned long cow_reuse;     /* ... that found such a page its own by now, and wrote it */
	unsigned long spurious;      /* ... that found the entry already right (a stale TLB entry,
				      * or another fault got there first) */
	unsigned long failure;       /* faults not handled: no VMA, not allowed, no memory, or in
				      * atomic context */
	/* How the strategy handled them: every fault is attempted once; it ends on the
	 * strategy's own path (fast: without mmap_lock) or under mmap_lock (locked: the classic
	 * path, as the mmap_lock strategy always, or after a fallback); aborts by reason (one
	 * fault may abort, retry and abort again before it falls back). */
	unsigned long attempt, fast, locked, fallback, retry;
	unsigned long abort[FA_NR];
};
void fault_get_stats(struct fault_stats *st);
/* "attempt=.. fast=.. locked=.. fallback=.. retry=.." and each nonzero abort as name=count. */
void fault_stats_format(const struct fault_stats *st, char *buf, size_t len);

/* ---- For the strategies' files (fault_*.c) ---- */
void fault_count_path(unsigned what);   /* FP_* */
void fault_count_abort(enum fault_abort why);
enum { FP_FAST, FP_LOCKED, FP_FALLBACK, FP_RETRY };
/* The classic path: mmap_lock held for read around lookup and fault_core. Counted as locked. */
int fault_locked(struct mm *mm, uintptr_t addr, unsigned access);
/* The same with mmap_lock already held for read (taken by trylock); lets it go. */
int fault_under_mmap_lock(struct mm *mm, uintptr_t addr, unsigned access);
/* Would fault_core need what only mmap_lock makes safe? A write to private memory whose VMA has
 * no anon_vma yet: anon_vma_prepare reads the neighbours. */
bool fault_needs_mmap_lock(const struct vma *vma, unsigned access);
/* The torture twin of the strategy chosen (torture.busted=1 in torture=mm sets it): range locks
 * the wrong page, spf skips its recheck, pervma its mark check, adaptive its fresh lookup. */
extern bool fault_busted;

/* spf and adaptive: a fault of an empty entry of a private anonymous VMA, found under RCU and
 * trusted by `validate`, called under the table's lock just before the install (0 or an
 * abort reason). Returns 0 if the fault was handled (*result: its result), else the reason. */
struct spec_fault {
	struct mm *mm;
	uintptr_t addr;              /* page-aligned */
	unsigned access;
	struct vma *vma;             /* as found: read only through the snapshot below */
	u32 seq;                     /* spf: the count at the snapshot */
	uintptr_t start, end;
	unsigned long flags, pgoff;
	struct anon_vma *anon_vma;
	struct shm_object *shm;
};
struct spec_ops {
	int (*begin)(struct spec_fault *sf);      /* after the lookup, before the snapshot */
	int (*validate)(struct spec_fault *sf);   /* under the table's lock */
};
int fault_speculative(struct mm *mm, uintptr_t addr, unsigned access, const struct spec_ops *ops,
		      int *result);
/* spf's and adaptive's whole fault: fault_speculative, once more after a failed trylock of the
 * table's lock, then the classic path. Counted. */
int fault_speculative_or_locked(struct mm *mm, uintptr_t addr, unsigned access,
				const struct spec_ops *ops);

#endif

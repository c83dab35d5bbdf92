/* struct mm: one address space. Its page-table root and hardware context, which CPUs have it
 * loaded, how a kernel thread adopts one (Linux's kthread_use_mm) so that it touches user
 * addresses through the real MMU, and what the VMA operations and the fault path share: the
 * VMA tree, mmap_lock, the counters (docs/mm/address-space.md).
 *
 * Loading: each CPU has one mm loaded (init_mm when the running thread has none, so that a user
 * address faults). mm_switch() loads another and keeps mm->cpumask exact: a CPU's bit is set
 * before it loads the mm and cleared after it has loaded another, so a shootdown that reads the
 * mask after clearing entries reaches every CPU that may still use them (mm/tlb.c says why).
 *
 * Locking: mmap_lock (held for write) serialises the VMA writers; the mmap_lock fault strategy
 * holds it for read. Each field below says what guards it. */
#ifndef MM_MM_H
#define MM_MM_H

#include "arch/arch.h"
#include "kernel/percpu.h"
#include "kernel/locking/rangelock.h"
#include "kernel/locking/rwsem.h"
#include "kernel/locking/spinlock.h"
#include "mm/vma_tree.h"

/* Resident pages, as Linux's rss_stat: private anonymous pages (the shared zero page is not
 * counted) and pages of shared anonymous objects mapped here. */
enum { MM_ANONPAGES, MM_SHMEMPAGES, MM_NR_RSS };

/* The merge policy (mm.merge=, mm/vma_merge.c, docs/mm/rmap-and-merging.md): Linux 6.1's rules,
 * or seed 001's, which also merge a range whose pages may be relabelled (its anon_vma shares no
 * page with another process). Chosen per mm at creation; tests and the merge benchmark set
 * mm->merge_policy themselves. */
enum merge_policy { MERGE_LINUX, MERGE_RELAXED };
enum merge_caller { MERGE_BY_MMAP, MERGE_BY_MREMAP, MERGE_BY_MPROTECT, MERGE_BY_BRK,
		    MERGE_NR_CALLERS };
/* How an attempt ended. A refusal is counted by the neighbour that came closest to joining, in
 * this order: flags (the protection, flags or shared object differ: no policy merges them) <
 * shared (offsets or anon_vmas differ and a side shares pages with another process: only
 * relabelling would help, which the relaxed policy may not do) < pgoff (the same anon_vma but
 * offsets not contiguous) < anon (different anon_vmas, nothing shared). The last two are what
 * the relaxed policy merges: under it they are counted as merged_relaxed. */
enum merge_outcome { MERGE_MERGED, MERGE_MERGED_RELAXED, MERGE_NO_NEIGHBOUR, MERGE_REFUSED_FLAGS,
		     MERGE_REFUSED_SHARED, MERGE_REFUSED_PGOFF, MERGE_REFUSED_ANON,
		     MERGE_NR_OUTCOMES };
/* vma_merge and friends (mm/vma_merge.c): each time a change could have joined a range to a
 * neighbour, and each time it did. mmap_lock (write). */
struct mm_merge_stats {
	unsigned long attempts;
	unsigned long merged;          /* with the VMA before, after, or both */
	unsigned long merged_both;     /* of which with both (three became one) */
	unsigned long anon_reused;     /* first faults that took a neighbour's anon_vma */
	/* Each attempt by the operation that made it and how it ended (enum merge_caller, enum
	 * merge_outcome). */
	unsigned long by[MERGE_NR_CALLERS][MERGE_NR_OUTCOMES];
};

/* An outcome's attempts, all callers together. */
static inline unsigned long merge_sum(const struct mm_merge_stats *s, enum merge_outcome o)
{
	unsigned long n = 0;
	for (unsigned c = 0; c < MERGE_NR_CALLERS; c++)
		n += s->by[c][o];
	return n;
}

extern const char *const merge_caller_names[MERGE_NR_CALLERS];
extern const char *const merge_outcome_names[MERGE_NR_OUTCOMES];
/* The policy new mms get (mm.merge=). */
enum merge_policy merge_default_policy(void);

struct mm {
	phys_addr_t pgd;                 /* the root; written once */
	struct arch_mm_context context;  /* the arch's (arch_mm_init); zero until then */
	cpumask_t cpumask;               /* CPUs that have it loaded (atomic updates); not kept
					  * for init_mm */
	u64 tlb_gen;                     /* shootdowns of its translations so far: bumped by
					  * mm/tlb.c (IPI arches) before it reads cpumask; x86's
					  * PCID slots compare it (atomic updates) */
	atomic_t refcount;               /* mm_get/mm_put; the mm goes with the last */
	atomic_t users;                  /* threads that have adopted it (kthread_use_mm) */

	struct rw_semaphore mmap_lock;   /* VMA writers hold it for write, faults for read */
	struct vma_tree vmas;            /* [start, end) -> struct vma; RCU readers, writers
					  * under mmap_lock (write) */
	u64 write_seq;                   /* bumped (release) as each writer lets mmap_lock go
					  * (mmap_write_unlock), ending every VMA mark it made
					  * (pervma); starts at 1, so that a new VMA's 0 is
					  * unmarked */
	struct list_head spf_marked;     /* spf: VMAs whose seq this writer made odd; mmap_lock */
	struct range_lock_tree vma_range;   /* range: faults lock their page for read,
					     * writers their span for write */
	struct range_lock range_writer;  /* range: the writer's, while range_held; mmap_lock */
	uintptr_t range_lo, range_hi;
	bool range_held;
	bool fault_contended;            /* adaptive: a fault found mmap_lock taken while the
					  * mm had other users; from then on faults go
					  * speculative first */
	unsigned long map_count;         /* VMAs; mmap_lock */
	spinlock_t page_table_lock;      /* setting a VMA's anon_vma (faults race to do it) */
	atomic_long_t rss[MM_NR_RSS];    /* updated by faults (mmap_lock read) and zaps */
	atomic_t tlb_flush_pending;      /* zaps under mmap_lock held for read (MADV_DONTNEED)
					  * between their gather's start and the end of its
					  * flush (mm/tlb.c, tlb_gather_init_shared) */
	struct mm_merge_stats merge;     /* mmap_lock (write); anon_reused: page_table_lock */
	enum merge_policy merge_policy;  /* mm.merge= when created; mmap_lock (write) */
	uintptr_t start_brk, brk;        /* the heap: [start_brk, brk); mmap_lock */
	uintptr_t mmap_base;             /* top-down placement ends here (below: a gap kept
					  * for a future stack); written at creation */
	uintptr_t mmap_min_addr;         /* nothing is mapped below (Linux's vm.mmap_min_addr) */
};

/* Where brk starts in a new mm, until exec sets it (tests move it with mm_brk_init). */
#define MM_BRK_BASE       0x01000000ul
#define MM_MMAP_MIN_ADDR  0x10000ul     /* 64 KiB, Debian's vm.mmap_min_addr */
#define MM_STACK_GAP      0x08000000ul  /* 128 MiB below the top: Linux's smallest stack gap */

extern struct mm init_mm;   /* the kernel's: pgd = kernel_pt_root, no user half */

/* A new, empty address space (refcount 1): NULL if out of memory or of address-space ids. */
struct mm *mm_create(void);
static inline void mm_get(struct mm *mm) { atomic_inc(&mm->refcount); }
/* Drop a reference; the last unmaps every VMA (their pages go back), then frees the page tables
 * and the context. Sleeps (a grace period for the tables). Nothing may have the mm loaded then:
 * every kthread_use_mm was undone. */
void mm_put(struct mm *mm);
void mm_cache_shrink(void);   /* struct mm's slabs back to the page allocator: leak checks */

/* fork's address space (mm/fork.c): a new mm with old's VMAs and entries, private pages shared
 * copy-on-write, shared mappings shared. 0 and *out, or -ENOMEM (old unchanged but for entries
 * made read-only, which a write makes writable again). Sleeps. */
int mm_fork(struct mm *old, struct mm **out);

/* The running kernel thread adopts mm (takes a reference) and loads it, or lets it go and loads
 * init_mm again. Not nested; the thread stays preemptible, and the scheduler reloads its mm
 * wherever it runs next. */
void kthread_use_mm(struct mm *mm);
void kthread_unuse_mm(struct mm *mm);

/* mmap_lock for VMA writers: the bump of write_seq at unlock ends every VMA mark the writer
 * made (seed 000; unused by the mmap_lock fault strategy). */
void mmap_write_lock(struct mm *mm);
void mmap_write_unlock(struct mm *mm);
static inline void mmap_read_lock(struct mm *mm) { down_read(&mm->mmap_lock); }
static inline void mmap_read_unlock(struct mm *mm) { up_read(&mm->mmap_lock); }

/* Set where the heap starts (page-aligned), as exec will: brk = start_brk = start. */
void mm_brk_init(struct mm *mm, uintptr_t start);

/* The mm this CPU has loaded (interrupts or preemption off). */
DECLARE_PER_CPU(struct mm *, loaded_mm);
/* Load next on this CPU if it is not loaded already; interrupts off. The scheduler calls it
 * before switching to a thread (with that thread's mm, or init_mm). */
void mm_switch(struct mm *next);

#endif

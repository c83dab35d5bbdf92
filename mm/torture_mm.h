/* torture=mm's shared state (mm/torture_mm.c: the model, the workers, the suite;
 * mm/torture_mm_readers.c: the lockless walkers and the racing faults). */
#pragma once
#include "mm/internal.h"
#include "mm/mm.h"
#include "mm/pgtable.h"
#include "mm/vma.h"
#include "kernel/torture.h"

#define TM_PAGES 32                  /* pages of a region that operations use */
#define TM_MAX_RANGE 12              /* most pages an operation's range covers, usually */
#define TM_BASE 0x100000000ul        /* the regions start at 4 GiB */
#define TM_SLOT ((uintptr_t)pt_level_size(1))   /* one last-level table's span per region */

struct tm_page {
	u64 word;        /* what its first word must hold; 0: nothing written since mapped */
	u8 mapped;
	u8 prot;         /* PROT_NONE, PROT_READ or PROT_READ|PROT_WRITE */
};

struct tm_region {
	int owner;                     /* 0: free, else a worker's index + 1 (atomic) */
	bool broken;                   /* an error was found here: the model is no longer true */
	uintptr_t base;
	unsigned gen;                  /* of the words written here */
	unsigned hot_a, hot_n;         /* the pages the owner's operation changes now, for the
					* racers (a hint: relaxed, no ordering) */
	struct tm_page pg[TM_PAGES];
};

enum { TM_MMAP, TM_MUNMAP, TM_CLEAR, TM_MPROTECT, TM_MREMAP, TM_DONTNEED, TM_READ, TM_WRITE,
       TM_WALK, TM_RACE, TM_TABLES_FREED, TM_FORK, TM_MIGRATE, TM_NR_COUNTS };
struct tm_counts {
	unsigned long free_pages;
	struct mm_object_counts o;
};

struct tm_state {
	struct torture_run *r;
	struct mm *mm;
	struct tm_region *regions;
	unsigned nregions, nworkers;
	volatile bool go;              /* set once the mm exists and the counts are taken */
	atomic_t live;                 /* threads that have not finished: the last puts the mm */
	struct tm_counts before, after;
	volatile bool counted;         /* the last thread is done: after is set if mm was */
	atomic_long_t count[TM_NR_COUNTS];
	atomic_long_t bugs_seen;       /* mm_bugs when last checked */
	bool no_forks;                 /* a twin that forks would hide (op_fork) */
	bool lockless;                 /* the strategy lets faults run beside VMA writers (all
					* but mmap_lock): the race windows are widened */
	volatile bool failed;          /* an error was found: every thread winds down, so that
					* a twin's damage (an entry in a table being freed, say)
					* is reported, not left to grow into a panic elsewhere */
};

struct tm_thread {
	struct tm_state *st;
	unsigned index;
	u64 rnd;
};

void tm_thread_run(struct tm_thread *t, long (*round)(struct tm_thread *));

static inline uintptr_t page_va(const struct tm_region *g, unsigned i)
{
	return g->base + (uintptr_t)i * PAGE_SIZE;
}

static inline void count(struct tm_state *st, unsigned what, long n)
{
	atomic_long_add_return(&st->count[what], n);
}

/* torture_mm_readers.c: the threads that read the mm without its lock, and the race windows
 * widened (fault_race_delay_hook). */
void tm_walker(void *arg);
void tm_racer(void *arg);
void tm_race_delay(int side);

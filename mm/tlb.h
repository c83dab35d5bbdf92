/* TLB maintenance on every CPU: the hardware's broadcast invalidation where the arch has it
 * (ARCH_HAS_TLB_BROADCAST: ppc64, arm64), otherwise (x86) a shootdown: an IPI to the CPUs that
 * may hold the translations (every online one for the kernel's; mm->cpumask for a user address
 * space's), each flushing locally, the caller waiting for all.
 *
 * Unmapping user memory goes through a gather: the caller clears entries and hands the gather
 * the range it touched and the pages it took out (data pages, and page-table pages it emptied);
 * tlb_finish() flushes once, then drops the references to the data pages it was given (freeing
 * those it held the last of), and frees the tables after a grace period too
 * (a lockless software walker may be inside them). Nothing is freed while a CPU may still reach
 * it through its TLB. */
#ifndef MM_TLB_H
#define MM_TLB_H

#include "kernel/types.h"
#include "lib/list.h"

struct mm;
struct page;

/* Flush [va, va+size) of the kernel's address space everywhere: the translations of leaves of
 * every level up to max_level that overlapped it (pt_unmap and pt_protect say which level was
 * the largest they removed, changed or split). Interrupts must be enabled when other CPUs are
 * online. */
void tlb_flush_kernel_range(uintptr_t va, u64 size, int max_level);

/* Flush [va, va+size) of mm's address space wherever it may be cached, leaves of every level up
 * to max_level. Interrupts enabled; may be called with the mm loaded here or not. */
void tlb_flush_mm_range(struct mm *mm, uintptr_t va, u64 size, int max_level);

/* Data pages a gather holds before it flushes: a full batch is flushed and let go at once. Not a
 * list through page->lru: since fork a page may be mapped in two address spaces, whose zaps
 * gather it at the same time. */
#define TLB_BATCH 32

struct mmu_gather {
	struct mm *mm;
	uintptr_t start, end;        /* the range whose entries changed; empty: start >= end */
	int max_level;
	unsigned nr_pages;
	struct page *pages[TLB_BATCH];   /* data pages to put after the flush */
	struct list_head tables;     /* page-table pages to free after the flush and a grace
				      * period (page->lru: a table belongs to one mm) */
	bool shared;                 /* tlb_gather_init_shared: counted in tlb_flush_pending */
	bool local_only;             /* the broken twin of torture=mm: this CPU's TLB alone */
	uintptr_t shared_start, shared_end;   /* ... and the range it zaps */
};

void tlb_gather_init(struct mmu_gather *g, struct mm *mm);
/* The same for a zap of [start, end) under mmap_lock held for read (MADV_DONTNEED), beside
 * others like it: one may find entries empty that another cleared and has not flushed yet. So
 * each is counted in mm->tlb_flush_pending until its flush is done, and tlb_finish flushes all
 * of [start, end), even if this gather cleared nothing, whenever another was counted too
 * (Linux's mm_tlb_flush_nested). */
void tlb_gather_init_shared(struct mmu_gather *g, struct mm *mm, uintptr_t start, uintptr_t end);
/* An entry of `level` mapping va was cleared or changed. */
void tlb_gather_range(struct mmu_gather *g, uintptr_t va, int level);
/* The caller's reference to p (order 0) is dropped (put_page) once no TLB reaches it: at
 * tlb_finish, or here, after a flush of what was gathered so far, if the batch is full (so
 * under a table's split lock too, as the fault path flushes). */
void tlb_gather_page(struct mmu_gather *g, struct page *p);
/* A page-table page (order 0, PG_pgtable) unlinked from the tree. */
void tlb_gather_table(struct mmu_gather *g, struct page *p);
/* Flush, then put the pages (and free the tables a grace period later). Interrupts enabled. */
void tlb_finish(struct mmu_gather *g);

/* The broken twins of torture=mm, for nothing else. tlb_busted_munmap (set by the suite when
 * torture.busted=1): munmap flushes only the TLB of the CPU it runs on, so other CPUs keep
 * translations to the pages it frees (held in the quarantine, mm/internal.h). mm.busted=pt_free
 * (a boot parameter): page-table pages are freed right after the flush, without the grace period
 * a lockless walker relies on. */
extern bool tlb_busted_munmap;

/* Shootdown statistics, summed over CPUs: IPIs sent for user flushes, and flushes run. */
struct tlb_stats {
	unsigned long user_flushes;     /* tlb_flush_mm_range calls that flushed something */
	unsigned long ipis_sent;        /* CPUs asked by IPI (x86) */
	unsigned long ipi_flushes;      /* ... and flushes they ran for it */
};
void tlb_get_stats(struct tlb_stats *st);

#endif

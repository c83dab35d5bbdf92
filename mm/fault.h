/* Page faults on user addresses: the strategy chosen at boot (mm.fault=), the fault core they
 * share, and the counters (docs/mm/fault.md). Today one strategy, mmap_lock, the baseline: the
 * fault holds the mm's mmap_lock for read. The others (range, spf, pervma, adaptive) will differ
 * only in how a fault finds and trusts its VMA and how VMA writers let faults know. */
#ifndef MM_FAULT_H
#define MM_FAULT_H

#include "arch/arch.h"

struct mm;
struct vma;

struct fault_strategy {
	const char *name;
	/* Handle a fault at addr (FAULT_* access) in mm: find the VMA, check the access, call
	 * fault_core. 0 (the access is retried), -EFAULT (no VMA allows it) or -ENOMEM. */
	int (*fault)(struct mm *mm, uintptr_t addr, unsigned access);
	/* A VMA writer has just taken mmap_lock for write / is about to let it go. */
	void (*write_begin)(struct mm *mm);
	void (*write_end)(struct mm *mm);
};
extern const struct fault_strategy *fault_strategy;   /* set at boot, then constant */

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
	unsigned long success;       /* faults handled (0 returned): the five below */
	unsigned long zero_page;     /* ... that mapped the zero page */
	unsigned long page_alloc;    /* ... that allocated a private page (or replaced the zero page) */
	unsigned long shm;           /* ... that mapped a page of a shared object */
	unsigned long upgrade;       /* ... that made a present entry writable */
	unsigned long spurious;      /* ... that found the entry already right (a stale TLB entry,
				      * or another fault got there first) */
	unsigned long failure;       /* faults not handled: no VMA, not allowed, no memory, or in
				      * atomic context */
};
void fault_get_stats(struct fault_stats *st);

#endif

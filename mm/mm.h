/* struct mm: one address space. Today: its page-table root and hardware context, which CPUs have
 * it loaded, and how a kernel thread adopts one (Linux's kthread_use_mm) so that it touches user
 * addresses through the real MMU. The VMAs, mmap_lock and the operations come with the
 * address-space work (issue 11; docs/mm/address-space.md).
 *
 * Loading: each CPU has one mm loaded (init_mm when the running thread has none, so that a user
 * address faults). mm_switch() loads another and keeps mm->cpumask exact: a CPU's bit is set
 * before it loads the mm and cleared after it has loaded another, so a shootdown that reads the
 * mask after clearing entries reaches every CPU that may still use them (mm/tlb.c says why). */
#ifndef MM_MM_H
#define MM_MM_H

#include "arch/arch.h"
#include "kernel/percpu.h"

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
};

extern struct mm init_mm;   /* the kernel's: pgd = kernel_pt_root, no user half */

/* A new, empty address space (refcount 1): NULL if out of memory or of address-space ids. */
struct mm *mm_create(void);
static inline void mm_get(struct mm *mm) { atomic_inc(&mm->refcount); }
/* Drop a reference; the last frees the page tables and the context. Sleeps (a grace period for
 * the tables). Nothing may have the mm loaded then: every kthread_use_mm was undone. */
void mm_put(struct mm *mm);

/* The running kernel thread adopts mm (takes a reference) and loads it, or lets it go and loads
 * init_mm again. Not nested; the thread stays preemptible, and the scheduler reloads its mm
 * wherever it runs next. */
void kthread_use_mm(struct mm *mm);
void kthread_unuse_mm(struct mm *mm);

/* The mm this CPU has loaded (interrupts or preemption off). */
DECLARE_PER_CPU(struct mm *, loaded_mm);
/* Load next on this CPU if it is not loaded already; interrupts off. The scheduler calls it
 * before switching to a thread (with that thread's mm, or init_mm). */
void mm_switch(struct mm *next);

#endif

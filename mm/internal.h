/* What every file of mm/ may use: the arch contract, the kernel's basic services, and mm's own
 * shared declarations. For mm/ and its host tests only: code elsewhere uses mm's public headers
 * (page.h, pgtable.h, kernel_map.h, vmap.h, ...). The host build (tests/host/) supplies the
 * same names from arch/host/. */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include "arch/arch.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/rcu/rcu.h"
#include "kernel/locking/spinlock.h"
#include "lib/list.h"
#include "lib/string.h"
#include "mm/page.h"
#include "mm/slab.h"
#include "mm/tlb.h"

/* The direct map covers [DIRECT_MAP_BASE, + this): set once by mm_init, read by kernel_unmap
 * (kernel_map.c), which must never split it. */
extern u64 direct_map_size;

/* mm.c: init_mm's root and the caches of struct mm and of the address-space code, the zero
 * page and the fault strategy, once slab is up (mm_init). */
void mm_struct_init(void);

/* ---- Between the address-space files (vma.c, memory.c, mmap.c, mprotect.c, mremap.c, fault.c,
 * shm.c); docs/mm/address-space.md. ---- */
struct mm;
struct vma;
struct anon_vma;
struct shm_object;
struct mmu_gather;

void vma_init(void);
void shm_init(void);
void memory_init(void);
void fault_init(void);

/* memory.c: user page tables. */
extern struct page *zero_page;
pte_t user_pte(struct page *p, unsigned long vm_flags, bool write);
struct page *user_pte_page(pte_t v);
/* Is p (a private page, under the split lock of an entry that maps it) that entry's alone, so
 * that a write may have it without a copy? (fault.c) */
bool page_exclusive(struct page *p);
/* May an entry of a VMA with vm_flags map p writable, if the VMA allows writing (user_pte's
 * `write`)? Shared memory: yes; the zero page: user_pte refuses it anyway; a private page only
 * while it is the entry's alone, else the next write copies it. Under the entry's split lock.
 * Every path that rebuilds an existing entry asks this (fault_present, protect_one). */
bool pte_may_write(struct page *p, unsigned long vm_flags);
pte_t *pte_find(struct mm *mm, uintptr_t addr, struct page **table, uintptr_t *skip);
pte_t *pte_alloc(struct mm *mm, uintptr_t addr, struct page **table);
void zap_vma_range(struct mmu_gather *g, struct vma *vma, uintptr_t start, uintptr_t end);
void free_pgtables(struct mmu_gather *g, struct mm *mm, uintptr_t start, uintptr_t end,
		   uintptr_t floor, uintptr_t ceiling);
void change_protection(struct mmu_gather *g, struct vma *vma, uintptr_t start, uintptr_t end);
int pt_prealloc(struct mm *mm, uintptr_t start, uintptr_t end, struct list_head *made);
void pt_prealloc_undo(struct mmu_gather *g, struct list_head *made);
void pt_prealloc_keep(struct list_head *made);
/* The relaxed merge policy's relabelling of private pages (vma_merge.c): each page of `from`
 * mapped in the range gets `to` as its anon_vma and `index` plus its page offset from `start`
 * as its index. mmap_lock held for write, the range's VMAs marked (vma_start_write). */
struct relabel {
	const struct anon_vma *from;
	struct anon_vma *to;
	uintptr_t start;          /* the address whose page gets `index` */
	unsigned long index;
};
void relabel_page(const struct relabel *rl, struct page *p, uintptr_t addr);
void relabel_range(struct mm *mm, uintptr_t start, uintptr_t end, const struct relabel *rl);
/* mremap: with rl, each page moved is relabelled at its new address. */
void move_ptes(struct mmu_gather *g, struct mm *mm, uintptr_t old, uintptr_t new,
	       unsigned long len, const struct relabel *rl);

/* An entry where the mm's invariants say none can be (an orphan left by a fault that trusted a
 * VMA it should not have): reported and counted; a panic unless mm_bug_tolerant, which
 * torture=mm sets so that its twins are reported as the errors they cause, not as a panic in
 * whichever operation meets the orphan first. The caller leaves the entry alone (a leak). */
extern bool mm_bug_tolerant;
extern atomic_long_t mm_bugs;
__printf(1, 2) void mm_bug(const char *fmt, ...);

/* The quarantine, for torture=mm's broken twins and nothing else: while mm_quarantine is set,
 * what VMA writers free (the pages they unmap, page-table pages, the VMAs they remove with their
 * anon_vma and shared object) is held instead. A twin's fault may go on using a VMA or table
 * that a writer has removed, or its CPU's TLB a page: with everything held, that is the wrong
 * entry the suite reports, not a use after free that panics in whatever reuses the memory.
 * mm_quarantine_release (the suite's end, no fault or writer running, the flag cleared) flushes
 * mm's translations from every CPU and frees it all. */
/* mm.busted= (tlb.c): is this broken twin of torture=mm chosen? ("pt_free", "fork_wp") */
bool mm_busted(const char *mode);
extern bool mm_quarantine;
void mm_quarantine_release(struct mm *mm);
void tlb_quarantine_release(struct mm *mm);   /* the pages and tables (tlb.c) */
void vma_quarantine_release(void);            /* the VMAs (vma.c) */

/* vma.c: a VMA operation's transaction (see there). */
#define VMA_TX_MAX_NEW 4
struct vma_tx {
	struct mm *mm;
	struct vma *spare[VMA_TX_MAX_NEW];   /* allocated up front */
	unsigned nr_spare;
	unsigned long reserve_before;        /* the tree's reserve before: restored on abort */
	struct vma *dead;                    /* removed VMAs (dead_next), freed at the end */
	struct mmu_gather tlb;
};
int vma_tx_begin(struct vma_tx *tx, struct mm *mm, unsigned nr_vmas, unsigned nr_writes);
void vma_tx_abort(struct vma_tx *tx);   /* nothing changed: give back what begin took */
void vma_tx_end(struct vma_tx *tx);     /* flush, then free what was removed */
struct vma *vma_tx_new(struct vma_tx *tx, struct mm *mm);   /* a zeroed spare */
struct vma *vma_tx_dup(struct vma_tx *tx, const struct vma *v);   /* a spare copy of v */
void vma_tx_store(struct vma_tx *tx, uintptr_t start, uintptr_t end, struct vma *v);
void vma_tx_link(struct vma_tx *tx, struct vma *v);   /* store v's range, count it */
void vma_tx_kill(struct vma_tx *tx, struct vma *v);   /* v left the tree: freed at the end */
struct vma *vma_split(struct vma_tx *tx, struct vma *v, uintptr_t addr, bool new_below);
struct vma *vma_split_off_tail(struct vma_tx *tx, struct vma *first, uintptr_t end);
enum merge_caller;
struct vma *vma_merge(struct vma_tx *tx, struct vma *prev, uintptr_t addr, uintptr_t end,
		      unsigned long flags, struct anon_vma *anon, struct shm_object *shm,
		      unsigned long pgoff, enum merge_caller by, bool here);
struct vma *vma_merge_new(struct vma_tx *tx, struct vma *prev, struct vma *next, uintptr_t addr,
			  uintptr_t end, unsigned long flags, unsigned long pgoff);
bool vma_merge_brk(struct vma_tx *tx, struct vma *brkvma, uintptr_t addr, uintptr_t end,
		   unsigned long flags);
bool vma_unmap_needs(struct mm *mm, uintptr_t start, uintptr_t end, bool *split);
void vma_tx_unmap(struct vma_tx *tx, uintptr_t start, uintptr_t end, bool free_tables);
void vma_tx_free_tables(struct vma_tx *tx, uintptr_t start, uintptr_t end);
struct vma *vma_prev(struct mm *mm, uintptr_t addr);
/* rmap.c: anon_vmas and the reverse map. */
void anon_vma_init(void);
unsigned long anon_vmas_in_use(void);
void anon_vma_cache_shrink(void);
void anon_vma_put(struct anon_vma *a);
int anon_vma_prepare(struct vma *v);
/* v (which has none) takes a as its anon_vma: a reference, and onto a's list. */
void anon_vma_link(struct vma *v, struct anon_vma *a);
/* v lets its anon_vma go (off the list, the reference dropped); v->anon_vma is left as it was. */
void anon_vma_unlink(struct vma *v);
/* No page of a private VMA whose anon_vma is a can be mapped by another process: a is NULL (no
 * pages), or a root without children. mmap_lock held for write. (mm.merge=relaxed) */
bool anon_vma_exclusive(struct anon_vma *a);
/* fork: child (a copy of parent, anon_vma not yet set) gets a new anon_vma, forked from
 * parent's (which it must have). -ENOMEM. */
int anon_vma_fork(struct vma *child, struct vma *parent);
void exit_mmap(struct mm *mm);
/* fork (fork.c): a copy of v for mm, not in any tree: range, flags, offset, a reference to its
 * shared object; no anon_vma (anon_vma_fork gives it one); NULL without memory. Discard one
 * that never reached the tree with vma_fork_discard. */
struct vma *vma_fork_copy(struct mm *mm, const struct vma *v);
void vma_fork_discard(struct vma *v);
/* mmap.c: Linux's get_unmapped_area, and munmap under the caller's mmap_lock. */
long get_unmapped_area(struct mm *mm, uintptr_t addr, unsigned long len, unsigned flags);
int do_munmap(struct mm *mm, uintptr_t start, unsigned long len);

#endif

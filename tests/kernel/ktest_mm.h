/* Helpers for the address-space tests (test_mmap.c, test_fault.c, test_mm_nomem.c): an mm the
 * test thread adopts, so that its probes of user addresses go through the real MMU and
 * fault_entry(); the VMAs of a range as a list to compare with an expected layout; leak counts. */
#ifndef TESTS_KERNEL_KTEST_MM_H
#define TESTS_KERNEL_KTEST_MM_H

#include "kernel/ktest.h"
#include "mm/mm.h"
#include "mm/vma.h"

#define MT_BASE  0x10000000ul   /* the tests map at and above 256 MiB */
#define MT_SPAN  0x40000000ul   /* and below MT_BASE + 1 GiB */
#define PG       PAGE_SIZE
#define MT_A(n)  (MT_BASE + (uintptr_t)(n) * PG)   /* page n of the test range */

/* A new mm, adopted by the calling thread, under Linux's merge rules (mm.merge= notwithstanding);
 * NULL (and a failure recorded) if out of memory. */
struct mm *mt_setup(struct ktest *t);
/* Let it go: the last reference, so everything it held is freed. Fails the test if a VMA tree
 * write of any operation had to allocate past its transaction's reservation. */
void mt_teardown(struct ktest *t, struct mm *mm);

/* MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED (plus `flags`) of `pages` pages at page n: the address,
 * or a failure recorded. */
long mt_map(struct ktest *t, struct mm *mm, unsigned n, unsigned pages, unsigned prot,
	    unsigned flags);

struct mt_vma {
	uintptr_t start, end;
	unsigned long flags, pgoff;
	const void *anon, *shm;
};
/* The VMAs of [MT_BASE, MT_BASE + MT_SPAN), in order, at most max: their number. */
unsigned mt_vmas(struct mm *mm, struct mt_vma *v, unsigned max);

/* Expected: page ranges [first, last) of the test range and their protection. */
struct mt_range {
	unsigned first, last;
	unsigned prot;
};
bool mt_layout(struct ktest *t, struct mm *mm, const struct mt_range *r, unsigned n,
	       const char *file, int line);
#define MT_LAYOUT(t, mm, ...)                                                                  \
	mt_layout(t, mm, (const struct mt_range[]){ __VA_ARGS__ },                             \
		  sizeof((const struct mt_range[]){ __VA_ARGS__ }) / sizeof(struct mt_range),   \
		  __FILE__, __LINE__)
#define MT_EMPTY(t, mm) mt_layout(t, mm, NULL, 0, __FILE__, __LINE__)

/* Probes of the adopted mm: 0 or -EFAULT (the fault was not handled). */
int mt_read(uintptr_t addr, u64 *v);
int mt_write(uintptr_t addr, u64 v);
/* A trap frame, zeroed but for the bit that says interrupts were on where it "trapped", for
 * calling fault_entry() directly (each arch's, in tests/kernel/arch/<arch>/). */
void mt_frame_irqs_on(struct trap_frame *f);
/* The frame mapped at addr, or 0 (no present entry). */
phys_addr_t mt_phys(struct mm *mm, uintptr_t addr);
/* The MMU_* protection of the entry at addr, or 0. */
unsigned mt_pte_prot(struct mm *mm, uintptr_t addr);

/* What an mm may leave behind: free pages and the address-space objects, after the grace
 * periods that free them. With an mm, its tree's reserve of nodes (kept between operations) is
 * emptied first, so that counts compare like with like and the next operation allocates all its
 * tree nodes. */
struct mt_counts {
	unsigned long free_pages;
	struct mm_object_counts o;
};
void mt_counts(struct mm *mm, struct mt_counts *c);
bool mt_counts_equal(struct ktest *t, const struct mt_counts *a, const struct mt_counts *b,
		     const char *file, int line);
#define MT_COUNTS_EQ(t, a, b) mt_counts_equal(t, a, b, __FILE__, __LINE__)

#endif

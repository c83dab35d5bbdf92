/* Allocation-failure injection for the address-space code: a test makes the nth allocation from
 * now (of any of the sites below, by the calling thread only) fail, then checks that the
 * operation returned -ENOMEM and left everything as it was. Off unless a test arms it; the
 * check on each allocation is one load of a shared, read-mostly word. */
#ifndef MM_ALLOC_FAIL_H
#define MM_ALLOC_FAIL_H

#include "kernel/types.h"

enum mm_alloc_site {
	MM_ALLOC_VMA,         /* a struct vma */
	MM_ALLOC_TREE_NODE,   /* a VMA tree node (its reservation, mm/vma_tree_write.c) */
	MM_ALLOC_PGTABLE,     /* a page-table page of a user address space */
	MM_ALLOC_PAGE,        /* a data page (a fault) */
	MM_ALLOC_SHM,         /* a shared anonymous object, or a node of its page index */
	MM_ALLOC_ANON_VMA,    /* an anon_vma (a first fault) */
	MM_ALLOC_NR_SITES,
};

/* Arm: the calling thread's allocations at these sites succeed n times, then one fails, then
 * injection is off again. n < 0 disarms (and keeps what mm_fail_fired says). */
void mm_fail_nth(long n);
/* Called by each allocation site: true if this allocation must fail. */
bool mm_should_fail(enum mm_alloc_site site);
/* After an armed run: was the failure injected (and where)? */
bool mm_fail_fired(enum mm_alloc_site *site);
const char *mm_alloc_site_name(enum mm_alloc_site site);

#endif

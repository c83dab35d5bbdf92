/* mprotect against Linux 6.1's behaviour: splits, merges back, holes, errors, what the entries
 * do (read-only really read-only, PROT_NONE keeping the data), VM_ACCOUNT, and the anon_vma rules
 * of 6.1's vma_merge. */
#include "tests/kernel/ktest_mm.h"
#include "kernel/errno.h"

#define RW (PROT_READ | PROT_WRITE)

/* Linux: mprotect of the middle of a VMA splits it in three. */
KTEST(mprotect, middle_splits_in_three)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 6, RW, 0);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(2), 2 * PG, PROT_READ), 0);
	MT_LAYOUT(t, mm, { 0, 2, RW }, { 2, 4, PROT_READ }, { 4, 6, RW });
	KEXPECT_EQ(t, mm->map_count, 3);
	mt_teardown(t, mm);
}

/* Linux: mprotect of a sub-range, then of the rest, merges back to one VMA; so does changing the
 * middle third back (vma_merge joins prev, the range and next). */
KTEST(mprotect, sub_range_then_rest_merges_back)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 4, RW, 0);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), 2 * PG, PROT_READ), 0);
	MT_LAYOUT(t, mm, { 0, 2, PROT_READ }, { 2, 4, RW });
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(2), 2 * PG, PROT_READ), 0);
	MT_LAYOUT(t, mm, { 0, 4, PROT_READ });
	mt_map(t, mm, 10, 6, RW, 0);
	unsigned long merged = mm->merge.merged;
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(12), 2 * PG, PROT_READ), 0);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(12), 2 * PG, RW), 0);
	MT_LAYOUT(t, mm, { 0, 4, PROT_READ }, { 10, 16, RW });
	KEXPECT_EQ(t, mm->merge.merged, merged + 1);
	KEXPECT_EQ(t, mm->merge.merged_both, 1);
	mt_teardown(t, mm);
}

/* Linux: a hole in the range stops mprotect with -ENOMEM, after it changed what lies before the
 * hole; a range that starts in a hole changes nothing. */
KTEST(mprotect, hole_enomem_after_changing_what_precedes)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, RW, 0);
	mt_map(t, mm, 3, 2, RW, 0);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), 5 * PG, PROT_READ), -ENOMEM);
	MT_LAYOUT(t, mm, { 0, 2, PROT_READ }, { 3, 5, RW });
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(2), 2 * PG, PROT_READ), -ENOMEM);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(20), PG, PROT_READ), -ENOMEM);
	MT_LAYOUT(t, mm, { 0, 2, PROT_READ }, { 3, 5, RW });
	mt_teardown(t, mm);
}

/* Linux: length 0 is 0 (even unmapped); an unaligned start and unknown protection bits are
 * -EINVAL (PROT_SEM is allowed and ignored); a range that wraps is -ENOMEM; PROT_GROWSDOWN needs
 * a VMA that grows down (-EINVAL here: there are none), but a range with nothing mapped in it
 * (the first VMA after its start begins at or after its end) is -ENOMEM even so. */
KTEST(mprotect, argument_errors)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 1, RW, 0);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(50), 0, PROT_READ), 0);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0) + 4, PG, PROT_READ), -EINVAL);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), PG, 0x100), -EINVAL);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), PG, PROT_READ | PROT_SEM), 0);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), ~0ul - PG, PROT_READ), -ENOMEM);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), PG, PROT_READ | 0x01000000), -EINVAL);
	mt_map(t, mm, 60, 1, RW, 0);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(50), 10 * PG, PROT_READ | 0x01000000), -ENOMEM);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(50), 11 * PG, PROT_READ | 0x01000000), -EINVAL);
	MT_LAYOUT(t, mm, { 0, 1, PROT_READ }, { 60, 61, RW });
	mt_teardown(t, mm);
}

/* Linux: after mprotect(PROT_READ) a write faults, even one right after a write that left a
 * writable translation in this CPU's TLB (mprotect flushes it); reads still work. */
KTEST(mprotect, read_only_is_read_only)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, RW, 0);
	KEXPECT_EQ(t, mt_write(MT_A(0), 0x42), 0);
	KEXPECT_EQ(t, mt_write(MT_A(0), 0x43), 0);
	KEXPECT(t, mt_pte_prot(mm, MT_A(0)) & MMU_WRITE);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), 2 * PG, PROT_READ), 0);
	KEXPECT(t, !(mt_pte_prot(mm, MT_A(0)) & MMU_WRITE));
	KEXPECT_EQ(t, mt_write(MT_A(0), 0x44), -EFAULT);
	u64 v = 0;
	KEXPECT_EQ(t, mt_read(MT_A(0), &v), 0);
	KEXPECT_EQ(t, v, 0x43);
	/* and back: writable again, the same page */
	phys_addr_t pa = mt_phys(mm, MT_A(0));
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), 2 * PG, RW), 0);
	KEXPECT_EQ(t, mt_write(MT_A(0), 0x45), 0);
	KEXPECT_EQ(t, mt_phys(mm, MT_A(0)), pa);
	mt_teardown(t, mm);
}

/* Linux: PROT_NONE makes the pages inaccessible, even to the kernel's accesses, but keeps them:
 * made accessible again, the same page holds the same data. */
KTEST(mprotect, none_keeps_the_data)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 1, RW, 0);
	mt_map(t, mm, 1, 1, RW, MAP_SHARED);
	KEXPECT_EQ(t, mt_write(MT_A(0), 0x1234), 0);
	KEXPECT_EQ(t, mt_write(MT_A(1), 0x5678), 0);
	phys_addr_t pa = mt_phys(mm, MT_A(0));
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), 2 * PG, PROT_NONE), 0);
	u64 v;
	KEXPECT_EQ(t, mt_read(MT_A(0), &v), -EFAULT);
	KEXPECT_EQ(t, mt_read(MT_A(1), &v), -EFAULT);
	KEXPECT_EQ(t, mt_phys(mm, MT_A(0)), 0);   /* not present to the MMU */
	KEXPECT_EQ(t, atomic_long_read(&mm->rss[MM_ANONPAGES]), 1);   /* but still resident */
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), 2 * PG, PROT_READ), 0);
	KEXPECT_EQ(t, mt_read(MT_A(0), &v), 0);
	KEXPECT_EQ(t, v, 0x1234);
	KEXPECT_EQ(t, mt_read(MT_A(1), &v), 0);
	KEXPECT_EQ(t, v, 0x5678);
	KEXPECT_EQ(t, mt_phys(mm, MT_A(0)), pa);
	mt_teardown(t, mm);
}

/* Linux: private memory made writable is charged (VM_ACCOUNT) and stays so when made read-only
 * again, so it no longer merges with a neighbour that never was writable. */
KTEST(mprotect, made_writable_keeps_vm_account)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 4, PROT_READ, 0);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), 2 * PG, RW), 0);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), 2 * PG, PROT_READ), 0);
	MT_LAYOUT(t, mm, { 0, 2, PROT_READ }, { 2, 4, PROT_READ });
	struct mt_vma v[2];
	KASSERT_EQ(t, mt_vmas(mm, v, 2), 2);
	KEXPECT(t, (v[0].flags & VM_ACCOUNT) && !(v[1].flags & VM_ACCOUNT));
	mt_teardown(t, mm);
}

/* Linux 6.1's anon_vma rule in vma_merge: a VMA that has an anon_vma takes in a range that has
 * none, but a VMA without one does not take in a range that has one (is_mergeable_anon_vma's
 * list_is_singular test, fixed only in 2025): the two stay apart though all else matches. */
KTEST(mprotect, anon_vma_rule_of_6_1)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, RW, 0);
	mt_map(t, mm, 2, 2, PROT_READ, 0);   /* no VM_ACCOUNT: apart from [0, 2) */
	KEXPECT_EQ(t, mt_write(MT_A(0), 1), 0);   /* [0, 2) gets an anon_vma */
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(2), 2 * PG, RW), 0);
	MT_LAYOUT(t, mm, { 0, 4, RW });   /* the faulted VMA took the range in */

	mt_map(t, mm, 10, 2, RW, 0);
	mt_map(t, mm, 12, 2, PROT_WRITE, 0);   /* differs from [10, 12) in VM_READ only */
	KEXPECT_EQ(t, mt_write(MT_A(12), 1), 0);   /* [12, 14) gets one; [10, 12) has none */
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(12), 2 * PG, RW), 0);
	MT_LAYOUT(t, mm, { 0, 4, RW }, { 10, 12, RW }, { 12, 14, RW });
	mt_teardown(t, mm);
}

/* Linux (find_mergeable_anon_vma): a first fault takes the anon_vma of a neighbour that could
 * merge with it but for the protection, so that the two merge once the protection matches. */
KTEST(mprotect, first_fault_shares_a_neighbours_anon_vma)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, RW, 0);
	mt_map(t, mm, 2, 2, PROT_WRITE, 0);   /* differs from [0, 2) in VM_READ only */
	KEXPECT_EQ(t, mt_write(MT_A(0), 1), 0);
	unsigned long reused = mm->merge.anon_reused;
	KEXPECT_EQ(t, mt_write(MT_A(2), 2), 0);
	KEXPECT_EQ(t, mm->merge.anon_reused, reused + 1);
	struct mt_vma v[2];
	KASSERT_EQ(t, mt_vmas(mm, v, 2), 2);
	KEXPECT(t, v[0].anon && v[0].anon == v[1].anon);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(2), 2 * PG, RW), 0);
	MT_LAYOUT(t, mm, { 0, 4, RW });
	u64 x;
	KEXPECT_EQ(t, mt_read(MT_A(2), &x), 0);
	KEXPECT_EQ(t, x, 2);
	mt_teardown(t, mm);
}

/* Linux: one mprotect across thousands of VMAs (here 2,000 pages alternating between two
 * protections) succeeds and joins them into one. What it sets aside for the VMA tree grows with
 * the number of VMAs times the tree's height: it once grew with their square (~6 million nodes
 * of 256 bytes for these, more than the machine has: -ENOMEM). The free-page count comes back
 * after the teardown. */
KTEST(mprotect, thousands_of_vmas_at_once)
{
	enum { N = 2000 };
	struct mm *warm = mt_setup(t);   /* caches and per-CPU lists at their working size */
	mt_teardown(t, warm);
	struct mt_counts a, b;
	mt_counts(NULL, &a);
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, N, RW, 0);
	unsigned failed = 0;
	for (unsigned i = 0; i < N; i += 2)
		failed += vm_mprotect(mm, MT_A(i), PG, PROT_READ) != 0;
	KEXPECT_EQ(t, failed, 0);
	KEXPECT_EQ(t, mm->map_count, N);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(0), N * PG, RW), 0);
	MT_LAYOUT(t, mm, { 0, N, RW });
	mt_teardown(t, mm);
	mt_counts(NULL, &b);
	MT_COUNTS_EQ(t, &a, &b);
}

/* Allocation failure, site by site: each operation runs with its nth allocation failing (a VMA,
 * a VMA tree node, a page table, a page, a shared object or an anon_vma: mm/alloc_fail.h), for
 * n = 0, 1, 2, ... until it succeeds. Every failed attempt must return -ENOMEM and leave the mm
 * exactly as it was (its VMAs, attributes and all), with nothing leaked (free pages, and the
 * address-space objects in use); then the operation succeeds. Faults, which keep the tables and
 * the anon_vma they made (as Linux does), are checked for -EFAULT at the probe, no page leaked,
 * and everything back after the teardown. */
#include "tests/kernel/ktest_mm.h"
#include "mm/fault.h"
#include "kernel/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/alloc_fail.h"

#define RW (PROT_READ | PROT_WRITE)
#define MAX_VMAS 16

typedef long (*op_fn)(struct mm *mm);

/* Run op until it succeeds (it returns `ok`), failing each allocation in turn first. */
/* Set around the mremap cases: see each_site. */
static bool tables_may_stay;

static void each_site(struct ktest *t, struct mm *mm, op_fn op, long ok)
{
	unsigned sites = 0, n;
	for (n = 0; n < 400; n++) {
		struct mt_vma before[MAX_VMAS], after[MAX_VMAS];
		struct mt_counts ca, cb;
		unsigned nb = mt_vmas(mm, before, MAX_VMAS);
		mt_counts(mm, &ca);
		mm_fail_nth(n);
		long r = op(mm);
		mm_fail_nth(-1);
		enum mm_alloc_site site;
		if (!mm_fail_fired(&site)) {
			KEXPECT_EQ(t, r, ok);
			break;
		}
		sites |= 1u << site;
		if (!KEXPECT_EQ(t, r, -ENOMEM))
			ktest_log(t, "failing allocation %u (a %s)", n, mm_alloc_site_name(site));
		unsigned na = mt_vmas(mm, after, MAX_VMAS);
		if (!KEXPECT(t, na == nb && !memcmp(before, after, nb * sizeof(before[0]))))
			ktest_log(t, "the VMAs changed when allocation %u (a %s) failed", n,
				  mm_alloc_site_name(site));
		mt_counts(mm, &cb);
		/* Where faults run beside writers (mm.fault=pervma, spf, adaptive), a failed
		 * mremap keeps the tables it made under a VMA (a fault there may be using one:
		 * mm/mremap.c, free_hole_tables): at most one per level below the root. */
		if (fault_beside_writers && tables_may_stay && cb.free_pages < ca.free_pages &&
		    ca.free_pages - cb.free_pages <= PT_LEVELS - 1)
			cb.free_pages = ca.free_pages;
		MT_COUNTS_EQ(t, &ca, &cb);
	}
	char list[96] = "";
	for (unsigned s = 0; s < MM_ALLOC_NR_SITES; s++)
		if (sites & (1u << s))
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 list[0] ? ", " : "", mm_alloc_site_name(s));
	ktest_log(t, "%u failed attempts (%s), then success", n, list[0] ? list : "none");
	KEXPECT(t, n > 0);
}

static long op_mmap_fixed_split(struct mm *mm)
{
	return vm_mmap(mm, MT_A(2), 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
}

KTEST(mm_nomem, mmap_fixed_into_a_vma)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 8, RW, 0);
	each_site(t, mm, op_mmap_fixed_split, (long)MT_A(2));
	MT_LAYOUT(t, mm, { 0, 2, RW }, { 2, 4, PROT_READ }, { 4, 8, RW });
	mt_teardown(t, mm);
}

static long op_mmap_shared(struct mm *mm)
{
	return vm_mmap(mm, MT_A(10), 4 * PG, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
}

KTEST(mm_nomem, mmap_shared)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	each_site(t, mm, op_mmap_shared, (long)MT_A(10));
	MT_LAYOUT(t, mm, { 10, 14, RW });
	mt_teardown(t, mm);
}

static long op_munmap_middle(struct mm *mm) { return vm_munmap(mm, MT_A(3), 2 * PG); }

KTEST(mm_nomem, munmap_middle)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 8, RW, 0);
	KEXPECT_EQ(t, mt_write(MT_A(3), 3), 0);
	each_site(t, mm, op_munmap_middle, 0);
	MT_LAYOUT(t, mm, { 0, 3, RW }, { 5, 8, RW });
	mt_teardown(t, mm);
}

static long op_mprotect_middle(struct mm *mm) { return vm_mprotect(mm, MT_A(2), PG, PROT_READ); }
static long op_mprotect_across(struct mm *mm)
{
	return vm_mprotect(mm, MT_A(1), 8 * PG, PROT_READ);
}

KTEST(mm_nomem, mprotect)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 5, RW, 0);
	each_site(t, mm, op_mprotect_middle, 0);
	MT_LAYOUT(t, mm, { 0, 2, RW }, { 2, 3, PROT_READ }, { 3, 5, RW });
	mt_map(t, mm, 5, 2, PROT_READ, 0);
	mt_map(t, mm, 7, 3, RW | PROT_EXEC, 0);
	each_site(t, mm, op_mprotect_across, 0);
	/* [1, 5) and [7, 9) were writable, so charged (VM_ACCOUNT); [5, 7) never was */
	MT_LAYOUT(t, mm, { 0, 1, RW }, { 1, 5, PROT_READ }, { 5, 7, PROT_READ }, { 7, 9, PROT_READ },
		  { 9, 10, RW | PROT_EXEC });
	mt_teardown(t, mm);
}

static long op_mremap_move(struct mm *mm)
{
	return vm_mremap(mm, MT_A(0), 4 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, 0x300000000ul);
}
static long op_mremap_fixed_over(struct mm *mm)
{
	return vm_mremap(mm, 0x300000000ul, 2 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, MT_A(21));
}
static long op_mremap_grow(struct mm *mm) { return vm_mremap(mm, MT_A(21), 3 * PG, 5 * PG, 0, 0); }

KTEST(mm_nomem, mremap)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 4, RW, 0);
	for (unsigned i = 0; i < 4; i++)
		KEXPECT_EQ(t, mt_write(MT_A(i), i + 1), 0);
	/* far away: new page tables at every level for the entries that move */
	each_site(t, mm, op_mremap_move, 0x300000000ul);   /* a hole: every table made goes */
	mt_map(t, mm, 20, 3, PROT_READ, 0);
	mt_map(t, mm, 23, 3, PROT_READ | PROT_EXEC, 0);
	tables_may_stay = true;   /* the destination's VMAs never faulted: a table made stays */
	each_site(t, mm, op_mremap_fixed_over, (long)MT_A(21));
	tables_may_stay = false;
	MT_LAYOUT(t, mm, { 20, 21, PROT_READ }, { 21, 24, RW }, { 24, 26, PROT_READ | PROT_EXEC });
	KEXPECT_EQ(t, vm_munmap(mm, MT_A(24), 2 * PG), 0);
	each_site(t, mm, op_mremap_grow, (long)MT_A(21));
	u64 v = 0;
	KEXPECT_EQ(t, mt_read(MT_A(22), &v), 0);
	KEXPECT_EQ(t, v, 2);
	mt_teardown(t, mm);
}

KTEST(mm_nomem, brk)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	/* Seven VMAs with gaps around them fill one leaf of the tree (15 slots): the heap's new
	 * VMA splits it, the largest single write the reservation must cover. */
	for (unsigned i = 0; i < 7; i++)
		mt_map(t, mm, 10 + 2 * i, 1, PROT_READ, 0);
	mm_brk_init(mm, MT_A(0));
	/* brk reports failure by returning the old break, not -ENOMEM: check it by hand */
	for (long n = 0; n < 50; n++) {
		struct mt_counts ca, cb;
		mt_counts(mm, &ca);
		mm_fail_nth(n);
		uintptr_t r = vm_brk(mm, MT_A(3));
		mm_fail_nth(-1);
		if (!mm_fail_fired(NULL)) {
			KEXPECT_EQ(t, r, MT_A(3));
			break;
		}
		KEXPECT_EQ(t, r, MT_A(0));
		KEXPECT_EQ(t, mm->map_count, 7);
		mt_counts(mm, &cb);
		MT_COUNTS_EQ(t, &ca, &cb);
	}
	KEXPECT_EQ(t, mm->map_count, 8);
	KEXPECT(t, mm->vmas.height > 1);
	mt_teardown(t, mm);
}

/* A fault that runs out of memory fails (the probe gets -EFAULT), maps nothing and counts no
 * resident page; what it made on the way (tables, an anon_vma) stays, as in Linux, and goes with
 * the mm: each attempt runs in a fresh mm, so that every site is reached in turn, and the
 * teardown must give everything back. */
static void fault_each_site(struct ktest *t, unsigned flags, bool write)
{
	struct mt_counts a, b;
	struct mm *warm = mt_setup(t);
	mt_teardown(t, warm);
	mt_counts(NULL, &a);
	unsigned sites = 0, n;
	for (n = 0; n < 50; n++) {
		struct mm *mm = mt_setup(t);
		KASSERT(t, mm);
		mt_map(t, mm, 0, 1, RW, flags);
		mm_fail_nth(n);
		u64 v = 0;
		int r = write ? mt_write(MT_A(0), 0x99) : mt_read(MT_A(0), &v);
		mm_fail_nth(-1);
		enum mm_alloc_site site;
		bool fired = mm_fail_fired(&site);
		if (fired) {
			sites |= 1u << site;
			KEXPECT_EQ(t, r, -EFAULT);
			KEXPECT_EQ(t, mt_phys(mm, MT_A(0)), 0);
			KEXPECT_EQ(t, atomic_long_read(&mm->rss[MM_ANONPAGES]) +
				      atomic_long_read(&mm->rss[MM_SHMEMPAGES]), 0);
		} else {
			KEXPECT_EQ(t, r, 0);
		}
		mt_teardown(t, mm);
		mt_counts(NULL, &b);
		MT_COUNTS_EQ(t, &a, &b);
		if (!fired)
			break;
	}
	char list[96] = "";
	for (unsigned s = 0; s < MM_ALLOC_NR_SITES; s++)
		if (sites & (1u << s))
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 list[0] ? ", " : "", mm_alloc_site_name(s));
	ktest_log(t, "%u failed attempts (%s), then success", n, list);
	KEXPECT(t, sites & (1u << MM_ALLOC_PAGE));
	KEXPECT(t, sites & (1u << MM_ALLOC_PGTABLE));
}

KTEST(mm_nomem, fault_private_write)
{
	fault_each_site(t, 0, true);
}

KTEST(mm_nomem, fault_shared_read)
{
	fault_each_site(t, MAP_SHARED, false);
}

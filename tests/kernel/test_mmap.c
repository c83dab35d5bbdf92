/* mmap, munmap, brk and madvise(MADV_DONTNEED) against Linux 6.1's behaviour, each case naming
 * the behaviour it checks; the VMA limit; and an address space torn down giving back every page
 * and object. The test thread adopts the mm, so its probes fault through fault_entry(). */
#include "tests/kernel/ktest_mm.h"
#include "tests/kernel/ktest_util.h"
#include "kernel/errno.h"
#include "kernel/sched/timer.h"
#include "kernel/smp.h"
#include "mm/fault.h"

/* Linux: do_mmap returns -EINVAL for len 0, before anything else is looked at. */
KTEST(mmap, len_zero_einval)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	KEXPECT_EQ(t, vm_mmap(mm, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS), -EINVAL);
	mt_teardown(t, mm);
}

/* Linux 6.1: an anonymous mapping is MAP_SHARED or MAP_PRIVATE; neither, or both (which is
 * MAP_SHARED_VALIDATE, for files only in 6.1), is -EINVAL; without MAP_ANONYMOUS it needs a file,
 * and fd -1 is -EBADF. */
KTEST(mmap, type_must_be_shared_or_private)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	KEXPECT_EQ(t, vm_mmap(mm, 0, PG, PROT_READ, MAP_ANONYMOUS), -EINVAL);
	KEXPECT_EQ(t, vm_mmap(mm, 0, PG, PROT_READ, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS),
		   -EINVAL);
	KEXPECT_EQ(t, vm_mmap(mm, 0, PG, PROT_READ, MAP_PRIVATE), -EBADF);
	KEXPECT_EQ(t, mm->map_count, 0);
	mt_teardown(t, mm);
}

/* Linux: get_unmapped_area refuses a MAP_FIXED address that is not page-aligned (-EINVAL), a
 * range past the top of the user space (-ENOMEM), and (security_mmap_addr, an unprivileged
 * caller) one below mmap_min_addr (-EPERM); a hint below it is moved up to it. */
KTEST(mmap, fixed_address_checks)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	unsigned f = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
	KEXPECT_EQ(t, vm_mmap(mm, MT_BASE + 1, PG, PROT_READ, f), -EINVAL);
	KEXPECT_EQ(t, vm_mmap(mm, USER_VA_END - PG, 2 * PG, PROT_READ, f), -ENOMEM);
	KEXPECT_EQ(t, vm_mmap(mm, 0, USER_VA_END, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS), -ENOMEM);
	KEXPECT_EQ(t, vm_mmap(mm, PG, PG, PROT_READ, f), -EPERM);
	KEXPECT_EQ(t, vm_mmap(mm, PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS),
		   (long)mm->mmap_min_addr);
	mt_teardown(t, mm);
}

/* Linux: a hint is used when the range is free; otherwise the mapping goes top-down, just below
 * mmap_base, and two such neighbours (private, same protection, linear page offsets) merge. */
KTEST(mmap, hint_then_topdown)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	unsigned f = MAP_PRIVATE | MAP_ANONYMOUS;
	KEXPECT_EQ(t, vm_mmap(mm, MT_A(5), PG, PROT_READ, f), (long)MT_A(5));
	KEXPECT_EQ(t, vm_mmap(mm, MT_A(5), PG, PROT_READ, f), (long)(mm->mmap_base - PG));
	KEXPECT_EQ(t, vm_mmap(mm, 0, 2 * PG, PROT_READ, f), (long)(mm->mmap_base - 3 * PG));
	mmap_read_lock(mm);
	struct vma *v = vma_lookup(mm, mm->mmap_base - PG);
	KEXPECT(t, v && v->start == mm->mmap_base - 3 * PG && v->end == mm->mmap_base);
	mmap_read_unlock(mm);
	KEXPECT_EQ(t, mm->map_count, 2);
	mt_teardown(t, mm);
}

/* Linux: a private anonymous VMA's page offset is its address in pages (do_mmap), writable
 * private memory is charged (VM_ACCOUNT), shared or MAP_NORESERVE memory is not, and every
 * anonymous VMA may be given any protection (VM_MAYREAD/WRITE/EXEC). */
KTEST(mmap, flags_and_offsets)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 1, PROT_READ | PROT_WRITE, 0);
	mt_map(t, mm, 2, 1, PROT_READ, 0);
	mt_map(t, mm, 4, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	mt_map(t, mm, 6, 1, PROT_READ | PROT_WRITE, MAP_NORESERVE);
	struct mt_vma v[4];
	KASSERT_EQ(t, mt_vmas(mm, v, 4), 4);
	unsigned long may = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	KEXPECT_EQ(t, v[0].flags, VM_READ | VM_WRITE | may | VM_ACCOUNT);
	KEXPECT_EQ(t, v[0].pgoff, MT_A(0) >> PAGE_SHIFT);
	KEXPECT_EQ(t, v[1].flags, VM_READ | may);
	KEXPECT_EQ(t, v[2].flags, VM_READ | VM_WRITE | VM_SHARED | VM_MAYSHARE | may);
	KEXPECT_EQ(t, v[2].pgoff, 0);
	KEXPECT(t, v[2].shm != NULL && v[2].anon == NULL);
	KEXPECT_EQ(t, v[3].flags, VM_READ | VM_WRITE | may | VM_NORESERVE);
	mt_teardown(t, mm);
}

/* Linux: MAP_FIXED replaces whatever was there (here parts of three VMAs) with one mapping, whose
 * pages read as zero; mmap ignores protection bits it does not know. */
KTEST(mmap, fixed_over_three_vmas_leaves_one)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, PROT_READ, 0);
	mt_map(t, mm, 2, 2, PROT_READ | PROT_WRITE, 0);
	mt_map(t, mm, 4, 2, PROT_READ | PROT_EXEC, 0);
	KEXPECT_EQ(t, mt_write(MT_A(2), 0x1234), 0);
	mt_map(t, mm, 1, 4, PROT_WRITE | 0x100, 0);
	MT_LAYOUT(t, mm, { 0, 1, PROT_READ }, { 1, 5, PROT_WRITE }, { 5, 6, PROT_READ | PROT_EXEC });
	u64 v = 1;
	KEXPECT_EQ(t, mt_read(MT_A(2), &v), 0);
	KEXPECT_EQ(t, v, 0);
	KEXPECT_EQ(t, mm->map_count, 3);
	mt_teardown(t, mm);
}

/* Linux: MAP_FIXED_NOREPLACE fails with -EEXIST if anything overlaps, and maps where nothing
 * does. */
KTEST(mmap, fixed_noreplace)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	unsigned f = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE;
	mt_map(t, mm, 1, 1, PROT_READ, 0);
	KEXPECT_EQ(t, vm_mmap(mm, MT_A(1), PG, PROT_READ, f), -EEXIST);
	KEXPECT_EQ(t, vm_mmap(mm, MT_A(0), 2 * PG, PROT_READ, f), -EEXIST);
	KEXPECT_EQ(t, vm_mmap(mm, MT_A(3), PG, PROT_READ, f), (long)MT_A(3));
	MT_LAYOUT(t, mm, { 1, 2, PROT_READ }, { 3, 4, PROT_READ });
	mt_teardown(t, mm);
}

/* Linux: each shared anonymous mapping is its own object (a shmem file), so neighbours never
 * merge, whatever their protection. */
KTEST(mmap, shared_mappings_never_merge)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, PROT_READ, MAP_SHARED);
	mt_map(t, mm, 2, 2, PROT_READ, MAP_SHARED);
	MT_LAYOUT(t, mm, { 0, 2, PROT_READ }, { 2, 4, PROT_READ });
	mt_teardown(t, mm);
}

/* Linux: munmap in the middle of a VMA leaves two, and the unmapped pages fault. */
KTEST(mmap, munmap_middle_leaves_two)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 4, PROT_READ | PROT_WRITE, 0);
	KEXPECT_EQ(t, mt_write(MT_A(1), 7), 0);
	KEXPECT_EQ(t, vm_munmap(mm, MT_A(1), 2 * PG), 0);
	MT_LAYOUT(t, mm, { 0, 1, PROT_READ | PROT_WRITE }, { 3, 4, PROT_READ | PROT_WRITE });
	u64 v;
	KEXPECT_EQ(t, mt_read(MT_A(1), &v), -EFAULT);
	KEXPECT_EQ(t, mt_read(MT_A(3), &v), 0);
	struct mt_vma m[2];
	KASSERT_EQ(t, mt_vmas(mm, m, 2), 2);
	KEXPECT_EQ(t, m[1].pgoff, MT_A(3) >> PAGE_SHIFT);   /* the cut part keeps its offsets */
	mt_teardown(t, mm);
}

/* Linux: munmap of a range with nothing in it succeeds; one across VMAs and holes removes
 * exactly the range; a length is rounded up to pages. */
KTEST(mmap, munmap_holes_and_several_vmas)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	KEXPECT_EQ(t, vm_munmap(mm, MT_A(100), 2 * PG), 0);
	mt_map(t, mm, 0, 2, PROT_READ, 0);
	mt_map(t, mm, 3, 2, PROT_READ | PROT_WRITE, 0);
	mt_map(t, mm, 6, 3, PROT_READ, 0);
	KEXPECT_EQ(t, vm_munmap(mm, MT_A(1), 6 * PG + 1), 0);
	MT_LAYOUT(t, mm, { 0, 1, PROT_READ }, { 8, 9, PROT_READ });
	KEXPECT_EQ(t, mm->map_count, 2);
	mt_teardown(t, mm);
}

/* Linux: munmap needs a page-aligned start and a non-empty range below the top (-EINVAL). */
KTEST(mmap, munmap_einval)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	KEXPECT_EQ(t, vm_munmap(mm, MT_A(0) + 8, PG), -EINVAL);
	KEXPECT_EQ(t, vm_munmap(mm, MT_A(0), 0), -EINVAL);
	KEXPECT_EQ(t, vm_munmap(mm, USER_VA_END - PG, 2 * PG), -EINVAL);
	mt_teardown(t, mm);
}

/* Linux (free_pgtables): unmapping the last VMA of a region frees the page tables that served
 * it; with nothing else mapped, the free-page count comes back to where it was. */
KTEST(mmap, munmap_frees_page_tables)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	struct mt_counts a, b;
	mt_counts(mm, &a);
	uintptr_t far = 0x200000000ul;   /* 8 GiB: tables of its own at every level */
	KEXPECT_EQ(t, vm_mmap(mm, far, PG, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), (long)far);
	KEXPECT_EQ(t, mt_write(far, 1), 0);
	KEXPECT_EQ(t, vm_munmap(mm, far, PG), 0);
	mt_counts(mm, &b);
	MT_COUNTS_EQ(t, &a, &b);
	mt_teardown(t, mm);
}

/* Linux: brk grows the heap by whole pages and shrinks it by unmapping; it returns the new break,
 * and the current one if it cannot move (below the heap's start, or brk(0)). */
KTEST(mmap, brk_grow_and_shrink)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mm_brk_init(mm, MT_A(0));
	KEXPECT_EQ(t, vm_brk(mm, 0), MT_A(0));
	KEXPECT_EQ(t, vm_brk(mm, MT_A(0) - PG), MT_A(0));
	KEXPECT_EQ(t, vm_brk(mm, MT_A(3) + 5), MT_A(3) + 5);
	MT_LAYOUT(t, mm, { 0, 4, PROT_READ | PROT_WRITE });
	KEXPECT_EQ(t, mt_write(MT_A(3), 9), 0);
	KEXPECT_EQ(t, vm_brk(mm, MT_A(3) + 100), MT_A(3) + 100);   /* the same page: no change */
	KEXPECT_EQ(t, vm_brk(mm, MT_A(1)), MT_A(1));
	MT_LAYOUT(t, mm, { 0, 1, PROT_READ | PROT_WRITE });
	u64 v;
	KEXPECT_EQ(t, mt_read(MT_A(3), &v), -EFAULT);
	KEXPECT_EQ(t, vm_brk(mm, MT_A(2)), MT_A(2));   /* grows the same VMA */
	KEXPECT_EQ(t, mm->map_count, 1);
	mt_teardown(t, mm);
}

/* Linux: brk keeps a page free below the next mapping (its guard gap); a growth that would not
 * leave one fails and returns the current break. */
KTEST(mmap, brk_stops_a_page_below_a_mapping)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mm_brk_init(mm, MT_A(0));
	mt_map(t, mm, 5, 1, PROT_READ, 0);
	KEXPECT_EQ(t, vm_brk(mm, MT_A(4) + 1), MT_A(0));
	KEXPECT_EQ(t, vm_brk(mm, MT_A(4)), MT_A(4));
	MT_LAYOUT(t, mm, { 0, 4, PROT_READ | PROT_WRITE }, { 5, 6, PROT_READ });
	mt_teardown(t, mm);
}

/* Linux: MADV_DONTNEED on private memory drops the pages: the next read sees zeroes. */
KTEST(mmap, dontneed_private_reads_zero)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, PROT_READ | PROT_WRITE, 0);
	KEXPECT_EQ(t, mt_write(MT_A(0), 0x55), 0);
	KEXPECT_EQ(t, atomic_long_read(&mm->rss[MM_ANONPAGES]), 1);
	KEXPECT_EQ(t, vm_madvise(mm, MT_A(0), 2 * PG, MADV_DONTNEED), 0);
	KEXPECT_EQ(t, atomic_long_read(&mm->rss[MM_ANONPAGES]), 0);
	KEXPECT_EQ(t, mt_phys(mm, MT_A(0)), 0);
	u64 v = 1;
	KEXPECT_EQ(t, mt_read(MT_A(0), &v), 0);
	KEXPECT_EQ(t, v, 0);
	KEXPECT_EQ(t, mt_write(MT_A(0), 0x56), 0);   /* a write after it: a new zeroed page */
	KEXPECT_EQ(t, mt_read(MT_A(0), &v), 0);
	KEXPECT_EQ(t, v, 0x56);
	mt_teardown(t, mm);
}

/* Linux: MADV_DONTNEED on shared anonymous memory drops only the mappings: the object keeps its
 * pages, and the next read sees the data. */
KTEST(mmap, dontneed_shared_keeps_data)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	KEXPECT_EQ(t, mt_write(MT_A(0), 0x66), 0);
	phys_addr_t before = mt_phys(mm, MT_A(0));
	KEXPECT_EQ(t, vm_madvise(mm, MT_A(0), PG, MADV_DONTNEED), 0);
	KEXPECT_EQ(t, mt_phys(mm, MT_A(0)), 0);
	u64 v = 0;
	KEXPECT_EQ(t, mt_read(MT_A(0), &v), 0);
	KEXPECT_EQ(t, v, 0x66);
	KEXPECT_EQ(t, mt_phys(mm, MT_A(0)), before);
	mt_teardown(t, mm);
}

/* Linux (mm_tlb_flush_nested): an MADV_DONTNEED returns only once no TLB reaches the pages it
 * was asked to drop, even where another MADV_DONTNEED (both under mmap_lock held for read)
 * cleared the entries first and has not flushed yet: the second finds nothing to clear, and
 * must flush all the same. A holds its madvise between zap and flush (the test hook); B's
 * madvise of the same page runs meanwhile and returns; C, on the other CPU, has read the page
 * all along and must not read its old value once B has returned. */
struct dontneed_race {
	struct mm *mm;
	uintptr_t addr;
	int a_stalled, release, b_done, c_seen, stop, b_ret;
	unsigned long c_reads_after, c_stale;
};
struct dontneed_arg {
	struct dontneed_race *r;
	unsigned role;   /* 0: A, 1: C, 2: B */
};

#define DONTNEED_MARK 0x0d0ed0edull

static struct dontneed_race *dontneed_current;

static void dontneed_stall(struct mm *mm)
{
	struct dontneed_race *r = dontneed_current;
	int zero = 0;
	if (!r || !__atomic_compare_exchange_n(&r->a_stalled, &zero, 1, false, __ATOMIC_SEQ_CST,
					       __ATOMIC_RELAXED))
		return;   /* only the first madvise (A's) waits */
	for (unsigned k = 0; !READ_ONCE(r->release) && k < 10000; k++)
		sleep_ns(100000);
}

static void dontneed_thread(void *arg)
{
	struct dontneed_arg *w = arg;
	struct dontneed_race *r = w->r;
	kthread_use_mm(r->mm);
	if (w->role == 0) {   /* A */
		while (!READ_ONCE(r->c_seen))
			sleep_ns(10000);
		vm_madvise(r->mm, r->addr, PG, MADV_DONTNEED);
	} else if (w->role == 1) {   /* C */
		while (!READ_ONCE(r->stop)) {
			int after = READ_ONCE(r->b_done);
			smp_mb();
			u64 v = 0;
			if (mt_read(r->addr, &v))
				continue;
			if (v == DONTNEED_MARK)
				WRITE_ONCE(r->c_seen, 1);
			if (after) {
				r->c_stale += v == DONTNEED_MARK;
				WRITE_ONCE(r->c_reads_after, r->c_reads_after + 1);
			}
		}
	} else {   /* B */
		while (!READ_ONCE(r->a_stalled))
			sleep_ns(10000);
		r->b_ret = vm_madvise(r->mm, r->addr, PG, MADV_DONTNEED);
		smp_mb();
		WRITE_ONCE(r->b_done, 1);
		for (unsigned k = 0; READ_ONCE(r->c_reads_after) < 1000 && k < 1000; k++)
			sleep_ns(100000);
		WRITE_ONCE(r->release, 1);
		WRITE_ONCE(r->stop, 1);
	}
	kthread_unuse_mm(r->mm);
}

KTEST(mmap, dontneed_waits_for_anothers_flush)
{
	if (nr_cpus_online < 2)
		KSKIP(t, "needs a second CPU");
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 1, PROT_READ | PROT_WRITE, 0);
	KEXPECT_EQ(t, mt_write(MT_A(0), DONTNEED_MARK), 0);
	struct dontneed_race r = { .mm = mm, .addr = MT_A(0), .b_ret = 1 };
	/* pinned to CPU i % 2: A and B on one CPU (A sleeps while B runs), C on the other */
	struct dontneed_arg w[3] = { { &r, 0 }, { &r, 1 }, { &r, 2 } };
	dontneed_current = &r;
	WRITE_ONCE(madvise_before_flush_hook, dontneed_stall);
	bool ran = ktest_run_threads(t, 3, true, dontneed_thread, w, sizeof(w[0]));
	WRITE_ONCE(madvise_before_flush_hook, NULL);
	dontneed_current = NULL;
	KASSERT(t, ran);
	ktest_log(t, "C read the page %lu times after B's madvise returned, %lu of them the old "
		  "value", r.c_reads_after, r.c_stale);
	KEXPECT_EQ(t, r.a_stalled, 1);
	KEXPECT_EQ(t, r.b_ret, 0);
	KEXPECT(t, r.c_reads_after > 0);
	KEXPECT_EQ(t, r.c_stale, 0);
	u64 v = 1;
	KEXPECT_EQ(t, mt_read(MT_A(0), &v), 0);
	KEXPECT_EQ(t, v, 0);
	mt_teardown(t, mm);
}

/* Linux (madvise_walk_vmas): holes in the range are skipped but make the result -ENOMEM, after
 * the mapped parts were handled; nothing mapped at all is -ENOMEM too; length 0 is 0; advice it
 * does not know is -EINVAL (here: all but MADV_DONTNEED). */
KTEST(mmap, dontneed_holes_and_errors)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 1, PROT_READ | PROT_WRITE, 0);
	mt_map(t, mm, 2, 1, PROT_READ | PROT_WRITE, 0);
	KEXPECT_EQ(t, mt_write(MT_A(0), 1), 0);
	KEXPECT_EQ(t, mt_write(MT_A(2), 2), 0);
	KEXPECT_EQ(t, vm_madvise(mm, MT_A(0), 3 * PG, MADV_DONTNEED), -ENOMEM);
	u64 v = 9;
	KEXPECT_EQ(t, mt_read(MT_A(2), &v), 0);
	KEXPECT_EQ(t, v, 0);
	KEXPECT_EQ(t, vm_madvise(mm, MT_A(10), PG, MADV_DONTNEED), -ENOMEM);
	KEXPECT_EQ(t, vm_madvise(mm, MT_A(0), 0, MADV_DONTNEED), 0);
	KEXPECT_EQ(t, vm_madvise(mm, MT_A(0) + 1, PG, MADV_DONTNEED), -EINVAL);
	KEXPECT_EQ(t, vm_madvise(mm, MT_A(0), PG, 3 /* MADV_WILLNEED */), -EINVAL);
	mt_teardown(t, mm);
}

/* Linux: vm.max_map_count caps the VMAs: a cut in three (munmap, mprotect) needs the count below
 * the limit (-ENOMEM otherwise), while mmap checks only that it is not above it (do_mmap's '>'),
 * so a new mapping may take the count one past the limit, and no further. */
KTEST(mmap, max_map_count)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	s64 saved = sysctl_max_map_count;
	mt_map(t, mm, 0, 4, PROT_READ | PROT_WRITE, 0);
	sysctl_max_map_count = 1;
	KEXPECT_EQ(t, vm_munmap(mm, MT_A(1), PG), -ENOMEM);
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(1), PG, PROT_READ), -ENOMEM);
	KEXPECT_EQ(t, vm_munmap(mm, MT_A(3), PG), 0);   /* a cut at an end needs no new VMA */
	KEXPECT_EQ(t, vm_mmap(mm, MT_A(10), PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
			      MAP_FIXED), (long)MT_A(10));
	KEXPECT_EQ(t, mm->map_count, 2);
	KEXPECT_EQ(t, vm_mmap(mm, MT_A(20), PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
			      MAP_FIXED), -ENOMEM);
	sysctl_max_map_count = saved;
	MT_LAYOUT(t, mm, { 0, 3, PROT_READ | PROT_WRITE }, { 10, 11, PROT_READ });
	mt_teardown(t, mm);
}

/* The address space torn down gives back every page (data, page tables, shared objects' pages)
 * and every object, whatever was done to it. */
KTEST(mmap, teardown_gives_everything_back)
{
	struct mm *warm = mt_setup(t);   /* caches and per-CPU lists at their working size */
	mt_teardown(t, warm);
	struct mt_counts a, b;
	mt_counts(NULL, &a);
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 8, PROT_READ | PROT_WRITE, 0);
	mt_map(t, mm, 10, 4, PROT_READ | PROT_WRITE, MAP_SHARED);
	for (unsigned i = 0; i < 14; i++) {
		u64 v;
		if (i % 3)
			KEXPECT(t, mt_write(MT_A(i), i) == 0 || i == 8 || i == 9);
		else
			KEXPECT(t, mt_read(MT_A(i), &v) == 0 || i == 9);
	}
	KEXPECT_EQ(t, vm_mprotect(mm, MT_A(2), 2 * PG, PROT_NONE), 0);
	KEXPECT(t, vm_mremap(mm, MT_A(4), 4 * PG, 6 * PG, MREMAP_MAYMOVE, 0) > 0);
	mm_brk_init(mm, MT_A(200));
	KEXPECT_EQ(t, vm_brk(mm, MT_A(203)), MT_A(203));
	KEXPECT_EQ(t, mt_write(MT_A(201), 1), 0);
	mt_teardown(t, mm);
	mt_counts(NULL, &b);
	MT_COUNTS_EQ(t, &a, &b);
}

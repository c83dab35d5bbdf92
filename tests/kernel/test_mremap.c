/* mremap against Linux 6.1's behaviour: shrink, grow in place (and into the next VMA), move by
 * moving page-table entries (the same pages, not copies), MREMAP_FIXED, the duplication of a
 * shared mapping, the page offsets a moved VMA gets (seed 001's subject), and the error cases. */
#include "tests/kernel/ktest_mm.h"
#include "tests/kernel/ktest_util.h"
#include "kernel/errno.h"
#include "kernel/smp.h"
#include "mm/pgtable.h"

#define RW (PROT_READ | PROT_WRITE)
#define MOVE MREMAP_MAYMOVE
#define FIXED (MREMAP_MAYMOVE | MREMAP_FIXED)

/* Linux: shrinking is always allowed and unmaps the tail. */
KTEST(mremap, shrink_unmaps_the_tail)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 4, RW, 0);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), 4 * PG, 2 * PG, 0, 0), (long)MT_A(0));
	MT_LAYOUT(t, mm, { 0, 2, RW });
	u64 v;
	KEXPECT_EQ(t, mt_read(MT_A(3), &v), -EFAULT);
	mt_teardown(t, mm);
}

/* Linux: growing a VMA from its end into free room happens in place, keeping its pages. */
KTEST(mremap, grow_in_place)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, RW, 0);
	KEXPECT_EQ(t, mt_write(MT_A(1), 0x11), 0);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), 2 * PG, 4 * PG, 0, 0), (long)MT_A(0));
	MT_LAYOUT(t, mm, { 0, 4, RW });
	u64 v = 0;
	KEXPECT_EQ(t, mt_read(MT_A(1), &v), 0);
	KEXPECT_EQ(t, v, 0x11);
	KEXPECT_EQ(t, mt_write(MT_A(3), 0x33), 0);
	mt_teardown(t, mm);
}

/* Linux: a growth that would overlap the next VMA fails with -ENOMEM without MREMAP_MAYMOVE, and
 * changes nothing. */
KTEST(mremap, grow_into_a_neighbour_fails_without_maymove)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, RW, 0);
	mt_map(t, mm, 2, 1, PROT_READ, 0);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), 2 * PG, 3 * PG, 0, 0), -ENOMEM);
	MT_LAYOUT(t, mm, { 0, 2, RW }, { 2, 3, PROT_READ });
	mt_teardown(t, mm);
}

/* Linux 6.1 (since mremap used vma_merge for the extension): growing up to the next VMA joins it
 * when the rules allow (same flags, offsets contiguous). */
KTEST(mremap, grow_joins_the_next_vma)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, RW, 0);
	mt_map(t, mm, 3, 2, RW, 0);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), 2 * PG, 3 * PG, 0, 0), (long)MT_A(0));
	MT_LAYOUT(t, mm, { 0, 5, RW });
	KEXPECT_EQ(t, mm->map_count, 1);
	mt_teardown(t, mm);
}

/* Linux: with MREMAP_MAYMOVE a mapping that cannot grow in place moves: its page-table entries
 * go to the new place with their pages (no copy: the same frames), the new part reads zero, the
 * old range is unmapped, and a VMA that has pages keeps its page offsets. */
KTEST(mremap, maymove_moves_the_entries)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, RW, 0);
	mt_map(t, mm, 2, 1, PROT_READ, 0);
	KEXPECT_EQ(t, mt_write(MT_A(0), 0xa0), 0);
	KEXPECT_EQ(t, mt_write(MT_A(1), 0xa1), 0);
	phys_addr_t p0 = mt_phys(mm, MT_A(0)), p1 = mt_phys(mm, MT_A(1));
	long a = vm_mremap(mm, MT_A(0), 2 * PG, 4 * PG, MOVE, 0);
	KASSERT(t, a > 0 && (uintptr_t)a != MT_A(0));
	KEXPECT_EQ(t, mt_phys(mm, (uintptr_t)a), p0);
	KEXPECT_EQ(t, mt_phys(mm, (uintptr_t)a + PG), p1);
	u64 v = 0;
	KEXPECT_EQ(t, mt_read((uintptr_t)a + PG, &v), 0);
	KEXPECT_EQ(t, v, 0xa1);
	KEXPECT_EQ(t, mt_read((uintptr_t)a + 3 * PG, &v), 0);
	KEXPECT_EQ(t, v, 0);
	KEXPECT_EQ(t, mt_read(MT_A(0), &v), -EFAULT);
	MT_LAYOUT(t, mm, { 2, 3, PROT_READ });
	mmap_read_lock(mm);
	struct vma *nv = vma_lookup(mm, (uintptr_t)a);
	KEXPECT(t, nv && nv->end == (uintptr_t)a + 4 * PG && nv->pgoff == MT_A(0) >> PAGE_SHIFT);
	mmap_read_unlock(mm);
	mt_teardown(t, mm);
}

/* Linux: MREMAP_FIXED moves to the given address, unmapping what was there first. */
KTEST(mremap, fixed_moves_to_the_address)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, RW, 0);
	mt_map(t, mm, 10, 4, PROT_READ, 0);
	KEXPECT_EQ(t, mt_write(MT_A(1), 0x77), 0);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), 2 * PG, 2 * PG, FIXED, MT_A(11)), (long)MT_A(11));
	MT_LAYOUT(t, mm, { 10, 11, PROT_READ }, { 11, 13, RW }, { 13, 14, PROT_READ });
	u64 v = 0;
	KEXPECT_EQ(t, mt_read(MT_A(12), &v), 0);
	KEXPECT_EQ(t, v, 0x77);
	mt_teardown(t, mm);
}

/* Linux: MREMAP_FIXED to a smaller size unmaps the source's tail, then moves the rest. The tail
 * and the destination may share a level-0 table (here [T + S, T + 2S), S what one table maps),
 * which the move allocated before the tail's unmap: freeing the tables of the tail's hole must
 * not free it. The moved page keeps its data, the rest of the destination reads zero, and the
 * teardown gives everything back. */
KTEST(mremap, fixed_shrink_keeps_the_destination_tables)
{
	struct mm *warm = mt_setup(t);   /* caches and per-CPU lists at their working size */
	mt_teardown(t, warm);
	struct mt_counts a, b;
	mt_counts(NULL, &a);
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	unsigned long s = pt_level_size(1);   /* 2 MiB with 4 KiB pages and 512-entry tables */
	unsigned span = (unsigned)(s / PG);
	uintptr_t dst = MT_BASE + 3 * s / 2;
	mt_map(t, mm, 0, 3 * span / 2, RW, 0);
	KEXPECT_EQ(t, mt_write(MT_A(0), 0x5eed), 0);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), 3 * s / 2, s / 4, FIXED, dst), (long)dst);
	MT_LAYOUT(t, mm, { 3 * span / 2, 7 * span / 4, RW });
	u64 v = 0;
	KEXPECT_EQ(t, mt_read(dst, &v), 0);
	KEXPECT_EQ(t, v, 0x5eed);
	KEXPECT_EQ(t, mt_read(dst + s / 4 - PG, &v), 0);
	KEXPECT_EQ(t, v, 0);
	KEXPECT_EQ(t, mt_read(MT_A(0), &v), -EFAULT);
	mt_teardown(t, mm);
	mt_counts(NULL, &b);
	MT_COUNTS_EQ(t, &a, &b);
}

/* MREMAP_FIXED onto a mapped page, with another CPU reading that page all along: the old
 * page's translation must be gone from every TLB before the moved entry is installed, or that
 * CPU goes on reaching the old page through its TLB while the tables already say the new one
 * (its stores lost; on arm64 a valid-to-valid change without break-before-make). The reader
 * looks up the destination's entry in the tables, then reads through the MMU: once the entry
 * is the moved page's, it must never read the old page's value. Round after round, each with
 * a fresh old page whose translation the reader has cached. An anchor page keeps the tables. */
struct fixed_reader {
	struct mm *mm;
	uintptr_t src, dst;
	u64 round, seen;       /* the mover's round; the last round whose old value was read */
	phys_addr_t want;      /* the moving page's frame, during a round's mremap; else 0 */
	bool done;
	unsigned long reads, in_window, stale, read_errors;   /* the reader's */
	unsigned long move_errors;                            /* the mover's */
};

#define OLD_VALUE(r) (0x01d0000000000000ull | (r))
#define NEW_VALUE(r) (0x0e30000000000000ull | (r))
#define FIXED_ROUNDS 300

static void fixed_read_loop(struct fixed_reader *c)
{
	while (!READ_ONCE(c->done)) {
		u64 r = READ_ONCE(c->round);
		phys_addr_t w = READ_ONCE(c->want);
		smp_mb();
		phys_addr_t pa = mt_phys(c->mm, c->dst);
		u64 v = 0;
		if (mt_read(c->dst, &v)) {
			c->read_errors++;
			continue;
		}
		smp_mb();
		if (READ_ONCE(c->round) != r)
			continue;   /* the next round began meanwhile: judge nothing */
		c->reads++;
		if (v == OLD_VALUE(r))
			WRITE_ONCE(c->seen, r);
		if (w && pa == w) {
			c->in_window++;
			c->stale += v == OLD_VALUE(r);
		}
	}
}

static void fixed_move_rounds(struct fixed_reader *c)
{
	for (u64 r = 1; r <= FIXED_ROUNDS; r++) {
		WRITE_ONCE(c->want, 0);
		WRITE_ONCE(c->round, r);
		smp_mb();
		unsigned f = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
		c->move_errors += vm_mmap(c->mm, c->dst, PG, PROT_READ | PROT_WRITE, f) != (long)c->dst;
		c->move_errors += mt_write(c->dst, OLD_VALUE(r)) != 0;
		c->move_errors += vm_mmap(c->mm, c->src, PG, PROT_READ | PROT_WRITE, f) != (long)c->src;
		c->move_errors += mt_write(c->src, NEW_VALUE(r)) != 0;
		phys_addr_t y = mt_phys(c->mm, c->src);
		/* the reader has the old page's translation (bounded: a reader that never gets
		 * there only makes the round useless) */
		for (unsigned k = 0; READ_ONCE(c->seen) != r && k < 1000000; k++)
			arch_cpu_relax();
		WRITE_ONCE(c->want, y);
		smp_mb();
		c->move_errors += vm_mremap(c->mm, c->src, PG, PG, FIXED, c->dst) != (long)c->dst;
	}
	WRITE_ONCE(c->done, true);
}

static void fixed_thread(void *arg)
{
	struct fixed_reader *c = *(struct fixed_reader **)arg;
	unsigned role = (unsigned)(((struct fixed_reader **)arg)[1] != NULL);
	kthread_use_mm(c->mm);
	if (role)
		fixed_read_loop(c);
	else
		fixed_move_rounds(c);
	kthread_unuse_mm(c->mm);
}

KTEST(mremap, fixed_flushes_the_destination_before_moving)
{
	if (nr_cpus_online < 2)
		KSKIP(t, "needs a second CPU");
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 1, RW, 0);   /* the anchor: the tables of [0, 8) are never freed */
	/* The destination mapped from the start: the reader may begin before the first round's
	 * mapping, and a read of an unmapped page is an error it counts. */
	mt_map(t, mm, 2, 1, RW, 0);
	struct fixed_reader c = { .mm = mm, .src = MT_A(4), .dst = MT_A(2) };
	struct fixed_reader *args[2][2] = { { &c, NULL }, { &c, &c } };
	KASSERT(t, ktest_run_threads(t, 2, true, fixed_thread, args, sizeof(args[0])));
	ktest_log(t, "%d rounds: %lu reads, %lu after the moved entry was in the tables, %lu of "
		  "them of the old page", FIXED_ROUNDS, c.reads, c.in_window, c.stale);
	KEXPECT_EQ(t, c.read_errors, 0);
	KEXPECT_EQ(t, c.move_errors, 0);
	KEXPECT_EQ(t, c.stale, 0);
	mt_teardown(t, mm);
}

/* Linux: the argument errors. Unknown flags, MREMAP_FIXED without MREMAP_MAYMOVE, an unaligned
 * address and a new length of 0 are -EINVAL; an address in no VMA and an old range across VMAs
 * are -EFAULT; an MREMAP_FIXED destination that overlaps the source is -EINVAL; old length 0
 * (duplicate) of a private mapping is -EINVAL. MREMAP_DONTUNMAP is not implemented (-EINVAL). */
KTEST(mremap, argument_errors)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, RW, 0);
	mt_map(t, mm, 2, 2, PROT_READ, 0);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), PG, 2 * PG, 8, 0), -EINVAL);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), PG, PG, MREMAP_FIXED, MT_A(9)), -EINVAL);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0) + 1, PG, 2 * PG, MOVE, 0), -EINVAL);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), PG, 0, MOVE, 0), -EINVAL);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(9), PG, 2 * PG, MOVE, 0), -EFAULT);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), 4 * PG, 6 * PG, MOVE, 0), -EFAULT);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), 2 * PG, 2 * PG, FIXED, MT_A(1)), -EINVAL);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), 0, 2 * PG, MOVE, 0), -EINVAL);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), PG, PG, MOVE | MREMAP_DONTUNMAP, 0), -EINVAL);
	MT_LAYOUT(t, mm, { 0, 2, RW }, { 2, 4, PROT_READ });
	mt_teardown(t, mm);
}

/* Linux (copy_vma): a private VMA that never faulted takes the page offsets of its new place, so
 * it merges with a neighbour there; one that has pages keeps its offsets and does not (the limit
 * seed 001 is about). */
KTEST(mremap, moved_offsets_and_merging)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, RW, 0);
	mt_map(t, mm, 5, 1, RW, 0);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), 2 * PG, 2 * PG, FIXED, MT_A(3)), (long)MT_A(3));
	MT_LAYOUT(t, mm, { 3, 6, RW });
	mt_map(t, mm, 10, 2, RW, 0);
	mt_map(t, mm, 15, 1, RW, 0);
	KEXPECT_EQ(t, mt_write(MT_A(10), 1), 0);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(10), 2 * PG, 2 * PG, FIXED, MT_A(13)), (long)MT_A(13));
	MT_LAYOUT(t, mm, { 3, 6, RW }, { 13, 15, RW }, { 15, 16, RW });
	mt_teardown(t, mm);
}

/* Linux: an old length of 0 on a shared mapping makes a second mapping of the same pages; a shared
 * mapping moved keeps its object; growing past the object's end maps pages a fault cannot fill
 * (Linux's SIGBUS past the end of the shmem file: here the access fails). */
KTEST(mremap, shared_duplicate_move_and_grow)
{
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	mt_map(t, mm, 0, 2, RW, MAP_SHARED);
	KEXPECT_EQ(t, mt_write(MT_A(0), 0x70), 0);
	long d = vm_mremap(mm, MT_A(0), 0, 2 * PG, MOVE, 0);
	KASSERT(t, d > 0);
	u64 v = 0;
	KEXPECT_EQ(t, mt_read((uintptr_t)d, &v), 0);
	KEXPECT_EQ(t, v, 0x70);
	KEXPECT_EQ(t, mt_write((uintptr_t)d + PG, 0x71), 0);
	KEXPECT_EQ(t, mt_read(MT_A(1), &v), 0);
	KEXPECT_EQ(t, v, 0x71);
	KEXPECT_EQ(t, mt_phys(mm, MT_A(1)), mt_phys(mm, (uintptr_t)d + PG));
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(0), 2 * PG, 2 * PG, FIXED, MT_A(20)), (long)MT_A(20));
	KEXPECT_EQ(t, mt_read(MT_A(21), &v), 0);
	KEXPECT_EQ(t, v, 0x71);
	KEXPECT_EQ(t, vm_mremap(mm, MT_A(20), 2 * PG, 3 * PG, 0, 0), (long)MT_A(20));
	KEXPECT_EQ(t, mt_read(MT_A(22), &v), -EFAULT);
	mt_teardown(t, mm);
}

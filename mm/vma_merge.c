/*
 * Merging VMAs by Linux 6.1's rules (vma_merge, and mmap_region's own way for a new range). What
 * lets two VMAs merge after both have faulted is that the second took the first's anon_vma at
 * its first fault (find_mergeable_anon_vma, rmap.c). Everything here runs inside a VMA
 * transaction (vma.c), under mmap_lock held for write.
 */
#include "mm/internal.h"
#include "mm/alloc_fail.h"
#include "mm/mm.h"
#include "mm/vma.h"

/* The range from `from` becomes part of `to`: it takes from's anon_vma if it has none. */
static void take_anon_vma(struct vma *to, const struct vma *from)
{
	if (!to->anon_vma && from->anon_vma)
		anon_vma_link(to, from->anon_vma);
}

/* ---- Merging: Linux 6.1's rules ----
 * Two VMAs may become one if their flags are equal, they map the same shared object (or none),
 * their page offsets are contiguous, and their anon_vmas are compatible. Compatible, in 6.1
 * (is_mergeable_anon_vma): the same; or the range joining the VMA has none while the VMA has
 * one. Not: the range has one and the VMA has none, a condition Linux has had since 2011
 * (commit 965f55dea0e3) and fixed only in 2025; merging two neighbours at once also needs
 * theirs compatible with each other (one NULL, or the same). */

static bool anon_ok(const struct anon_vma *target, const struct anon_vma *joining)
{
	return target == joining || (target && !joining);
}

static bool can_merge(const struct vma *v, unsigned long flags, const struct anon_vma *anon,
		      const struct shm_object *shm)
{
	return v->flags == flags && v->shm == shm && anon_ok(v->anon_vma, anon);
}

/* Can [.., pgoff) follow prev? */
bool can_merge_after(const struct vma *prev, unsigned long flags,
			    const struct anon_vma *anon, const struct shm_object *shm,
			    unsigned long pgoff)
{
	return can_merge(prev, flags, anon, shm) && prev->pgoff + vma_pages(prev) == pgoff;
}

/* Can a range ending at page offset end_pgoff precede next? */
static bool can_merge_before(const struct vma *next, unsigned long flags,
			     const struct anon_vma *anon, const struct shm_object *shm,
			     unsigned long end_pgoff)
{
	return can_merge(next, flags, anon, shm) && next->pgoff == end_pgoff;
}

bool vma_mergeable_pair(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && a->flags == b->flags && a->shm == b->shm &&
	       a->anon_vma == b->anon_vma && a->pgoff + vma_pages(a) == b->pgoff;
}

static void count_merge(struct mm *mm, struct vma *res, bool both)
{
	if (res)
		mm->merge.merged++;
	if (both)
		mm->merge.merged_both++;
}

/*
 * Linux 6.1's vma_merge: [addr, end) is about to have these attributes, and lies in a hole after
 * prev, or is (part of) an existing VMA: prev itself when the range starts inside prev, else the
 * VMA after prev. Join it to prev, to the VMA after it, or both, if the rules allow; return the
 * VMA that now covers it, or NULL (nothing changed). Needs one write. The cases, with the range
 * as ****:
 *      prev  ****  next          prev  ****            ****  next
 *   1: [ PPPPPPPPPPPPPPPP ]  2: [ PPPPPPPP ]      3:    [ NNNNNNNNN ]   (a hole)
 *   4: PPPP[**] NNN -> PPPP NNNNN (the tail of prev joins next)
 *   5: PPP [**]MMM -> PPPPP MMM  (the head of mid joins prev)
 *   6: PPP[MMM]NNN -> one;  7: PPP[MMM]xxx -> PPPPPP;  8: xxx[MMM]NNN -> NNNNNN
 */
struct vma *vma_merge(struct vma_tx *tx, struct vma *prev, uintptr_t addr, uintptr_t end,
		      unsigned long flags, struct anon_vma *anon, struct shm_object *shm,
		      unsigned long pgoff)
{
	struct mm *mm = tx->mm;
	unsigned long pglen = (end - addr) >> PAGE_SHIFT;
	struct vma *next = vma_find(mm, prev ? prev->end : 0), *mid = next;
	if (next && next->end == end)   /* cases 6, 7, 8: the range is all of mid */
		next = vma_find(mm, next->end);
	bool merge_prev = prev && prev->end == addr &&
			  can_merge_after(prev, flags, anon, shm, pgoff);
	bool merge_next = next && end == next->start &&
			  can_merge_before(next, flags, anon, shm, pgoff + pglen);
	struct vma *res = NULL;
	bool both = false;

	mm->merge.attempts++;
	if (merge_prev && merge_next &&
	    (!prev->anon_vma || !next->anon_vma || prev->anon_vma == next->anon_vma)) {
		/* cases 1, 6: prev reaches over the range and next */
		vma_tx_store(tx, prev->start, next->end, prev);
		if (mid != next)
			vma_tx_kill(tx, mid);
		take_anon_vma(prev, next);
		prev->end = next->end;
		vma_tx_kill(tx, next);
		res = prev;
		both = true;
	} else if (merge_prev) {
		/* cases 2, 5, 7 */
		vma_tx_store(tx, prev->start, end, prev);
		if (mid && mid->start < end) {
			if (mid->end == end) {
				vma_tx_kill(tx, mid);
			} else {
				mid->pgoff += pglen;   /* overlapped by the store: started */
				mid->start = end;
			}
		}
		prev->end = end;
		res = prev;
	} else if (merge_next) {
		vma_tx_store(tx, addr, next->end, next);
		if (prev && addr < prev->end) {
			prev->end = addr;   /* case 4 (overlapped by the store) */
		} else if (mid != next) {
			vma_tx_kill(tx, mid);   /* case 8 */
		}
		next->start = addr;
		next->pgoff -= pglen;
		res = next;
	}
	count_merge(mm, res, both);
	return res;
}

/*
 * A new private anonymous range [addr, end) in a hole, between prev and next (either NULL):
 * join it to them as Linux 6.1's mmap_region does, which differs from vma_merge in one way: it
 * looks at next first, and then joins prev only if prev is compatible with next's anon_vma.
 * Returns the VMA covering it, or NULL. Needs one write.
 */
struct vma *vma_merge_new(struct vma_tx *tx, struct vma *prev, struct vma *next, uintptr_t addr,
			  uintptr_t end, unsigned long flags, unsigned long pgoff)
{
	struct mm *mm = tx->mm;
	unsigned long pglen = (end - addr) >> PAGE_SHIFT;
	struct vma *v = NULL;

	mm->merge.attempts++;
	if (next && next->start == end &&
	    can_merge_before(next, flags, NULL, NULL, pgoff + pglen))
		v = next;
	if (prev && prev->end == addr &&
	    can_merge_after(prev, flags, v ? v->anon_vma : NULL, NULL, pgoff)) {
		if (v) {
			/* both: prev reaches over the range and next */
			vma_tx_store(tx, prev->start, next->end, prev);
			take_anon_vma(prev, next);
			prev->end = next->end;
			vma_tx_kill(tx, next);
			count_merge(mm, prev, true);
			return prev;
		}
		v = prev;
		vma_tx_store(tx, prev->start, end, prev);
		prev->end = end;
	} else if (v) {
		vma_tx_store(tx, addr, next->end, next);
		next->start = addr;
		next->pgoff -= pglen;
	}
	count_merge(mm, v, false);
	return v;
}


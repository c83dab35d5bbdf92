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
#include "kernel/param.h"
#include "kernel/sched/thread.h"
#include "kernel/trace.h"

/* ---- The policies ----
 * Linux 6.1's rules (mm.merge=linux, the default): two VMAs may become one if their flags are
 * equal, they map the same shared object (or none), their page offsets are contiguous, and their
 * anon_vmas are compatible. Compatible, in 6.1 (is_mergeable_anon_vma): the same; or the range
 * joining the VMA has none while the VMA has one. Not: the range has one and the VMA has none, a
 * condition Linux has had since 2011 (commit 965f55dea0e3) and fixed only in 2025; merging two
 * neighbours at once also needs theirs compatible with each other (one NULL, or the same).
 *
 * Seed 001's rules (mm.merge=relaxed) merge also where only the offsets or the anon_vmas stand
 * in the way, if the joining range's pages can be relabelled: each private page records its
 * anon_vma and index (rmap.c), and the range's pages take the merged VMA's. Allowed when no
 * other process can map them: the range's anon_vma is a root without children (or it has none:
 * no pages), and so is the neighbour's, so that no page of either is shared. Only the joining
 * range is relabelled, never the neighbour it joins: the range lies inside the writer's span,
 * marked for the faults that run beside writers. And mremap gives a moved private VMA its new
 * address's linear offset (relabelling its pages as they move) where Linux keeps the old one,
 * so that it meets its new neighbours' offsets.
 *
 * Each attempt is counted by caller and outcome (mm->merge.by) and, with trace=merge, printed. */

const char *const merge_caller_names[MERGE_NR_CALLERS] = { "mmap", "mremap", "mprotect", "brk" };
const char *const merge_outcome_names[MERGE_NR_OUTCOMES] = {
	"merged", "merged_relaxed", "no_neighbour", "incompatible", "shared", "pgoff", "anon",
};

static char merge_policy_name[8] = "linux";
static const char *const merge_policy_names[] = { "linux", "relaxed", NULL };
PARAM_CHOICE("mm.merge", merge_policy_name, merge_policy_names,
	     "VMA merge policy (docs/mm/rmap-and-merging.md): linux (Linux 6.1's rules) or relaxed "
	     "(seed 001: a moved VMA takes its new address's page offsets, and VMAs with different "
	     "anon_vmas merge when neither shares pages with another process)");

enum merge_policy merge_default_policy(void)
{
	return merge_policy_name[0] == 'r' ? MERGE_RELAXED : MERGE_LINUX;
}

/* A range about to join a neighbour. */
struct join {
	unsigned long flags;
	struct anon_vma *anon;
	struct shm_object *shm;
	unsigned long pgoff;     /* at the range's start */
	bool relaxed;            /* mm->merge_policy */
	int exclusive;           /* anon_vma_exclusive(anon) for a private range; -1: not asked yet */
};

static bool join_exclusive(struct join *j)
{
	if (j->exclusive < 0)
		j->exclusive = !(j->flags & VM_SHARED) && !j->shm && anon_vma_exclusive(j->anon);
	return j->exclusive;
}

static bool anon_ok(const struct anon_vma *target, const struct anon_vma *joining)
{
	return target == joining || (target && !joining);
}

/* Could t take in the range, which would need page offset `want` at its start (`fits`: there is
 * such an offset)? MERGE_MERGED if Linux's rules allow it; otherwise why not
 * (MERGE_REFUSED_*): pgoff and anon are the refusals a relabelling would overcome. */
static enum merge_outcome judge(const struct vma *t, struct join *j, unsigned long want, bool fits)
{
	if (t->flags != j->flags || t->shm != j->shm || !fits)
		return MERGE_REFUSED_FLAGS;
	bool pg = j->pgoff == want, an = anon_ok(t->anon_vma, j->anon);
	if (pg && an)
		return MERGE_MERGED;
	if (!join_exclusive(j) || !anon_vma_exclusive(t->anon_vma))
		return MERGE_REFUSED_SHARED;
	return an ? MERGE_REFUSED_PGOFF : MERGE_REFUSED_ANON;
}

/* May the merge the verdict stands for go ahead under j's policy? */
static bool allowed(const struct join *j, enum merge_outcome o)
{
	return o == MERGE_MERGED ||
	       (j->relaxed && (o == MERGE_REFUSED_PGOFF || o == MERGE_REFUSED_ANON));
}

static bool verdict_prev(const struct vma *prev, uintptr_t addr, struct join *j,
			 enum merge_outcome *o)
{
	if (!prev || prev->end != addr) {
		*o = MERGE_NO_NEIGHBOUR;
		return false;
	}
	*o = judge(prev, j, prev->pgoff + vma_pages(prev), true);
	return allowed(j, *o);
}

static bool verdict_next(const struct vma *next, uintptr_t end, unsigned long pglen,
			 struct join *j, enum merge_outcome *o)
{
	if (!next || next->start != end) {
		*o = MERGE_NO_NEIGHBOUR;
		return false;
	}
	*o = judge(next, j, next->pgoff - pglen, next->pgoff >= pglen);
	return allowed(j, *o);
}

bool vma_mergeable_pair(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && a->flags == b->flags && a->shm == b->shm &&
	       a->anon_vma == b->anon_vma && a->pgoff + vma_pages(a) == b->pgoff;
}

/* Could next go on after prev as they are (no relabelling of next: see above)? Their offsets
 * must follow on, and their anon_vmas agree: the same, or one of them none (6.1's vma_merge,
 * case 1); under Linux's rules for a new range (mmap_region), prev must be able to take in
 * next's, so not prev without one beside next with one (`strict`). */
static bool continues_anon(bool strict, const struct vma *prev, const struct vma *next)
{
	if (strict)
		return anon_ok(prev->anon_vma, next->anon_vma);
	return !prev->anon_vma || !next->anon_vma || prev->anon_vma == next->anon_vma;
}

static bool continues_as(bool strict, const struct vma *prev, const struct vma *next)
{
	return continues_anon(strict, prev, next) &&
	       prev->pgoff + ((next->start - prev->start) >> PAGE_SHIFT) == next->pgoff;
}

static void count(struct mm *mm, enum merge_caller by, enum merge_outcome o, uintptr_t addr,
		  uintptr_t end, const struct vma *res)
{
	mm->merge.attempts++;
	mm->merge.by[by][o]++;
	if (o <= MERGE_MERGED_RELAXED)
		mm->merge.merged++;
	if (unlikely(trace_merge)) {
		if (res)
			pr_info("merge: cpu%u %s: %s [%#lx, %#lx) %s into [%#lx, %#lx)\n",
				raw_smp_processor_id(), current_thread()->name, merge_caller_names[by],
				(unsigned long)addr, (unsigned long)end, merge_outcome_names[o],
				(unsigned long)res->start, (unsigned long)res->end);
		else
			pr_info("merge: cpu%u %s: %s [%#lx, %#lx) not merged: %s\n",
				raw_smp_processor_id(), current_thread()->name, merge_caller_names[by],
				(unsigned long)addr, (unsigned long)end, merge_outcome_names[o]);
	}
}

/* The outcome of a merge that used the verdicts a (and b, if both): relaxed if either needed it. */
static enum merge_outcome merged_as(enum merge_outcome a, enum merge_outcome b)
{
	return a == MERGE_MERGED && b == MERGE_MERGED ? MERGE_MERGED : MERGE_MERGED_RELAXED;
}

/* A refusal: the neighbour that came closest (the enum's order). */
static enum merge_outcome refused_as(enum merge_outcome a, enum merge_outcome b)
{
	return MAX(a, b);
}

/* The VMAs a merge changes say so (vma->moving) from before the tree shows the change until
 * their fields and the pages' labels are final: a fault that trusts a VMA by looking it up again
 * under the table's lock (adaptive) could otherwise take a VMA's fields half changed (a start
 * moved, its offset not yet) and install a page with labels that are neither the old nor the new
 * VMA's. The flag makes it go the classic way, and wait. mremap's move flags its own first: a
 * flag found set is left for its owner to clear. */
struct held {
	struct vma *v[3];
	unsigned n;
};

static void hold(struct held *h, struct vma *v)
{
	if (v && !v->moving) {
		WRITE_ONCE(v->moving, true);
		h->v[h->n++] = v;
	}
}

static void release(struct held *h)
{
	while (h->n)
		WRITE_ONCE(h->v[--h->n]->moving, false);
}

/* res now covers [addr, end), whose pages (if `here`: mremap's arrive later, move_vma) still
 * carry j's labels: they take res's anon_vma (res takes j's if it had none) and the offsets res
 * gives them. Allowed only by a verdict that made sure no other process maps them. */
static void adopt(struct vma *res, struct join *j, uintptr_t addr, uintptr_t end, bool here)
{
	if (!res->anon_vma && j->anon)
		anon_vma_link(res, j->anon);
	unsigned long pgoff = res->pgoff + ((addr - res->start) >> PAGE_SHIFT);
	if (here && j->anon && (j->anon != res->anon_vma || j->pgoff != pgoff)) {
		struct relabel rl = { j->anon, res->anon_vma, addr, pgoff };
		relabel_range(res->mm, addr, end, &rl);
	}
}

/*
 * Linux 6.1's vma_merge: [addr, end) is about to have these attributes, and lies in a hole after
 * prev, or is (part of) an existing VMA: prev itself when the range starts inside prev, else the
 * VMA after prev. Join it to prev, to the VMA after it, or both, if the policy allows; return
 * the VMA that now covers it, or NULL (nothing changed). Needs one write. The cases, with the
 * range as ****:
 *      prev  ****  next          prev  ****            ****  next
 *   1: [ PPPPPPPPPPPPPPPP ]  2: [ PPPPPPPP ]      3:    [ NNNNNNNNN ]   (a hole)
 *   4: PPPP[**] NNN -> PPPP NNNNN (the tail of prev joins next)
 *   5: PPP [**]MMM -> PPPPP MMM  (the head of mid joins prev)
 *   6: PPP[MMM]NNN -> one;  7: PPP[MMM]xxx -> PPPPPP;  8: xxx[MMM]NNN -> NNNNNN
 * `here`: the range's pages (if any) are at [addr, end) now; mremap's move passes false and
 * relabels them as they move.
 */
struct vma *vma_merge(struct vma_tx *tx, struct vma *prev, uintptr_t addr, uintptr_t end,
		      unsigned long flags, struct anon_vma *anon, struct shm_object *shm,
		      unsigned long pgoff, enum merge_caller by, bool here)
{
	struct mm *mm = tx->mm;
	unsigned long pglen = (end - addr) >> PAGE_SHIFT;
	struct vma *next = vma_find(mm, prev ? prev->end : 0), *mid = next;
	if (next && next->end == end)   /* cases 6, 7, 8: the range is all of mid */
		next = vma_find(mm, next->end);
	struct join j = { flags, anon, shm, pgoff, mm->merge_policy == MERGE_RELAXED, -1 };
	enum merge_outcome op, on;
	bool merge_prev = verdict_prev(prev, addr, &j, &op);
	bool merge_next = verdict_next(next, end, pglen, &j, &on);
	struct vma *res = NULL;

	/* Both: the three keep the first anon_vma of prev, the range, next; next's pages are not
	 * relabelled, so next must have none or that one. */
	struct anon_vma *both_anon = prev && prev->anon_vma ? prev->anon_vma :
				     anon ? anon : next ? next->anon_vma : NULL;
	bool both = merge_prev && merge_next && continues_as(false, prev, next) &&
		    (!next->anon_vma || next->anon_vma == both_anon);
	struct held h = { .n = 0 };
	if (merge_prev || merge_next) {
		hold(&h, merge_prev || (prev && addr < prev->end) ? prev : NULL);
		hold(&h, mid);
		hold(&h, next != mid && (merge_next || both) ? next : NULL);
	}
	if (both) {
		/* cases 1, 6: prev reaches over the range and next */
		vma_tx_store(tx, prev->start, next->end, prev);
		if (mid != next)
			vma_tx_kill(tx, mid);
		if (!prev->anon_vma && both_anon)
			anon_vma_link(prev, both_anon);
		prev->end = next->end;
		vma_tx_kill(tx, next);
		res = prev;
		adopt(res, &j, addr, end, here);
		release(&h);
		mm->merge.merged_both++;
		count(mm, by, merged_as(op, on), addr, end, res);
		return res;
	}
	if (merge_prev) {
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
	if (res) {
		adopt(res, &j, addr, end, here);
		release(&h);
		count(mm, by, merged_as(merge_prev ? op : on, MERGE_MERGED), addr, end, res);
	} else {
		count(mm, by, refused_as(op, on), addr, end, NULL);
	}
	return res;
}

/*
 * A new private anonymous range [addr, end) in a hole, between prev and next (either NULL):
 * join it to them as Linux 6.1's mmap_region does, which differs from vma_merge in one way: it
 * looks at next first, and then joins prev only if prev could go on into next as it is. The
 * range has no pages. Returns the VMA covering it, or NULL. Needs one write.
 */
struct vma *vma_merge_new(struct vma_tx *tx, struct vma *prev, struct vma *next, uintptr_t addr,
			  uintptr_t end, unsigned long flags, unsigned long pgoff)
{
	struct mm *mm = tx->mm;
	unsigned long pglen = (end - addr) >> PAGE_SHIFT;
	struct join j = { flags, NULL, NULL, pgoff, mm->merge_policy == MERGE_RELAXED, -1 };
	enum merge_outcome op, on;
	bool merge_next = verdict_next(next, end, pglen, &j, &on);
	bool merge_prev = verdict_prev(prev, addr, &j, &op) &&
			  (!merge_next || continues_as(!j.relaxed, prev, next));
	struct vma *v = NULL;

	struct held h = { .n = 0 };
	hold(&h, merge_prev ? prev : NULL);
	hold(&h, merge_next ? next : NULL);
	if (merge_prev && merge_next) {
		/* both: prev reaches over the range and next */
		vma_tx_store(tx, prev->start, next->end, prev);
		if (!prev->anon_vma && next->anon_vma)
			anon_vma_link(prev, next->anon_vma);
		prev->end = next->end;
		vma_tx_kill(tx, next);
		release(&h);
		mm->merge.merged_both++;
		count(mm, MERGE_BY_MMAP, merged_as(op, on), addr, end, prev);
		return prev;
	}
	if (merge_prev) {
		v = prev;
		vma_tx_store(tx, prev->start, end, prev);
		prev->end = end;
	} else if (merge_next) {
		v = next;
		vma_tx_store(tx, addr, next->end, next);
		next->start = addr;
		next->pgoff -= pglen;
	}
	release(&h);
	if (v)
		count(mm, MERGE_BY_MMAP, merged_as(merge_prev ? op : on, MERGE_MERGED), addr, end, v);
	else
		count(mm, MERGE_BY_MMAP, refused_as(op, on), addr, end, NULL);
	return v;
}

/* brk's growth: a plain private range [addr, end) with flags joins brkvma (which ends at addr,
 * or is NULL) if the policy allows. Needs one write. */
bool vma_merge_brk(struct vma_tx *tx, struct vma *brkvma, uintptr_t addr, uintptr_t end,
		   unsigned long flags)
{
	struct mm *mm = tx->mm;
	struct join j = { flags, NULL, NULL, addr >> PAGE_SHIFT,
			  mm->merge_policy == MERGE_RELAXED, -1 };
	enum merge_outcome o;
	if (!verdict_prev(brkvma, addr, &j, &o)) {
		count(mm, MERGE_BY_BRK, o, addr, end, NULL);
		return false;
	}
	vma_tx_store(tx, brkvma->start, end, brkvma);
	brkvma->end = end;
	count(mm, MERGE_BY_BRK, merged_as(o, MERGE_MERGED), addr, end, brkvma);
	return true;
}

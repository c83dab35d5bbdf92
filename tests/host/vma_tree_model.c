/* The reference for mm/vma_tree.c: see vma_tree_model.h. Written for obviousness, not speed. */
#include "tests/host/vma_tree_model.h"
#include "kernel/errno.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void model_init(struct model *m)
{
	m->e = NULL;
	m->n = m->cap = 0;
}

void model_free(struct model *m)
{
	free(m->e);
	model_init(m);
}

static void reserve(struct model *m, unsigned long n)
{
	if (n <= m->cap)
		return;
	m->cap = n < 64 ? 64 : 2 * n;
	m->e = realloc(m->e, m->cap * sizeof(*m->e));
	if (!m->e)
		abort();
}

void model_copy(struct model *dst, const struct model *src)
{
	reserve(dst, src->n);
	if (src->n)
		memcpy(dst->e, src->e, src->n * sizeof(*src->e));
	dst->n = src->n;
}

/* Binary searches over the sorted, disjoint entries (so ends are sorted too): the first entry
 * that ends above addr, and the first that starts at or above addr; m->n if none. */
static unsigned long first_end_above(const struct model *m, uintptr_t addr)
{
	unsigned long lo = 0, hi = m->n;
	while (lo < hi) {
		unsigned long mid = lo + (hi - lo) / 2;
		if (m->e[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static unsigned long first_start_from(const struct model *m, uintptr_t addr)
{
	unsigned long lo = 0, hi = m->n;
	while (lo < hi) {
		unsigned long mid = lo + (hi - lo) / 2;
		if (m->e[mid].start >= addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Entries first .. last-1 overlap [start, end): they give way to what is left of them outside
 * the range, around vma's own entry. */
int model_store(struct model *m, uintptr_t start, uintptr_t end, struct vma *vma)
{
	struct model_entry put[3];
	unsigned long first, last, k = 0;
	if (start >= end)
		return -EINVAL;
	first = first_end_above(m, start);
	last = first_start_from(m, end);
	if (first < last && m->e[first].start < start)
		put[k++] = (struct model_entry){ m->e[first].start, start, m->e[first].vma };
	if (vma)
		put[k++] = (struct model_entry){ start, end, vma };
	if (first < last && m->e[last - 1].end > end)
		put[k++] = (struct model_entry){ end, m->e[last - 1].end, m->e[last - 1].vma };
	reserve(m, m->n + 3);
	memmove(&m->e[first + k], &m->e[last], (m->n - last) * sizeof(*m->e));
	memcpy(&m->e[first], put, k * sizeof(*m->e));
	m->n = m->n - (last - first) + k;
	return 0;
}

int model_insert(struct model *m, uintptr_t start, uintptr_t end, struct vma *vma)
{
	unsigned long i;
	if (start >= end || !vma)
		return -EINVAL;
	i = first_end_above(m, start);
	if (i < m->n && m->e[i].start < end)
		return -EEXIST;
	return model_store(m, start, end, vma);
}

long model_find(const struct model *m, uintptr_t addr)
{
	unsigned long i = first_end_above(m, addr);
	return i < m->n && m->e[i].start <= addr ? (long)i : -1;
}

long model_find_next(const struct model *m, uintptr_t addr)
{
	unsigned long i = first_end_above(m, addr);
	return i < m->n ? (long)i : -1;
}

long model_next(const struct model *m, uintptr_t addr)
{
	unsigned long i = first_start_from(m, addr);
	return i < m->n ? (long)i : -1;
}

long model_prev(const struct model *m, uintptr_t addr)
{
	return (long)first_end_above(m, addr) - 1;
}

int model_erase(struct model *m, uintptr_t addr, struct vma *vma)
{
	long i = model_find(m, addr);
	if (i < 0 || !vma || m->e[i].vma != vma)
		return -ENOENT;
	memmove(&m->e[i], &m->e[i + 1], (m->n - (unsigned long)i - 1) * sizeof(*m->e));
	m->n--;
	return 0;
}

int model_replace(struct model *m, uintptr_t addr, struct vma *old, struct vma *new)
{
	long i;
	if (!new)
		return -EINVAL;
	i = model_find(m, addr);
	if (i < 0 || !old || m->e[i].vma != old)
		return -ENOENT;
	m->e[i].vma = new;
	return 0;
}

/* The best aligned start in a free stretch [lo, hi] (inclusive; hi < UINTPTR_MAX, so the
 * stretch's length does not overflow), with division where the tree uses masks. */
static bool fit(uintptr_t lo, uintptr_t hi, uintptr_t size, uintptr_t align, bool topdown,
		uintptr_t *start)
{
	uintptr_t s;
	if (hi - lo + 1 < size)
		return false;
	if (topdown) {
		s = (hi + 1 - size) / align * align;
		if (s < lo)
			return false;
	} else {
		s = lo / align * align;
		if (s < lo) {
			if (s > UINTPTR_MAX - align)
				return false;
			s += align;
		}
		if (s > hi || hi + 1 - s < size)
			return false;
	}
	*start = s;
	return true;
}

int model_gap(const struct model *m, uintptr_t lo, uintptr_t hi, uintptr_t size, uintptr_t align,
	      bool topdown, uintptr_t *start)
{
	if (!size || !align || (align & (align - 1)) || lo >= hi)
		return -EINVAL;
	/* The free stretches, clipped to [lo, hi - 1], visited from the preferred end. Stretch i
	 * lies between entries i - 1 and i; those from i0 to i1 can meet [lo, hi). */
	unsigned long i0 = first_end_above(m, lo), i1 = first_start_from(m, hi);
	for (unsigned long j = 0; j <= i1 - i0; j++) {
		unsigned long i = topdown ? i1 - j : i0 + j;
		uintptr_t flo = i ? m->e[i - 1].end : 0;
		uintptr_t fhi = i < m->n ? m->e[i].start : UINTPTR_MAX;   /* exclusive */
		if (fhi == flo)
			continue;
		fhi--;   /* inclusive; the last address is never usable: hi - 1 < UINTPTR_MAX */
		if (flo < lo)
			flo = lo;
		if (fhi > hi - 1)
			fhi = hi - 1;
		if (flo <= fhi && fit(flo, fhi, size, align, topdown, start))
			return 0;
	}
	return -ENOMEM;
}

static int differ(const char *what, uintptr_t a, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "vma_tree differs from the model: %s (addr %#lx): ", what,
		(unsigned long)a);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* The tree's answer v/span against model entry i (or none if i < 0). */
static int same(const struct model *m, long i, struct vma *v, const struct vma_tree_span *s,
		const char *what, uintptr_t addr)
{
	if (i < 0 && !v)
		return 0;
	if (i < 0)
		return differ(what, addr, "tree has %p [%#lx, %#lx), model none", (void *)v,
			      (unsigned long)s->start, (unsigned long)s->end);
	if (!v)
		return differ(what, addr, "tree none, model %p [%#lx, %#lx)", (void *)m->e[i].vma,
			      (unsigned long)m->e[i].start, (unsigned long)m->e[i].end);
	if (v != m->e[i].vma || s->start != m->e[i].start || s->end != m->e[i].end)
		return differ(what, addr, "tree %p [%#lx, %#lx), model %p [%#lx, %#lx)", (void *)v,
			      (unsigned long)s->start, (unsigned long)s->end, (void *)m->e[i].vma,
			      (unsigned long)m->e[i].start, (unsigned long)m->e[i].end);
	return 0;
}

int model_compare_range(const struct model *m, const struct vma_tree *t, uintptr_t start,
			uintptr_t end)
{
	struct vma_tree_iter it;
	struct vma_tree_span s;
	struct vma *v;
	unsigned long i = 0;
	while (i < m->n && m->e[i].end <= start)
		i++;
	vma_tree_iter_init(&it, t, start, end);
	vma_tree_for_each(&it, v, &s) {
		if (i >= m->n || m->e[i].start >= end)
			return same(m, -1, v, &s, "iteration", start);
		if (same(m, (long)i, v, &s, "iteration", start))
			return -1;
		i++;
	}
	if (i < m->n && m->e[i].start < end && start < end)
		return same(m, (long)i, NULL, &s, "iteration ended early", start);
	return 0;
}

int model_compare(const struct model *m, const struct vma_tree *t)
{
	if (t->nr_entries != m->n)
		return differ("nr_entries", 0, "tree %lu, model %lu", t->nr_entries, m->n);
	return model_compare_range(m, t, 0, UINTPTR_MAX);
}

int model_compare_lookups(const struct model *m, const struct vma_tree *t, uintptr_t addr)
{
	struct vma_tree_span s = { 0, 0 };
	struct vma *v;
	v = vma_tree_find(t, addr, &s);
	if (same(m, model_find(m, addr), v, &s, "find", addr))
		return -1;
	v = vma_tree_find_next(t, addr, &s);
	if (same(m, model_find_next(m, addr), v, &s, "find_next", addr))
		return -1;
	v = vma_tree_next(t, addr, &s);
	if (same(m, model_next(m, addr), v, &s, "next", addr))
		return -1;
	v = vma_tree_prev(t, addr, &s);
	return same(m, model_prev(m, addr), v, &s, "prev", addr);
}

int model_compare_gaps(const struct model *m, const struct vma_tree *t, uintptr_t lo, uintptr_t hi,
		       uintptr_t size, uintptr_t align)
{
	for (int down = 0; down < 2; down++) {
		uintptr_t ts = 0, ms = 0;
		int te = down ? vma_tree_gap_topdown(t, lo, hi, size, align, &ts)
			      : vma_tree_gap_bottomup(t, lo, hi, size, align, &ts);
		int me = model_gap(m, lo, hi, size, align, down, &ms);
		if (te != me || (!te && ts != ms))
			return differ(down ? "gap_topdown" : "gap_bottomup", lo,
				      "[%#lx, %#lx) size %#lx align %#lx: tree %d %#lx, model %d "
				      "%#lx", (unsigned long)lo, (unsigned long)hi,
				      (unsigned long)size, (unsigned long)align, te,
				      (unsigned long)ts, me, (unsigned long)ms);
	}
	return 0;
}

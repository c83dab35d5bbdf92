/* memblock: boot-time ranges of RAM and reservations (see memblock.h). */
#include "mm/memblock.h"
#include "mm/internal.h"
#include "boot/boot_info.h"

struct range_list memblock_memory;
struct range_list memblock_reserved;

void range_list_add(struct range_list *l, phys_addr_t start, phys_addr_t end)
{
	if (start >= end)
		return;
	/* Find the first range that ends at or after start: everything before is untouched. */
	unsigned i = 0;
	while (i < l->n && l->r[i].end < start)
		i++;
	/* Absorb every range that overlaps or touches [start, end). */
	unsigned j = i;
	while (j < l->n && l->r[j].start <= end) {
		start = MIN(start, l->r[j].start);
		end = MAX(end, l->r[j].end);
		j++;
	}
	unsigned removed = j - i;
	if (removed == 0) {
		if (l->n == RANGE_LIST_MAX)
			panic("memblock: more than %d separate ranges", RANGE_LIST_MAX);
		memmove(&l->r[i + 1], &l->r[i], (l->n - i) * sizeof(l->r[0]));
		l->n++;
	} else if (removed > 1) {
		memmove(&l->r[i + 1], &l->r[j], (l->n - j) * sizeof(l->r[0]));
		l->n -= removed - 1;
	}
	l->r[i] = (struct range){ start, end };
}

void memblock_reserve(phys_addr_t start, phys_addr_t end)
{
	range_list_add(&memblock_reserved, ALIGN_DOWN(start, PAGE_SIZE), ALIGN_UP(end, PAGE_SIZE));
}

void __init memblock_init(const struct boot_info *bi)
{
	for (unsigned i = 0; i < bi->nr_memmap; i++) {
		const struct mem_range *m = &bi->memmap[i];
		if (m->type == MEM_AVAILABLE)
			range_list_add(&memblock_memory, ALIGN_UP(m->start, PAGE_SIZE),
				       ALIGN_DOWN(m->end, PAGE_SIZE));
	}
	/* A range the firmware calls both available and reserved is reserved. */
	for (unsigned i = 0; i < bi->nr_memmap; i++) {
		const struct mem_range *m = &bi->memmap[i];
		if (m->type != MEM_AVAILABLE)
			memblock_reserve(m->start, m->end);
	}
	for (unsigned i = 0; i < bi->nr_reserved; i++)
		memblock_reserve(bi->reserved[i].start, bi->reserved[i].end);
	memblock_reserve(0, PAGE_SIZE);   /* never hand out physical page 0 */
}

struct free_iter {
	phys_addr_t best;
	u64 size, align;
	phys_addr_t limit;
};

void memblock_for_each_free(void (*fn)(phys_addr_t, phys_addr_t, void *), void *ctx)
{
	for (unsigned i = 0; i < memblock_memory.n; i++) {
		phys_addr_t s = memblock_memory.r[i].start, e = memblock_memory.r[i].end;
		for (unsigned k = 0; k < memblock_reserved.n && s < e; k++) {
			const struct range *r = &memblock_reserved.r[k];
			if (r->end <= s || r->start >= e)
				continue;
			if (r->start > s)
				fn(s, r->start, ctx);
			s = r->end;
		}
		if (s < e)
			fn(s, e, ctx);
	}
}

static void consider(phys_addr_t s, phys_addr_t e, void *ctx)
{
	struct free_iter *it = ctx;
	e = MIN(e, it->limit);
	if (e < it->size || s > e - it->size)
		return;
	phys_addr_t cand = ALIGN_DOWN(e - it->size, it->align);
	if (cand >= s && cand > it->best)
		it->best = cand;
}

phys_addr_t memblock_alloc(u64 size, u64 align, phys_addr_t limit)
{
	struct free_iter it = { 0, ALIGN_UP(size, PAGE_SIZE), MAX(align, PAGE_SIZE), limit };
	memblock_for_each_free(consider, &it);
	if (it.best)
		memblock_reserve(it.best, it.best + it.size);
	return it.best;
}

u64 memblock_total(const struct range_list *l)
{
	u64 t = 0;
	for (unsigned i = 0; i < l->n; i++)
		t += l->r[i].end - l->r[i].start;
	return t;
}

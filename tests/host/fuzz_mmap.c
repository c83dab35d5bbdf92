/* The model-based fuzzer of the address-space operations (mm/mmap.c, mprotect.c, mremap.c, the
 * fault core), seeded:
 *     fuzz_mmap [OPS [SEED]]      (make fuzz-mmap OPS=... SEED=...)
 * Random mmap, munmap, mprotect, mremap, brk, madvise(MADV_DONTNEED) and accesses (faults, then
 * a read or write of the page through its entry) over a window of pages, applied to a real
 * struct mm (the kernel's code on the host port) and to the page-granular model
 * (mmap_model.c). After every step: the same result, every VMA consistent with the model's
 * pages, no two neighbouring VMAs that Linux's rules would have merged, the map count, the RSS
 * counters; the entries of the pages the step touched (all of them every few steps): which page,
 * what it holds, its protection, its counts. Now and then an allocation is made to fail: the
 * step must then return -ENOMEM and leave everything as it was, leaking nothing. At the end the
 * mm goes and every page and object must come back. Same seed, same run. */
#include "tests/host/mm_host.h"
#include "tests/host/host_rcu.h"
#include "tests/host/host_slab.h"
#include "tests/host/mmap_model.h"
#include "kernel/errno.h"
#include "mm/alloc_fail.h"
#include "mm/fault.h"
#include "mm/internal.h"
#include "mm/mm.h"
#include "mm/pgtable.h"
#include "mm/shm.h"
#include "mm/vma.h"
#include <time.h>

/* The window: 192 pages, from 32 pages below a level-1 table's boundary. Built with 8-entry
 * tables (host.mk: HOST_PT_INDEX_BITS=3), it spans 24 level-0 tables of 8 pages and 3 level-1
 * tables of 64 pages, two of them whole ([32, 96) and [96, 160)): holes free tables of both
 * levels, moves allocate them ahead and carry entries from table to table. */
#if PT_INDEX_BITS != 3
#error "fuzz_mmap's window is laid out for 8-entry tables: build it as host.mk does"
#endif
#define PG       PAGE_SIZE
#define NPAGES   192
#define BASE     (0x20000000ul - 32 * PG)
#define TOP      (BASE + NPAGES * PG)
#define MAX_VMAS NPAGES

static u64 rng;
static u64 draw(u64 bound)   /* splitmix64 */
{
	u64 z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return bound ? z % bound : z;
}

static struct mm *mm;
static struct mmodel model;
static struct mvma vmas[MAX_VMAS];
static const struct vma *kvmas[MAX_VMAS];
static unsigned nvmas;
static unsigned long step, failed_step;
static const char *op_name;
/* model ids <-> kernel ids: anon_vma->id and shm_object->id (both count up from 1) */
static unsigned long *anon_k, *shm_k;   /* model -> kernel */
static unsigned *anon_m;                /* kernel -> model */
static unsigned long anon_k_cap, shm_k_cap, anon_m_cap;

static void *grow(void *a, unsigned long *cap, unsigned long need, size_t size)
{
	if (need < *cap)
		return a;
	unsigned long n = MAX(need + 1, 2 * *cap);
	a = realloc(a, n * size);
	memset((char *)a + *cap * size, 0, (n - *cap) * size);
	*cap = n;
	return a;
}
static u64 next_value = 1;
/* The pages as the step found them. Two neighbouring VMAs that Linux's rules would merge are a
 * bug only if the step looked at their boundary with the anon_vmas they have now: Linux leaves
 * three kinds of such pairs, which the check lets be.
 *  - The step changed neither side: a fault joins a VMA to a neighbour's anon_vma (so that
 *    they can merge later) without merging them, and nothing looks at the pair until an
 *    operation changes one of them.
 *  - brk does not look below the heap's start.
 *  - The sides had different anon_vmas when the step began (one none): looked at, the merge was
 *    refused (6.1 does not let a VMA without one take in a range with one), and a later merge
 *    in the same step gave the other side the same anon_vma (an mprotect across several VMAs). */
static struct mpage before[NPAGES];
static unsigned cur_op;
static unsigned long stats_ops[8], stats_err[8], injected;

static void dump(void);
#define FAIL(...)                                                                   \
	do {                                                                        \
		fprintf(stderr, "fuzz_mmap: step %lu (%s): ", step, op_name);       \
		fprintf(stderr, __VA_ARGS__);                                       \
		fprintf(stderr, "\n");                                              \
		failed_step = step;                                                 \
		dump();                                                             \
		return -1;                                                          \
	} while (0)
static bool trace;   /* FUZZ_TRACE=1: print every step */
static unsigned long dump_at;   /* FUZZ_DUMP=N: print the VMAs and pages after step N */

static unsigned anon_model_id(const struct vma *v)
{
	if (!v->anon_vma)
		return 0;
	unsigned long k = v->anon_vma->id;
	anon_m = grow(anon_m, &anon_m_cap, k, sizeof(*anon_m));
	return anon_m[k] ? anon_m[k] : ~0u;   /* ~0: one the model has no name for yet */
}

/* The kernel's VMAs in the window, for the model's decisions and for the checks. */
static int snapshot(void)
{
	struct vma_tree_iter it;
	struct vma *v;
	nvmas = 0;
	vma_tree_iter_init(&it, &mm->vmas, BASE, TOP);
	vma_tree_for_each(&it, v, NULL) {
		if (v->start < BASE || v->end > TOP)
			FAIL("a VMA [%#lx, %#lx) crosses the window's edge", v->start, v->end);
		kvmas[nvmas] = v;
		vmas[nvmas++] = (struct mvma){ v->start, v->end, v->pgoff, anon_model_id(v) };
	}
	model.vmas = vmas;
	model.nvmas = nvmas;
	return 0;
}

static bool changed(uintptr_t a)
{
	const struct mpage *p = mm_model_page(&model, a), *b = &before[(a - BASE) / PG];
	return p->mapped != b->mapped || p->prot != b->prot || p->shared != b->shared ||
	       p->account != b->account || p->noreserve != b->noreserve || p->shm != b->shm ||
	       p->pgoff != b->pgoff;
}

static bool considered(uintptr_t boundary)
{
	if (cur_op == 4 /* OP_BRK */ && boundary == model.start_brk)
		return false;
	const struct mpage *b = &before[(boundary - BASE) / PG];
	if (b[-1].anon != b[0].anon)
		return false;
	return changed(boundary - PG) || changed(boundary);
}

/* Every VMA against the model's pages; anon_vmas and objects named consistently; no two
 * neighbours Linux would have merged; the counts. Names the model's anon ids after the kernel's
 * VMAs (a VMA's pages share its anon_vma: a merge gives a VMA's pages the one it kept). */
static int check_vmas(void)
{
	if (snapshot())
		return -1;
	uintptr_t at = BASE;
	for (unsigned i = 0; i < nvmas; i++) {
		const struct vma *v = kvmas[i];
		for (; at < v->start; at += PG)
			if (mm_model_page(&model, at)->mapped)
				FAIL("%#lx is mapped in the model, in no VMA", at);
		unsigned anon = 0;
		for (uintptr_t a = v->start; a < v->end; a += PG) {
			const struct mpage *p = mm_model_page(&model, a);
			unsigned long want = p->prot | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
					     (p->shared ? VM_SHARED | VM_MAYSHARE : 0) |
					     (p->account ? VM_ACCOUNT : 0) |
					     (p->noreserve ? VM_NORESERVE : 0);
			if (!p->mapped)
				FAIL("VMA [%#lx, %#lx) maps %#lx, unmapped in the model", v->start,
				     v->end, a);
			if (v->flags != want)
				FAIL("VMA [%#lx, %#lx) flags %#lx, the model's page %#lx has %#lx",
				     v->start, v->end, v->flags, a, want);
			if (v->pgoff + (a - v->start) / PG != p->pgoff)
				FAIL("VMA [%#lx, %#lx) pgoff %#lx, model page %#lx has %#lx",
				     v->start, v->end, v->pgoff, a, p->pgoff);
			if (p->shared != !!v->shm)
				FAIL("VMA [%#lx, %#lx): shm %p", v->start, v->end, (void *)v->shm);
			if (p->shared) {
				shm_k = grow(shm_k, &shm_k_cap, p->shm, sizeof(*shm_k));
				if (!shm_k[p->shm])
					shm_k[p->shm] = v->shm->id;
				if (shm_k[p->shm] != v->shm->id)
					FAIL("%#lx: object %lu in the kernel, model object %u is %lu",
					     a, v->shm->id, p->shm, shm_k[p->shm]);
			}
			if (p->anon && anon && p->anon != anon)
				FAIL("VMA [%#lx, %#lx) joins anonymous identities %u and %u",
				     v->start, v->end, anon, p->anon);
			anon = anon ? anon : p->anon;
		}
		at = v->end;
		if (v->shm && v->anon_vma)
			FAIL("shared VMA with an anon_vma");
		if (!anon && v->anon_vma) {
			/* A VMA that took a neighbour's anon_vma in a merge and was then cut (mremap:
			 * the destination joins the source's VMA, whose old range then goes) keeps
			 * it: fine if it is one the model knows. Only a fault makes new ones. */
			unsigned known = anon_model_id(v);
			if (known == ~0u)
				FAIL("VMA [%#lx, %#lx) has anon_vma %lu where the model has none",
				     v->start, v->end, v->anon_vma->id);
			anon = known;
		}
		if (anon && !v->anon_vma)
			FAIL("VMA [%#lx, %#lx) has no anon_vma, model %u", v->start, v->end, anon);
		if (anon) {
			anon_k = grow(anon_k, &anon_k_cap, anon, sizeof(*anon_k));
			anon_m = grow(anon_m, &anon_m_cap, v->anon_vma->id, sizeof(*anon_m));
			if (!anon_k[anon]) {
				anon_k[anon] = v->anon_vma->id;
				if (anon_m[v->anon_vma->id])
					FAIL("kernel anon_vma %lu is model %u and %u", v->anon_vma->id,
					     anon_m[v->anon_vma->id], anon);
				anon_m[v->anon_vma->id] = anon;
			}
			if (anon_k[anon] != v->anon_vma->id)
				FAIL("VMA [%#lx, %#lx): anon_vma %lu, model %u is %lu", v->start,
				     v->end, v->anon_vma->id, anon, anon_k[anon]);
			for (uintptr_t a = v->start; a < v->end; a += PG)
				mm_model_page(&model, a)->anon = anon;
			vmas[i].anon = anon;
		}
		if (i && vma_mergeable_pair(kvmas[i - 1], v) && considered(v->start))
			FAIL("VMAs [%#lx, %#lx) and [%#lx, %#lx) should have been merged",
			     kvmas[i - 1]->start, kvmas[i - 1]->end, v->start, v->end);
	}
	for (; at < TOP; at += PG)
		if (mm_model_page(&model, at)->mapped)
			FAIL("%#lx is mapped in the model, in no VMA", at);
	if (mm->map_count != nvmas + 2 || mm->vmas.nr_entries != mm->map_count)
		FAIL("map_count %lu, tree entries %lu, VMAs %u + 2 guards", mm->map_count,
		     mm->vmas.nr_entries, nvmas);
	if (mm->brk != model.brk)
		FAIL("brk %#lx, model %#lx", mm->brk, model.brk);
	if (mm->vmas.reserve_misses)
		FAIL("%lu tree nodes allocated past a reservation", mm->vmas.reserve_misses);
	return 0;
}

/* The kernel's VMAs and the model's pages, for a report. */
static void dump(void)
{
	struct vma_tree_iter it;
	struct vma *v;
	fprintf(stderr, "kernel VMAs (map_count %lu):\n", mm->map_count);
	vma_tree_iter_init(&it, &mm->vmas, BASE, TOP);
	vma_tree_for_each(&it, v, NULL)
		fprintf(stderr, "  [%#lx, %#lx) flags %#lx pgoff %#lx anon %lu shm %lu\n", v->start,
			v->end, v->flags, v->pgoff, v->anon_vma ? v->anon_vma->id : 0,
			v->shm ? v->shm->id : 0);
	fprintf(stderr, "model pages (prot/shared/account/anon/shm/pgoff/pte):\n");
	for (unsigned long i = 0; i < NPAGES; i++) {
		const struct mpage *p = &model.page[i];
		if (p->mapped)
			fprintf(stderr, "  %#lx: %u %d %d %u %u %#lx %u\n", BASE + i * PG, p->prot,
				p->shared, p->account, p->anon, p->shm, p->pgoff, p->pte);
	}
}

static const struct vma *kvma_at(uintptr_t addr)
{
	for (unsigned i = 0; i < nvmas; i++)
		if (kvmas[i]->start <= addr && addr < kvmas[i]->end)
			return kvmas[i];
	return NULL;
}

static u64 page_word(struct page *p) { return *(u64 *)page_address(p); }

/* The entry of one page against the model. */
static int check_pte(uintptr_t a)
{
	const struct mpage *p = mm_model_page(&model, a);
	struct page *tp;
	pte_t *e = pte_find(mm, a, &tp, NULL);
	pte_t v = e ? pte_read_once(e) : 0;
	if (p->pte == MP_NONE) {
		if (v)
			FAIL("%#lx: entry %#lx where the model has none", a, (unsigned long)v);
		return 0;
	}
	if (!v)
		FAIL("%#lx: no entry, the model has kind %u", a, p->pte);
	const struct vma *vma = kvma_at(a);
	struct page *pg = user_pte_page(v);
	if (!p->prot) {
		if (pte_present(v))
			FAIL("%#lx: PROT_NONE but the entry is present", a);
	} else {
		unsigned prot = MMU_READ | MMU_USER | (p->prot & PROT_EXEC ? MMU_EXEC : 0) |
				((p->prot & PROT_WRITE) && pg != zero_page ? MMU_WRITE : 0);
		if (!pte_present(v) || pte_prot(v, 0) != prot)
			FAIL("%#lx: entry %#lx, protection %#x wanted", a, (unsigned long)v, prot);
	}
	switch (p->pte) {
	case MP_ZERO:
		if (pg != zero_page)
			FAIL("%#lx: not the zero page", a);
		break;
	case MP_PAGE:
		if (pg == zero_page || page_word(pg) != p->value)
			FAIL("%#lx: holds %#lx, model %#lx", a,
			     pg == zero_page ? 0ul : (unsigned long)page_word(pg),
			     (unsigned long)p->value);
		if (atomic_read(&pg->refcount) != 1 || atomic_read(&pg->anon.mapcount) != 1)
			FAIL("%#lx: refcount %d mapcount %d", a, atomic_read(&pg->refcount),
			     atomic_read(&pg->anon.mapcount));
		if (pg->anon.anon_vma != vma->anon_vma || pg->anon.index != p->pgoff)
			FAIL("%#lx: page's anon_vma/index %p/%#lx, VMA's %p/%#lx", a,
			     pg->anon.anon_vma, pg->anon.index, (void *)vma->anon_vma, p->pgoff);
		break;
	case MP_SHM:
		if (pg != shm_find_page(vma->shm, p->pgoff))
			FAIL("%#lx: not the object's page at %#lx", a, p->pgoff);
		if (page_word(pg) != model.shm[p->shm - 1].value[p->pgoff])
			FAIL("%#lx: object page holds %#lx, model %#lx", a,
			     (unsigned long)page_word(pg),
			     (unsigned long)model.shm[p->shm - 1].value[p->pgoff]);
		break;
	}
	return 0;
}

static int check_ptes(uintptr_t start, uintptr_t end)
{
	for (uintptr_t a = MAX(start, BASE); a < MIN(end, TOP); a += PG)
		if (check_pte(a))
			return -1;
	return 0;
}

/* Everything: entries of every page, resident counts, shared pages' mapcounts. */
static int check_all(void)
{
	if (check_ptes(BASE, TOP))
		return -1;
	long anon = 0, shmem = 0;
	for (unsigned long i = 0; i < NPAGES; i++) {
		anon += model.page[i].pte == MP_PAGE;
		shmem += model.page[i].pte == MP_SHM;
	}
	if (atomic_long_read(&mm->rss[MM_ANONPAGES]) != anon ||
	    atomic_long_read(&mm->rss[MM_SHMEMPAGES]) != shmem)
		FAIL("rss %ld/%ld, model %ld/%ld", atomic_long_read(&mm->rss[MM_ANONPAGES]),
		     atomic_long_read(&mm->rss[MM_SHMEMPAGES]), anon, shmem);
	for (unsigned long i = 0; i < NPAGES; i++) {
		const struct mpage *p = &model.page[i];
		if (p->pte != MP_SHM)
			continue;
		int maps = 0;
		for (unsigned long j = 0; j < NPAGES; j++)
			maps += model.page[j].pte == MP_SHM && model.page[j].shm == p->shm &&
				model.page[j].pgoff == p->pgoff;
		struct page *pg = shm_find_page(kvma_at(BASE + i * PG)->shm, p->pgoff);
		if (atomic_read(&pg->anon.mapcount) != maps ||
		    atomic_read(&pg->refcount) != maps + 1)
			FAIL("%#lx: shared page mapcount %d refcount %d, %d mappings",
			     BASE + i * PG, atomic_read(&pg->anon.mapcount),
			     atomic_read(&pg->refcount), maps);
	}
	return 0;
}

/* ---- Choosing arguments ---- */

static unsigned long rand_len(void)
{
	switch (draw(16)) {
	case 0: return 0;
	case 1: return draw(3 * PG) + 1;                /* not page-aligned */
	case 2: return (draw(NPAGES) + 1) * PG;
	case 3: return ~0ul - draw(2) * PG;             /* overflowing */
	default: return (draw(8) + 1) * PG;
	}
}

static uintptr_t rand_addr(unsigned long len)
{
	unsigned long pages = MIN(len, NPAGES * PG) / PG;
	if (draw(32) == 0)
		return BASE + draw(NPAGES * PG);        /* not page-aligned */
	return BASE + draw(NPAGES - MIN(pages, (unsigned long)NPAGES - 1)) * PG;
}

/* A length whose range from addr stays inside the window (or is rejected before anything). */
static unsigned long fit(uintptr_t addr, unsigned long len)
{
	if (len > NPAGES * PG && len < ~0ul - 4 * PG)
		len = NPAGES * PG;
	if (len <= NPAGES * PG && addr + ALIGN_UP(len, PG) > TOP)
		len = TOP - ALIGN_DOWN(addr, PG);
	return len;
}

/* Half the time, a range that starts in a VMA (at its start, or inside) and ends in it or a
 * little past it: where the interesting cases are. */
static void pick_in_vma(uintptr_t *addr, unsigned long *len)
{
	if (!nvmas || draw(2))
		return;
	const struct mvma *v = &vmas[draw(nvmas)];
	unsigned long pages = (v->end - v->start) / PG;
	uintptr_t a = draw(3) ? v->start : v->start + draw(pages) * PG;
	unsigned long n = draw(4) ? (v->end - a) / PG : draw((v->end - a) / PG + 3) + 1;
	if (draw(4) == 0)
		n = draw((v->end - a) / PG) + 1;
	*addr = a;
	*len = MIN(n * PG, TOP - a);
}

static unsigned rand_prot(void)
{
	static const unsigned p[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
				      PROT_READ | PROT_WRITE, PROT_WRITE, PROT_READ | PROT_EXEC };
	unsigned prot = p[draw(ARRAY_SIZE(p))];
	if (draw(64) == 0)
		prot |= 0x100;   /* an unknown bit: mmap ignores it, mprotect refuses it */
	return prot;
}

/* ---- One step ---- */

struct leak_counts {
	unsigned long pages;
	struct mm_object_counts o;
};

static void leak_counts(struct leak_counts *c)
{
	rcu_barrier();
	c->pages = page_alloc_nr_free();
	mm_object_counts(&c->o);
}

enum { OP_MMAP, OP_MUNMAP, OP_MPROTECT, OP_MREMAP, OP_BRK, OP_MADVISE, OP_ACCESS, OP_NR };
static const char *const op_names[OP_NR] = {
	"mmap", "munmap", "mprotect", "mremap", "brk", "madvise", "access",
};

static int do_step(void)
{
	unsigned op;
	u64 r = draw(100);
	op = r < 18 ? OP_MMAP : r < 30 ? OP_MUNMAP : r < 44 ? OP_MPROTECT : r < 58 ? OP_MREMAP :
	     r < 63 ? OP_BRK : r < 68 ? OP_MADVISE : OP_ACCESS;
	op_name = op_names[op];
	stats_ops[op]++;
	cur_op = op;
	memcpy(before, model.page, sizeof(before));

	unsigned long len = rand_len(), len2 = rand_len();
	uintptr_t addr = rand_addr(len), addr2 = rand_addr(len2);
	len = fit(addr, len);
	if (op != OP_MMAP && op != OP_ACCESS)
		pick_in_vma(&addr, &len);
	unsigned prot = rand_prot();
	bool write = draw(2);
	u64 value = write ? next_value++ : 0, mvalue = value;
	unsigned flags = 0;
	uintptr_t brk = model.start_brk + draw(24) * PG + (draw(2) ? draw(PG) : 0);

	/* Half the time with no nodes kept from the last step: the reservation this step makes
	 * must then hold every node its writes take (check_vmas checks reserve_misses). */
	if (draw(2))
		vma_tree_reserve_trim(&mm->vmas, 0);
	bool inject = draw(40) == 0;
	struct leak_counts before, after;
	uintptr_t brk_before = model.brk;
	if (inject) {
		leak_counts(&before);
		mm_fail_nth((long)draw(6));
	}

	long got = 0, want = 0;
	switch (op) {
	case OP_MMAP:
		flags = MAP_ANONYMOUS | (draw(4) ? MAP_PRIVATE : MAP_SHARED);
		if (draw(64) == 0)
			flags |= MAP_SHARED | MAP_PRIVATE;
		if (draw(64) == 0)
			flags &= ~(unsigned)MAP_ANONYMOUS;
		if (draw(2))
			flags |= draw(4) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
		if (draw(8) == 0)
			flags |= MAP_NORESERVE;
		if (!(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && draw(2))
			addr = 0;
		if (len > NPAGES * PG && len < ~0ul - 4 * PG)
			len = PG;
		got = vm_mmap(mm, addr, len, prot, flags);
		want = inject && mm_fail_fired(NULL) ? got : mm_model_mmap(&model, addr, len, prot,
									  flags);
		break;
	case OP_MUNMAP:
		got = vm_munmap(mm, addr, len);
		want = inject && mm_fail_fired(NULL) ? got : mm_model_munmap(&model, addr, len);
		break;
	case OP_MPROTECT:
		if (draw(32) == 0)
			prot |= draw(2) ? 0x01000000 : 0x02000000;   /* PROT_GROWSDOWN/UP */
		got = vm_mprotect(mm, addr, len, prot);
		want = inject && mm_fail_fired(NULL) ? got : mm_model_mprotect(&model, addr, len,
									      prot);
		break;
	case OP_MREMAP: {
		flags = draw(4) ? MREMAP_MAYMOVE : 0;
		if (draw(3) == 0)
			flags |= MREMAP_FIXED;
		if (draw(64) == 0)
			flags |= draw(2) ? MREMAP_DONTUNMAP : 8;
		len2 = fit(addr2, len2);
		if (draw(8) == 0)
			len = 0;   /* duplicate (shared) or refuse (private) */
		got = vm_mremap(mm, addr, len, len2, flags, addr2);
		want = inject && mm_fail_fired(NULL) ? got : mm_model_mremap(&model, addr, len, len2,
									    flags, addr2);
		break;
	}
	case OP_BRK:
		got = (long)vm_brk(mm, brk);
		want = inject && mm_fail_fired(NULL) ? got : (long)mm_model_brk(&model, brk);
		break;
	case OP_MADVISE: {
		int advice = draw(32) ? MADV_DONTNEED : 3;   /* MADV_WILLNEED: not implemented */
		got = vm_madvise(mm, addr, len, advice);
		want = inject && mm_fail_fired(NULL) ? got : mm_model_madvise(&model, addr, len,
									     advice);
		break;
	}
	case OP_ACCESS: {
		addr = BASE + draw(NPAGES) * PG;
		got = 0;
		struct page *tp;
		pte_t *e = pte_find(mm, addr, &tp, NULL);
		pte_t v = e ? pte_read_once(e) : 0;
		bool ok = pte_present(v) && (!write || (pte_prot(v, 0) & MMU_WRITE));
		if (!ok)
			got = handle_mm_fault(mm, addr, write ? FAULT_WRITE : FAULT_READ);
		enum mm_alloc_site site;
		if (inject && mm_fail_fired(&site)) {
			if (got != -ENOMEM)
				FAIL("an injected failure at the %s gave %ld",
				     mm_alloc_site_name(site), got);
			if (site == MM_ALLOC_PAGE && write)
				mm_model_fault_anon_only(&model, addr);
			want = got;
			break;
		}
		want = mm_model_access(&model, addr, write, &mvalue);
		if (got)
			break;
		e = pte_find(mm, addr, &tp, NULL);
		v = e ? pte_read_once(e) : 0;
		if (!pte_present(v) || (write && !(pte_prot(v, 0) & MMU_WRITE)))
			FAIL("%#lx: the fault returned 0 but the entry %#lx does not allow a %s",
			     addr, (unsigned long)v, write ? "write" : "read");
		u64 *word = (u64 *)phys_to_virt(pte_addr(v, 0));
		if (write)
			*word = value;
		else if (*word != mvalue)
			FAIL("%#lx: read %#lx, model %#lx", addr, (unsigned long)*word,
			     (unsigned long)mvalue);
		break;
	}
	}
	mm_fail_nth(-1);
	if (got < 0 && got > -4096)
		stats_err[op]++;
	if (trace)
		printf("%lu %s(%#lx, %#lx, prot %#x flags %#x, %#lx, %#lx, brk %#lx, write %d) = %ld "
		       "(model %ld)%s\n", step, op_name, addr, len, prot, flags, addr2, len2, brk,
		       write, got, want, inject && mm_fail_fired(NULL) ? " injected" : "");

	if (inject && mm_fail_fired(NULL)) {
		injected++;
		if (op != OP_ACCESS) {
			if (op == OP_BRK ? got != (long)brk_before : got != -ENOMEM)
				FAIL("an injected allocation failure gave %ld", got);
			leak_counts(&after);
			if (memcmp(&before, &after, sizeof(before)))
				FAIL("a failed step leaked: pages %lu->%lu vmas %lu->%lu anon %lu->%lu "
				     "nodes %lu->%lu shm %lu->%lu", before.pages, after.pages,
				     before.o.vmas, after.o.vmas, before.o.anon_vmas, after.o.anon_vmas,
				     before.o.tree_nodes, after.o.tree_nodes, before.o.shm_objects,
				     after.o.shm_objects);
		}
	} else if (got != want) {
		FAIL("%s(%#lx, %#lx, %#x / %#lx, %#lx) returned %ld (%s), the model %ld (%s)",
		     op_name, addr, len, op == OP_MPROTECT || op == OP_MMAP ? prot : flags, addr2,
		     len2, got, got < 0 ? errno_name((int)got) : "", want,
		     want < 0 ? errno_name((int)want) : "");
	}
	if (check_vmas())
		return -1;
	if (dump_at == step)
		dump();
	if (op == OP_ACCESS)
		return check_ptes(addr, addr + PG);
	if (inject || step % 64 == 0)
		return check_all();
	if (op != OP_BRK && len < NPAGES * PG && check_ptes(ALIGN_DOWN(addr, PG), addr + len))
		return -1;
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long ops = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;
	unsigned long seed = argc > 2 ? strtoul(argv[2], NULL, 0) : 1;
	double t0 = now();
	rng = seed;
	trace = getenv("FUZZ_TRACE") != NULL;
	dump_at = getenv("FUZZ_DUMP") ? strtoul(getenv("FUZZ_DUMP"), NULL, 0) : 0;

	host_mm_init(32ul << 20);
	page_alloc_init();
	vma_tree_cache_init();
	mm_struct_init();
	struct leak_counts start;
	leak_counts(&start);

	mm = mm_create();
	CHECK(mm != NULL);
	/* Guards: everything outside the window is mapped (shared, PROT_NONE, so that nothing
	 * in the window ever joins them), so that placement stays inside the window. */
	CHECK_EQ(vm_mmap(mm, mm->mmap_min_addr, BASE - mm->mmap_min_addr, PROT_NONE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED), (long)mm->mmap_min_addr);
	CHECK_EQ(vm_mmap(mm, TOP, USER_VA_END - TOP, PROT_NONE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED), (long)TOP);
	mm->mmap_base = TOP;
	mm_brk_init(mm, BASE + NPAGES / 2 * PG);
	mm_model_init(&model, BASE, NPAGES);
	model.min_addr = mm->mmap_min_addr;
	model.task_size = USER_VA_END;
	model.start_brk = model.brk = mm->brk;

	int err = host_failures ? -1 : 0;
	for (step = 1; step <= ops && !err; step++) {
		err = do_step();
		if (step % 256 == 0)
			rcu_barrier();
		if (step % 1000000 == 0)
			printf("fuzz_mmap: %lu ops, %.1f s\n", step, now() - t0);
	}
	step--;
	if (!err)
		err = check_all();
	struct mm_merge_stats ms = mm->merge;
	mm_put(mm);
	struct leak_counts end;
	leak_counts(&end);
	if (!err && memcmp(&start, &end, sizeof(start))) {
		fprintf(stderr, "fuzz_mmap: after mm_put: pages %lu->%lu vmas %lu->%lu anon %lu->%lu "
			"nodes %lu->%lu shm %lu->%lu\n", start.pages, end.pages, start.o.vmas,
			end.o.vmas, start.o.anon_vmas, end.o.anon_vmas, start.o.tree_nodes,
			end.o.tree_nodes, start.o.shm_objects, end.o.shm_objects);
		err = -1;
	}
	printf("fuzz_mmap: ops");
	for (unsigned i = 0; i < OP_NR; i++)
		printf(" %s=%lu(%lu err)", op_names[i], stats_ops[i], stats_err[i]);
	printf("; merges %lu of %lu attempts (%lu of three), %lu anon_vmas shared\n", ms.merged,
	       ms.attempts, ms.merged_both, ms.anon_reused);
	printf("fuzz_mmap: seed %lu: %s after %lu ops (%lu injected -ENOMEM) in %.1f s\n", seed,
	       err || host_failures ? "FAILED" : "passed", step, injected, now() - t0);
	if (err || host_failures)
		printf("fuzz_mmap: reproduce with: make fuzz-mmap OPS=%lu SEED=%lu\n",
		       failed_step ? failed_step : step, seed);
	mm_model_free(&model);
	free(anon_k);
	free(anon_m);
	free(shm_k);
	return err || host_failures ? 1 : 0;
}

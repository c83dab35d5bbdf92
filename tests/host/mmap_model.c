/* The page-granular model of Linux 6.1's address-space operations (mmap_model.h). Written from
 * the semantics, page by page, not from the kernel's VMA code: where the two agree on every
 * page after every step, the VMA code does what the pages say. */
#include "tests/host/mmap_model.h"
#include "tests/host/host.h"
#include "kernel/errno.h"
#include "mm/vma.h"

#define PG PAGE_SIZE
#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP   0x02000000

void mm_model_init(struct mmodel *m, uintptr_t base, unsigned long npages)
{
	memset(m, 0, sizeof(*m));
	m->base = base;
	m->npages = npages;
	m->page = calloc(npages, sizeof(*m->page));
	m->next_anon = 1;
}

void mm_model_free(struct mmodel *m)
{
	for (unsigned i = 0; i < m->nshm; i++) {
		free(m->shm[i].value);
		free(m->shm[i].present);
	}
	free(m->shm);
	free(m->page);
	memset(m, 0, sizeof(*m));
}

struct mpage *mm_model_page(struct mmodel *m, uintptr_t addr)
{
	if (addr < m->base || addr >= m->base + m->npages * PG)
		return NULL;
	return &m->page[(addr - m->base) / PG];
}

/* Outside the window everything is mapped (the fuzzer's guard mappings). */
static bool mapped(struct mmodel *m, uintptr_t addr)
{
	struct mpage *p = mm_model_page(m, addr);
	return p ? p->mapped : true;
}

static bool range_free(struct mmodel *m, uintptr_t start, uintptr_t end)
{
	for (uintptr_t a = start; a < end; a += PG)
		if (mapped(m, a))
			return false;
	return true;
}

static const struct mvma *vma_at(struct mmodel *m, uintptr_t addr)
{
	for (unsigned i = 0; i < m->nvmas; i++)
		if (m->vmas[i].start <= addr && addr < m->vmas[i].end)
			return &m->vmas[i];
	return NULL;
}

static void unmap_pages(struct mmodel *m, uintptr_t start, uintptr_t end)
{
	for (uintptr_t a = start; a < end; a += PG) {
		struct mpage *p = mm_model_page(m, a);
		if (p)
			memset(p, 0, sizeof(*p));
	}
}

static unsigned new_shm(struct mmodel *m, unsigned long nr_pages)
{
	if (m->nshm == m->cap_shm) {
		m->cap_shm = m->cap_shm ? 2 * m->cap_shm : 16;
		m->shm = realloc(m->shm, m->cap_shm * sizeof(*m->shm));
	}
	struct mshm *o = &m->shm[m->nshm++];
	o->nr_pages = nr_pages;
	o->value = calloc(nr_pages, sizeof(u64));
	o->present = calloc(nr_pages, sizeof(bool));
	return m->nshm;
}

/* get_unmapped_area: fixed, a free hint, else the highest free run of the window (the guards
 * fill everything else, so the bottom-up fallback finds nothing either). */
static long gua(struct mmodel *m, uintptr_t addr, unsigned long len, unsigned flags)
{
	if (len > m->task_size || len > m->task_size - m->min_addr)
		return -ENOMEM;
	if (!(flags & MAP_FIXED)) {
		if (addr) {
			addr = ALIGN_UP(addr, PG);
			if (m->task_size - len >= addr && addr >= m->min_addr &&
			    range_free(m, addr, addr + len))
				goto check;
		}
		unsigned long n = len / PG;
		if (n > m->npages)
			return -ENOMEM;
		long i;
		for (i = (long)(m->npages - n); i >= 0; i--)
			if (range_free(m, m->base + (uintptr_t)i * PG, m->base + (i + n) * PG))
				break;
		if (i < 0)
			return -ENOMEM;
		addr = m->base + (uintptr_t)i * PG;
	}
check:
	if (addr > m->task_size - len)
		return -ENOMEM;
	if (addr & (PG - 1))
		return -EINVAL;
	if (addr < m->min_addr)
		return -EPERM;
	return (long)addr;
}

long mm_model_mmap(struct mmodel *m, uintptr_t addr, unsigned long len, unsigned prot,
		   unsigned flags)
{
	if (!(flags & MAP_ANONYMOUS))
		return -EBADF;
	if (!len)
		return -EINVAL;
	if (flags & MAP_FIXED_NOREPLACE)
		flags |= MAP_FIXED;
	if (!(flags & MAP_FIXED)) {
		addr &= ~(PG - 1);
		if (addr && addr < m->min_addr)
			addr = ALIGN_UP(m->min_addr, PG);
	}
	len = ALIGN_UP(len, PG);
	if (!len)
		return -ENOMEM;
	long a = gua(m, addr, len, flags);
	if (a < 0)
		return a;
	addr = (uintptr_t)a;
	if ((flags & MAP_FIXED_NOREPLACE) && !range_free(m, addr, addr + len))
		return -EEXIST;
	bool shared;
	switch (flags & MAP_TYPE) {
	case MAP_SHARED: shared = true; break;
	case MAP_PRIVATE: shared = false; break;
	default: return -EINVAL;
	}
	unmap_pages(m, addr, addr + len);
	unsigned shm = shared ? new_shm(m, len / PG) : 0;
	for (unsigned long i = 0; i < len / PG; i++) {
		struct mpage *p = mm_model_page(m, addr + i * PG);
		p->mapped = true;
		p->prot = prot & 7;
		p->shared = shared;
		p->noreserve = flags & MAP_NORESERVE;
		p->account = !shared && (prot & PROT_WRITE) && !p->noreserve;
		p->shm = shm;
		p->pgoff = shared ? i : (addr >> PAGE_SHIFT) + i;
	}
	return (long)addr;
}

static int munmap_checks(struct mmodel *m, uintptr_t addr, unsigned long len, uintptr_t *end)
{
	if ((addr & (PG - 1)) || addr > m->task_size || len > m->task_size - addr)
		return -EINVAL;
	*end = addr + ALIGN_UP(len, PG);
	return *end == addr ? -EINVAL : 0;
}

int mm_model_munmap(struct mmodel *m, uintptr_t addr, unsigned long len)
{
	uintptr_t end;
	int err = munmap_checks(m, addr, len, &end);
	if (!err)
		unmap_pages(m, addr, end);
	return err;
}

int mm_model_mprotect(struct mmodel *m, uintptr_t addr, unsigned long len, unsigned prot)
{
	unsigned grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	prot &= ~grows;
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (addr & (PG - 1))
		return -EINVAL;
	if (!len)
		return 0;
	len = ALIGN_UP(len, PG);
	uintptr_t end = addr + len;
	if (end <= addr)
		return -ENOMEM;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL;
	/* find_vma(addr) always finds something: the guard above the window at worst. With
	 * PROT_GROWSDOWN, -ENOMEM if it starts at or after end, else -EINVAL (it does not grow
	 * down). */
	if (grows & PROT_GROWSDOWN)
		return range_free(m, addr, end) ? -ENOMEM : -EINVAL;
	if (!mapped(m, addr))
		return -ENOMEM;
	if (grows & PROT_GROWSUP)
		return -EINVAL;
	for (uintptr_t a = addr; a < end; a += PG) {
		struct mpage *p = mm_model_page(m, a);
		if (!p->mapped)
			return -ENOMEM;   /* a hole: what came before stays changed */
		unsigned np = prot & 7;
		if (np == p->prot)
			continue;
		if ((np & PROT_WRITE) && !p->account && !(p->prot & PROT_WRITE) && !p->shared &&
		    !p->noreserve)
			p->account = true;
		p->prot = (u8)np;
	}
	return 0;
}

int mm_model_madvise(struct mmodel *m, uintptr_t addr, unsigned long len_in, int advice)
{
	if (advice != MADV_DONTNEED || (addr & (PG - 1)))
		return -EINVAL;
	unsigned long len = ALIGN_UP(len_in, PG);
	if (len_in && !len)
		return -EINVAL;
	uintptr_t end = addr + len;
	if (end < addr)
		return -EINVAL;
	int err = 0;
	for (uintptr_t a = addr; a < end; a += PG) {
		struct mpage *p = mm_model_page(m, a);
		if (!p->mapped) {
			err = -ENOMEM;
			continue;
		}
		p->pte = MP_NONE;
		p->value = 0;
	}
	return err;
}

/* The attributes of a VMA's pages for new pages of it (grown, or moved past the old length):
 * those of the page at addr, with no entry. */
static struct mpage vma_template(struct mmodel *m, uintptr_t addr)
{
	struct mpage t = *mm_model_page(m, addr);
	t.pte = MP_NONE;
	t.value = 0;
	return t;
}

/* move_vma, page by page: the first old_len bytes' pages go as they are (entries and all), the
 * rest are new pages of the VMA; a private VMA that never faulted takes the linear offsets of
 * its new place. Then the old range goes. */
static long move(struct mmodel *m, const struct mvma *v, uintptr_t old, unsigned long old_len,
		 unsigned long new_len, uintptr_t new)
{
	struct mpage t = vma_template(m, old);
	unsigned long pgoff = t.pgoff;
	if (!t.shared && !v->anon)
		pgoff = new >> PAGE_SHIFT;
	unsigned long n = new_len / PG, nold = old_len / PG;
	struct mpage *tmp = calloc(n, sizeof(*tmp));
	for (unsigned long i = 0; i < n; i++) {
		tmp[i] = i < nold ? *mm_model_page(m, old + i * PG) : t;
		tmp[i].pgoff = pgoff + i;
	}
	unmap_pages(m, old, old + old_len);
	for (unsigned long i = 0; i < n; i++)
		*mm_model_page(m, new + i * PG) = tmp[i];
	free(tmp);
	return (long)new;
}

static long mremap_to(struct mmodel *m, const struct mvma *v, uintptr_t addr,
		      unsigned long old_len, uintptr_t new_addr, unsigned long new_len)
{
	if (new_addr & (PG - 1))
		return -EINVAL;
	if (new_len > m->task_size || new_addr > m->task_size - new_len)
		return -EINVAL;
	if (addr + old_len > new_addr && new_addr + new_len > addr)
		return -EINVAL;
	unmap_pages(m, new_addr, new_addr + new_len);
	/* The VMA at addr as it is after the unmaps: cut by them. */
	uintptr_t vs = v->start, ve = v->end;
	if (new_addr + new_len <= addr && new_addr + new_len > vs)
		vs = new_addr + new_len;
	if (new_addr >= addr && new_addr < ve)
		ve = new_addr;
	if (old_len > new_len) {
		unmap_pages(m, addr + new_len, addr + old_len);
		ve = MIN(ve, addr + new_len);
		old_len = new_len;
	}
	struct mvma cut = { vs, ve, v->pgoff, v->anon };
	if (!mapped(m, addr))
		return -EFAULT;   /* old size 0 at the destination: unmapped with it */
	if (!old_len && !mm_model_page(m, addr)->shared)
		return -EINVAL;
	if (old_len > ve - addr)
		return -EFAULT;
	long a = gua(m, new_addr, new_len, MAP_FIXED);
	if (a < 0)
		return a;
	return move(m, &cut, addr, old_len, new_len, new_addr);
}

long mm_model_mremap(struct mmodel *m, uintptr_t addr, unsigned long old_len,
		     unsigned long new_len, unsigned flags, uintptr_t new_addr)
{
	if (flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
		return -EINVAL;
	if ((flags & MREMAP_DONTUNMAP) || (addr & (PG - 1)))
		return -EINVAL;
	old_len = ALIGN_UP(old_len, PG);
	new_len = ALIGN_UP(new_len, PG);
	if (!new_len)
		return -EINVAL;
	const struct mvma *v = vma_at(m, addr);
	if (!v)
		return -EFAULT;
	if (flags & MREMAP_FIXED)
		return mremap_to(m, v, addr, old_len, new_addr, new_len);
	if (old_len >= new_len) {
		uintptr_t end;
		int err = munmap_checks(m, addr + new_len, old_len - new_len, &end);
		if (!err)
			unmap_pages(m, addr + new_len, end);
		return err < 0 && old_len != new_len ? err : (long)addr;
	}
	if (!old_len && !mm_model_page(m, addr)->shared)
		return -EINVAL;
	if (old_len > v->end - addr)
		return -EFAULT;
	unsigned long delta = new_len - old_len;
	if (old_len == v->end - addr && v->end + delta > v->end &&
	    range_free(m, v->end, v->end + delta) && gua(m, v->start, v->end + delta - v->start,
							  MAP_FIXED) >= 0) {
		struct mpage t = vma_template(m, v->end - PG);
		for (unsigned long i = 0; i < delta / PG; i++) {
			struct mpage *p = mm_model_page(m, v->end + i * PG);
			*p = t;
			p->pgoff = t.pgoff + 1 + i;
		}
		return (long)addr;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	long dest = gua(m, 0, new_len, 0);
	if (dest < 0)
		return dest;
	return move(m, v, addr, old_len, new_len, (uintptr_t)dest);
}

uintptr_t mm_model_brk(struct mmodel *m, uintptr_t brk)
{
	uintptr_t orig = m->brk;
	if (brk < m->start_brk || brk > m->task_size)
		return orig;
	uintptr_t newbrk = ALIGN_UP(brk, PG), oldbrk = ALIGN_UP(m->brk, PG);
	if (newbrk == oldbrk)
		return m->brk = brk;
	if (brk <= m->brk) {
		if (range_free(m, newbrk, oldbrk))
			return orig;
		unmap_pages(m, newbrk, oldbrk);
		return m->brk = brk;
	}
	if (gua(m, oldbrk, newbrk - oldbrk, MAP_FIXED) < 0)
		return orig;
	/* the next mapping must start a page above the new break */
	for (uintptr_t a = oldbrk; a < newbrk + PG; a += PG)
		if (mapped(m, a))
			return orig;
	/* extend the VMA that ends at the old break, if it is a plain heap VMA */
	const struct mvma *bv = vma_at(m, oldbrk - PG);
	unsigned anon = 0;
	if (bv && bv->end == oldbrk && oldbrk > m->start_brk) {
		struct mpage *last = mm_model_page(m, oldbrk - PG);
		if (last->prot == (PROT_READ | PROT_WRITE) && !last->shared && last->account &&
		    !last->noreserve && last->pgoff + 1 == oldbrk >> PAGE_SHIFT)
			anon = bv->anon;
	}
	for (uintptr_t a = oldbrk; a < newbrk; a += PG) {
		struct mpage *p = mm_model_page(m, a);
		memset(p, 0, sizeof(*p));
		p->mapped = true;
		p->prot = PROT_READ | PROT_WRITE;
		p->account = true;
		p->anon = anon;
		p->pgoff = a >> PAGE_SHIFT;
	}
	return m->brk = brk;
}

/* Linux's find_mergeable_anon_vma, on the kernel's boundaries: a neighbour that could share an
 * anon_vma with v and has one (next first), else a new one. Set on all of v's pages. */
static void assign_anon(struct mmodel *m, const struct mvma *v)
{
	struct mpage *first = mm_model_page(m, v->start);
	unsigned anon = 0;
	for (int side = 0; side < 2 && !anon; side++) {
		const struct mvma *n = side == 0 ? vma_at(m, v->end) : vma_at(m, v->start - PG);
		if (!n || (side == 0 ? n->start != v->end : n->end != v->start))
			continue;
		struct mpage *np = mm_model_page(m, n->start);
		const struct mvma *a = side ? n : v, *b = side ? v : n;
		if (np->shared || first->shared || np->account != first->account ||
		    np->noreserve != first->noreserve ||
		    b->pgoff != a->pgoff + ((b->start - a->start) >> PAGE_SHIFT))
			continue;
		anon = n->anon;
	}
	if (!anon)
		anon = m->next_anon++;
	for (uintptr_t a = v->start; a < v->end; a += PG)
		mm_model_page(m, a)->anon = anon;
}

void mm_model_fault_anon_only(struct mmodel *m, uintptr_t addr)
{
	const struct mvma *v = vma_at(m, addr);
	if (v && !v->anon && !mm_model_page(m, addr)->shared)
		assign_anon(m, v);
}

int mm_model_access(struct mmodel *m, uintptr_t addr, bool write, u64 *value)
{
	struct mpage *p = mm_model_page(m, addr);
	if (!p || !p->mapped)
		return -EFAULT;
	if (!(write ? p->prot & PROT_WRITE : p->prot & 7))
		return -EFAULT;
	if (p->shared) {
		struct mshm *o = &m->shm[p->shm - 1];
		if (p->pgoff >= o->nr_pages)
			return -EFAULT;   /* past the object's end: Linux's SIGBUS */
		p->pte = MP_SHM;
		o->present[p->pgoff] = true;
		if (write)
			o->value[p->pgoff] = *value;
		else
			*value = o->value[p->pgoff];
		return 0;
	}
	if (!write) {
		if (p->pte == MP_NONE)
			p->pte = MP_ZERO;
		*value = p->pte == MP_PAGE ? p->value : 0;
		return 0;
	}
	if (p->pte != MP_PAGE) {
		const struct mvma *v = vma_at(m, addr);
		if (!p->anon)
			assign_anon(m, v);
		p->pte = MP_PAGE;
	}
	p->value = *value;
	return 0;
}

/* A page-granular model of an address space under Linux 6.1's mmap, munmap, mprotect, mremap,
 * brk and madvise(MADV_DONTNEED), and of what a fault does, for the fuzzer (fuzz_mmap.c). For
 * each page of a window it knows whether it is mapped, with what protection and flags, which
 * anonymous identity and page offset it has, which shared object and offset backs it, what its
 * page-table entry should hold and what a read of it returns.
 *
 * What the model does not try to know is where one VMA ends and the next begins: Linux merges
 * by history-dependent rules, and the few operations whose result depends on the boundaries
 * (mremap, brk, a first fault choosing an anon_vma) are given the kernel's boundaries as they
 * were before the operation (struct mvma). The fuzzer then checks those boundaries against the
 * model: every VMA consistent with its pages, and no two neighbours that Linux would have
 * merged. */
#ifndef TESTS_HOST_MMAP_MODEL_H
#define TESTS_HOST_MMAP_MODEL_H

#include "kernel/types.h"

enum { MP_NONE, MP_ZERO, MP_PAGE, MP_SHM };   /* what the page-table entry holds */

struct mpage {
	bool mapped;
	u8 prot;             /* PROT_* */
	bool shared, account, noreserve;
	u8 pte;              /* MP_* */
	unsigned anon;       /* anonymous identity: 0 none, else a model id */
	unsigned shm;        /* shared object: a model id (index + 1), 0 for private */
	unsigned long pgoff; /* the page's offset: linear index, or offset in the object */
	u64 value;           /* MP_PAGE: what the page holds */
};

struct mshm {
	unsigned long nr_pages;
	u64 *value;          /* by offset: 0 until written */
	bool *present;       /* the object has a page there */
};

/* A VMA of the kernel, as the model sees it: its range and attributes (model ids). */
struct mvma {
	uintptr_t start, end;
	unsigned long pgoff;
	unsigned anon;       /* model anon id of the VMA (0: none) */
};

struct mmodel {
	uintptr_t base;            /* the window: [base, base + npages * PAGE_SIZE) */
	unsigned long npages;
	struct mpage *page;
	struct mshm *shm;          /* objects, id i at shm[i - 1] */
	unsigned nshm, cap_shm;
	unsigned next_anon;
	uintptr_t start_brk, brk;
	uintptr_t min_addr, task_size;
	/* the kernel's VMAs in the window before the operation: set by the caller */
	const struct mvma *vmas;
	unsigned nvmas;
};

void mm_model_init(struct mmodel *m, uintptr_t base, unsigned long npages);
void mm_model_free(struct mmodel *m);
struct mpage *mm_model_page(struct mmodel *m, uintptr_t addr);   /* NULL outside the window */

/* The operations: the result Linux returns, and the model changed as Linux would change the
 * address space. */
long mm_model_mmap(struct mmodel *m, uintptr_t addr, unsigned long len, unsigned prot,
		   unsigned flags);
int mm_model_munmap(struct mmodel *m, uintptr_t addr, unsigned long len);
int mm_model_mprotect(struct mmodel *m, uintptr_t addr, unsigned long len, unsigned prot);
long mm_model_mremap(struct mmodel *m, uintptr_t addr, unsigned long old_len,
		     unsigned long new_len, unsigned flags, uintptr_t new_addr);
uintptr_t mm_model_brk(struct mmodel *m, uintptr_t brk);
int mm_model_madvise(struct mmodel *m, uintptr_t addr, unsigned long len, int advice);
/* An access: 0 and *value (what a read returns, or value written), or -EFAULT. A write stores
 * *value. */
int mm_model_access(struct mmodel *m, uintptr_t addr, bool write, u64 *value);
/* A write fault whose page allocation failed after its anon_vma was made. */
void mm_model_fault_anon_only(struct mmodel *m, uintptr_t addr);

#endif

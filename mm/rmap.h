/* The reverse map of anonymous pages (mm/rmap.c, docs/mm/rmap-and-merging.md): from a private
 * page to every entry that may map it. */
#ifndef MM_RMAP_H
#define MM_RMAP_H

#include "arch/arch.h"

struct page;
struct vma;

/* Call fn(vma, addr, arg) for each VMA that may map p (a private anonymous page, not the zero
 * page), with the address p would have there: the VMAs on the lists of p's anon_vma and of its
 * descendants whose range covers p's index. fn runs under the family's root lock (a spinlock:
 * it may not sleep) and returns false to stop. Whether the VMA's entry at addr really maps p is
 * fn's to check (a COW copy, an unmapped page, a VMA moved by mremap). The caller keeps p's
 * anon_vma alive and the VMAs found stable: it holds mmap_lock of every mm that maps p, or
 * p is mapped somewhere that cannot change meanwhile. The number of VMAs visited. */
unsigned long rmap_walk(struct page *p, bool (*fn)(struct vma *vma, uintptr_t addr, void *arg),
			void *arg);

/* mm/migrate.c: move the private page mapped at addr of mm to a new frame, as migration does,
 * finding its mapping through rmap_walk from the page alone. 0 (moved); -EBUSY: not a page this
 * moves (none there, the zero page, shared memory, mapped more than once, held by someone, or
 * changed meanwhile); -ENOMEM; -ESRCH: the reverse map did not find the page where it is mapped
 * (*found_at: where it found it, 0 for nowhere), a bug. The caller holds mm's mmap_lock (read
 * is enough: faults may run beside it). */
struct mm;
int migrate_page_at(struct mm *mm, uintptr_t addr, uintptr_t *found_at);

#endif

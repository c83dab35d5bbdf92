/* struct vma: one mapping of an address space, [start, end) with its protection, flags and
 * backing, and the operations on VMAs with Linux 6.1's semantics and error codes (mmap, munmap,
 * mprotect, mremap, brk, madvise; docs/mm/address-space.md). The constants have Linux's values,
 * so that a later system-call layer passes user arguments straight through.
 *
 * Locking (the mmap_lock strategy; docs/mm/fault.md): a VMA's fields change only under the
 * mm's mmap_lock held for write, except anon_vma, which a fault (mmap_lock held for read) sets
 * once from NULL under mm->page_table_lock. The tree maps ranges to VMAs for RCU readers too;
 * a VMA leaves the tree before it is freed, and is freed with call_rcu. */
#ifndef MM_VMA_H
#define MM_VMA_H

#include "arch/arch.h"
#include "kernel/locking/rwsem.h"
#include "kernel/rcu/rcu.h"
#include "lib/list.h"

struct mm;
struct shm_object;

/* mmap/mprotect protection, Linux's values. */
#define PROT_NONE   0x0
#define PROT_READ   0x1
#define PROT_WRITE  0x2
#define PROT_EXEC   0x4
#define PROT_SEM    0x8   /* accepted by mprotect and ignored, as on x86 */

/* mmap flags, Linux's values (asm-generic/mman-common.h; the same on x86, arm64 and ppc64 for
 * these). */
#define MAP_SHARED            0x01
#define MAP_PRIVATE           0x02
#define MAP_TYPE              0x0f
#define MAP_FIXED             0x10
#define MAP_ANONYMOUS         0x20
#define MAP_NORESERVE         0x4000   /* ppc64's value is 0x40; the syscall layer translates */
#define MAP_FIXED_NOREPLACE   0x100000

#define MREMAP_MAYMOVE   1
#define MREMAP_FIXED     2
#define MREMAP_DONTUNMAP 4

#define MADV_DONTNEED 4

/* vma->flags: Linux's VM_* bits and values. The low three mirror PROT_READ/WRITE/EXEC. Two VMAs
 * merge only if their flags are equal. */
#define VM_READ      0x00000001ul
#define VM_WRITE     0x00000002ul
#define VM_EXEC      0x00000004ul
#define VM_SHARED    0x00000008ul
#define VM_MAYREAD   0x00000010ul   /* every anonymous VMA has the three VM_MAY* */
#define VM_MAYWRITE  0x00000020ul
#define VM_MAYEXEC   0x00000040ul
#define VM_MAYSHARE  0x00000080ul
#define VM_ACCOUNT   0x00100000ul   /* private and once writable: charged for commit (Linux
				     * sets it on mmap and mprotect and never clears it, so it
				     * matters to merging) */
#define VM_NORESERVE 0x00200000ul
#define VM_ACCESS_FLAGS (VM_READ | VM_WRITE | VM_EXEC)

/* The identity of a private VMA's anonymous pages, as Linux's anon_vma (mm/rmap.c, and
 * docs/mm/rmap-and-merging.md): NULL until the VMA's first write fault, which takes a neighbour's
 * (find_mergeable_anon_vma) or makes one. A page remembers the anon_vma it was made under and its
 * index; the VMAs that may map it are those on that anon_vma's list and on its descendants'
 * (fork makes the child's VMA a child anon_vma of the parent's VMA's). Linux stores the same
 * relation as a chain per VMA (anon_vma_chain); here each VMA is on one list, its own
 * anon_vma's, and its chain is the path from there to the root.
 * refcount: one per VMA whose anon_vma this is, one per child; pages hold none (a page is
 * mapped only in VMAs that reach its anon_vma, and each such VMA holds the path). The lists are
 * guarded by the root's lock. */
struct anon_vma {
	atomic_t refcount;
	unsigned long id;            /* for reports and tests */
	struct anon_vma *root;       /* of its family (itself for a root); written at creation */
	struct anon_vma *parent;     /* the one it was forked from; NULL for a root; holds a
				      * reference on it */
	unsigned depth;              /* 1 for a root: the length of its VMAs' chains */
	spinlock_t lock;             /* a root's: its family's lists below */
	struct list_head vmas;       /* the VMAs whose anon_vma this is (vma->anon_node) */
	struct list_head children;   /* anon_vmas forked from it (their sibling) */
	struct list_head sibling;
};

struct vma {
	uintptr_t start, end;        /* [start, end), page-aligned; mmap_lock */
	unsigned long flags;         /* VM_*; mmap_lock */
	unsigned long pgoff;         /* page offset of start: in shm, or for private memory the
				      * linear index Linux gives it (start >> PAGE_SHIFT when
				      * created); merging needs it contiguous; mmap_lock */
	struct anon_vma *anon_vma;   /* private: see above; set once from NULL by a fault under
				      * mm->page_table_lock, else mmap_lock */
	struct list_head anon_node;  /* on anon_vma->vmas while anon_vma is set; its root's lock */
	struct shm_object *shm;      /* MAP_SHARED|MAP_ANONYMOUS: the pages, by offset; one
				      * reference per VMA; written at creation */
	struct mm *mm;               /* written at creation */
	/* For the strategies that fault without mmap_lock (docs/mm/fault-strategies.md); a writer
	 * calls vma_start_write(v) before it changes anything of v. lock_seq: v was marked by the
	 * writer session whose mm->write_seq it holds (pervma: "write-locked" while equal; spf:
	 * "seq already made odd in this session"). lock: pervma's per-VMA lock, a fault holds it
	 * for read. seq: spf's sequence count, odd while a writer may be changing v.
	 * spf_node: on mm->spf_marked while odd. detached: v left the tree for good. */
	u64 lock_seq;
	struct rw_semaphore lock;
	u32 seq;
	bool detached;
	bool moving;                 /* mremap is moving its entries out, before the old range
				      * leaves the tree: adaptive's fresh lookup must not trust it */
	struct list_head spf_node;
	struct vma *dead_next;       /* a writer's list of VMAs it removes; mmap_lock */
	struct rcu_head rcu;         /* freed with call_rcu: lockless readers may still hold it */
};

static inline unsigned long vma_pages(const struct vma *v)
{
	return (v->end - v->start) >> PAGE_SHIFT;
}
static inline unsigned vma_prot(const struct vma *v) { return (unsigned)(v->flags & 7); }

/* ---- The operations. Each takes the mm's mmap_lock (for write, but madvise for read, as Linux
 * does) and returns what Linux's system call would: an address or 0, or a negative errno. A
 * failure to allocate is -ENOMEM and changes nothing (the operations allocate everything they
 * need before they change anything; Linux 6.1 mostly does too). Callable from kernel threads;
 * the system-call layer will call them for user mode. ---- */
long vm_mmap(struct mm *mm, uintptr_t addr, unsigned long len, unsigned prot, unsigned flags);
int vm_munmap(struct mm *mm, uintptr_t addr, unsigned long len);
int vm_mprotect(struct mm *mm, uintptr_t addr, unsigned long len, unsigned prot);
long vm_mremap(struct mm *mm, uintptr_t addr, unsigned long old_len, unsigned long new_len,
	       unsigned flags, uintptr_t new_addr);
/* brk(2): returns the new break, or the current one if it cannot move (Linux's rule). */
uintptr_t vm_brk(struct mm *mm, uintptr_t brk);
int vm_madvise(struct mm *mm, uintptr_t addr, unsigned long len, int advice);

/* vm.max_map_count: the most VMAs an mm may have (a mapping or split past it is -ENOMEM). */
extern s64 sysctl_max_map_count;

/* For the test of MADV_DONTNEEDs side by side (test=mmap.dontneed_waits_for_anothers_flush):
 * when set, vm_madvise calls it between its zap and its flush, mmap_lock held for read, so that
 * the test can hold one there. NULL outside that test. */
extern void (*madvise_before_flush_hook)(struct mm *mm);

/* ---- For tests and tools: reading an mm's VMAs under its mmap_lock (caller holds it). ---- */
struct vma *vma_lookup(struct mm *mm, uintptr_t addr);    /* the VMA containing addr */
struct vma *vma_find(struct mm *mm, uintptr_t addr);      /* the first ending above addr */
/* Could a and b (a just below b) be one VMA under Linux's rules, anon_vmas equal? After every
 * operation no two neighbours should be (the fuzzer checks), but where Linux 6.1 itself leaves
 * them apart: one with an anon_vma beside one without (see vma_merge in vma.c). */
bool vma_mergeable_pair(const struct vma *a, const struct vma *b);
/* Objects of the address-space code in use, for leak checks (exact only while nothing else
 * allocates them): VMAs, anon_vmas, VMA tree nodes (of every tree), shared objects. */
struct mm_object_counts {
	unsigned long vmas, anon_vmas, tree_nodes, shm_objects;
};
void mm_object_counts(struct mm_object_counts *c);
/* Give the empty slabs of those caches back to the page allocator (kmem_cache_shrink, so not
 * under a lock and with interrupts on), for a test that counts free pages. */
void mm_caches_shrink(void);

#endif

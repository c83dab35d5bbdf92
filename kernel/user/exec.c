/* Putting a program into a process (see exec.h). */
#include "arch/arch.h"
#ifdef ARCH_HAS_USER_MODE
#include "kernel/user/exec.h"
#include "kernel/errno.h"
#include "kernel/user/elf.h"
#include "kernel/user/exec_stack.h"
#include "kernel/user/initramfs.h"
#include "lib/cpio.h"
#include "mm/slab.h"
#include "kernel/user/process.h"
#include "kernel/user/uaccess.h"
#include "mm/mm.h"
#include "mm/vma.h"

/* The stack: USER_STACK_SIZE at the top of the user half, below one guard page, as Linux's
 * stack VMA sits at the top under the random gap it keeps (none here). */
static long map_stack(struct mm *mm, uintptr_t *sp)
{
	uintptr_t top = USER_VA_END - PAGE_SIZE;
	long r = vm_mmap(mm, top - USER_STACK_SIZE, USER_STACK_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
	if (r < 0)
		return r;
	*sp = top;
	return 0;
}

/* Copy into p's address space from this kernel thread: adopt the mm for the copy. */
static int copy_into(struct process *p, uintptr_t dst, const void *src, size_t len, bool exec)
{
	kthread_use_mm(p->mm);
	int err = copy_to_user(dst, src, len);
	if (!err && exec)
		arch_sync_icache_user(dst, len);
	kthread_unuse_mm(p->mm);
	return err;
}

int process_start_code(struct process *p, uintptr_t addr, const void *code, size_t len)
{
	struct mm *mm = p->mm;
	size_t span = (len + PAGE_SIZE - 1) & PAGE_MASK;
	long r = vm_mmap(mm, addr, span, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
	if (r < 0)
		return (int)r;
	int err = copy_into(p, addr, code, len, true);
	if (!err)
		err = vm_mprotect(mm, addr, span, PROT_READ | PROT_EXEC);
	uintptr_t sp;
	if (!err)
		err = (int)map_stack(mm, &sp);
	if (err)
		return err;
	struct trap_frame start;
	arch_user_frame_init(&start, addr, sp);
	struct uthread *ut;
	int tid = uthread_create(p, &start, p->name, &ut);
	if (tid >= 0)
		uthread_go(ut);
	return tid;
}

/* ---- ELF programs ---- */

/* Where a static PIE goes: two thirds up the user half, as Linux's ELF_ET_DYN_BASE on x86_64 and
 * arm64 (no randomisation here). */
#define EXEC_DYN_BASE (USER_VA_END / 3 * 2)
/* The most the initial stack's strings and vectors may take (Linux allows a quarter of the
 * stack limit; this is a kernel buffer, so less). */
#define EXEC_STACK_IMAGE_MAX (64 * 1024ul)

static unsigned seg_prot(unsigned elf_prot)
{
	return (elf_prot & ELF_PROT_READ ? PROT_READ : 0) |
	       (elf_prot & ELF_PROT_WRITE ? PROT_WRITE : 0) |
	       (elf_prot & ELF_PROT_EXEC ? PROT_EXEC : 0);
}

/* Map the segments writable, copy their file bytes, then give each its protection. Two segments
 * may share a page (the end of one and the start of the next): it is mapped once and gets both
 * protections, as Linux's second MAP_FIXED mapping of the file would give it the second's and
 * the first's bytes stay readable only if their protections agree; the union keeps both usable. */
static int load_segments(struct process *p, const struct elf_image *im, const u8 *file)
{
	struct mm *mm = p->mm;
	uintptr_t mapped_end = 0;
	for (unsigned i = 0; i < im->nr_segments; i++) {
		const struct elf_segment *s = &im->seg[i];
		uintptr_t lo = s->vaddr & PAGE_MASK;
		uintptr_t hi = (s->vaddr + s->memsz + PAGE_SIZE - 1) & PAGE_MASK;
		if (lo < mapped_end)
			lo = mapped_end;   /* the page it shares with the previous segment */
		if (lo < hi) {
			long r = vm_mmap(mm, lo, hi - lo, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
			if (r < 0)
				return (int)r;
			mapped_end = hi;
		}
	}
	kthread_use_mm(mm);
	int err = 0;
	for (unsigned i = 0; i < im->nr_segments && !err; i++) {
		const struct elf_segment *s = &im->seg[i];
		err = copy_to_user(s->vaddr, file + s->offset, s->filesz);
		if (!err && (s->prot & ELF_PROT_EXEC))
			arch_sync_icache_user(s->vaddr, s->filesz);   /* written: all present */
	}
	kthread_unuse_mm(mm);
	for (unsigned i = 0; i < im->nr_segments && !err; i++) {
		const struct elf_segment *s = &im->seg[i];
		uintptr_t lo = s->vaddr & PAGE_MASK;
		uintptr_t hi = (s->vaddr + s->memsz + PAGE_SIZE - 1) & PAGE_MASK;
		unsigned prot = seg_prot(s->prot);
		if (i > 0) {   /* a page shared with the previous segment keeps its rights too */
			const struct elf_segment *q = &im->seg[i - 1];
			uintptr_t qhi = (q->vaddr + q->memsz + PAGE_SIZE - 1) & PAGE_MASK;
			if (qhi > lo) {
				err = vm_mprotect(mm, lo, PAGE_SIZE, prot | seg_prot(q->prot));
				lo += PAGE_SIZE;
			}
		}
		if (!err && lo < hi)
			err = vm_mprotect(mm, lo, hi - lo, prot);
	}
	return err;
}

static void random_bytes(u8 *b, size_t n)
{
	static u64 state = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < n; i++) {
		u64 x = __atomic_add_fetch(&state, arch_cycles() | 1, __ATOMIC_RELAXED);
		x ^= x >> 31;
		x *= 0xbf58476d1ce4e5b9ull;
		b[i] = (u8)(x >> 56);
	}
}

int process_exec(struct process *p, const char *path, const char *const *argv,
		 const char *const *envp, const char **why)
{
	static const char *no_reason = "";
	*why = no_reason;
	struct cpio_entry e;
	int err = initramfs_find(path, &e);
	if (err) {
		*why = "no such file in the initramfs";
		return err;
	}
	struct elf_image *im = kmalloc(sizeof(*im), GFP_ZERO);
	u8 *stack_image = kmalloc(EXEC_STACK_IMAGE_MAX, 0);
	if (!im || !stack_image) {
		err = -ENOMEM;
		goto out;
	}
	uintptr_t stack_top = USER_VA_END - PAGE_SIZE;
	uintptr_t limit = stack_top - USER_STACK_SIZE - MM_STACK_GAP;
	err = elf_parse(e.data, e.size, ARCH_ELF_MACHINE, limit, im, why);
	if (err)
		goto out;
	if (im->type == ET_DYN) {
		u64 align = MAX(im->max_align, (u64)PAGE_SIZE);
		err = elf_set_bias(im, (EXEC_DYN_BASE + align - 1) & ~(align - 1), limit, why);
		if (err)
			goto out;
	}
	err = load_segments(p, im, e.data);
	if (err) {
		*why = "mapping its segments";
		goto out;
	}
	mm_brk_init(p->mm, im->hi);

	uintptr_t sp;
	err = (int)map_stack(p->mm, &sp);
	if (err)
		goto out;
	u8 rnd[16];
	random_bytes(rnd, sizeof(rnd));
	struct exec_stack_args args = {
		.argv = argv,
		.envp = envp,
		.execfn = path,
		.random = rnd,
		.image = im,
		.page_size = PAGE_SIZE,
	};
	struct exec_stack st;
	err = exec_stack_build(stack_image, EXEC_STACK_IMAGE_MAX, sp, &args, &st);
	if (err) {
		*why = "its arguments and environment";
		goto out;
	}
	err = copy_into(p, st.sp, stack_image + EXEC_STACK_IMAGE_MAX - st.size, st.size, false);
	if (err)
		goto out;
	struct trap_frame start;
	arch_user_frame_init(&start, im->entry, st.sp);
	struct uthread *ut;
	err = uthread_create(p, &start, p->name, &ut);
	if (err >= 0)
		uthread_go(ut);
out:
	kfree(stack_image);
	kfree(im);
	return err;
}

#endif /* ARCH_HAS_USER_MODE */

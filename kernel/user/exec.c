/* Putting a program into a process (see exec.h). */
#include "arch/arch.h"
#ifdef ARCH_HAS_USER_MODE
#include "kernel/user/exec.h"
#include "kernel/errno.h"
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
static int copy_into(struct process *p, uintptr_t dst, const void *src, size_t len)
{
	kthread_use_mm(p->mm);
	int err = copy_to_user(dst, src, len);
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
	int err = copy_into(p, addr, code, len);
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

#endif /* ARCH_HAS_USER_MODE */
